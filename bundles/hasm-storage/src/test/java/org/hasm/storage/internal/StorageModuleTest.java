package org.hasm.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.spi.HaException;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.StorageListener;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeProblem;
import org.hasm.spi.storage.VolumeProblem.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage module of two SCMs on one shared folder, each asking the other's module directly
 * where the link would carry the question; the disk under each can be switched to refuse writes.
 */
class StorageModuleTest {

    @TempDir
    Path shared;

    private final List<StorageModule> modules = new ArrayList<>();
    private final Map<String, StorageModule> byName = new ConcurrentHashMap<>();
    private final Map<String, FailingDisk> disks = new ConcurrentHashMap<>();
    private final Map<String, List<String>> logs = new ConcurrentHashMap<>();
    private final List<Map<String, Object>> eventsA = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> eventsB = new CopyOnWriteArrayList<>();
    // Set by a test: the link carries no question.
    private volatile boolean linkCut;

    private final TestContext.TestPersonality personalityA = new TestContext.TestPersonality("A", "scm-a", List.of("a-data", "a-logs"));
    private final TestContext.TestPersonality personalityB = new TestContext.TestPersonality("B", "scm-b", List.of("b-data"));

    @AfterEach
    void shutDownModules() {
        modules.forEach(StorageModule::close);
    }

    private StorageModule module(String scm, List<Map<String, Object>> events, Map<String, Object> config) {
        String peer = scm.equals("scm-a") ? "scm-b" : "scm-a";
        StorageSettings s = StorageSettings.of(config(config), scm, peer);
        List<String> log = logs.computeIfAbsent(scm, k -> new CopyOnWriteArrayList<>());
        StorageModule m = new StorageModule(() -> s, new StorageModule.Sink() {
            @Override
            public void event(Map<String, Object> properties) {
                events.add(properties);
            }

            @Override
            public void log(VolumeStore.Level level, String message, Throwable error) {
                log.add(level + " " + message);
            }
        }, (question, timeout) -> {
            StorageModule other = byName.get(peer);
            if (linkCut || other == null) {
                throw new IOException("no channel delivered an answer within " + timeout.toMillis() + " ms");
            }
            return Resolver.decode(other.answer(Resolver.encode(question)));
        }, (dir, name) -> disks.computeIfAbsent(name, n -> new FailingDisk(dir, n)));
        modules.add(m);
        byName.put(scm, m);
        return m;
    }

    private StorageModule module(String scm, List<Map<String, Object>> events) {
        return module(scm, events, Map.of("shared.dir", shared.toString(), "check.interval.ms", 20L, "lease.ms", 2000L));
    }

    private static List<String> names(List<Volume> volumes) {
        return volumes.stream().map(Volume::name).toList();
    }

    private static long steps(List<Map<String, Object>> events, String step, String volume) {
        return events.stream().filter(e -> step.equals(e.get("step")) && volume.equals(e.get("volume"))).count();
    }

    private OwnerRecord record(String volume) throws IOException {
        return RecordFiles.read(shared.resolve("owners").resolve(volume), volume);
    }

    /** Records every list a listener is told. */
    private static final class Told implements StorageListener {
        final List<List<VolumeProblem>> lists = new CopyOnWriteArrayList<>();

        @Override
        public void storageChanged(List<VolumeProblem> problems) {
            lists.add(problems);
        }

        List<VolumeProblem> last() {
            return lists.isEmpty() ? List.of() : lists.get(lists.size() - 1);
        }

        boolean lastHas(String volume, Kind kind) {
            return last().stream().anyMatch(p -> p.volume().equals(volume) && p.kind() == kind);
        }
    }

    /** A (volumes a-data, a-logs) and B (b-data) in DAC. */
    private StorageModule[] pairInDac(TestContext ctxA, TestContext ctxB) throws HaException {
        StorageModule a = module("scm-a", eventsA);
        StorageModule b = module("scm-b", eventsB);
        a.init(ctxA);
        b.init(ctxB);
        a.test();
        b.test();
        ctxA.serve(personalityA);
        ctxB.serve(personalityB);
        a.opMode(OpMode.MASTER, SysConfig.DAC);
        b.opMode(OpMode.SLAVE, SysConfig.DAC);
        return new StorageModule[] {a, b};
    }

    @Test
    void failoverTakesThePeersVolumesAndFailbackGivesThemBack() throws Exception {
        TestContext ctxA = new TestContext("scm-a");
        StorageModule a = module("scm-a", eventsA);
        a.init(ctxA);
        a.test();
        ctxA.serve(personalityA);
        a.opMode(OpMode.MASTER, SysConfig.DAC);
        assertEquals(List.of("a-data", "a-logs"), names(a.volumes()));

        TestContext ctxB = new TestContext("scm-b");
        StorageModule b = module("scm-b", eventsB);
        b.init(ctxB);
        ctxB.serve(personalityB);
        b.opMode(OpMode.SLAVE, SysConfig.DAC);
        Volume bData = b.volume("b-data");
        bData.fence();

        // B dies; the status monitor said so; A takes B's personality over
        ctxA.serve(personalityA, personalityB);
        a.opMode(OpMode.MASTER, SysConfig.DEGRADED);
        assertEquals(List.of("a-data", "a-logs", "b-data"), names(a.volumes()));
        assertEquals(2, a.volume("b-data").epoch());
        assertEquals(Map.of("scm", "scm-a", "volume", "b-data", "epoch", 2L, "owner", "scm-a", "step", "acquired",
                "reason", "taken over from scm-b (epoch 1)"), eventsA.get(eventsA.size() - 1));
        Await.until("B's watchdog sees it lost b-data", () -> !ctxB.panics.isEmpty(), () -> eventsB);
        assertEquals(List.of("volume b-data taken over by scm-a at epoch 2 (ours was 1)"), ctxB.panics);
        assertThrows(FencedException.class, bData::fence);
        assertTrue(eventsB.stream().anyMatch(e -> e.get("step").equals("lost") && e.get("owner").equals("scm-a")
                && e.get("epoch").equals(2L)), eventsB.toString());

        // B reboots (stop, shutDown, init) and comes back; A hands B's personality back (FAILBACK)
        b.stop();
        b.shutDown();
        Volume bDataOnA = a.volume("b-data");
        ctxA.serve(personalityA);
        a.opMode(OpMode.MASTER, SysConfig.DAC);
        assertEquals(List.of("a-data", "a-logs"), names(a.volumes()));
        assertEquals(Map.of("scm", "scm-a", "volume", "b-data", "epoch", 2L, "owner", "", "step", "released"),
                eventsA.get(eventsA.size() - 1));
        assertFalse(bDataOnA.owned());
        assertThrows(FencedException.class, bDataOnA::fence);
        assertEquals("refused", eventsA.get(eventsA.size() - 1).get("step"));

        ctxB.panics.clear();
        b.init(ctxB);
        b.opMode(OpMode.SLAVE, SysConfig.DAC);
        assertEquals(3, b.volume("b-data").epoch());
        b.volume("b-data").fence();
        assertTrue(ctxA.panics.isEmpty(), "a released volume taken by its home SCM is no reason to panic");
    }

    @Test
    void stopReleasesEverythingAndShutDownStopsTheThreads() throws Exception {
        TestContext ctx = new TestContext("scm-a");
        StorageModule a = module("scm-a", eventsA);
        a.init(ctx);
        ctx.serve(personalityA);
        a.opMode(OpMode.MASTER, SysConfig.DAC);
        Volume v = a.volume("a-data");
        a.stop();
        assertTrue(a.volumes().isEmpty());
        assertThrows(FencedException.class, v::fence);
        assertEquals("", record("a-data").owner());
        a.shutDown();
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("hasm-storage-")));
        assertNull(a.volume("a-data"));
    }

    @Test
    void withoutSharedStorageItRunsIdleUnlessAPersonalityHasVolumes() throws Exception {
        TestContext ctx = new TestContext("scm-a");
        StorageModule a = module("scm-a", eventsA, Map.of());
        a.init(ctx);
        a.test();
        ctx.serve(new TestContext.TestPersonality("A", "scm-a", List.of()));
        a.opMode(OpMode.MASTER, SysConfig.DAC);
        assertTrue(a.volumes().isEmpty());

        ctx.serve(personalityA);
        HaException e = assertThrows(HaException.class, () -> a.opMode(OpMode.MASTER, SysConfig.DAC));
        assertTrue(e.getMessage().contains("shared.dir is not set, but personality A has volumes a-data, a-logs"), e.getMessage());
    }

    @Test
    void badConfigurationFailsInitNamingTheProperty() {
        TestContext ctx = new TestContext("scm-a");
        HaException e = assertThrows(HaException.class,
                () -> module("scm-a", eventsA, Map.of("shared.dir", shared.toString(), "check.interval.ms", "fast")).init(ctx));
        assertTrue(e.getMessage().contains("check.interval.ms: 'fast' is not a whole number"), e.getMessage());
        e = assertThrows(HaException.class,
                () -> module("scm-a", eventsA, Map.of("shared.dir", shared.resolve("absent").toString())).init(ctx));
        assertTrue(e.getMessage().contains("shared.dir=") && e.getMessage().contains("absent"), e.getMessage());
    }

    @Test
    void aPersonalityWithAnInvalidVolumeNameFailsOpMode() throws Exception {
        TestContext ctx = new TestContext("scm-a");
        StorageModule a = module("scm-a", eventsA);
        a.init(ctx);
        ctx.serve(new TestContext.TestPersonality("A", "scm-a", List.of("../etc")));
        HaException e = assertThrows(HaException.class, () -> a.opMode(OpMode.MASTER, SysConfig.DAC));
        assertTrue(e.getMessage().contains("personality A") && e.getMessage().contains("'../etc'"), e.getMessage());
    }

    // ---- a full storage ----

    @Test
    void aFullStorageDuringFailoverKeepsItsOwnVolumesAndTakesThePeersAsSoonAsThereIsSpace() throws Exception {
        TestContext ctxA = new TestContext("scm-a");
        TestContext ctxB = new TestContext("scm-b");
        StorageModule a = pairInDac(ctxA, ctxB)[0];
        Told told = new Told();
        a.addListener(told);

        // B crashes (its record still names it) while the shared storage is full
        FailingDisk disk = disks.get("scm-a");
        disk.failure = FailingDisk.FULL;
        disk.usable = 0;
        ctxA.serve(personalityA, personalityB);
        a.opMode(OpMode.MASTER, SysConfig.DEGRADED); // does not throw: a full storage is no fault of this SCM

        a.volume("a-data").fence(); // its own volumes stay served
        Volume waiting = a.volume("b-data");
        assertNotNull(waiting, "a volume waiting for the storage is there for a service to open");
        assertFalse(waiting.owned());
        FencedException refused = assertThrows(FencedException.class, waiting::fence);
        assertTrue(refused.getMessage().contains("No space left on device"), refused.getMessage());
        assertEquals(List.of("a-data", "a-logs"), names(a.volumes()));
        Await.until("the listener is told: b-data not acquired, the storage full",
                () -> told.lastHas("b-data", Kind.NOT_ACQUIRED) && told.lastHas("b-data", Kind.FULL), () -> told.lists);
        assertFalse(told.last().stream().anyMatch(VolumeProblem::peerCanWrite), "full for one is full for both");
        // retried every round, reported once
        int writes = disk.writes.get();
        Await.until("a few retries", () -> disk.writes.get() > writes + 5, () -> eventsA);
        long pendingEvents = steps(eventsA, "pending", "b-data");

        disk.failure = null;
        disk.usable = 10L << 20;
        Await.until("b-data acquired once there is space", () -> a.volume("b-data") != null && a.volume("b-data").owned(),
                () -> eventsA);
        assertEquals(2, a.volume("b-data").epoch());
        a.volume("b-data").fence();
        Await.until("the listener is told everything is fine", () -> told.last().isEmpty(), () -> told.lists);
        assertEquals(1, pendingEvents, "one event while it waited: " + eventsA);
        assertEquals(1, steps(eventsA, "unwritable", "b-data"), eventsA.toString());
        assertEquals(1, steps(eventsA, "writable", "b-data"), eventsA.toString());
        assertTrue(ctxA.panics.isEmpty());
    }

    @Test
    void aFullVolumeIsReportedOnceAndNeverHandedOver() throws Exception {
        TestContext ctxA = new TestContext("scm-a");
        StorageModule a = pairInDac(ctxA, new TestContext("scm-b"))[0];
        Told told = new Told();
        a.addListener(told);
        FailingDisk disk = disks.get("scm-a");
        disk.usable = 100;
        Volume v = a.volume("a-data");
        for (int i = 0; i < 50; i++) {
            assertEquals(Kind.FULL, v.writeFailed(FailingDisk.error(FailingDisk.FULL)));
        }
        assertNull(v.writeFailed(new IOException("File name too long")), "not a fault of the storage");
        assertEquals(1, steps(eventsA, "unwritable", "a-data"), eventsA.toString());
        assertEquals(1, logs.get("scm-a").stream().filter(l -> l.contains("a-data is full")).count(), logs.toString());
        Await.until("the listener is told", () -> told.lastHas("a-data", Kind.FULL), () -> told.lists);

        // a few bytes freed do not end it (the next write would fill them again); a real amount does
        disk.usable = 100 + 1000;
        int probes = disk.probes.get();
        Await.until("a few rounds", () -> disk.probes.get() > probes + 5, () -> told.lists);
        assertEquals(0, steps(eventsA, "writable", "a-data"));
        disk.usable = 100 + (2L << 20);
        Await.until("space is free again", () -> steps(eventsA, "writable", "a-data") == 1, () -> eventsA);
        Await.until("the listener is told", () -> told.last().isEmpty(), () -> told.lists);
        assertTrue(told.lists.stream().flatMap(List::stream).noneMatch(VolumeProblem::peerCanWrite));
    }

    // ---- a read-only storage ----

    @Test
    void aReadOnlyStorageIsReportedOnceAndThePeerThatCanWriteItIsNamed() throws Exception {
        TestContext ctxA = new TestContext("scm-a");
        StorageModule a = pairInDac(ctxA, new TestContext("scm-b"))[0];
        Told told = new Told();
        a.addListener(told);
        FailingDisk disk = disks.get("scm-a");
        disk.failure = FailingDisk.READ_ONLY;
        Volume v = a.volume("a-data");
        for (int i = 0; i < 100; i++) {
            assertEquals(Kind.READ_ONLY, v.writeFailed(FailingDisk.error(FailingDisk.READ_ONLY)), "answered 503");
        }
        Await.until("the peer said it can write a-data", () -> told.last().stream()
                .anyMatch(p -> p.volume().equals("a-data") && p.kind() == Kind.READ_ONLY && p.peerCanWrite()),
                () -> told.lists);
        assertEquals(1, steps(eventsA, "unwritable", "a-data"), "one event for a hundred failed writes: " + eventsA);
        assertEquals(1, logs.get("scm-a").stream().filter(l -> l.contains("a-data is read-only for this SCM")).count());

        // the storage takes writes again: one event, one line, and nothing is left to tell
        disk.failure = null;
        Await.until("the storage takes writes again", () -> steps(eventsA, "writable", "a-data") == 1, () -> eventsA);
        Await.until("the listener is told", () -> told.last().isEmpty(), () -> told.lists);
        assertEquals(1, steps(eventsA, "unwritable", "a-data"));
        assertTrue(ctxA.panics.isEmpty());
    }

    @Test
    void aPeerThatCannotWriteEitherIsNotNamed() throws Exception {
        TestContext ctxA = new TestContext("scm-a");
        StorageModule a = pairInDac(ctxA, new TestContext("scm-b"))[0];
        Told told = new Told();
        a.addListener(told);
        disks.get("scm-a").failure = FailingDisk.IO;
        disks.get("scm-b").failure = FailingDisk.IO;
        assertEquals(Kind.IO_ERROR, a.volume("a-data").writeFailed(FailingDisk.error(FailingDisk.IO)));
        Await.until("the peer was asked", () -> logs.get("scm-a").stream().anyMatch(l -> l.contains("cannot write it either")),
                () -> logs);
        assertTrue(told.last().stream().anyMatch(p -> p.kind() == Kind.IO_ERROR && !p.peerCanWrite()), told.lists.toString());
    }

    @Test
    void aStorageReadOnlyAtBootPassesTheTestAndItsVolumesWait() throws Exception {
        TestContext ctx = new TestContext("scm-a");
        StorageModule a = module("scm-a", eventsA);
        a.init(ctx);
        disks.get("scm-a").failure = FailingDisk.READ_ONLY;
        a.test(); // the storage's fault, not this SCM's: the peer may serve meanwhile
        ctx.serve(personalityA);
        a.opMode(OpMode.MASTER, SysConfig.DAC);
        assertFalse(a.volume("a-data").owned());
        disks.get("scm-a").failure = null;
        Await.until("acquired once the storage takes writes", () -> a.volume("a-data").owned(), () -> eventsA);
    }

    // ---- unreadable records ----

    @Test
    void aRecordDamagedUnderItsOwnerIsReassertedAtAHigherEpochOnceThePeerSaysItDoesNotHoldIt() throws Exception {
        TestContext ctxA = new TestContext("scm-a");
        StorageModule a = pairInDac(ctxA, new TestContext("scm-b"))[0];
        Volume before = a.volume("a-data");
        assertEquals(1, before.epoch());
        Path file = shared.resolve("owners/a-data");
        byte[] bytes = Files.readAllBytes(file);
        System.arraycopy("garbage".getBytes(StandardCharsets.US_ASCII), 0, bytes, 10, 7); // 7 bytes over it
        Files.write(file, bytes);

        // the event is posted after the new ownership is in place: waited for too
        Await.until("a-data re-asserted", () -> a.volume("a-data") != null && a.volume("a-data").epoch() == 2
                && a.volume("a-data").owned() && eventsA.stream().anyMatch(e -> "reasserted".equals(e.get("step"))),
                () -> eventsA);
        a.volume("a-data").fence();
        assertEquals(new OwnerRecord("a-data", "scm-a", 2, record("a-data").incarnation(), record("a-data").time()),
                record("a-data"));
        assertThrows(FencedException.class, before::fence, "the old ownership is over");
        assertTrue(ctxA.panics.isEmpty(), "re-asserting is no takeover: " + ctxA.panics);
        Map<String, Object> reasserted = eventsA.stream().filter(e -> "reasserted".equals(e.get("step"))).findFirst()
                .orElseThrow(() -> new AssertionError("no reasserted event: " + eventsA));
        assertTrue(String.valueOf(reasserted.get("reason")).contains("scm-b does not hold it"), reasserted.toString());
        assertEquals(1, steps(eventsA, "unreadable", "a-data"), eventsA.toString());
    }

    @Test
    void withThePeerUnreachableADamagedRecordWaitsForTheFenceAndLeaseRules() throws Exception {
        TestContext ctxA = new TestContext("scm-a");
        StorageModule a = pairInDac(ctxA, new TestContext("scm-b"))[0];
        Told told = new Told();
        a.addListener(told);
        linkCut = true;
        Path file = shared.resolve("owners/a-data");
        Files.writeString(file, "garbage");

        Await.until("the problem names the volume and why it waits", () -> told.last().stream().anyMatch(p ->
                p.volume().equals("a-data") && p.kind() == Kind.RECORD_UNREADABLE
                        && p.reason().contains(file.toString()) && p.reason().contains("the peer cannot be asked")),
                () -> told.lists);
        assertEquals("garbage", Files.readString(file), "nothing is written without the peer's word");
        assertThrows(FencedException.class, () -> a.volume("a-data").fence());

        // the status monitor declares the peer dead (fenced, or its lease ran out): FAILOVER
        ctxA.serve(personalityA, personalityB);
        a.opMode(OpMode.MASTER, SysConfig.DEGRADED);
        Await.until("a-data re-asserted without the peer", () -> a.volume("a-data") != null
                && a.volume("a-data").epoch() == 2 && a.volume("a-data").owned(), () -> eventsA);
        assertEquals("scm-a", record("a-data").owner());
        assertEquals(2, a.volume("b-data").epoch());
        Await.until("nothing left to tell", () -> told.last().isEmpty(), () -> told.lists);
    }

    @Test
    void aDamagedRecordOfAVolumeToAcquireIsSettledWithThePeerAndTakenAboveItsLastEpoch() throws Exception {
        TestContext ctxB = new TestContext("scm-b");
        StorageModule b = module("scm-b", eventsB);
        b.init(ctxB);
        ctxB.serve(personalityB);
        b.opMode(OpMode.SLAVE, SysConfig.DAC);

        TestContext ctx = new TestContext("scm-a");
        StorageModule a = module("scm-a", eventsA);
        a.init(ctx);
        Files.writeString(shared.resolve("owners/a-logs"), "owner=scm-a\nepoch=7\nche\u0000k=");
        ctx.serve(personalityA);
        a.opMode(OpMode.MASTER, SysConfig.DAC); // the other volume is served at once; a-logs waits
        a.volume("a-data").fence();
        Await.until("a-logs taken above the epoch its damaged record still shows", () -> a.volume("a-logs") != null
                && a.volume("a-logs").owned(), () -> eventsA);
        assertEquals(8, a.volume("a-logs").epoch());
        assertEquals(1, steps(eventsA, "pending", "a-logs"), eventsA.toString());
        assertTrue(ctx.panics.isEmpty());
    }

    @Test
    void theModuleAnswersThePeersQuestions() throws Exception {
        TestContext ctxA = new TestContext("scm-a");
        StorageModule a = pairInDac(ctxA, new TestContext("scm-b"))[0];
        Map<String, String> held = Resolver.decode(a.answer(Resolver.encode(Map.of("q", "holds", "volume", "a-data"))));
        assertEquals(Map.of("scm", "scm-a", "holds", "true", "wants", "false", "epoch", "1"), held);
        Map<String, String> free = Resolver.decode(a.answer(Resolver.encode(Map.of("q", "holds", "volume", "b-data"))));
        assertEquals(Map.of("scm", "scm-a", "holds", "false", "wants", "false", "epoch", "0"), free);
        assertEquals("true", Resolver.decode(a.answer(Resolver.encode(Map.of("q", "probe", "volume", "b-data"))))
                .get("writable"));
        disks.get("scm-a").failure = FailingDisk.READ_ONLY;
        Map<String, String> ro = Resolver.decode(a.answer(Resolver.encode(Map.of("q", "probe", "volume", "b-data"))));
        assertEquals("false", ro.get("writable"));
        assertTrue(ro.get("reason").contains("read-only"), ro.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.answer(Resolver.encode(Map.of("q", "holds", "volume", "../x"))));
        assertTrue(e.getMessage().contains("'../x'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.answer("no equals sign".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("not key=value"), e.getMessage());
    }

    @Test
    void settingsAreValidated() throws IOException {
        StorageSettings s = StorageSettings.of(config(Map.of()), "scm-a", null);
        assertEquals(List.of(), s.problems());
        assertEquals(50, s.checkIntervalMs(), "the tuned timing");
        assertEquals(200, s.leaseMs());
        assertNull(s.sharedDir());
        s = StorageSettings.of(config(Map.of("shared.dir", "relative/dir", "check.interval.ms", 5, "lease.ms", "60")),
                "scm-a", null);
        assertEquals(List.of("shared.dir: 'relative/dir' is not an absolute path",
                "check.interval.ms: '5' is out of range 10..60000",
                "lease.ms: '60' must be at least twice check.interval.ms=50"), s.problemLines());
    }

    /** The configuration as Declarative Services hands it to the component: a missing key gives the default. */
    static StorageConfig config(Map<String, ?> p) {
        return org.hasm.config.Typed.of(StorageConfig.class, p);
    }
}
