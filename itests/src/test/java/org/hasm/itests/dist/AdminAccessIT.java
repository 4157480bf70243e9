package org.hasm.itests.dist;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.Cli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may use an SCM's admin API, tried against a running SCM of the built distribution the way
 * an intruder on the node would: a local process without credentials, a read-only credential, and
 * a web page in a browser (a form post, a foreign {@code Origin}) that somehow holds a token.
 */
class AdminAccessIT {

    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration STOP = Duration.ofSeconds(75);
    private static final String API = "/hasm/api/v1";
    private static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([A-Z]+)\"");

    private static Path dist;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .proxy(HttpClient.Builder.NO_PROXY).build();

    @BeforeAll
    static void distribution() {
        dist = ScmProcess.distribution();
    }

    @Test
    void onlyCredentialsWithTheOperateRoleCommandAndNeverFromAWebPage(@TempDir Path work) throws Exception {
        Path node = standalone(work);
        String operate = ScmProcess.adminToken(node);
        String read = ScmProcess.writeToken(node, "read", "monitor");
        int port = adminPort(node);
        String base = "http://127.0.0.1:" + port + API;

        try (ScmProcess scm = ScmProcess.start(dist, work.resolve("out"), "run", node.toString())) {
            scm.awaitStdout(line -> line.contains("state=DAC"), START, "state=DAC");
            Await.until("the admin API to answer", Duration.ofSeconds(30),
                    () -> state(base, operate).equals("DAC"), () -> scm.transcript());

            List<String> refused = new ArrayList<>();
            // what any local process could do before: no credentials at all, or a guessed one
            for (String command : List.of("shutdown", "reset", "surrender")) {
                expect(refused, 401, send(base, "POST", "/commands/" + command, null, null));
            }
            expect(refused, 401, send(base, "GET", "/status", null, null));
            expect(refused, 401, send(base, "GET", "/journal", null, null));
            expect(refused, 401, send(base, "POST", "/commands/shutdown", "Bearer " + operate.substring(1) + "x", null));
            expect(refused, 401, send(base, "POST", "/commands/shutdown", "Basic " + operate, null));
            // a monitoring credential reads, but does not command
            assertEquals(200, send(base, "GET", "/status", "Bearer " + read, null).statusCode());
            expect(refused, 403, send(base, "POST", "/commands/shutdown", "Bearer " + read, null));
            // what a web page can send without a preflight, even with a valid token
            for (String type : List.of("application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                    "text/plain;charset=UTF-8", "Text/Plain")) {
                expect(refused, 415, send(base, "POST", "/commands/shutdown", "Bearer " + operate,
                        new String[] {"Content-Type", type}));
            }
            expect(refused, 403, send(base, "POST", "/commands/shutdown", "Bearer " + operate,
                    new String[] {"Origin", "http://evil.example"}));
            expect(refused, 403, send(base, "POST", "/commands/shutdown", "Bearer " + operate,
                    new String[] {"Origin", "http://127.0.0.1:" + (port + 1)}));
            expect(refused, 403, send(base, "POST", "/commands/shutdown", "Bearer " + operate,
                    new String[] {"Origin", "null"}));
            // the API's own address, as a page whose host name was rebound to it would send
            expect(refused, 403, send(base, "POST", "/commands/shutdown", "Bearer " + operate,
                    new String[] {"Origin", "http://127.0.0.1:" + port}));
            expect(refused, 403, send(base, "POST", "/commands/shutdown", "Bearer " + operate,
                    new String[] {"Sec-Fetch-Site", "same-origin"}));
            expect(refused, 403, send(base, "POST", "/commands/shutdown", "Bearer " + operate,
                    new String[] {"Sec-Fetch-Site", "cross-site"}));
            expect(refused, 403, send(base, "POST", "/commands/shutdown", "Bearer " + operate,
                    new String[] {"Sec-Fetch-Site", "same-site"}));
            assertEquals(List.of(), refused, "answers that should have been refusals");

            // the SCM stayed where it was, and says nothing of the refused commands but that they were refused
            assertEquals("DAC", state(base, operate));
            String log = Files.readString(node.resolve("log/hasm.log"), StandardCharsets.UTF_8);
            assertFalse(log.contains("SHUTDOWN") || log.contains("SURRENDER") || log.contains("RESET"), log);
            assertFalse(log.contains(operate) || log.contains(read), "a token in the log");

            // the liveness probe needs no credentials and says nothing else
            HttpResponse<String> alive = send(base, "GET", "/alive", null, null);
            assertEquals(200, alive.statusCode(), alive.body());
            assertEquals("{\"alive\":true}", alive.body().strip());

            // the operator's command goes through, and the log says who sent it
            HttpResponse<String> shutdown = send(base, "POST", "/commands/shutdown?reason=maintenance", "Bearer " + operate,
                    new String[] {"Content-Type", "application/json"});
            assertEquals(202, shutdown.statusCode(), shutdown.body());
            Await.until("the SCM to report HALTED", Duration.ofSeconds(30), () -> state(base, operate).equals("HALTED"),
                    () -> scm.transcript());
            String after = Files.readString(node.resolve("log/hasm.log"), StandardCharsets.UTF_8);
            assertTrue(after.contains("admin API: shutdown (reason 'maintenance') by credential 'hasmctl' (operate) from 127.0.0.1:"),
                    after);
            assertTrue(after.contains("admin API: refused POST /hasm/api/v1/commands/shutdown from 127.0.0.1:"), after);
            assertFalse(after.contains(operate) || after.contains(read), "a token in the log");

            scm.terminate();
            assertEquals(0, scm.awaitExit(STOP), scm.transcript());
        }
    }

    @Test
    void beyondLoopbackWithoutTlsTheScmDoesNotStart(@TempDir Path work) throws Exception {
        Path node = standalone(work);
        Path props = node.resolve("etc/hasm.properties");
        edit(props, "org.apache.felix.http.host=127.0.0.1", "org.apache.felix.http.host=0.0.0.0");
        for (String command : List.of("check", "run")) {
            try (ScmProcess scm = ScmProcess.start(dist, work.resolve(command), command, node.toString())) {
                assertEquals(2, scm.awaitExit(START), scm.transcript());
                assertEquals(List.of("hasm: " + props + ": org.apache.felix.http.host=0.0.0.0 makes the admin API listen on"
                        + " 0.0.0.0 without TLS; beyond loopback it needs org.apache.felix.https.enable=true with"
                        + " org.apache.felix.https.keystore, and org.apache.felix.http.enable=false"),
                        scm.stderr().stream().map(ScmProcess.Line::text).toList(), scm.transcript());
            }
        }
        assertFalse(Files.exists(node.resolve("data/framework")), "nothing was started");

        // with TLS only, the same address passes the check (not run: it would listen on the host's networks)
        Path keystore = selfSigned(work.resolve("https.p12"));
        Files.writeString(props, Files.readString(props) + tls(keystore, FreePorts.range(0, "127.0.0.1")));
        try (ScmProcess check = ScmProcess.start(dist, work.resolve("check-tls"), "check", node.toString())) {
            assertEquals(0, check.awaitExit(START), check.transcript());
        }
    }

    @Test
    void withTlsTheApiIsServedOverHttpsAndHasmctlTrustsTheNodesOwnCertificate(@TempDir Path work) throws Exception {
        Path node = standalone(work);
        Path props = node.resolve("etc/hasm.properties");
        int port = FreePorts.range(0, "127.0.0.1");
        Files.writeString(props, Files.readString(props) + tls(selfSigned(work.resolve("https.p12")), port));
        String token = ScmProcess.adminToken(node);
        try (ScmProcess scm = ScmProcess.start(dist, work.resolve("out"), "run", node.toString())) {
            scm.awaitStdout(line -> line.contains("state=DAC"), START, "state=DAC");
            String[] last = {""};
            Await.until("hasmctl --node-dir to show the state over TLS", Duration.ofSeconds(30), () -> {
                Cli ctl;
                try {
                    ctl = hasmctl("--node-dir", node.toString(), "status");
                } catch (IOException e) {
                    throw new AssertionError("hasmctl did not run", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
                last[0] = ctl.toString();
                return ctl.code() == 0 && ctl.stdout().contains("\nstate   DAC");
            }, () -> last[0] + scm.transcript());
            // plain HTTP is off, and a client that does not trust the node's certificate does not get through
            int http = adminPort(node);
            assertThrows(IOException.class, () -> send("http://127.0.0.1:" + http + API, "GET", "/alive", null, null));
            assertThrows(IOException.class, () -> send("https://127.0.0.1:" + port + API, "GET", "/status",
                    "Bearer " + token, null));
            Cli shutdown = hasmctl("--node-dir", node.toString(), "shutdown", "--reason", "tls test");
            assertEquals(0, shutdown.code(), shutdown.toString());
            assertEquals("hasmctl: https://127.0.0.1:" + port + " accepted shutdown (tls test)\n", shutdown.stdout());
            scm.terminate();
            assertEquals(0, scm.awaitExit(STOP), scm.transcript());
        }
        String log = Files.readString(node.resolve("log/hasm.log"), StandardCharsets.UTF_8);
        assertTrue(log.contains("shutdown (reason 'tls test') by credential 'hasmctl' (operate) from 127.0.0.1"), log);
    }

    private static Cli hasmctl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(dist.resolve("bin/hasmctl").toString()));
        command.addAll(List.of(args));
        return Cli.run(Duration.ofSeconds(30), command.toArray(String[]::new));
    }

    /** hasm.properties lines that serve the admin API with TLS alone, on 127.0.0.1:port. */
    private static String tls(Path keystore, int port) {
        return "\norg.apache.felix.https.enable=true\norg.apache.felix.http.enable=false\n"
                + "org.osgi.service.http.port.secure=" + port + "\n"
                + "org.apache.felix.https.keystore=" + keystore + "\n"
                + "org.apache.felix.https.keystore.password=" + KEYSTORE_PASSWORD + "\n";
    }

    private static final String KEYSTORE_PASSWORD = "test-only-pass";

    /** A PKCS12 keystore with a new self-signed certificate for 127.0.0.1, made by the JDK's keytool. */
    private static Path selfSigned(Path file) throws IOException, InterruptedException {
        Cli keytool = Cli.run(Duration.ofSeconds(60), Path.of(System.getProperty("java.home"), "bin",
                "keytool").toString(), "-genkeypair", "-keystore", file.toString(), "-storetype", "PKCS12", "-storepass",
                KEYSTORE_PASSWORD, "-keypass", KEYSTORE_PASSWORD, "-alias", "hasm", "-keyalg", "EC", "-groupname", "secp256r1",
                "-validity", "2", "-dname", "CN=hasm test", "-ext", "san=ip:127.0.0.1");
        assertEquals(0, keytool.code(), keytool.toString());
        return file;
    }

    /** A copy of examples/standalone on free ports (the copy carries the fixtures' operate credential). */
    static Path standalone(Path work) throws IOException {
        Path node = ScmProcess.copyStandalone(dist, work.resolve("node"));
        int base = FreePorts.range(1, "127.0.0.1");
        edit(node.resolve("etc/hasm.properties"), "org.osgi.service.http.port=7070", "org.osgi.service.http.port=" + base);
        edit(node.resolve("etc/org.hasm.personality~a.cfg"), "example.port=7071", "example.port=" + (base + 1));
        return node;
    }

    static int adminPort(Path node) throws IOException {
        Matcher m = Pattern.compile("(?m)^org\\.osgi\\.service\\.http\\.port=(\\d+)$")
                .matcher(Files.readString(node.resolve("etc/hasm.properties"), StandardCharsets.UTF_8));
        assertTrue(m.find(), "no admin port in " + node);
        return Integer.parseInt(m.group(1));
    }

    static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (!text.contains(from)) {
            throw new IllegalStateException(file + " has no '" + from + "'");
        }
        Files.writeString(file, text.replace(from, to), StandardCharsets.UTF_8);
    }

    private static void expect(List<String> wrong, int status, HttpResponse<String> response) {
        String method = response.request().method();
        String what = method + " " + response.uri().getPath() + " " + response.request().headers().map().keySet();
        if (response.statusCode() != status) {
            String body = response.body();
            wrong.add(what + ": " + response.statusCode() + " " + (body.length() > 200 ? body.substring(0, 200) + "..." : body)
                    + " (expected " + status + ")");
            return;
        }
        // every refusal is the API's JSON, naming why
        if (!response.body().startsWith("{\"error\":\"") || response.body().length() < 30) {
            wrong.add(what + ": " + status + " without a reason: " + response.body());
        }
    }

    /** @return the SCM's state, or "" while it does not answer */
    private String state(String base, String token) {
        try {
            HttpResponse<String> r = send(base, "GET", "/status", "Bearer " + token, null);
            Matcher m = STATE.matcher(r.body());
            return r.statusCode() == 200 && m.find() ? m.group(1) : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> send(String base, String method, String path, String authorization, String[] header)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (header != null) {
            b.header(header[0], header[1]);
        }
        boolean form = header != null && header[0].equals("Content-Type") && !header[1].equals("application/json");
        b.method(method, "POST".equals(method) && form ? HttpRequest.BodyPublishers.ofString("reason=x")
                : HttpRequest.BodyPublishers.noBody());
        HttpRequest request = b.build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // a refused request's body is not read, so the server may close that connection after its
            // answer; a request sent on it from the client's pool meanwhile gets no bytes at all. A
            // client sends it again on a new connection, once.
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }
}
