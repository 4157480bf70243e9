package org.hasm.itests.dist;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built distribution, as an operator uses it: {@code bin/hasm run} on a node folder.
 */
class DistributionIT {

    /** Start to steady state takes about a second here; a loaded CI machine gets far more. */
    private static final Duration START = Duration.ofSeconds(60);
    /** The launcher's own bound on a stop is 60 s; this is above it, so the launcher reports first. */
    private static final Duration STOP = Duration.ofSeconds(75);
    private static final Duration REJECT = Duration.ofSeconds(30);
    private static final int EXAMPLE_PORT = 7071;

    private static Path dist;

    @BeforeAll
    static void distribution() {
        dist = ScmProcess.distribution();
    }

    @Test
    void standaloneNodeReachesDacServesAndShutsDownInOrder(@TempDir Path work) throws Exception {
        Path node = ScmProcess.copyStandalone(dist, work.resolve("node"));
        try (ScmProcess scm = ScmProcess.start(dist, work, "run", node.toString())) {
            scm.awaitStdout(line -> line.contains("state=DAC"), START, "state=DAC");
            assertTrue(scm.stdoutText().contains("hasm: starting SCM scm-a (MASTER) from " + node.toAbsolutePath().normalize()),
                    scm.transcript());

            String greeting = readExampleService(Duration.ofSeconds(10));
            assertTrue(greeting.contains("scm-a"), "the example service said: " + greeting);

            scm.terminate();
            int code = scm.awaitExit(STOP);
            assertEquals(0, code, scm.transcript());
            assertTrue(scm.stdoutText().contains("hasm: SCM scm-a stopped"), scm.transcript());
            assertEquals("", scm.stderrText(), "stderr after a clean run");
        }

        String log = Files.readString(node.resolve("log/hasm.log"), StandardCharsets.UTF_8);
        assertTrue(log.contains("state=DAC"), log);
        // SHUTDOWN ran while the example service was still there: stop, then shutDown
        int shutdown = indexOf(log, "\\[org\\.hasm\\.controller\\] .*SHUTDOWN");
        int stop = indexOf(log, "\\[org\\.hasm\\.example\\] stop$");
        int shutDown = indexOf(log, "\\[org\\.hasm\\.example\\] shutDown$");
        assertAll(
                () -> assertTrue(shutdown >= 0, "no SHUTDOWN from the controller in\n" + log),
                () -> assertTrue(stop > shutdown, "no stop of the example service after SHUTDOWN in\n" + log),
                () -> assertTrue(shutDown > stop, "no shutDown of the example service after its stop in\n" + log));
        assertTrue(Files.isDirectory(node.resolve("data/hasm")), "hasm.data.dir is created");
    }

    /**
     * The admin API's HTTP server starts in the background once the controller is up (its start
     * would otherwise hold up every start level above it) and still stops last, after the
     * controller's SHUTDOWN; the launcher's "started" line waits for it.
     */
    @Test
    void theHttpServerStartsAfterTheControllerAndStopsAfterIt(@TempDir Path work) throws Exception {
        Path node = ScmProcess.copyStandalone(dist, work.resolve("node"));
        edit(node, "hasm.log.level=INFO", "hasm.log.level=DEBUG");
        String token = ScmProcess.adminToken(node);
        try (ScmProcess scm = ScmProcess.start(dist, work, "run", node.toString())) {
            scm.awaitStdout(line -> line.startsWith("hasm: SCM scm-a started: "), START, "the started line");
            // no retry: once the launcher says started, the admin API answers
            java.net.http.HttpResponse<String> status = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:7070/hasm/api/v1/status"))
                            .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, status.statusCode(), status.body() + "\n" + scm.transcript());
            scm.terminate();
            assertEquals(0, scm.awaitExit(STOP), scm.transcript());
        }
        String log = Files.readString(node.resolve("log/hasm.log"), StandardCharsets.UTF_8);
        int controllerUp = indexOf(log, "\\[org\\.hasm\\.controller\\] BundleEvent STARTED$");
        int httpUp = indexOf(log, "\\[org\\.apache\\.felix\\.http\\.jetty12\\] BundleEvent STARTED$");
        int shutdown = indexOf(log, "\\[org\\.hasm\\.controller\\] .*state=HALTED");
        int controllerDown = indexOf(log, "\\[org\\.hasm\\.controller\\] BundleEvent STOPPED$");
        int httpDown = indexOf(log, "\\[org\\.apache\\.felix\\.http\\.jetty12\\] BundleEvent STOPPED$");
        assertAll(() -> assertTrue(controllerUp >= 0 && httpUp > controllerUp, "the HTTP server started after the controller\n" + log),
                () -> assertTrue(shutdown >= 0 && controllerDown > shutdown && httpDown > controllerDown,
                        "the HTTP server stopped after the controller's SHUTDOWN\n" + log));
    }

    private static List<Case> malformedNodes() {
        return List.of(
                new Case("no node folder", (node, d) -> deleteTree(node),
                        "NODE: no such folder"),
                new Case("no hasm.properties", (node, d) -> Files.delete(node.resolve("etc/hasm.properties")),
                        "NODE/etc/hasm.properties: missing"),
                new Case("admin port that is no number", (node, d) -> edit(node, "org.osgi.service.http.port=7070",
                        "org.osgi.service.http.port=seventy"),
                        // Jetty would have put the admin API on 8080 without a word
                        "NODE/etc/hasm.properties: org.osgi.service.http.port=seventy is not a port (1..65535)"),
                new Case("unknown feature", (node, d) -> edit(node, "hasm-example", "hasm-exmaple"),
                        "NODE/etc/hasm.properties: hasm.features: no feature 'hasm-exmaple' in DIST/system/features"),
                new Case("cfg that cannot be parsed", (node, d) ->
                                Files.writeString(node.resolve("etc/org.hasm.controller.cfg"), "deadline.stop.ms=\\u12\n"),
                        "NODE/etc/org.hasm.controller.cfg: cannot be parsed"),
                new Case("cfg named with an invalid PID", (node, d) ->
                                Files.writeString(node.resolve("etc/org.hasm..controller.cfg"), "a=b\n"),
                        "NODE/etc/org.hasm..controller.cfg: the file name must be PID.cfg or FACTORYPID~NAME.cfg"),
                new Case("feature that is not JSON", (node, d) -> {
                    Files.writeString(d.resolve("system/features/hasm-example.json"), "{ \"id\": \"a:b:1\",\n  bundles: [] }");
                }, "DIST/system/features/hasm-example.json:2:3: not valid JSON"),
                new Case("bundle missing from system", (node, d) -> {
                    try (Stream<Path> jars = Files.walk(d.resolve("system/org/hasm/org.hasm.example"))) {
                        for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                            Files.delete(jar);
                        }
                    }
                }, "DIST/system/features/hasm-example.json: bundle org.hasm:org.hasm.example:"));
    }

    /** Breaks a fresh copy of the node folder, or of the distribution when a case needs it. */
    interface Edit {
        void apply(Path node, Path dist) throws IOException;
    }

    /** A way to get the configuration wrong and the start of the line that must report it. */
    record Case(String what, Edit edit, String expected) {
    }

    @TestFactory
    Stream<DynamicTest> aMalformedNodeIsOneLineOnStderrAndExitCode2(@TempDir Path work) {
        return malformedNodes().stream().map(c -> DynamicTest.dynamicTest(c.what(),
                () -> rejects(c.edit(), c.expected(), work.resolve(c.what().replace(' ', '-')))));
    }

    private static void rejects(Edit edit, String expected, Path work) throws Exception {
        // the distribution is copied so that breaking it leaves the shared one intact
        Path copy = ScmProcess.copyTree(dist, work.resolve("hasm"));
        copy.resolve("bin/hasm").toFile().setExecutable(true);
        Path node = ScmProcess.copyStandalone(copy, work.resolve("node"));
        edit.apply(node, copy);

        String prefix = "hasm: " + expected.replace("NODE", node.toString()).replace("DIST", copy.toString());
        for (String command : List.of("check", "run")) {
            try (ScmProcess scm = ScmProcess.start(copy, work.resolve(command), command, node.toString())) {
                int code = scm.awaitExit(REJECT);
                List<ScmProcess.Line> errors = scm.stderr();
                String all = scm.stdoutText() + scm.stderrText();
                assertAll(command,
                        () -> assertEquals(2, code, scm.transcript()),
                        () -> assertEquals(1, errors.size(), "one line on stderr\n" + scm.transcript()),
                        () -> assertTrue(errors.get(0).text().startsWith(prefix),
                                "expected a line starting with\n" + prefix + "\n" + scm.transcript()),
                        () -> assertFalse(all.contains("Exception"), scm.transcript()),
                        () -> assertFalse(all.contains("\tat "), scm.transcript()),
                        () -> assertFalse(Files.exists(node.resolve("data/framework")), "nothing was started"));
            }
        }
    }

    /**
     * Configurations only the bundles can judge, each of which {@code hasm check} once called OK (and
     * the SCM then misbehaved), and the node's keys, which only the node bundle reads: found by the
     * node's check of every configuration in the framework, as a start runs it. Each breaks a fresh
     * demo pair's scm-a.
     */
    private static List<Case> refusedByTheBundles() {
        return List.of(
                new Case("interval that is no number", (node, d) -> set(node, "org.hasm.status.cfg", "interval.ms", "abc"),
                        "NODE/etc/org.hasm.status.cfg: interval.ms: 'abc' is not a whole number"),
                new Case("no cluster key", (node, d) -> Files.delete(node.resolve("etc/cluster.key")),
                        "NODE/etc/hasm.properties: hasm.cluster.key.file: cluster key NODE/etc/cluster.key: missing"),
                new Case("fence agent misspelt", (node, d) -> set(node, "org.hasm.status.cfg", "fence.agent", "proces"),
                        "NODE/etc/org.hasm.status.cfg: fence.agent: 'proces': no fence agent of that name is registered"
                                + " (registered: netns, none, process)"),
                new Case("wrong peer", (node, d) -> set(node, "hasm.properties", "hasm.peer", "scm-c"),
                        "NODE/etc/org.hasm.personality~b.cfg: home: 'scm-b' is neither this SCM (scm-a) nor its peer"
                                + " (scm-c, hasm.peer)"),
                new Case("address out of range", (node, d) -> set(node, "org.hasm.personality~a.cfg", "addresses",
                        "127.0.3.999"), "NODE/etc/org.hasm.personality~a.cfg: addresses: '127.0.3.999' is not an IP address"),
                new Case("key misspelt", (node, d) -> set(node, "org.hasm.status.cfg", "chanels", "link,host"),
                        "NODE/etc/org.hasm.status.cfg: chanels: unknown key"),
                new Case("no status channel though a peer is set", (node, d) -> {
                    for (String channel : List.of("link", "host", "disk")) {
                        Files.delete(node.resolve("etc/org.hasm.status.channel~" + channel + ".cfg"));
                    }
                }, "NODE/etc/org.hasm.status.cfg: (channels): the peer scm-b is configured (hasm.peer) but no status channel"),
                new Case("no role", (node, d) -> set(node, "hasm.properties", "hasm.role", null),
                        "NODE/etc/hasm.properties: hasm.role: missing"),
                new Case("no name", (node, d) -> set(node, "hasm.properties", "hasm.scm", null),
                        "NODE/etc/hasm.properties: hasm.scm: missing"),
                new Case("bad role", (node, d) -> set(node, "hasm.properties", "hasm.role", "MASTR"),
                        "NODE/etc/hasm.properties: hasm.role: 'MASTR' is not a role (MASTER or SLAVE)"),
                new Case("bad name", (node, d) -> set(node, "hasm.properties", "hasm.scm", "scm a"),
                        "NODE/etc/hasm.properties: hasm.scm: 'scm a' is not an SCM name"));
    }

    /**
     * The cases {@code hasm run} is tried with as well as {@code hasm check}: one of each kind of rule (a key's type,
     * a file the node reads, a rule across bundles, hasm.properties). A start runs the very check {@code hasm check}
     * runs, in the same framework; each framework costs seconds of CPU, so the other cases try check alone.
     */
    private static final java.util.Set<String> ALSO_RUN = java.util.Set.of("interval that is no number", "no cluster key",
            "wrong peer", "no role");

    @TestFactory
    Stream<DynamicTest> aConfigurationTheBundlesRefuseStopsCheckAndRunWithExitCode2(@TempDir Path work) {
        return refusedByTheBundles().stream().map(c -> DynamicTest.dynamicTest(c.what(),
                () -> refusedInFramework(c.edit(), c.expected(), work.resolve(c.what().replace(' ', '-')),
                        ALSO_RUN.contains(c.what()) ? List.of("check", "run") : List.of("check"))));
    }

    /**
     * The controller's own rule (every deadline at most deadline.max.ms): its bundle starts above the
     * node's, and hasm check once called such a configuration OK; the SCM then booted into MONITOR.
     */
    @Test
    void checkRunsTheControllersOwnCheck(@TempDir Path work) throws Exception {
        Path node = demoPair(work).resolve("scm-a");
        set(node, "org.hasm.controller.cfg", "deadline.stop.ms", "120000");
        try (ScmProcess check = ScmProcess.start(dist, work.resolve("check"), "check", node.toString())) {
            assertEquals(2, check.awaitExit(REJECT), check.transcript());
            assertTrue(check.stderrText().contains("hasm: " + node + "/etc/org.hasm.controller.cfg: deadline.stop.ms:"
                    + " deadline.stop.ms=120000 is above deadline.max.ms=60000"), check.transcript());
        }
    }

    @Test
    void checkOfASoundPairSaysOk(@TempDir Path work) throws Exception {
        Path pair = demoPair(work);
        for (String scm : List.of("scm-a", "scm-b")) {
            try (ScmProcess check = ScmProcess.start(dist, work.resolve("check-" + scm), "check",
                    pair.resolve(scm).toString())) {
                assertEquals(0, check.awaitExit(REJECT), check.transcript());
                assertTrue(check.stdoutText().startsWith("hasm: " + pair.resolve(scm) + ": SCM " + scm) && check
                        .stdoutText().contains(": OK"), check.transcript());
                assertEquals("", check.stderrText(), check.transcript());
            }
        }
    }

    private static void refusedInFramework(Edit edit, String expected, Path work, List<String> commands) throws Exception {
        Path pair = demoPair(work);
        Path node = pair.resolve("scm-a");
        edit.apply(node, dist);
        String prefix = "hasm: " + expected.replace("NODE", node.toString());
        for (String command : commands) {
            try (ScmProcess scm = ScmProcess.start(dist, work.resolve(command), command, node.toString())) {
                int code = scm.awaitExit(REJECT);
                List<ScmProcess.Line> errors = scm.stderr();
                String all = scm.stdoutText() + scm.stderrText();
                assertAll(command,
                        () -> assertEquals(2, code, scm.transcript()),
                        () -> assertTrue(errors.size() >= 2, "the problem, then the summary\n" + scm.transcript()),
                        () -> assertTrue(errors.stream().anyMatch(l -> l.text().startsWith(prefix)),
                                "expected a line starting with\n" + prefix + "\n" + scm.transcript()),
                        () -> assertTrue(errors.get(errors.size() - 1).text().startsWith("hasm: ")
                                && errors.get(errors.size() - 1).text().contains(" in the configuration of " + node),
                                scm.transcript()),
                        () -> assertFalse(all.contains("Exception"), scm.transcript()),
                        () -> assertFalse(all.contains("\tat "), scm.transcript()),
                        // the node module never ran: no boot drew an incarnation, no controller started
                        () -> assertFalse(Files.exists(node.resolve("data/hasm/incarnation")), scm.transcript()),
                        () -> assertFalse(scm.stdoutText().contains("state="), scm.transcript()));
            }
        }
    }

    /** @return a demo pair written by {@code hasm demo --no-start}, nothing started */
    private static Path demoPair(Path work) throws Exception {
        Path pair = work.resolve("pair");
        // the pair's ports are never bound: a check binds nothing, a refused run stops first
        try (ScmProcess demo = ScmProcess.start(dist, work.resolve("demo"), "demo", "--dir", pair.toString(), "--no-start",
                "--base-port", "27700")) {
            assertEquals(0, demo.awaitExit(REJECT), demo.transcript());
        }
        return pair;
    }

    /** Sets {@code key} in the node's {@code etc/FILE} ({@code null}: removes it), whatever its value was. */
    private static void set(Path node, String file, String key, String value) throws IOException {
        Path path = node.resolve("etc").resolve(file);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(path, StandardCharsets.UTF_8));
        lines.removeIf(l -> l.startsWith(key + "="));
        if (value != null) {
            lines.add(key + "=" + value);
        }
        Files.write(path, lines, StandardCharsets.UTF_8);
    }

    @Test
    void aBundleThatDoesNotResolveStopsTheStartWithExitCode3(@TempDir Path work) throws Exception {
        Path copy = ScmProcess.copyTree(dist, work.resolve("hasm"));
        copy.resolve("bin/hasm").toFile().setExecutable(true);
        // the controller without the SPI and the infrastructure it imports
        Matcher controller = Pattern.compile("\"(org\\.hasm:org\\.hasm\\.controller:[^\"]+)\"")
                .matcher(Files.readString(copy.resolve("system/features/hasm-core.json")));
        assertTrue(controller.find(), "hasm-core names the controller");
        Files.writeString(copy.resolve("system/features/lonely.json"), "{ \"id\": \"org.hasm:org.hasm.features:"
                + "osgifeature:lonely:1\", \"bundles\": [ { \"id\": \"" + controller.group(1) + "\", \"start-order\": 3 } ] }");
        Path node = ScmProcess.copyStandalone(copy, work.resolve("node"));
        edit(node, "hasm.features=hasm-core,hasm-example", "hasm.features=lonely");

        try (ScmProcess scm = ScmProcess.start(copy, work, "run", node.toString())) {
            assertEquals(3, scm.awaitExit(REJECT), scm.transcript());
            String errors = scm.stderrText();
            assertTrue(errors.contains("hasm: bundle org.hasm.controller ") && errors.contains(" cannot be resolved: missing"
                    + " osgi.wiring.package (&(osgi.wiring.package=org.hasm.spi)"), scm.transcript());
            assertTrue(errors.endsWith("hasm: 1 bundle cannot be resolved: the SCM does not start\n"), scm.transcript());
            assertFalse(scm.stdoutText().contains("state="), "no module ran\n" + scm.transcript());
        }
    }

    @Test
    void usageWithoutArgumentsAndHelp(@TempDir Path work) throws Exception {
        try (ScmProcess scm = ScmProcess.start(dist, work.resolve("a"))) {
            assertEquals(2, scm.awaitExit(REJECT));
            assertTrue(scm.stderrText().startsWith("usage: hasm run DIR"), scm.transcript());
        }
        try (ScmProcess scm = ScmProcess.start(dist, work.resolve("b"), "--help")) {
            assertEquals(0, scm.awaitExit(REJECT));
            assertTrue(scm.stdoutText().startsWith("usage: hasm run DIR"), scm.transcript());
        }
        try (ScmProcess scm = ScmProcess.start(dist, work.resolve("c"), "frobnicate")) {
            assertEquals(2, scm.awaitExit(REJECT));
            assertTrue(scm.stderrText().startsWith("hasm: unknown command 'frobnicate'"), scm.transcript());
        }
    }

    /* The service answers once per connection with a line of text; it may need a moment after
       DAC is logged, so connection refusals are retried until the deadline. */
    private static String readExampleService(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", EXAMPLE_PORT), 2000);
                socket.setSoTimeout(5000);
                InputStream in = socket.getInputStream();
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (!text.isBlank()) {
                    return text;
                }
            } catch (IOException e) {
                last = e;
            }
            // a refused connection returns at once: poll again shortly, until the deadline
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new AssertionError("the example service did not answer on 127.0.0.1:" + EXAMPLE_PORT
                + " within " + timeout.toMillis() + " ms" + (last == null ? "" : ": " + last));
    }

    private static int indexOf(String text, String regex) {
        Matcher matcher = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        return matcher.find() ? matcher.start() : -1;
    }

    private static void edit(Path node, String from, String to) throws IOException {
        Path file = node.resolve("etc/hasm.properties");
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (!text.contains(from)) {
            throw new IllegalStateException(file + " has no '" + from + "' to replace");
        }
        Files.writeString(file, text.replace(from, to), StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
