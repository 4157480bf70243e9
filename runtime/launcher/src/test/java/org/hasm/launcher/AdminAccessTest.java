package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API's credentials and listener, as the launcher checks them before anything starts. */
class AdminAccessTest {

    /** A feature with the two bundles that make the checks apply. */
    static final String WEB = """
            {
              "id": "org.hasm:org.hasm.features:osgifeature:web:1.0.0",
              "bundles": [
                { "id": "org.apache.felix:org.apache.felix.http.jetty12:1.0.0", "start-order": 1 },
                { "id": "org.hasm:org.hasm.admin:1.0.0", "start-order": 2 }
              ]
            }
            """;

    @TempDir
    Path root;
    private Path home;
    private Path node;

    @BeforeEach
    void distribution() throws Exception {
        home = TestFiles.distribution(root);
        TestFiles.write(home.resolve("system/features/web.json"), WEB);
        for (String id : List.of("org.apache.felix:org.apache.felix.http.jetty12:1.0.0", "org.hasm:org.hasm.admin:1.0.0")) {
            TestFiles.write(MavenId.parse(id).path(home.resolve("system")), "not really a jar");
        }
        TestFiles.write(home.resolve("etc/framework.properties"), "org.apache.felix.http.host=127.0.0.1\n");
        node = TestFiles.node(root, "hasm.scm=a\nhasm.role=MASTER\nhasm.features=web\norg.osgi.service.http.port=7700\n");
    }

    private Plan plan() throws LaunchException {
        return Plan.make(Distribution.at(home), Node.load(node, home), false);
    }

    private String refusal() {
        return assertThrows(LaunchException.class, this::plan).getMessage();
    }

    private Path credential(String role, String name) throws LaunchException {
        return AdminAccess.writeToken(node.resolve("etc/admin"), role, name);
    }

    @Test
    void aNodeWithoutAnyCredentialDoesNotStart() throws Exception {
        assertEquals(node.resolve("etc/admin") + ": missing (the admin credentials, read/NAME.token and operate/NAME.token);"
                + " create one with bin/hasm token NODE-FOLDER", refusal());
        Files.createDirectories(node.resolve("etc/admin/operate"));
        assertEquals(node.resolve("etc/admin") + ": no admin credential (ROLE/NAME.token, ROLE read or operate): nobody"
                + " could use the admin API; create one with bin/hasm token " + node, refusal());
        credential("read", "monitor");
        plan();
        // without the admin bundle, nothing to check
        TestFiles.write(node.resolve("etc/hasm.properties"), "hasm.scm=a\nhasm.role=MASTER\n");
        Files.delete(node.resolve("etc/admin/read/monitor.token"));
        plan();
    }

    @Test
    void aTokenFileThatBreaksARuleIsNamed() throws Exception {
        Path ok = credential("operate", "hasmctl");
        plan();
        Path bad = node.resolve("etc/admin/read/bad.token");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "x".repeat(31) + "\n");
        Files.setPosixFilePermissions(bad, PosixFilePermissions.fromString("rw-------"));
        assertEquals(bad + ": the token is too short (31 characters, at least 32)", refusal());
        Files.writeString(bad, "");
        assertEquals(bad + ": empty (an admin token file holds one token of 32 to 1024 characters)", refusal());
        Files.writeString(bad, "y".repeat(40) + " z\n");
        assertEquals(bad + ": the token must be one line of visible ASCII characters, without spaces", refusal());
        Files.delete(bad);
        Files.setPosixFilePermissions(ok, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals(ok + ": readable or writable by others than its owner (rw-r-----): chmod 600 " + ok, refusal());
        Files.setPosixFilePermissions(ok, PosixFilePermissions.fromString("rw-------"));
        Path stray = node.resolve("etc/admin/loose.token");
        Files.writeString(stray, "s".repeat(40));
        assertEquals(stray + ": a token file must be in " + node.resolve("etc/admin/read") + " or "
                + node.resolve("etc/admin/operate"), refusal());
    }

    @Test
    void aWrittenTokenIsOwnerOnlyRandomAndNeverOverwritten() throws Exception {
        Path file = credential("operate", "hasmctl");
        assertEquals(node.resolve("etc/admin/operate/hasmctl.token"), file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String token = AdminAccess.readToken(file);
        assertTrue(token.matches("[A-Za-z0-9_-]{43}"), "256 bits, base64url: " + token.length());
        assertFalse(token.equals(AdminAccess.readToken(credential("operate", "other"))));
        LaunchException e = assertThrows(LaunchException.class, () -> credential("operate", "hasmctl"));
        assertEquals(file + ": exists (delete it first to replace the credential)", e.getMessage());
        assertEquals(token, AdminAccess.readToken(file));
        assertThrows(LaunchException.class, () -> credential("admin", "x"));
        assertThrows(LaunchException.class, () -> credential("read", "../x"));
    }

    @Test
    void hasmTokenWritesACredentialAndSaysWhereButNotWhat() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main main = new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8), home);
        assertEquals(0, main.execute(new String[] {"token", node.toString()}));
        Path file = node.resolve("etc/admin/operate/hasmctl.token");
        String token = AdminAccess.readToken(file);
        assertEquals("hasm: wrote the operate credential 'hasmctl' to " + file + " (owner-only); hasmctl --node-dir "
                + node + " uses it\n", out.toString(StandardCharsets.UTF_8));
        assertFalse(out.toString(StandardCharsets.UTF_8).contains(token));
        assertEquals(0, main.execute(new String[] {"token", node.toString(), "--role=read", "--name", "nagios"}));
        assertTrue(Files.isRegularFile(node.resolve("etc/admin/read/nagios.token")));
        plan();
        assertEquals(2, main.execute(new String[] {"token", node.toString()}));
        assertEquals(2, main.execute(new String[] {"token"}));
        assertEquals(2, main.execute(new String[] {"token", node.toString(), "--role", "root"}));
        assertEquals(3, err.toString(StandardCharsets.UTF_8).split("\n").length, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theCredentialsFolderCanBeMoved() throws Exception {
        TestFiles.write(node.resolve("etc/hasm.properties"), "hasm.scm=a\nhasm.role=MASTER\nhasm.features=web\n"
                + "hasm.admin.credentials=${hasm.node.dir}/secrets\n");
        assertTrue(refusal().startsWith(node.resolve("secrets") + ": missing"));
        AdminAccess.writeToken(node.resolve("secrets"), "operate", "x");
        plan();
    }

    @Test
    void beyondLoopbackOnlyTlsAndNeverPlainHttp() throws Exception {
        credential("operate", "hasmctl");
        Path props = node.resolve("etc/hasm.properties");
        String base = "hasm.scm=a\nhasm.role=MASTER\nhasm.features=web\norg.osgi.service.http.port=7700\n";
        for (String host : List.of("127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]")) {
            TestFiles.write(props, base + "org.apache.felix.http.host=" + host + "\n");
            plan();
        }
        for (String host : List.of("0.0.0.0", "198.51.100.7", "::", "scm-a.example", "")) {
            TestFiles.write(props, base + "org.apache.felix.http.host=" + host + "\n");
            String where = host.isEmpty() ? "every address" : host;
            assertEquals(props + ": org.apache.felix.http.host=" + host + " makes the admin API listen on " + where
                    + " without TLS; beyond loopback it needs org.apache.felix.https.enable=true with"
                    + " org.apache.felix.https.keystore, and org.apache.felix.http.enable=false", refusal());
        }
        // set in the node's Felix HTTP configuration instead: that file is named
        TestFiles.write(props, base);
        Path cfg = TestFiles.write(node.resolve("etc/org.apache.felix.http.cfg"), "org.apache.felix.http.host=0.0.0.0\n");
        assertTrue(refusal().startsWith(cfg + ": org.apache.felix.http.host=0.0.0.0 makes"), refusal());
        Files.delete(cfg);
        // not set anywhere: Jetty would bind every address
        TestFiles.write(home.resolve("etc/framework.properties"), "");
        assertTrue(refusal().startsWith(props + ": org.apache.felix.http.host= makes the admin API listen on every"
                + " address without TLS"), refusal());
    }

    @Test
    void tlsNeedsAnAbsoluteKeystoreThatOpensAndPlainHttpOff() throws Exception {
        credential("operate", "hasmctl");
        Path props = node.resolve("etc/hasm.properties");
        Path keystore = Keystores.selfSigned(root.resolve("https.p12"), "secret-pass");
        String base = "hasm.scm=a\nhasm.role=MASTER\nhasm.features=web\norg.apache.felix.http.host=0.0.0.0\n"
                + "org.apache.felix.https.enable=true\norg.osgi.service.http.port.secure=7443\n";
        TestFiles.write(props, base);
        assertEquals(props + ": org.apache.felix.https.enable=true needs org.apache.felix.https.keystore (the keystore with"
                + " the admin API's key and certificate)", refusal());
        TestFiles.write(props, base + "org.apache.felix.https.keystore=etc/https.p12\n");
        assertTrue(refusal().endsWith("must be an absolute path (e.g. ${hasm.node.dir}/etc/https.p12)"), refusal());
        TestFiles.write(props, base + "org.apache.felix.https.keystore=" + keystore + "\n"
                + "org.apache.felix.https.keystore.password=wrong\n");
        assertTrue(refusal().startsWith(props + ": org.apache.felix.https.keystore=" + keystore + " cannot be opened with"
                + " org.apache.felix.https.keystore.password ("), refusal());
        String tls = base + "org.apache.felix.https.keystore=" + keystore + "\norg.apache.felix.https.keystore.password=secret-pass\n";
        TestFiles.write(props, tls);
        assertTrue(refusal().contains("with plain HTTP beside TLS; set org.apache.felix.http.enable=false"), refusal());
        TestFiles.write(props, tls + "org.apache.felix.http.enable=false\n");
        Plan plan = plan();
        AdminAccess.Listener listener = AdminAccess.listener(Distribution.at(home), plan);
        assertEquals(URI.create("https://127.0.0.1:7443"), listener.url());
        assertEquals(keystore, listener.keystore());
    }

    @Test
    void theListenerIsWhereHasmctlConnects() throws Exception {
        credential("operate", "hasmctl");
        assertEquals(new AdminAccess.Listener(URI.create("http://127.0.0.1:7700"), null, null),
                AdminAccess.listener(Distribution.at(home), plan()));
        TestFiles.write(node.resolve("etc/hasm.properties"), "hasm.scm=a\nhasm.role=MASTER\nhasm.features=web\n"
                + "org.apache.felix.http.host=::1\n");
        assertEquals(URI.create("http://[::1]:8080"), AdminAccess.listener(Distribution.at(home), plan()).url());
    }
}
