package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hasmctl's command line and its one-line failures; the rendering is in StatusTableTest. */
class HasmCtlTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path root;
    private Path home;
    private final Map<String, String> env = new HashMap<>();
    private HttpServer server;
    /* Written by the server's thread, read by the test after the request returned. */
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private volatile int answer = 200;

    @BeforeEach
    void distribution() throws Exception {
        home = TestFiles.distribution(root);
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    private int execute(String... args) {
        return new HasmCtl(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), home, env).execute(args);
    }

    /* A stand-in SCM on loopback that records what hasmctl sends and answers as told. */
    private int serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " auth="
                    + exchange.getRequestHeaders().getFirst("Authorization") + " type="
                    + exchange.getRequestHeaders().getFirst("Content-Type") + " body=" + body.length);
            byte[] reply = (answer == 200 ? "{\"accepted\":\"reset\"}"
                    : answer == 403 ? "{\"error\":\"credential 'monitor' has the role read\"}"
                    : "{\"error\":\"credentials required\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        server.start();
        return server.getAddress().getPort();
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void optionsGoAnywhereAndDefaultToTheDemoPairsFirstNode() throws Exception {
        assertEquals(new HasmCtl.Request(HasmCtl.DEFAULT_NODE, null, null, "status", true, null, null, null, null),
                HasmCtl.parse(new String[] {"status", "--json"}));
        assertEquals(new HasmCtl.Request("http://127.0.0.1:7701", null, null, "journal", false, 12L, null, null, null),
                HasmCtl.parse(new String[] {"journal", "--after=12", "--node", "http://127.0.0.1:7701"}));
        assertEquals(new HasmCtl.Request("127.0.0.1:7701", null, Path.of("t"), "surrender", false, null, "upgrade", null, null),
                HasmCtl.parse(new String[] {"--node=127.0.0.1:7701", "surrender", "--reason", "upgrade", "--token-file", "t"}));
        assertEquals(new HasmCtl.Request(null, Path.of("/n"), null, "status", false, null, null, null, null),
                HasmCtl.parse(new String[] {"--node-dir", "/n", "status"}));
        assertEquals(new HasmCtl.Watch(java.time.Duration.ofMillis(500), 3),
                HasmCtl.parse(new String[] {"status", "--watch", "--interval", "0.5", "--count=3"}).watch());
        assertEquals(new HasmCtl.Watch(java.time.Duration.ofSeconds(1), 0),
                HasmCtl.parse(new String[] {"status", "--watch"}).watch());
        HasmCtl.Request fence = HasmCtl.parse(new String[] {"fence", "--test", "--json"});
        assertTrue(fence.test() && fence.json() && fence.command().equals("fence"), fence.toString());
    }

    @Test
    void usageMistakesAreOneLineAndExitCode2() {
        String[][] cases = {
            {},
            {"frobnicate"},
            {"status", "journal"},
            {"status", "--after", "3"},
            {"journal", "--after", "x"},
            {"journal", "--after", "-2"},
            {"status", "--reason", "x"},
            {"reset", "--json"},
            {"status", "--node"},
            {"status", "--node", "ftp://host"},
            {"status", "--verbose"},
            {"status", "--node", "http://127.0.0.1:1", "--node-dir", "/n"},
            {"status", "--token-file"},
            {"move"},
            {"move", "A", "B"},
            {"maintenance"},
            {"maintenance", "maybe"},
            {"failback", "--scm", "scm-b"},
            {"journal", "--watch"},
            {"status", "--interval", "1"},
            {"status", "--watch", "--interval", "0.1"},
            {"status", "--watch", "--interval", "soon"},
            {"status", "--watch", "--count", "0"},
            {"status", "--watch", "--json"},
            {"status", "--test"},
            {"fence", "--watch"},
            {"alerts", "--text", "x"},
            {"journal", "--test"},
        };
        for (String[] args : cases) {
            err.reset();
            assertEquals(2, execute(args), String.join(" ", args));
            assertTrue(err().startsWith("hasmctl: ") && err().indexOf('\n') == err().length() - 1,
                    String.join(" ", args) + " -> " + err());
        }
    }

    @Test
    void anUnreachableNodeIsOneLineAndExitCode1() throws IOException {
        int port;
        // a port that was free a moment ago: nothing listens there now
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        assertEquals(1, execute("--node", "http://127.0.0.1:" + port, "status"));
        assertEquals("hasmctl: http://127.0.0.1:" + port + "/hasm/api/v1/status: cannot connect"
                + " (is the SCM running, is this its admin port?)\n", err());
    }

    @Test
    void theNodeFolderSaysWhereTheScmListensAndWhichCredentialToSend() throws Exception {
        int port = serve();
        Path node = TestFiles.node(root, "hasm.scm=a\nhasm.role=MASTER\norg.apache.felix.http.host=127.0.0.1\n"
                + "org.osgi.service.http.port=" + port + "\n");
        // hasm-core of the test distribution runs neither Jetty nor the admin API: only hasmctl looks at them here
        Path missing = node.resolve("etc/admin/operate/hasmctl.token");
        assertEquals(2, execute("--node-dir", node.toString(), "status"));
        assertEquals("hasmctl: " + missing + ": missing (create it with bin/hasm token " + node
                + ", or pass --token-file FILE)\n", err());
        String token = AdminAccess.readToken(AdminAccess.writeToken(node.resolve("etc/admin"), "operate", "hasmctl"));

        err.reset();
        assertEquals(0, execute("--node-dir", node.toString(), "reset", "--reason", "a & b"), err());
        // no body and no content type: the API refuses what a web page's form could send
        assertEquals(List.of("POST /hasm/api/v1/commands/reset?reason=a+%26+b auth=Bearer " + token + " type=null body=0"),
                seen);
        assertFalse(out.toString(StandardCharsets.UTF_8).contains(token));
    }

    @Test
    void a401Or403IsOneLineSayingWhatToPass() throws Exception {
        int port = serve();
        String url = "http://127.0.0.1:" + port;
        answer = 401;
        assertEquals(1, execute("--node", url, "status"));
        assertEquals("hasmctl: " + url + "/hasm/api/v1/status: HTTP 401: no credential given: pass --node-dir NODE-FOLDER"
                + " (the SCM's node folder, with its credentials) or --token-file FILE, or set HASMCTL_TOKEN_FILE\n", err());
        assertEquals("GET /hasm/api/v1/status auth=null type=null body=0", seen.get(0));

        Path file = AdminAccess.writeToken(root.resolve("creds"), "read", "monitor");
        env.put("HASMCTL_TOKEN_FILE", file.toString());
        err.reset();
        assertEquals(1, execute("--node", url, "status"));
        assertEquals("hasmctl: " + url + "/hasm/api/v1/status: HTTP 401: the SCM does not accept the credential in " + file
                + " (one of another SCM, or removed?)\n", err());
        assertEquals("GET /hasm/api/v1/status auth=Bearer " + AdminAccess.readToken(file) + " type=null body=0", seen.get(1));

        answer = 403;
        err.reset();
        assertEquals(1, execute("--node", url, "shutdown"));
        assertEquals("hasmctl: " + url + "/hasm/api/v1/commands/shutdown: HTTP 403: credential 'monitor' has the role read ("
                + file + "; pass an operate credential with --token-file FILE)\n", err());

        // a token file that breaks the rules is named, and nothing is sent
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        err.reset();
        assertEquals(2, execute("--node", url, "--token-file", file.toString(), "status"));
        assertTrue(err().startsWith("hasmctl: " + file + ": readable or writable by others"), err());
        assertEquals(3, seen.size());
    }

    /* A stand-in SLAVE that answers every request with a 307 to {@code location}, naming the MASTER. */
    private HttpServer slave(String location, String certificate) throws IOException {
        HttpServer slave = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        slave.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            seen.add("slave " + exchange.getRequestMethod() + " " + exchange.getRequestURI());
            exchange.getResponseHeaders().add("Location", location);
            exchange.getResponseHeaders().add("Hasm-Master", "scm-b");
            if (certificate != null) {
                exchange.getResponseHeaders().add("Hasm-Master-Certificate", certificate);
            }
            byte[] reply = "{\"redirect\":\"x\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(307, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        slave.start();
        return slave;
    }

    @Test
    void aCommandTheSlaveRedirectsIsSentOnceToTheMasterWithTheCredential() throws Exception {
        int port = serve();
        Path file = AdminAccess.writeToken(root.resolve("creds"), "operate", "ops");
        String token = AdminAccess.readToken(file);
        String master = "http://127.0.0.1:" + port;
        HttpServer slave = slave(master + "/hasm/api/v1/commands/reset?scm=scm-a&reason=swap", null);
        try {
            String url = "http://127.0.0.1:" + slave.getAddress().getPort();
            assertEquals(0, execute("--node", url, "--token-file", file.toString(), "reset", "--reason", "swap"), err());
            assertEquals(List.of("slave POST /hasm/api/v1/commands/reset?reason=swap",
                    "POST /hasm/api/v1/commands/reset?scm=scm-a&reason=swap auth=Bearer " + token + " type=null body=0"),
                    seen);
            assertEquals("hasmctl: " + master + " accepted reset (swap) (the MASTER; " + url
                    + " redirected the command there)\n", out.toString(StandardCharsets.UTF_8));
        } finally {
            slave.stop(0);
        }
    }

    @Test
    void aRedirectElsewhereThanTheSamePathOnLoopbackIsNotFollowed() throws Exception {
        Path file = AdminAccess.writeToken(root.resolve("creds"), "operate", "ops");
        String[][] cases = {
            {"http://192.0.2.1:7702/hasm/api/v1/commands/reset", "over plain HTTP beyond loopback: not followed"},
            {"http://127.0.0.1:7702/somewhere/else", "which is not /hasm/api/v1/commands/reset of an SCM's admin API"},
            {"https://127.0.0.1:7702/hasm/api/v1/commands/reset", "without the SHA-256 of its certificate"},
        };
        for (String[] c : cases) {
            HttpServer slave = slave(c[0], null);
            try {
                err.reset();
                assertEquals(1, execute("--node", "http://127.0.0.1:" + slave.getAddress().getPort(), "--token-file",
                        file.toString(), "reset"));
                assertTrue(err().contains(c[1]), err());
            } finally {
                slave.stop(0);
            }
        }
        // only the SLAVEs were asked: the credential went nowhere else
        assertTrue(seen.stream().allMatch(r -> r.startsWith("slave ")), seen.toString());
    }

    /* A stand-in MASTER over TLS with the keystore's certificate, recording what reaches it. */
    private com.sun.net.httpserver.HttpsServer tlsMaster(Path keystore, String password) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance(keystore.toFile(), password.toCharArray());
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password.toCharArray());
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer master = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        master.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
        master.createContext("/", exchange -> {
            seen.add("master " + exchange.getRequestMethod() + " " + exchange.getRequestURI() + " auth="
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] reply = "{\"accepted\":\"reset\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(202, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        master.start();
        return master;
    }

    @Test
    void overTlsTheRedirectIsFollowedOnlyToTheCertificateTheSlaveNames() throws Exception {
        Path keystore = Keystores.selfSigned(root.resolve("master.p12"), "secret-pass");
        String digest = PinnedTrust.served(keystore, "secret-pass");
        assertTrue(digest.matches("[0-9a-f]{64}"), digest);
        Path file = AdminAccess.writeToken(root.resolve("creds"), "operate", "ops");
        String token = AdminAccess.readToken(file);
        com.sun.net.httpserver.HttpsServer master = tlsMaster(keystore, "secret-pass");
        String location = "https://127.0.0.1:" + master.getAddress().getPort() + "/hasm/api/v1/commands/reset?scm=scm-a";
        HttpServer right = slave(location, digest);
        HttpServer wrong = slave(location, "0".repeat(64));
        try {
            assertEquals(0, execute("--node", "http://127.0.0.1:" + right.getAddress().getPort(), "--token-file",
                    file.toString(), "reset"), err());
            assertTrue(seen.contains("master POST /hasm/api/v1/commands/reset?scm=scm-a auth=Bearer " + token),
                    seen.toString());
            seen.clear();
            assertEquals(1, execute("--node", "http://127.0.0.1:" + wrong.getAddress().getPort(), "--token-file",
                    file.toString(), "reset"));
            assertTrue(seen.stream().noneMatch(r -> r.startsWith("master ")), "the credential reached a certificate"
                    + " nobody vouched for: " + seen);
        } finally {
            right.stop(0);
            wrong.stop(0);
            master.stop(0);
        }
    }

    @Test
    void aSecondRedirectIsNotFollowedButSaidSo() throws Exception {
        Path file = AdminAccess.writeToken(root.resolve("creds"), "operate", "ops");
        HttpServer other = slave("http://127.0.0.1:1/hasm/api/v1/commands/reset", null);
        String second = "http://127.0.0.1:" + other.getAddress().getPort() + "/hasm/api/v1/commands/reset?scm=scm-a";
        HttpServer slave = slave(second, null);
        try {
            assertEquals(1, execute("--node", "http://127.0.0.1:" + slave.getAddress().getPort(), "--token-file",
                    file.toString(), "reset"));
            assertEquals("hasmctl: " + second + ": redirected again (to http://127.0.0.1:1/hasm/api/v1/commands/reset):"
                    + " the roles changed while the command was sent; look at the status and send it again\n", err());
        } finally {
            slave.stop(0);
            other.stop(0);
        }
    }

    @Test
    void theEverydayOperationsPostTheirParameters() throws Exception {
        int port = serve();
        Path file = AdminAccess.writeToken(root.resolve("creds"), "operate", "ops");
        String token = AdminAccess.readToken(file);
        String url = "http://127.0.0.1:" + port;
        assertEquals(0, execute("--node", url, "--token-file", file.toString(), "move", "A", "--reason", "disk"), err());
        assertEquals(0, execute("--node", url, "--token-file", file.toString(), "standby", "--scm", "scm-b"), err());
        assertEquals(0, execute("--node", url, "--token-file", file.toString(), "maintenance", "on"), err());
        assertEquals(0, execute("--node", url, "--token-file", file.toString(), "failback"), err());
        String auth = " auth=Bearer " + token + " type=null body=0";
        assertEquals(List.of("POST /hasm/api/v1/commands/move?personality=A&reason=disk" + auth,
                "POST /hasm/api/v1/commands/standby?scm=scm-b" + auth,
                "POST /hasm/api/v1/commands/maintenance?mode=on" + auth,
                "POST /hasm/api/v1/commands/failback" + auth), seen);
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("hasmctl: " + url + " accepted move A (disk)\n"),
                out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsUsage() {
        assertEquals(0, execute("help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: hasmctl"));
    }
}
