package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.hasm.admin.internal.DeployRoute.Installed;
import org.hasm.spi.Call;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeployRouteTest {

    @TempDir
    Path dir;

    private final List<Installed> installed = new ArrayList<>();
    private final SpiViews.Controller controller = new SpiViews.Controller();

    private DeployRoute route(Path deploy) {
        return new DeployRoute(deploy, () -> List.copyOf(installed), () -> controller);
    }

    /** A bundle jar: its manifest, and one entry that makes the bytes of two versions differ. */
    static Path jar(Path file, String bsn, String version, boolean module) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (bsn != null) {
            a.putValue("Bundle-SymbolicName", bsn + ";singleton:=true");
        }
        if (version != null) {
            a.putValue("Bundle-Version", version);
        }
        if (module) {
            a.putValue("Provide-Capability", "osgi.service;objectClass:List<String>=\"org.hasm.spi.HaModule\"");
        }
        Files.createDirectories(file.getParent());
        try (OutputStream raw = Files.newOutputStream(file); JarOutputStream out = new JarOutputStream(raw, m)) {
            out.putNextEntry(new JarEntry("version.txt"));
            out.write(String.valueOf(version).getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return file;
    }

    private static String location(Path p) {
        return p.toUri().toString();
    }

    @Test
    void aNewVersionWithAnotherFileNameIsWrittenOverTheFileTheInstalledBundleCameFrom() throws Exception {
        Path deploy = dir.resolve("deploy");
        Path old = jar(deploy.resolve("kv-1.0.0.jar"), "com.acme.kv", "1.0.0", true);
        installed.add(new Installed("com.acme.kv", "1.0.0", location(old), "ACTIVE"));
        Path given = jar(dir.resolve("build/kv-1.1.0.jar"), "com.acme.kv", "1.1.0", true);

        DeployRoute.Deployed d = route(deploy).deploy(given.toString());

        assertEquals("com.acme.kv", d.bundle());
        assertEquals("1.0.0", d.before());
        assertEquals("1.1.0", d.after());
        assertEquals(old, d.file(), "the installed bundle's own file, so that the watcher updates it in place");
        assertTrue(d.module());
        assertFalse(d.unchanged());
        assertArrayEquals(Files.readAllBytes(given), Files.readAllBytes(old));
        try (Stream<Path> files = Files.list(deploy)) {
            assertEquals(List.of(old), files.toList(), "one jar of the bundle, and no temporary file left");
        }
    }

    @Test
    void aBundleNotInstalledYetKeepsItsFileNameAndFilesOfTheSameNameAreRemoved() throws Exception {
        Path deploy = dir.resolve("deploy");
        Path stray = jar(deploy.resolve("kv-old.jar"), "com.acme.kv", "0.9.0", false);
        Path other = jar(deploy.resolve("other.jar"), "com.acme.other", "2.0.0", false);
        Path given = jar(dir.resolve("kv.jar"), "com.acme.kv", "1.0.0", false);

        DeployRoute.Deployed d = route(deploy).deploy(given.toString());

        assertNull(d.before());
        assertEquals(deploy.resolve("kv.jar"), d.file());
        assertEquals(List.of(stray), d.removed());
        assertFalse(Files.exists(stray));
        assertTrue(Files.exists(other), "another bundle's file stays");
        assertFalse(d.module(), "the jar declares no HaModule");
    }

    @Test
    void aFileNameHeldByAnotherBundleIsNotOverwritten() throws Exception {
        Path deploy = dir.resolve("deploy");
        Path other = jar(deploy.resolve("service.jar"), "com.acme.other", "2.0.0", false);
        Path given = jar(dir.resolve("service.jar"), "com.acme.kv", "1.0.0", false);

        DeployRoute.Deployed d = route(deploy).deploy(given.toString());

        assertEquals(deploy.resolve("com.acme.kv.jar"), d.file());
        assertEquals("2.0.0", new String(new java.util.jar.JarFile(other.toFile()).getManifest().getMainAttributes()
                .getValue("Bundle-Version")));
    }

    @Test
    void theSameBytesAgainChangeNothing() throws Exception {
        Path deploy = dir.resolve("deploy");
        Path old = jar(deploy.resolve("kv.jar"), "com.acme.kv", "1.0.0", true);
        installed.add(new Installed("com.acme.kv", "1.0.0", location(old), "ACTIVE"));
        long modified = Files.getLastModifiedTime(old).toMillis();

        DeployRoute.Deployed d = route(deploy).deploy(old.toString());

        assertTrue(d.unchanged());
        assertEquals(modified, Files.getLastModifiedTime(old).toMillis());
    }

    @Test
    void aBundleOfTheDistributionIsRefusedWithTheCommandThatReplacesIt() throws Exception {
        Path deploy = dir.resolve("deploy");
        Path system = jar(dir.resolve("hasm/system/nas-http.jar"), "org.hasm.nas.http", "1.0.0", true);
        installed.add(new Installed("org.hasm.nas.http", "1.0.0", location(system), "ACTIVE"));
        Path given = jar(dir.resolve("nas-http-1.0.1.jar"), "org.hasm.nas.http", "1.0.1", true);

        DeployRoute.Refused e = assertThrows(DeployRoute.Refused.class, () -> route(deploy).deploy(given.toString()));
        assertEquals(409, e.status);
        assertTrue(e.getMessage().contains("is installed from " + location(system)), e.getMessage());
        assertTrue(e.getMessage().contains("hasmctl upgrade"), e.getMessage());
        assertFalse(Files.exists(deploy.resolve("nas-http-1.0.1.jar")));
    }

    @Test
    void whatIsNoBundleIsRefusedNamingTheFileAndWhatIsWrong() throws Exception {
        Path deploy = dir.resolve("deploy");
        DeployRoute r = route(deploy);
        Path text = Files.writeString(dir.resolve("notes.jar"), "not a jar");
        Path plain = jar(dir.resolve("plain.jar"), null, null, false);
        Path badVersion = jar(dir.resolve("bad.jar"), "com.acme.kv", "1.x", false);

        assertRefused(r, null, 400, "the parameter 'jar' is missing");
        assertRefused(r, dir.resolve("absent.jar").toString(), 400, dir.resolve("absent.jar") + " is not a file");
        assertRefused(r, text.toString(), 400, text.toString());
        assertRefused(r, plain.toString(), 400, plain + " is not an OSGi bundle: its manifest has no Bundle-SymbolicName");
        assertRefused(r, badVersion.toString(), 400, badVersion + ": Bundle-Version '1.x' is not an OSGi version");
        assertRefused(route(null), plain.toString(), 409, "this SCM has no deploy folder");
        assertFalse(Files.exists(deploy.resolve("notes.jar")));
    }

    private static void assertRefused(DeployRoute r, String jar, int status, String text) {
        DeployRoute.Refused e = assertThrows(DeployRoute.Refused.class, () -> r.deploy(jar));
        assertEquals(status, e.status, e.getMessage());
        assertTrue(e.getMessage().contains(text), e.getMessage());
        assertEquals(status, r.post(jar).status());
    }

    @Test
    void theLookAtABundleShowsItsVersionsAndModules() throws Exception {
        Path deploy = dir.resolve("deploy");
        installed.add(new Installed("com.acme.kv", "1.1.0", location(deploy.resolve("kv.jar")), "ACTIVE"));
        installed.add(new Installed("com.acme.other", "2.0.0", location(deploy.resolve("o.jar")), "ACTIVE"));
        controller.modules = List.of(
                new SpiViews.Module("kv", Tier.SERVICE, 0, "com.acme.kv", "1.1.0", ModuleStatus.ACTIVE, Call.OPMODE, null,
                        Instant.parse("2026-12-03T10:00:00Z"), null),
                new SpiViews.Module("other", Tier.SERVICE, 0, "com.acme.other", "2.0.0", ModuleStatus.ACTIVE, Call.OPMODE,
                        null, Instant.parse("2026-12-03T10:00:00Z"), null));

        controller.journal = List.of(
                new SpiViews.Entry(1, "kv", Call.TEST, null, null, org.hasm.spi.CallRecord.Outcome.PASSED, null,
                        Instant.parse("2026-12-03T09:00:00Z"), 3, "com.acme.kv", "1.0.0"),
                new SpiViews.Entry(2, "kv", Call.TEST, null, null, org.hasm.spi.CallRecord.Outcome.FAILED, "port in use",
                        Instant.parse("2026-12-03T10:00:01Z"), 3, "com.acme.kv", "1.1.0"),
                new SpiViews.Entry(3, "other", Call.TEST, null, null, org.hasm.spi.CallRecord.Outcome.FAILED, "x",
                        Instant.parse("2026-12-03T10:00:02Z"), 3, "com.acme.other", "2.0.0"));

        AdminApi.Reply reply = route(deploy).get("com.acme.kv", "2026-12-03T10:00:00Z");

        assertEquals(200, reply.status());
        Map<String, Object> doc = MiniJson.object(reply.json());
        assertEquals("scm-a", doc.get("scm"));
        assertEquals("DAC", doc.get("state"));
        List<?> versions = (List<?>) doc.get("installed");
        assertEquals(1, versions.size());
        assertEquals("1.1.0", ((Map<?, ?>) versions.get(0)).get("version"));
        List<?> modules = (List<?>) doc.get("modules");
        assertEquals(1, modules.size());
        assertEquals("kv", ((Map<?, ?>) modules.get(0)).get("name"));
        List<?> calls = (List<?>) doc.get("calls");
        assertEquals(1, calls.size(), "the bundle's calls since the instant: " + calls);
        assertEquals("port in use", ((Map<?, ?>) calls.get(0)).get("error"));
        assertEquals(400, route(deploy).get(" ", null).status());
        assertEquals(400, route(deploy).get("com.acme.kv", "yesterday").status());
    }
}
