package org.hasm.ctcm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.hasm.config.Typed;
import org.hasm.spi.HaException;
import org.hasm.spi.OpMode;
import org.hasm.spi.config.Commit;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CTCM driven as the controller and the link drive it, without a framework: what a configuration
 * received from elsewhere (the peer, the replica, a restore at power-up) may write, and what a start
 * applies after a commit a crash interrupted.
 */
class CtcmComponentTest {

    private static final String CONTROLLER = "deadline.opmode.ms=12000\n";
    private static final String OWN = "local=10.0.0.1:7000\n";
    /** A node's own file (its channel): never the pair's. */
    private static final String OWN_KEY = "org.hasm.status.channel~link";
    private static final String PATH_KEY = "../../outside/evil";

    @TempDir
    Path root;

    private Path etc;
    private Path data;
    private Path replicaDir;
    private final Fakes.Log log = new Fakes.Log();
    private final Fakes.Cm cm = new Fakes.Cm();
    private final List<CtcmComponent> active = new ArrayList<>();

    @BeforeEach
    void installed() throws IOException {
        etc = root.resolve("node/etc");
        data = root.resolve("node/data");
        replicaDir = root.resolve("shared/config");
        Files.createDirectories(etc);
        install("org.hasm.controller", CONTROLLER);
        install("org.hasm.personality~a", "name=A\nhome=scm-a\n");
        install(OWN_KEY, OWN);
    }

    @AfterEach
    void deactivate() {
        active.forEach(CtcmComponent::deactivate);
    }

    private void install(String key, String text) throws IOException {
        Files.writeString(etc.resolve(key + ".cfg"), text);
        cm.load(key, text);
    }

    private CtcmComponent component(String peer, PeerLink link, boolean replica) throws ReflectiveOperationException {
        return component(peer, link, replica, true);
    }

    /** @param storage whether the storage module runs (without shared storage: no replica unless replica.dir) */
    private CtcmComponent component(String peer, PeerLink link, boolean replica, boolean storage)
            throws ReflectiveOperationException {
        CtcmComponent c = new CtcmComponent();
        Fakes.inject(c, "log", log.logger());
        Fakes.inject(c, "node", Fakes.node("scm-a", peer, OpMode.MASTER, data));
        Fakes.inject(c, "configAdmin", cm.admin());
        Fakes.inject(c, "link", link);
        if (storage) {
            Fakes.inject(c, "storage", new VolumeManager() {
                @Override
                public Volume volume(String name) {
                    return null;
                }

                @Override
                public List<Volume> volumes() {
                    return List.of();
                }

                @Override
                public Path sharedFolder() {
                    return null;
                }
            });
        }
        Map<String, Object> config = new HashMap<>();
        if (replica) {
            config.put("replica.dir", replicaDir.toString());
        }
        c.activate(Typed.of(CtcmConfig.class, config), Fakes.bundleContext(Map.of("hasm.node.dir",
                root.resolve("node").toString())));
        active.add(c);
        return c;
    }

    /** Started and serving as SLAVE at generation 0 (the installed files), the replica written from here. */
    private CtcmComponent slave() throws Exception {
        CtcmComponent c = component("scm-b", null, true);
        c.init(Fakes.context());
        c.opMode(OpMode.SLAVE, null);
        assertEquals(0, c.fingerprint().generation());
        return c;
    }

    /** The configuration at generation 0 with one more file. */
    private Snapshot with(long generation, String key, String text) throws IOException {
        LocalDatabase db = new LocalDatabase(data.resolve("config"), etc, new PairFiles(List.of("org.hasm.*")), "x");
        TreeMap<String, byte[]> files = new TreeMap<>(Snapshot.decode(Files.readAllBytes(db.db()), "db").files());
        files.put(key, text.getBytes(StandardCharsets.UTF_8));
        return new Snapshot(generation, files);
    }

    private static byte[] apply(Snapshot s) {
        byte[] record = History.encode(new Commit(s.fingerprint(), Instant.now(), "admin", "f", Map.of(), "", List.of()));
        byte[] snapshot = s.encode();
        byte[] head = ("APPLY " + record.length + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[head.length + record.length + snapshot.length];
        System.arraycopy(head, 0, payload, 0, head.length);
        System.arraycopy(record, 0, payload, head.length, record.length);
        System.arraycopy(snapshot, 0, payload, head.length + record.length, snapshot.length);
        return payload;
    }

    /** Nothing of a refused configuration is written: the node's own file as installed, nothing beside etc/. */
    private void nothingWritten() throws IOException {
        assertEquals(OWN, Files.readString(etc.resolve(OWN_KEY + ".cfg")));
        assertEquals("10.0.0.1:7000", cm.get(OWN_KEY, "local"));
        assertTrue(Files.notExists(root.resolve("outside")), "written outside etc/");
        assertTrue(Files.notExists(data.resolve("config/db.next")));
        try (Stream<Path> all = Files.walk(root)) {
            assertTrue(all.noneMatch(p -> p.getFileName().toString().startsWith("evil")), "a file named by the path key");
        }
    }

    // ---- 1: a configuration not made here holds only this node's pair files ----

    @Test
    void anApplyFromThePeerHoldingANodeOwnFileIsRefusedNamingItAndNothingIsWritten() throws Exception {
        CtcmComponent c = slave();
        Snapshot s = with(1, OWN_KEY, "local=192.0.2.66:7000\n");
        String answer = new String(c.handle(apply(s)), StandardCharsets.UTF_8);
        assertTrue(answer.startsWith("refused: "), answer);
        assertTrue(answer.contains("'" + OWN_KEY + "'") && answer.contains("the peer"), answer);
        assertEquals(0, c.fingerprint().generation());
        nothingWritten();
        assertTrue(log.has("ERROR", OWN_KEY), log.lines.toString());
    }

    @Test
    void anApplyFromThePeerHoldingAPathIsRefusedNamingItAndNothingIsWrittenOutsideEtc() throws Exception {
        CtcmComponent c = slave();
        Snapshot s = with(1, PATH_KEY, "x=1\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.handle(apply(s)));
        assertTrue(e.getMessage().contains("'" + PATH_KEY + "'") && e.getMessage().contains("the MASTER's"),
                e.getMessage());
        assertEquals(0, c.fingerprint().generation());
        nothingWritten();
    }

    @Test
    void aCatchUpFromAReplicaHoldingANodeOwnFileOrAPathIsRefusedNamingIt() throws Exception {
        CtcmComponent c = slave();
        for (String key : List.of(OWN_KEY, PATH_KEY)) {
            Files.write(replicaDir.resolve("db"), with(1, key, "local=192.0.2.66:7000\n").encode());
            c.catchUp("test");
            assertEquals(0, c.fingerprint().generation(), key);
            nothingWritten();
            assertTrue(log.has("ERROR", "'" + key + "'", "the replica " + replicaDir.resolve("db")), log.lines.toString());
        }
    }

    @Test
    void aRestoreFromTheReplicaHoldingANodeOwnFileFailsInitNamingItAndNothingIsWritten() throws Exception {
        Files.createDirectories(replicaDir);
        // the database is created from the installed files first: generation 0, which gives way to the replica's 3
        CtcmComponent first = component(null, null, false);
        first.init(Fakes.context());
        Files.write(replicaDir.resolve("db"), with(3, OWN_KEY, "local=192.0.2.66:7000\n").encode());
        CtcmComponent c = component(null, null, true);
        HaException e = assertThrows(HaException.class, () -> c.init(Fakes.context()));
        assertTrue(e.getMessage().contains("'" + OWN_KEY + "'") && e.getMessage().contains("the replica"), e.getMessage());
        assertThrows(IllegalStateException.class, c::fingerprint);
        nothingWritten();
        assertEquals(0, Snapshot.decode(Files.readAllBytes(data.resolve("config/db")), "db").generation());
    }

    @Test
    void aRestoreFromTheReplicaHoldingAPathFailsInitNamingItAndNothingIsWritten() throws Exception {
        Files.createDirectories(replicaDir);
        CtcmComponent first = component(null, null, false);
        first.init(Fakes.context());
        Files.write(replicaDir.resolve("db"), with(3, PATH_KEY, "x=1\n").encode());
        CtcmComponent c = component(null, null, true);
        HaException e = assertThrows(HaException.class, () -> c.init(Fakes.context()));
        assertTrue(e.getMessage().contains("'" + PATH_KEY + "'") && e.getMessage().contains("the replica"), e.getMessage());
        nothingWritten();
    }

    @Test
    void aRestoreFromThePeerHoldingANodeOwnFileOrAPathFailsInitNamingItAndNothingIsWritten() throws Exception {
        CtcmComponent first = component(null, null, false);
        first.init(Fakes.context());
        for (String key : List.of(OWN_KEY, PATH_KEY)) {
            Snapshot theirs = with(3, key, "local=192.0.2.66:7000\n");
            PeerLink peer = Fakes.link((service, payload) -> {
                String text = new String(payload, StandardCharsets.UTF_8);
                return text.startsWith("FINGERPRINT") ? (theirs.fingerprint() + "\n").getBytes(StandardCharsets.UTF_8)
                        : theirs.encode();
            });
            CtcmComponent c = component("scm-b", peer, false);
            HaException e = assertThrows(HaException.class, () -> c.init(Fakes.context()), key);
            assertTrue(e.getMessage().contains("'" + key + "'") && e.getMessage().contains("peer"), e.getMessage());
            nothingWritten();
        }
    }

    @Test
    void withoutTheStorageModuleThePowerUpFailsRatherThanJudgingWithoutTheReplica() throws Exception {
        // replica.dir not set: the replica is config/ in the storage module's shared folder, unknown while that
        // module is away (updated in place); judging the power-up as if there were no replica could keep a stale
        // configuration, committing without one could lose the transaction
        CtcmComponent c = component(null, null, false, false);
        HaException e = assertThrows(HaException.class, () -> c.init(Fakes.context()));
        assertTrue(e.getMessage().contains("the storage module is not running"), e.getMessage());
    }

    // ---- 2: a commit completed at start reaches Configuration Admin ----

    @Test
    void aCommitCompletedAtStartIsAppliedToConfigurationAdminBeforeServing() throws Exception {
        CtcmComponent first = component(null, null, false);
        first.init(Fakes.context());
        // killed after db.next was durable, before any file in etc/ was written: the launcher then loads the old files
        Snapshot old = Snapshot.decode(Files.readAllBytes(data.resolve("config/db")), "db");
        TreeMap<String, byte[]> files = new TreeMap<>(old.files());
        files.put("org.hasm.controller", "deadline.opmode.ms=13000\n".getBytes(StandardCharsets.UTF_8));
        files.put("org.hasm.personality~b", "name=B\n".getBytes(StandardCharsets.UTF_8));
        files.remove("org.hasm.personality~a");
        AtomicFiles.write(data.resolve("config/db.next"), new Snapshot(1, files).encode(), "scm-a");
        assertEquals("12000", cm.get("org.hasm.controller", "deadline.opmode.ms"));

        CtcmComponent c = component(null, null, false);
        c.init(Fakes.context());
        assertEquals(1, c.fingerprint().generation());
        assertEquals("13000", cm.get("org.hasm.controller", "deadline.opmode.ms"));
        assertEquals(etc.resolve("org.hasm.controller.cfg").toString(), cm.get("org.hasm.controller", CtcmComponent.SOURCE));
        assertEquals("B", cm.get("org.hasm.personality~b", "name"));
        assertNull(cm.store.get("org.hasm.personality~a"));
        assertEquals("10.0.0.1:7000", cm.get(OWN_KEY, "local"));
        assertTrue(log.has("WARN", "interrupted by a crash", "org.hasm.controller"), log.lines.toString());
    }

    // ---- 3: temporary files on the shared storage ----

    @Test
    void aStartRemovesItsOwnLeftoverTemporariesInTheReplicaAndTheHistoryNotThePeers() throws Exception {
        Path history = data.resolve("config/history");
        Files.createDirectories(replicaDir);
        Files.createDirectories(history);
        Path mine = Files.writeString(replicaDir.resolve(".db.scm-a.1f2e.tmp"), "half");
        Path theirs = Files.writeString(replicaDir.resolve(".db.scm-b.1f2e.tmp"), "being written");
        Path myRecord = Files.writeString(history.resolve(".00000000000000000003.scm-a.77.tmp"), "half");
        CtcmComponent c = component(null, null, true);
        c.init(Fakes.context());
        c.history(); // waits for the thread that writes the history, which removes its leftovers first
        assertTrue(Files.notExists(mine));
        assertTrue(Files.notExists(myRecord));
        assertTrue(Files.exists(theirs), "the peer's write under way was removed");
    }
}
