package org.hasm.itests.dist;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.itests.support.Cli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/hasm demo} as an operator uses it: a pair of SCMs as processes of their own, seen
 * through the admin API, {@code bin/hasmctl} and the example service, then stopped with the demo.
 */
class DemoIT {

    /** Both SCMs start in about 2 s here; a loaded CI machine gets far more. */
    private static final Duration UP = Duration.ofSeconds(90);
    /** The demo waits up to 65 s for its SCMs before it kills them; this is above that. */
    private static final Duration STOP = Duration.ofSeconds(80);
    private static final Duration SHORT = Duration.ofSeconds(30);
    private static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([A-Z]+)\"");
    private static final Pattern OP_MODE = Pattern.compile("\"opMode\"\\s*:\\s*(?:\"([A-Z]+)\"|null)");

    private static Path dist;

    @BeforeAll
    static void distribution() {
        dist = ScmProcess.distribution();
    }

    @Test
    void demoRunsAPairThatReachesDacTakesOverAKilledScmAndStopsBothOnSigterm(@TempDir Path work) throws Exception {
        int base = FreePorts.range(40, "127.0.0.1", "127.0.0.2", "127.0.3.1", "127.0.3.2");
        Path pair = work.resolve("pair");
        try (ScmProcess demo = ScmProcess.start(dist, work.resolve("demo"), "demo", "--dir", pair.toString(),
                "--base-port", Integer.toString(base))) {
            try {
                awaitStatus(base, pair.resolve("scm-a"), "DAC", "MASTER", demo);
                awaitStatus(base + 1, pair.resolve("scm-b"), "DAC", "SLAVE", demo);
                demo.awaitStdout(line -> line.startsWith("Ctrl-C here stops both SCMs"), UP, "the demo's guide");
                String guide = demo.stdoutText();
                assertAll(
                        () -> assertTrue(guide.contains("admin http://127.0.0.1:" + base + "/hasm/api/v1/status"), guide),
                        () -> assertTrue(guide.contains("example service at 127.0.3.2:" + (base + 31)), guide),
                        () -> assertTrue(guide.contains("kill -9 $(cat " + pair.resolve("scm-a/hasm.pid") + ")"), guide),
                        () -> assertTrue(guide.contains("bin/hasmctl --node-dir " + pair.resolve("scm-a") + " status\n"), guide),
                        () -> assertTrue(guide.contains("bin/hasmctl --node-dir " + pair.resolve("scm-b") + " status\n"), guide));

                // the exact command the guide prints: hasmctl finds the URL and the credential in the node folder
                for (int i = 0; i < 2; i++) {
                    String scm = i == 0 ? "scm-a" : "scm-b";
                    Cli ctl = Cli.run(SHORT, dist.resolve("bin/hasmctl").toString(), "--node-dir",
                            pair.resolve(scm).toString(), "status");
                    assertEquals(0, ctl.code(), ctl.toString());
                    assertTrue(ctl.stdout().startsWith("node    " + scm + " (configured " + (i == 0 ? "MASTER" : "SLAVE") + ")   hasm "),
                            ctl.toString());
                    assertTrue(ctl.stdout().contains("\nstate   DAC   opMode " + (i == 0 ? "MASTER" : "SLAVE")), ctl.toString());
                    assertTrue(ctl.stdout().contains("\nexample  service"), ctl.toString());
                }

                // without a credential: one line naming what to pass, and the pair goes on
                Cli anonymous = Cli.run(SHORT, dist.resolve("bin/hasmctl").toString(), "--node", "http://127.0.0.1:" + base,
                        "shutdown");
                assertEquals(1, anonymous.code(), anonymous.toString());
                assertEquals("hasmctl: http://127.0.0.1:" + base + "/hasm/api/v1/commands/shutdown: HTTP 401: no credential"
                        + " given: pass --node-dir NODE-FOLDER (the SCM's node folder, with its credentials) or --token-file"
                        + " FILE, or set HASMCTL_TOKEN_FILE\n", anonymous.stderr());
                // the demo's read-only credential reads, and may not command
                Cli reader = Cli.run(SHORT, dist.resolve("bin/hasmctl").toString(), "--node-dir", pair.resolve("scm-b").toString(),
                        "--token-file", pair.resolve("scm-b/etc/admin/read/monitor.token").toString(), "surrender");
                assertEquals(1, reader.code(), reader.toString());
                assertTrue(reader.stderr().contains("HTTP 403: credential 'monitor' has the role read"), reader.toString());
                HttpResponse<String> alive = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + base + "/hasm/api/v1/alive")).timeout(SHORT).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals("200 {\"alive\":true}", alive.statusCode() + " " + alive.body());
                awaitStatus(base, pair.resolve("scm-a"), "DAC", "MASTER", demo);
                awaitStatus(base + 1, pair.resolve("scm-b"), "DAC", "SLAVE", demo);

                assertTrue(readExampleService("127.0.3.1", base + 30).contains("personality A on scm-a"), "personality A");
                assertTrue(readExampleService("127.0.3.2", base + 31).contains("personality B on scm-b"), "personality B");

                // what the operator is told: no BAD channel without why, no warning about an agent nobody uses
                for (String scm : List.of("scm-a", "scm-b")) {
                    Cli status = Cli.run(SHORT, dist.resolve("bin/hasmctl").toString(), "--node-dir",
                            pair.resolve(scm).toString(), "status");
                    for (String row : status.stdout().split("\n")) {
                        // a BAD channel row ends with its note, never with "-"
                        assertFalse(row.matches("\\S+\\s+(status|link)\\s+BAD\\s.*\\s-$"), "a BAD channel without why: "
                                + row + "\n" + status);
                    }
                    String log = Files.readString(pair.resolve(scm + "/log/hasm.log"), StandardCharsets.UTF_8);
                    assertFalse(log.lines().anyMatch(l -> l.contains("WARN") && l.contains("never fences")), log);
                }
                // a surrender hands B to scm-a at once; scm-a, DEGRADED, refuses one of its own with why
                Cli surrender = Cli.run(SHORT, dist.resolve("bin/hasmctl").toString(), "--node-dir",
                        pair.resolve("scm-b").toString(), "surrender", "--reason", "demo test");
                assertEquals(0, surrender.code(), () -> surrender + "\n--- scm-b's log, last lines ---\n"
                        + lastLines(pair.resolve("scm-b/log/hasm.log"), 60) + "\n--- the demo's output ---\n"
                        + demo.stdoutText());
                awaitStatus(base, pair.resolve("scm-a"), "DEGRADED", "MASTER", demo);
                Cli refused = Cli.run(SHORT, dist.resolve("bin/hasmctl").toString(), "--node-dir",
                        pair.resolve("scm-a").toString(), "surrender");
                assertEquals(1, refused.code(), refused.toString());
                assertTrue(refused.stderr().contains("HTTP 409: surrender refused: the SCM is DEGRADED"), refused.toString());
                Cli degraded = Cli.run(SHORT, dist.resolve("bin/hasmctl").toString(), "--node-dir",
                        pair.resolve("scm-a").toString(), "status");
                assertTrue(degraded.stdout().contains("\nreason  serving the peer's personality too: the peer left:"
                        + " surrender: demo test\n"), degraded.toString());
                Cli halted = Cli.run(SHORT, dist.resolve("bin/hasmctl").toString(), "--node-dir",
                        pair.resolve("scm-b").toString(), "status");
                assertTrue(halted.stdout().contains("\nreason  SURRENDER: demo test;"), halted.toString());
                String logA = Files.readString(pair.resolve("scm-a/log/hasm.log"), StandardCharsets.UTF_8);
                assertEquals(1, logA.lines().filter(l -> l.matches(".* B taken over from scm-b, \\d+ ms after it was last"
                        + " heard; its volumes and addresses were up in \\d+ ms .*")).count(), logA);
                // and back: scm-b boots again and scm-a hands B back
                Cli reset = Cli.run(SHORT, dist.resolve("bin/hasmctl").toString(), "--node-dir",
                        pair.resolve("scm-b").toString(), "reset", "--reason", "demo test done");
                assertEquals(0, reset.code(), reset.toString());
                awaitStatus(base, pair.resolve("scm-a"), "DAC", "MASTER", demo);
                awaitStatus(base + 1, pair.resolve("scm-b"), "DAC", "SLAVE", demo);

                // the demo's own defaults (the tuned timing): what the guide says to try, kill -9 scm-a
                assertTrue(Files.readString(pair.resolve("scm-a/etc/org.hasm.status.cfg")).contains("interval.ms=50\n"));
                long a = pid(pair.resolve("scm-a"));
                long b = pid(pair.resolve("scm-b"));
                ProcessHandle.of(a).orElseThrow().destroyForcibly();
                awaitGone(a, Duration.ofSeconds(10));
                awaitExampleService("127.0.3.1", base + 30, "personality A on scm-b");
                demo.awaitStdout(line -> line.startsWith("hasm demo: scm-b: ") && line.contains("-> DEGRADED"), SHORT,
                        "the demo telling scm-b's takeover");
                demo.terminate();
                assertEquals(0, demo.awaitExit(STOP), demo.transcript());
                // the demo waited for them; a moment more for the kernel to reap
                awaitGone(b, Duration.ofSeconds(10));
                assertFalse(Files.exists(pair.resolve("scm-b/hasm.pid")), "a clean stop removes hasm.pid");
                assertTrue(demo.stdoutText().contains("hasm demo: scm-a stopped (exit code 137)"), demo.transcript());
                assertTrue(demo.stdoutText().contains("hasm demo: scm-b stopped (exit code 0)"), demo.transcript());
            } finally {
                // a failed test kills the demo with SIGKILL, which leaves its SCMs behind: end them here
                killLeftovers(pair);
            }
        }
    }

    @Test
    void noStartWritesAPairThatCheckAccepts(@TempDir Path work) throws Exception {
        Path pair = work.resolve("pair");
        try (ScmProcess demo = ScmProcess.start(dist, work.resolve("demo"), "demo", "--dir", pair.toString(), "--no-start",
                "--base-port", "9100", "--faults")) {
            assertEquals(0, demo.awaitExit(SHORT), demo.transcript());
            // the demo names the distribution by its real path (no "..")
            Path hasm = dist.toRealPath().resolve("bin/hasm");
            assertTrue(demo.stdoutText().contains(hasm + " run " + pair.resolve("scm-a")), demo.transcript());
            assertTrue(demo.stdoutText().contains(hasm + " run " + pair.resolve("scm-b")), demo.transcript());
            assertTrue(demo.stdoutText().contains("bin/hasmctl --node-dir " + pair.resolve("scm-a") + " status"),
                    demo.transcript());
        }
        for (String scm : List.of("scm-a", "scm-b")) {
            try (ScmProcess check = ScmProcess.start(dist, work.resolve("check-" + scm), "check", pair.resolve(scm).toString())) {
                assertEquals(0, check.awaitExit(SHORT), check.transcript());
                assertTrue(check.stdoutText().contains("SCM " + scm + " ("), check.transcript());
                assertTrue(check.stdoutText().trim().endsWith(": OK"), check.transcript());
            }
        }
        assertTrue(Files.readString(pair.resolve("scm-b/etc/hasm.properties")).contains("hasm.faults.enabled=true"));
        for (String file : List.of("scm-a/etc/admin/operate/hasmctl.token", "scm-b/etc/admin/operate/hasmctl.token",
                "scm-a/etc/admin/read/monitor.token", "scm-b/etc/admin/read/monitor.token")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pair.resolve(file))), file);
        }
        // the folder is not empty now: a second demo into it is refused, nothing is overwritten
        try (ScmProcess again = ScmProcess.start(dist, work.resolve("again"), "demo", "--dir", pair.toString(), "--no-start")) {
            assertEquals(2, again.awaitExit(SHORT), again.transcript());
            assertEquals("hasm: " + pair + ": exists and is not empty", again.stderrText().split(" \\(")[0], again.transcript());
        }
    }

    @Test
    void aBadOptionIsOneLineAndExitCode2(@TempDir Path work) throws Exception {
        String[][] cases = {
            {"--base-port", "65500"}, {"--interval-ms", "10"}, {"--counter", "0"}, {"--counter", "many"}, {"--frobnicate"},
        };
        int n = 0;
        for (String[] options : cases) {
            List<String> args = new ArrayList<>(List.of("demo", "--dir", work.resolve("never").toString()));
            args.addAll(List.of(options));
            try (ScmProcess demo = ScmProcess.start(dist, work.resolve("case-" + n++), args.toArray(String[]::new))) {
                assertEquals(2, demo.awaitExit(SHORT), demo.transcript());
                assertEquals(1, demo.stderr().size(), demo.transcript());
                assertTrue(demo.stderrText().startsWith("hasm: " + options[0]) || demo.stderrText().startsWith("hasm: demo: unknown option"),
                        demo.transcript());
            }
        }
        assertFalse(Files.exists(work.resolve("never")), "nothing was written");
    }

    /* Polls the admin API until the SCM reports the state and role; a refused connection or a 503
       (no controller yet) is retried until the deadline. */
    private static void awaitStatus(int port, Path node, String state, String opMode, ScmProcess demo) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + UP.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!demo.isAlive()) {
                throw new AssertionError("the demo ended before port " + port + " said " + state + "\n" + demo.transcript());
            }
            try {
                // the demo writes the credential before it starts the SCM: until then this read fails like a refused connection
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hasm/api/v1/status"))
                        .header("Authorization", "Bearer " + ScmProcess.adminToken(node)).timeout(Duration.ofSeconds(5))
                        .build();
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                last = response.statusCode() + " " + response.body();
                if (response.statusCode() == 200 && state.equals(first(STATE, response.body()))
                        && opMode.equals(first(OP_MODE, response.body()))) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        throw new AssertionError("127.0.0.1:" + port + " did not report " + state + "/" + opMode + " within " + UP.toSeconds()
                + " s; last: " + last + "\n" + demo.transcript());
    }

    /* The top-level fields come before the peer's in the document: the first match is the SCM's own. */
    private static String first(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group(1) : null;
    }

    private static String readExampleService(String address, int port) {
        long deadline = System.nanoTime() + SHORT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(address, port), 2000);
                socket.setSoTimeout(5000);
                InputStream in = socket.getInputStream();
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (!text.isBlank()) {
                    return text;
                }
            } catch (IOException e) {
                last = e;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new AssertionError("no answer on " + address + ":" + port + (last == null ? "" : ": " + last));
    }

    /* Reads the example service until it names the expected SCM: after a kill, the address answers
       again once the peer has taken the personality over. */
    private static void awaitExampleService(String address, int port, String expected) {
        long deadline = System.nanoTime() + SHORT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(address, port), 2000);
                socket.setSoTimeout(5000);
                last = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (last.contains(expected)) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw new AssertionError(address + ":" + port + " did not say '" + expected + "' within " + SHORT.toSeconds()
                + " s; last: " + last);
    }

    private static long pid(Path node) throws IOException {
        return Long.parseLong(Files.readString(node.resolve("hasm.pid")).strip());
    }

    private static void awaitGone(long pid, Duration timeout) throws Exception {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isPresent()) {
            try {
                handle.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("pid " + pid + " still runs " + timeout.toSeconds() + " s after the demo ended");
            }
        }
    }

    private static void killLeftovers(Path pair) throws InterruptedException {
        for (String scm : List.of("scm-a", "scm-b")) {
            Path node = pair.resolve(scm);
            long pid;
            try {
                pid = pid(node);
            } catch (IOException | NumberFormatException e) {
                continue;
            }
            // only that SCM's launcher: the number may have been reused by now
            Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(h -> h.info().commandLine()
                    .map(line -> line.contains("org.hasm.launcher.Main") && line.contains(node.toString())).orElse(false));
            if (handle.isPresent()) {
                handle.get().destroyForcibly();
                try {
                    handle.get().onExit().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // reported by nothing: the test already failed for its own reason
                }
            }
        }
    }

    /** @return the last {@code n} lines of a log, or why it cannot be read: what a failure shows */
    private static String lastLines(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(" + log + " cannot be read: " + e.getMessage() + ")";
        }
    }
}
