package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What hasm demo writes, and how it refuses bad options. */
class DemoPairTest {

    @TempDir
    Path root;

    @Test
    void defaults() throws Exception {
        // the tuned timing by default, the patent's on request; --interval-ms and --counter refine either
        assertEquals(new DemoPair.Options(null, true, 7700, 50, 4, 5000, false), DemoPair.parse(new String[0]));
        assertEquals(new DemoPair.Options(null, true, 7700, 1000, 10, 5000, false),
                DemoPair.parse(new String[] {"--timing", "patent"}));
        assertEquals(new DemoPair.Options(null, true, 7700, 1000, 3, 5000, false),
                DemoPair.parse(new String[] {"--counter", "3", "--timing=patent"}));
        assertEquals(new DemoPair.Options(null, true, 7700, 80, 4, 5000, false),
                DemoPair.parse(new String[] {"--timing", "tuned", "--interval-ms", "80"}));
        assertEquals(new DemoPair.Options(Path.of("d"), false, 9000, 100, 5, 700, true), DemoPair.parse(new String[] {
            "--dir", "d", "--no-start", "--base-port=9000", "--interval-ms", "100", "--counter", "5",
            "--init-timeout-ms", "700", "--faults"}));
    }

    @Test
    void badOptionsNameTheOption() {
        String[][] cases = {
            {"--base-port", "65496"}, {"--base-port", "80"}, {"--base-port", "x"}, {"--interval-ms", "19"},
            {"--counter", "0"}, {"--init-timeout-ms", "0"}, {"--dir"}, {"--bogus"}, {"extra"}, {"--counter", "--faults"},
            {"--timing", "fast"}, {"--timing"},
        };
        for (String[] args : cases) {
            LaunchException e = assertThrows(LaunchException.class, () -> DemoPair.parse(args), String.join(" ", args));
            assertEquals(LaunchException.CONFIG, e.exitCode());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        LaunchException timing = assertThrows(LaunchException.class, () -> DemoPair.parse(new String[] {"--timing", "fast"}));
        assertEquals("--timing fast: must be tuned (50 ms x 4, the default) or patent (1000 ms x 10)", timing.getMessage());
    }

    private static Map<String, String> channel(Path dir, String scm, String of, String name) throws Exception {
        return PropertiesFile.read(dir.resolve("scm-" + scm + "/etc/org.hasm." + of + ".channel~" + name + ".cfg"));
    }

    @Test
    void writesTwoMirroredNodesWithOneKey() throws Exception {
        Path dir = DemoPair.write(DemoPair.parse(new String[] {"--dir", root.resolve("pair").toString(),
            "--base-port", "9000", "--interval-ms", "100", "--counter", "5"}));
        Map<String, String> a = PropertiesFile.read(dir.resolve("scm-a/etc/hasm.properties"));
        Map<String, String> b = PropertiesFile.read(dir.resolve("scm-b/etc/hasm.properties"));
        assertEquals("scm-a/MASTER/scm-b/9000", a.get("hasm.scm") + "/" + a.get("hasm.role") + "/" + a.get("hasm.peer")
                + "/" + a.get("org.osgi.service.http.port"));
        assertEquals("scm-b/SLAVE/scm-a/9001", b.get("hasm.scm") + "/" + b.get("hasm.role") + "/" + b.get("hasm.peer")
                + "/" + b.get("org.osgi.service.http.port"));
        assertFalse(a.containsKey("hasm.faults.enabled"));
        assertEquals("deploy", a.get("hasm.deploy.dir"));

        Map<String, String> statusA = PropertiesFile.read(dir.resolve("scm-a/etc/org.hasm.status.cfg"));
        Map<String, String> statusB = PropertiesFile.read(dir.resolve("scm-b/etc/org.hasm.status.cfg"));
        assertEquals("100/5/process", statusA.get("interval.ms") + "/" + statusA.get("counter.start") + "/"
                + statusA.get("fence.agent"));
        // each channel is a factory configuration of its own, mirrored on the other SCM
        assertEquals(Map.of("local", "127.0.0.1:9010", "peer", "127.0.0.1:9020"), channel(dir, "a", "status", "link"));
        assertEquals(Map.of("local", "127.0.0.2:9011", "peer", "127.0.0.2:9021"), channel(dir, "a", "status", "host"));
        assertEquals(Map.of("local", "127.0.0.1:9020", "peer", "127.0.0.1:9010"), channel(dir, "b", "status", "link"));
        assertEquals(Map.of("local", "127.0.0.1:9012", "peer", "127.0.0.1:9022", "order", "1"),
                channel(dir, "a", "link", "link"));
        assertEquals(Map.of("local", "127.0.0.2:9023", "peer", "127.0.0.2:9013", "order", "2"),
                channel(dir, "b", "link", "host"));
        assertEquals("5000", PropertiesFile.read(dir.resolve("scm-b/etc/org.hasm.controller.cfg")).get("init.peer.timeout.ms"));
        assertEquals(Map.ofEntries(Map.entry("name", "B"), Map.entry("home", "scm-b"), Map.entry("addresses", "127.0.3.2"),
                Map.entry("volumes", "vol-b"), Map.entry("export.http.files", "vol-b:/"), Map.entry("http.port", "9032"),
                Map.entry("example.port", "9031"), Map.entry("export.nfs.files", "vol-b:/"), Map.entry("nfs.port", "9035"),
                Map.entry("nfs.portmap.port", "9036"), Map.entry("export.smb.files", "vol-b:/"),
                Map.entry("smb.port", "9033"), Map.entry("smb.guest", "files")),
                PropertiesFile.read(dir.resolve("scm-a/etc/org.hasm.personality~b.cfg")));
        // the SMB user's password only in the operator's owner-only file; the SCMs get its NT hash
        Path auth = dir.resolve(DemoPair.SMB_AUTH);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(auth)));
        String password = Files.readString(auth, StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("password = ")).findFirst().orElseThrow().substring("password = ".length());
        String users = PropertiesFile.read(dir.resolve("scm-a/etc/org.hasm.nas.smb.cfg")).get("users");
        assertEquals("demo:" + NtHash.of(password) + ":" + System.getProperty("user.name"), users);
        assertEquals(users, PropertiesFile.read(dir.resolve("scm-b/etc/org.hasm.nas.smb.cfg")).get("users"));
        assertFalse(users.contains(password));
        // the shared storage: both SCMs use the same folder, each fences the other through its pid file
        // twice the networks' counter (100 ms x 5), and never under a second
        assertEquals(Map.of("kind", "disk", "dir", dir.resolve("shared/heartbeat").toString(), "counter", "10"),
                channel(dir, "b", "status", "disk"));
        assertEquals("process", statusB.get("fence.agent"));
        assertEquals(20, DemoPair.diskCounter(100, 10));
        assertEquals(20, DemoPair.diskCounter(50, 4));
        assertEquals(20, DemoPair.diskCounter(1000, 10));
        assertEquals(34, DemoPair.diskCounter(30, 2));
        assertEquals(dir.resolve("shared").toString(),
                PropertiesFile.read(dir.resolve("scm-b/etc/org.hasm.storage.cfg")).get("shared.dir"));
        assertEquals(dir.resolve("scm-b/hasm.pid").toString(),
                PropertiesFile.read(dir.resolve("scm-a/etc/org.hasm.fence.cfg")).get("fence.process.pidfile"));
        assertTrue(Files.isDirectory(dir.resolve("shared/heartbeat")));
        for (String volume : new String[] {"vol-a", "vol-b"}) {
            // every NFS client may write the demo's shares (root is squashed, mode bits are checked)
            assertEquals(01777, (Integer) Files.getAttribute(dir.resolve("shared/volumes").resolve(volume), "unix:mode") & 07777,
                    volume);
        }
        assertEquals(PropertiesFile.read(dir.resolve("scm-a/etc/org.hasm.personality~a.cfg")),
                PropertiesFile.read(dir.resolve("scm-b/etc/org.hasm.personality~a.cfg")));

        String key = Files.readString(dir.resolve("scm-a/etc/cluster.key"), StandardCharsets.US_ASCII);
        assertTrue(key.matches("[0-9a-f]{64}\n"), key);
        assertEquals(key, Files.readString(dir.resolve("scm-b/etc/cluster.key"), StandardCharsets.US_ASCII));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("scm-b/etc/cluster.key"))));
        assertTrue(Files.isDirectory(dir.resolve("scm-a/deploy")));

        // the pair's credentials, the same on both SCMs (a SLAVE redirects commands to the MASTER, and hasmctl
        // follows with the credential it has): an operate one for hasmctl, a read one for the demo's watch
        String tokenA = AdminAccess.readToken(dir.resolve("scm-a/etc/admin/operate/hasmctl.token"));
        String tokenB = AdminAccess.readToken(dir.resolve("scm-b/etc/admin/operate/hasmctl.token"));
        assertTrue(tokenA.length() >= AdminAccess.MIN_LENGTH && tokenA.equals(tokenB), "one token for the pair");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("scm-b/etc/admin/operate/hasmctl.token"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("scm-b/etc/admin/read/monitor.token"))));
        AdminAccess.readToken(dir.resolve("scm-a/etc/admin/read/monitor.token"));
    }

    @Test
    void faultsAreOnlyEnabledOnRequest() throws Exception {
        Path dir = DemoPair.write(DemoPair.parse(new String[] {"--dir", root.resolve("pair").toString(), "--faults"}));
        assertEquals("true", PropertiesFile.read(dir.resolve("scm-b/etc/hasm.properties")).get("hasm.faults.enabled"));
    }

    @Test
    void aFolderThatIsNotEmptyIsRefused() throws Exception {
        Files.createDirectories(root.resolve("pair"));
        // empty: fine
        DemoPair.write(DemoPair.parse(new String[] {"--dir", root.resolve("pair").toString()}));
        LaunchException e = assertThrows(LaunchException.class,
                () -> DemoPair.write(DemoPair.parse(new String[] {"--dir", root.resolve("pair").toString()})));
        assertEquals(LaunchException.CONFIG, e.exitCode());
        assertTrue(e.getMessage().startsWith(root.resolve("pair") + ": exists and is not empty"), e.getMessage());
    }
}
