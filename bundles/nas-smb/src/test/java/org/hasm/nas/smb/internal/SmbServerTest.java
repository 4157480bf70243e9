package org.hasm.nas.smb.internal;

import static org.hasm.nas.smb.internal.SmbFixture.await;
import static org.hasm.nas.smb.internal.SmbFixture.smbclient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.hasm.nas.smb.internal.SmbFixture.LoopbackAddresses;
import org.hasm.nas.smb.internal.SmbFixture.RecordingEvents;
import org.hasm.nas.smb.internal.SmbFixture.TestExport;
import org.hasm.nas.smb.internal.SmbFixture.TestPersonality;
import org.hasm.nas.smb.internal.SmbFixture.TestVolume;
import org.hasm.spi.Export;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SMB core with a real smbd on a loopback address: users, guests and read-only shares as
 * smbclient sees them, a crash of smbd alone, a volume lost while smbd serves it, and no smbd left
 * behind.
 */
class SmbServerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path work;

    private String address;
    private int port;
    private TestVolume volume;
    private TestPersonality personality;
    private LoopbackAddresses addresses;
    private RecordingEvents events;
    private SmbServer server;
    private Samba samba;

    @BeforeEach
    void setUp() throws Exception {
        SmbFixture.requireSamba();
        address = "127.0.5." + ThreadLocalRandom.current().nextInt(2, 250);
        port = SmbFixture.freePort(address);
        Path root = Files.createDirectories(work.resolve("shared/vol-t"));
        Files.createDirectories(root.resolve("rw"));
        Files.createDirectories(root.resolve("pub"));
        Files.createDirectories(root.resolve("ro"));
        Files.writeString(root.resolve("ro/readme.txt"), "read me", StandardCharsets.UTF_8);
        volume = new TestVolume("vol-t", root);
        List<Export> exports = List.of(new TestExport("rw", "vol-t", "rw", false),
                new TestExport("pub", "vol-t", "pub", false), new TestExport("ro", "vol-t", "ro", true));
        personality = new TestPersonality("T", List.of(address), List.of("vol-t"), exports,
                Map.of(SharePlan.PORT, Integer.toString(port), SharePlan.GUEST, "pub"));
        SmbSettings settings = new SmbSettings("smbd", "pdbedit",
                SmbUser.parse("alice:" + SmbFixture.PASSWORD_HASH + ":" + System.getProperty("user.name")), "nobody", 5000,
                400, 100, 2000, 1);
        addresses = new LoopbackAddresses(address);
        events = new RecordingEvents();
        samba = new Samba(settings);
        samba.check();
        server = new SmbServer(work.resolve("data/smb"), settings, 400, name -> name.equals("vol-t") ? volume : null,
                addresses.service, events, System.getProperty("user.name"), null);
        server.prepare(List.of(personality), samba);
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.stopServing();
        }
        if (addresses != null) {
            addresses.close();
        }
        if (server != null) {
            // nothing of this test may outlive it, whatever it did
            List<Long> left = Processes.smbdOn(conf());
            Processes.stopAll(conf(), true, System.nanoTime() + 5_000_000_000L);
            assertEquals(List.of(), left, "smbd left running after the test");
        }
    }

    private Path conf() {
        return server.dir("T").resolve(SmbConf.CONF).toAbsolutePath().normalize();
    }

    private void awaitServing(int starts) {
        await("smbd of T serving (start " + starts + ")", WAIT, () -> {
            Smbd s = server.smbd("T");
            return s != null && s.serving() && s.starts() >= starts;
        }, () -> events.events);
    }

    @Test
    void usersGuestsAndReadOnlySharesGetWhatSmbclientExpects() throws Exception {
        server.reconcile(List.of(personality));
        awaitServing(1);
        Path local = Files.writeString(work.resolve("local.txt"), "through SMB", StandardCharsets.UTF_8);
        Path back = work.resolve("back.txt");

        Commands.Result r = smbclient(address, port, "rw", "alice%password", "put " + local + " a.txt; rename a.txt b.txt;"
                + " get b.txt " + back + "; ls");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("b.txt"), r.output());
        assertEquals("through SMB", Files.readString(back, StandardCharsets.UTF_8));
        assertEquals("through SMB", Files.readString(volume.root.resolve("rw/b.txt"), StandardCharsets.UTF_8));
        r = smbclient(address, port, "rw", "alice%password", "del b.txt; ls");
        assertEquals(0, r.exit(), r.output());
        assertFalse(Files.exists(volume.root.resolve("rw/b.txt")));

        r = smbclient(address, port, "rw", "alice%wrong", "ls");
        assertTrue(r.output().contains("NT_STATUS_LOGON_FAILURE"), "a wrong password: " + r.output());
        r = smbclient(address, port, "ro", "alice%password", "get readme.txt " + back + "; put " + local + " x.txt");
        assertTrue(r.output().contains("NT_STATUS_ACCESS_DENIED opening remote file \\x.txt"), "put to ro: " + r.output());
        assertEquals("read me", Files.readString(back, StandardCharsets.UTF_8));
        assertFalse(Files.exists(volume.root.resolve("ro/x.txt")));

        r = smbclient(address, port, "pub", null, "put " + local + " g.txt; ls");
        assertEquals(0, r.exit(), "a guest in a guest share: " + r.output());
        assertTrue(Files.exists(volume.root.resolve("pub/g.txt")));
        r = smbclient(address, port, "rw", null, "ls");
        assertTrue(r.output().contains("NT_STATUS_ACCESS_DENIED"), "a guest in a share without guests: " + r.output());
        r = smbclient(address, port, "nosuch", "alice%password", "ls");
        assertTrue(r.output().contains("NT_STATUS_BAD_NETWORK_NAME"), "a share that does not exist: " + r.output());

        server.stopServing();
        assertEquals(List.of(), Processes.smbdOn(conf()), "smbd after stopServing");
        assertTrue(events.has("SMBD_STOPPED {forcibly=false"), events.events.toString());
    }

    @Test
    void smbdKilledAloneIsRestartedAndServesAgain() throws Exception {
        server.reconcile(List.of(personality));
        awaitServing(1);
        long first = server.smbd("T").pid();
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        awaitServing(2);
        assertTrue(server.smbd("T").pid() != first);
        assertTrue(events.has("SMBD_EXITED"), events.events.toString());
        Commands.Result r = smbclient(address, port, "rw", "alice%password", "ls");
        assertEquals(0, r.exit(), r.output());
    }

    @Test
    void aVolumeNoLongerOwnedEndsSmbdAtOnceAndItComesBackWithTheVolume() throws Exception {
        server.reconcile(List.of(personality));
        awaitServing(1);
        volume.owned.set(false);
        await("no smbd once the volume is not owned, and the fence reported", WAIT,
                () -> Processes.smbdOn(conf()).isEmpty() && events.has("FENCED"), () -> events.events);
        Commands.Result r = smbclient(address, port, "rw", "alice%password", "ls");
        assertTrue(r.exit() != 0, "served without the volume: " + r.output());
        volume.owned.set(true);
        awaitServing(2);
        r = smbclient(address, port, "rw", "alice%password", "ls");
        assertEquals(0, r.exit(), r.output());
    }

    @Test
    void anSmbdLeftByAPreviousRunIsStoppedAndAStrangerIsNot() throws Exception {
        // what a JVM killed between starting smbd and its watchdog would leave: smbd on the personality's conf
        Path dir = server.dir("T");
        SharePlan plan = SharePlan.of(personality, name -> volume);
        Files.writeString(conf(), SmbConf.text(dir, "T", plan, samba.settings(), System.getProperty("user.name")),
                StandardCharsets.UTF_8);
        Process left = new ProcessBuilder("setsid", "smbd", "--foreground", "--no-process-group", "--debug-stdout", "-s",
                conf().toString()).redirectErrorStream(true).redirectOutput(work.resolve("left.log").toFile()).start();
        // a stranger whose command line names the same file
        Process stranger = new ProcessBuilder("bash", "-c", "read -t 60 x", "smbd", "-s", conf().toString())
                .redirectErrorStream(true).start();
        try {
            await("the leftover smbd to run", WAIT, () -> Processes.smbdOn(conf()).contains(left.pid()),
                    () -> Processes.smbdOn(conf()));
            server.prepare(List.of(personality), samba);
            await("the leftover to be gone", WAIT, () -> !left.isAlive(), () -> Processes.smbdOn(conf()));
            assertTrue(events.has("LEFTOVER_STOPPED"), events.events.toString());
            assertTrue(stranger.isAlive(), "a process that is not smbd was killed");
        } finally {
            left.destroyForcibly();
            stranger.destroyForcibly();
        }
    }
}
