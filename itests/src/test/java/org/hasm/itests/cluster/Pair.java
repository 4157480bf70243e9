package org.hasm.itests.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.hasm.itests.dist.FreePorts;
import org.hasm.itests.dist.ScmProcess;
import org.hasm.itests.support.Await;

/**
 * Two SCM processes of the built distribution, made by {@code bin/hasm demo --no-start} in a free
 * range of loopback ports and driven the way an operator and a failing machine would: start,
 * {@code kill -9}, SIGSTOP/SIGCONT, the admin API. Every wait has a deadline; a wait that times out
 * fails with both status documents and the end of both logs, because a cluster failure is
 * unreadable from one side. {@link #close()} kills whatever still runs (a paused process too).
 *
 * <p>Addresses are those of the demo layout: the personalities on 127.0.3.1 (A) and 127.0.3.2 (B), everything
 * else on 127.0.0.1, except the second
 * ("host") channels on 127.0.0.2. Nothing here sends to any other address.
 */
public final class Pair implements AutoCloseable {

    /** The two SCMs of the demo: A is configured MASTER, B SLAVE. */
    public enum Scm {
        A("scm-a", 0),
        B("scm-b", 1);

        private final String id;
        private final int index;

        Scm(String id, int index) {
            this.id = id;
            this.index = index;
        }

        /** @return the SCM's name, also its node folder's name */
        public String id() {
            return id;
        }

        public Scm other() {
            return this == A ? B : A;
        }

        /** @return the name of the personality whose home this SCM is */
        public String personality() {
            return this == A ? "A" : "B";
        }
    }

    /**
     * The status monitor's timing and the INIT timeout.
     *
     * @param intervalMs status message interval
     * @param counter counter start: a channel is BAD after this many silent intervals
     * @param initTimeoutMs how long INIT waits for a silent peer
     */
    public record Timing(long intervalMs, int counter, long initTimeoutMs) {
        /**
         * A failover in about a second: fast for a test, and slow enough that a loaded 2-core machine
         * (two SCM JVMs, the test's own, a build) does not miss a whole detection time of status
         * messages and fail over for nothing.
         */
        public static final Timing TEST = new Timing(100, 10, 2000);
        /** The patent's defaults. */
        public static final Timing PATENT = new Timing(1000, 10, 10_000);
        /**
         * What {@code hasm demo} writes when given no timing option: a pair created with this one is
         * written by the demo's own defaults (no timing flag passed), exactly as a newcomer gets it.
         */
        public static final Timing DEMO = new Timing(50, 4, 5000);

        /**
         * For pairs started together: a long INIT timeout costs nothing when the peer answers, and
         * keeps a slow second JVM start on a loaded machine from turning FIG. 5 into FIG. 6 + 10.
         */
        public Timing startedTogether() {
            return new Timing(intervalMs, counter, Math.max(initTimeoutMs, 15_000));
        }

        /** @return how long a dead peer goes unnoticed at most, give or take an interval */
        public Duration detection() {
            return Duration.ofMillis(intervalMs * counter);
        }
    }

    /** How long a JVM start to DAC may take on a loaded CI machine; it takes ~1-2 s here. */
    public static final Duration BOOT = Duration.ofSeconds(60);
    // Bounds of the base port search: below Linux's ephemeral range, so that no outgoing
    // connection of another process takes one of our ports between the probe and the start.
    private static final int PORT_LOW = 12_000;
    private static final int PORT_HIGH = 32_000;
    private static final int PORT_SPAN = 40;
    private static final int PORT_ATTEMPTS = 200;
    private static final int LOG_TAIL_LINES = 120;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dist;
    private final Path dir;
    private final int base;
    private final Timing timing;
    private final HttpClient http;
    private final Map<Scm, ScmProcess> processes = new EnumMap<>(Scm.class);
    private final Map<Scm, Boolean> paused = new EnumMap<>(Scm.class);
    private final Map<Scm, List<String>> wrappers = new EnumMap<>(Scm.class);
    // started with bin/hasm supervise (restarted by its script when it asks), not run; test thread only
    private boolean supervised;
    private volatile Admin admin = this::httpAdmin;
    private int starts;
    private Map<String, String> jvm = testJvm();
    /** More environment for one SCM's later starts (systemd's NOTIFY_SOCKET, say). */
    private final Map<Scm, Map<String, String>> environment = new EnumMap<>(Scm.class);

    /** An answer of the admin API. */
    public record Reply(int status, String body) {
    }

    /**
     * How the test reaches an SCM's admin API. The default is an HTTP client in the test's JVM; an
     * SCM in a network namespace needs one that runs there.
     */
    @FunctionalInterface
    public interface Admin {
        /**
         * @param method GET or POST (without a body)
         * @param path the path and query, from {@code /hasm/api/v1/}
         * @return the answer
         * @throws IOException if the SCM does not answer
         */
        Reply send(Scm scm, String method, String path) throws IOException, InterruptedException;
    }

    private Pair(Path dist, Path dir, int base, Timing timing) {
        this.dist = dist;
        this.dir = dir;
        this.base = base;
        this.timing = timing;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .proxy(HttpClient.Builder.NO_PROXY).build();
    }

    /**
     * Writes the two node folders with {@code bin/hasm demo --no-start}, the fault switch enabled.
     *
     * @param work an empty folder of the test's; the pair lives in {@code work/pair}
     */
    public static Pair create(Path work, Timing timing) throws IOException, InterruptedException {
        Path dist = ScmProcess.distribution();
        Path dir = work.resolve("pair");
        int base = freeBasePort();
        List<String> args = new ArrayList<>(List.of("demo", "--dir", dir.toString(), "--no-start", "--base-port",
                Integer.toString(base), "--faults"));
        if (!timing.equals(Timing.DEMO)) {
            args.addAll(List.of("--interval-ms", Long.toString(timing.intervalMs()), "--counter",
                    Integer.toString(timing.counter()), "--init-timeout-ms", Long.toString(timing.initTimeoutMs())));
        }
        try (ScmProcess demo = ScmProcess.start(dist, work.resolve("demo-out"), args.toArray(String[]::new))) {
            int code = demo.awaitExit(Duration.ofSeconds(60));
            if (code != 0 || !Files.isRegularFile(dir.resolve("scm-a/etc/hasm.properties"))
                    || !Files.isRegularFile(dir.resolve("scm-b/etc/hasm.properties"))) {
                throw new AssertionError("bin/hasm demo --no-start did not write " + dir + "/scm-a and scm-b (exit "
                        + code + ")\n" + demo.transcript());
            }
        }
        Pair pair = new Pair(dist, dir, base, timing);
        for (Scm scm : Scm.values()) {
            // The demo runs the configuration transactions; a cluster test edits the pair's files by hand between
            // starts, which they refuse as edits behind the MASTER's back. The tests that exercise them add
            // the feature back (PairConfigIT).
            pair.editProperties(scm, "hasm-core,hasm-config,", "hasm-core,");
        }
        return pair;
    }

    // ---- layout ----

    public int basePort() {
        return base;
    }

    public Timing timing() {
        return timing;
    }

    public Path node(Scm scm) {
        return dir.resolve(scm.id());
    }

    public int adminPort(Scm scm) {
        return base + scm.index;
    }

    /** @return the service address of the personality whose home is {@code home}, as the demo writes it */
    public String personalityAddress(Scm home) {
        return "127.0.3." + (home.index + 1);
    }

    /** @return the port of the example service for the personality whose home {@code home} is */
    public int examplePort(Scm home) {
        return base + 30 + home.index;
    }

    /** @return the port of the HTTP/WebDAV service, the same on every personality address */
    public int httpPort() {
        return base + 32;
    }

    /** @return the port of NFS and MOUNT, the same on every personality address */
    public int nfsPort() {
        return base + 35;
    }

    /** @return the URL of the {@code files} export of the personality whose home is {@code home}, ending in '/' */
    public URI filesUrl(Scm home) {
        return URI.create("http://" + personalityAddress(home) + ":" + httpPort() + "/files/");
    }

    /** @return the volume of the personality whose home is {@code home}, as the demo writes it */
    public String volume(Scm home) {
        return home == Scm.A ? "vol-a" : "vol-b";
    }

    /** @return the folder both SCMs reach, standing in for shared storage: volumes/, owners/, heartbeat/ */
    public Path shared() {
        return dir.resolve("shared");
    }

    /**
     * Puts the shared folder on a tmpfs of its own, with what the demo wrote there, so that a test
     * can fill it up: the kernel then answers ENOSPC to both SCMs as a full shared disk would. Needs
     * root; call it before the SCMs start (an SCM in a mount namespace of its own would not see it).
     *
     * @return the mount, for the caller to unmount after {@link #close()}
     */
    public Tmpfs sharedOnTmpfs(long sizeBytes) throws IOException, InterruptedException {
        Path demo = dir.resolve("shared-as-written");
        Files.move(shared(), demo);
        Tmpfs tmpfs = Tmpfs.mount(shared(), sizeBytes);
        try {
            ScmProcess.copyTree(demo, shared());
            try (Stream<Path> written = Files.walk(demo)) {
                for (Path p : written.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            tmpfs.close();
            throw e;
        }
        return tmpfs;
    }

    /** A status channel's local UDP address on an SCM: {@code link} or {@code host}. */
    public InetSocketAddress statusAddress(Scm scm, String channel) {
        return address(scm, channel, 10);
    }

    /** A link channel's local TCP address on an SCM: {@code link} or {@code host}. */
    public InetSocketAddress linkAddress(Scm scm, String channel) {
        return address(scm, channel, 12);
    }

    private InetSocketAddress address(Scm scm, String channel, int offset) {
        boolean host = switch (channel) {
            case "link" -> false;
            case "host" -> true;
            default -> throw new IllegalArgumentException("no channel " + channel);
        };
        int port = base + offset + (host ? 1 : 0) + (scm == Scm.B ? 10 : 0);
        return new InetSocketAddress(host ? "127.0.0.2" : "127.0.0.1", port);
    }

    /** Writes (or overwrites) one of an SCM's {@code etc/} files, before it starts. */
    public void writeConfig(Scm scm, String etcFile, String text) throws IOException {
        Files.writeString(node(scm).resolve("etc").resolve(etcFile), text, StandardCharsets.UTF_8);
    }

    /**
     * Runs the SCM's later starts under a wrapper command that execs it, e.g. {@code ip netns exec NS}
     * (the PID stays the JVM's, so kill, SIGSTOP and SIGCONT reach it).
     */
    public void wrap(Scm scm, List<String> wrapper) {
        wrappers.put(scm, List.copyOf(wrapper));
    }

    /** Replaces how the admin API is reached, e.g. from inside the SCMs' network namespaces. */
    public void admin(Admin transport) {
        this.admin = transport;
    }

    /** Replaces text in an SCM's {@code etc/hasm.properties}, before it starts. */
    public void editProperties(Scm scm, String from, String to) throws IOException {
        editConfig(scm, "hasm.properties", from, to);
    }

    /** Replaces text in one of an SCM's {@code etc/} files, before it starts. */
    public void editConfig(Scm scm, String etcFile, String from, String to) throws IOException {
        Path file = node(scm).resolve("etc").resolve(etcFile);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (!text.contains(from)) {
            throw new IllegalStateException(file + " has no '" + from + "' to replace:\n" + text);
        }
        Files.writeString(file, text.replace(from, to), StandardCharsets.UTF_8);
    }

    /** Deletes the configuration file {@code etcFile} of an SCM's node folder (a channel, say). */
    public void deleteConfig(Scm scm, String etcFile) throws IOException {
        Files.delete(node(scm).resolve("etc").resolve(etcFile));
    }

    // ---- processes ----

    /**
     * Waits for an SCM's process to end by itself (a start that was refused).
     *
     * @return its exit code
     */
    public int awaitExit(Scm scm, Duration timeout) throws InterruptedException {
        return process(scm).awaitExit(timeout);
    }

    /** @return what an SCM's process wrote on stderr so far */
    public String stderr(Scm scm) {
        return process(scm).stderrText();
    }

    /**
     * The JVM options of the SCMs a test starts, set by the itests pom: {@value #C1_ONLY_PROPERTY}=true
     * (the integration tests) adds {@value #C1_ONLY}. An SCM then reaches DAC with about half the CPU
     * time (3.5 s instead of 6.5 s, measured on a demo pair), and a pair's boot is mostly CPU on a
     * 2-core machine. What the tests assert does not depend on the compiler; their SCMs only run
     * slower once warm, which a test that floods an SCM must not have: it calls {@link #shippedJvm()}.
     * Benchmarks (and a run outside the pom) get bin/hasm's own options.
     */
    public static final String C1_ONLY_PROPERTY = "hasm.itest.scm.c1only";
    static final String C1_ONLY = "-XX:TieredStopAtLevel=1";

    private static Map<String, String> testJvm() {
        return Boolean.getBoolean(C1_ONLY_PROPERTY) ? Map.of("HASM_JAVA_OPTS", C1_ONLY) : Map.of();
    }

    /** Later starts of the SCM get these environment variables too. */
    public void environment(Scm scm, Map<String, String> variables) {
        environment.put(scm, Map.copyOf(variables));
    }

    /** Later starts run with bin/hasm's own JVM options, C2 compiler included: for a test that floods an SCM. */
    public void shippedJvm() {
        jvm = Map.of();
    }

    /** Starts {@code bin/hasm run DIR/scm-x}; returns without waiting for any state. */
    public void start(Scm scm) throws IOException {
        ScmProcess running = processes.get(scm);
        if (running != null && running.isAlive()) {
            throw new IllegalStateException(scm.id() + " runs already (pid " + running.pid() + ")");
        }
        Path out = dir.resolve("out").resolve(scm.id() + "-" + (++starts));
        Map<String, String> env = new java.util.HashMap<>(jvm);
        env.putAll(environment.getOrDefault(scm, Map.of()));
        processes.put(scm, ScmProcess.start(dist, out, wrappers.getOrDefault(scm, List.of()), env,
                supervised ? "supervise" : "run", node(scm).toString()));
        paused.put(scm, false);
    }

    /**
     * Starts the SCMs from now on with {@code bin/hasm supervise}: each restarts on the distribution its node
     * folder names when its controller asks (a distribution upgrade); {@link #pid} stays the JVM's.
     */
    public void supervised() {
        supervised = true;
    }

    /** @return the distribution the SCMs are started from */
    public Path distribution() {
        return dist;
    }

    public long pid(Scm scm) {
        return process(scm).pid();
    }

    public boolean isAlive(Scm scm) {
        ScmProcess p = processes.get(scm);
        return p != null && p.isAlive();
    }

    /** {@code kill -9}, as a power loss or a crash would; returns once the process is gone. */
    public void kill(Scm scm) throws InterruptedException {
        ScmProcess p = process(scm);
        // SIGKILL through the handle: the JVM gets no chance to say goodbye to its peer
        ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
        p.awaitExit(Duration.ofSeconds(30));
        paused.put(scm, false);
    }

    /** SIGTERM, as a supervisor stopping the SCM would; returns once the process is gone. */
    public void terminate(Scm scm) throws InterruptedException {
        ScmProcess p = process(scm);
        p.terminate();
        p.awaitExit(Duration.ofSeconds(60));
        paused.put(scm, false);
    }

    /** SIGSTOP: the process stays but says nothing, as a JVM in a long pause or a hung machine. */
    public void pause(Scm scm) throws IOException, InterruptedException {
        signal(scm, "STOP");
        paused.put(scm, true);
    }

    /** SIGCONT after {@link #pause}. */
    public void resume(Scm scm) throws IOException, InterruptedException {
        signal(scm, "CONT");
        paused.put(scm, false);
    }

    private void signal(Scm scm, String signal) throws IOException, InterruptedException {
        long pid = pid(scm);
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS)) {
            kill.destroyForcibly();
            throw new AssertionError("kill -" + signal + " " + pid + " did not return within 10 s");
        }
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (kill.exitValue() != 0) {
            throw new AssertionError("kill -" + signal + " " + pid + " failed: " + out);
        }
    }

    private ScmProcess process(Scm scm) {
        ScmProcess p = processes.get(scm);
        if (p == null) {
            throw new IllegalStateException(scm.id() + " was never started");
        }
        return p;
    }

    // ---- the admin API ----

    /** @return the status document, or {@code null} if the SCM does not answer 200 right now */
    public JsonNode status(Scm scm) {
        return get(scm, "/hasm/api/v1/status");
    }

    /** @return the journal entries with a sequence above {@code after}; empty if the SCM does not answer */
    public List<JsonNode> journal(Scm scm, long after) {
        JsonNode array = get(scm, "/hasm/api/v1/journal?after=" + after);
        List<JsonNode> entries = new ArrayList<>();
        if (array != null) {
            array.forEach(entries::add);
        }
        return entries;
    }

    /** @return the highest journal sequence now, -1 if none: a mark for {@link #opModes(Scm, long)} */
    public long journalMark(Scm scm) {
        long mark = -1;
        for (JsonNode e : journal(scm, -1)) {
            mark = Math.max(mark, e.path("sequence").asLong(-1));
        }
        return mark;
    }

    /**
     * @return the opMode calls the example service received after {@code after}, each as
     *         {@code OPMODE(MASTER, DAC)}, in journal order; a call that did not pass says so
     */
    public List<String> opModes(Scm scm, long after) {
        List<String> calls = new ArrayList<>();
        for (JsonNode e : journal(scm, after)) {
            if ("example".equals(e.path("module").asText()) && "OPMODE".equals(e.path("call").asText())) {
                String outcome = e.path("outcome").asText();
                calls.add("OPMODE(" + e.path("opMode").asText() + ", " + e.path("sysConfig").asText() + ")"
                        + ("PASSED".equals(outcome) ? "" : " " + outcome));
            }
        }
        return calls;
    }

    /** POST a command: {@code reset}, {@code shutdown}, {@code surrender}. */
    public void command(Scm scm, String command) throws IOException, InterruptedException {
        post(scm, "/hasm/api/v1/commands/" + command + "?reason=cluster+test", 202);
    }

    /** The test-only fault switch: drop {@code percent} of what {@code scm} receives on a status channel. */
    public void drop(Scm scm, String channel, int percent) throws IOException, InterruptedException {
        post(scm, "/hasm/api/v1/faults/drop?channel=" + channel + "&percent=" + percent, 200);
    }

    private void post(Scm scm, String path, int expected) throws IOException, InterruptedException {
        Reply response = admin.send(scm, "POST", path);
        if (response.status() != expected) {
            throw new AssertionError("POST " + path + " on " + scm.id() + ": " + response.status() + " "
                    + response.body() + "\n" + diagnostics());
        }
    }

    /** @return the token of the SCM's operate credential, which {@code bin/hasm demo} wrote: every admin request sends it */
    public String adminToken(Scm scm) throws IOException {
        return ScmProcess.adminToken(node(scm));
    }

    private Reply httpAdmin(Scm scm, String method, String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(scm, path))
                .header("Authorization", "Bearer " + adminToken(scm));
        if ("POST".equals(method)) {
            request.timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody());
        } else {
            request.timeout(Duration.ofSeconds(2)).GET();
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body());
    }

    /** @return the answer to GET {@code path} (from {@code /hasm/api/v1/}), or {@code null} if not 200 right now */
    public JsonNode api(Scm scm, String path) {
        return get(scm, path);
    }

    private JsonNode get(Scm scm, String path) {
        if (!isAlive(scm) || Boolean.TRUE.equals(paused.get(scm))) {
            return null; // nothing to ask, and a paused JVM would only make us wait for the timeout
        }
        try {
            Reply response = admin.send(scm, "GET", path);
            return response.status() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null; // not listening yet, or gone: the caller polls or reports
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private URI uri(Scm scm, String path) {
        return URI.create("http://127.0.0.1:" + adminPort(scm) + path);
    }

    // ---- waiting ----

    /**
     * Waits until the SCM's status says {@code state} and {@code opMode} ({@code null}: any).
     *
     * @return the status document that matched
     */
    public JsonNode awaitState(Scm scm, String state, String opMode, Duration timeout) {
        String what = "state " + state + (opMode == null ? "" : "/" + opMode);
        return awaitStatus(scm, what, timeout, s -> {
            String now = s.path("state").asText();
            if (!state.equals(now) && ("MONITOR".equals(now) || "HALTED".equals(now))) {
                // neither is left without an operator: waiting on would only delay the failure
                throw new AssertionError(scm.id() + " is " + now + " while waiting for " + what + ": " + s
                        + "\n" + diagnostics());
            }
            return state.equals(now) && (opMode == null || opMode.equals(s.path("opMode").asText()));
        });
    }

    /** Waits until the SCM's status document satisfies {@code condition}. */
    public JsonNode awaitStatus(Scm scm, String what, Duration timeout, Predicate<JsonNode> condition) {
        JsonNode[] last = new JsonNode[1];
        Await.until(scm.id() + ": " + what, timeout, () -> {
            ScmProcess p = processes.get(scm);
            if (p != null && !p.isAlive()) {
                throw new AssertionError(scm.id() + " ended while waiting for " + what + "\n" + p.transcript()
                        + diagnostics());
            }
            JsonNode s = status(scm);
            last[0] = s;
            return s != null && condition.test(s);
        }, this::diagnostics);
        return last[0];
    }

    /**
     * Checks {@code condition} again and again for {@code hold}: for what must NOT happen (a
     * failover, a state change). Fails at the first poll where it does not hold.
     */
    public void assertHolds(String what, Duration hold, BooleanSupplier condition) {
        assertHolds(what, hold, Duration.ofMillis(Math.min(50, timing.intervalMs())), condition);
    }

    /** {@link #assertHolds(String, Duration, BooleanSupplier)}, checking every {@code every}. */
    public void assertHolds(String what, Duration hold, Duration every, BooleanSupplier condition) {
        long deadline = System.nanoTime() + hold.toNanos();
        int polls = 0;
        // bounded by the deadline; checked once more at the end so a short hold still checks
        while (true) {
            polls++;
            if (!condition.getAsBoolean()) {
                throw new AssertionError("did not hold (poll " + polls + " of a " + hold.toMillis() + " ms watch): "
                        + what + "\n" + diagnostics());
            }
            if (System.nanoTime() - deadline >= 0) {
                return;
            }
            LockSupport.parkNanos(every.toNanos());
        }
    }

    /**
     * Waits until A and B have reported these roles without a break for {@code stable}: for tests
     * and benchmarks that need a quiet pair to start from, not for checking how it got there.
     */
    public void awaitSettled(String a, String b, Duration stable, Duration timeout) {
        long[] since = {0};
        Await.until("scm-a " + a + " and scm-b " + b + " for " + stable.toMillis() + " ms", timeout, () -> {
            long now = System.nanoTime();
            if (!roles(a, b)) {
                since[0] = 0;
                return false;
            }
            if (since[0] == 0) {
                since[0] = now;
            }
            return now - since[0] >= stable.toNanos();
        }, this::diagnostics);
    }

    /** @return whether A and B report exactly these "STATE/OPMODE" roles now */
    public boolean roles(String a, String b) {
        return a.equals(role(status(Scm.A))) && b.equals(role(status(Scm.B)));
    }

    /** Waits until the example service's journal on {@code scm} shows {@code expected} after {@code mark}. */
    public void awaitOpModes(Scm scm, long mark, List<String> expected, Duration timeout) {
        Await.until(scm.id() + ": example opMode calls " + expected, timeout,
                () -> opModes(scm, mark).equals(expected),
                () -> "example opMode calls on " + scm.id() + " after #" + mark + ": " + opModes(scm, mark) + "\n"
                        + diagnostics());
    }

    /**
     * Waits until {@code scm} owns the volume of {@code home}'s personality (its ownership record
     * names it) and holds the listening socket of that personality's HTTP address.
     */
    public void awaitServedBy(Scm home, Scm scm, Duration timeout) {
        String address = personalityAddress(home);
        Await.until(scm.id() + " to own " + volume(home) + " and listen on " + address + ":" + httpPort(), timeout,
                () -> {
                    OwnerWatch.Owner owner = OwnerWatch.read(shared(), volume(home));
                    return owner != null && owner.owner().equals(scm.id())
                            && Listeners.holder(this, address, httpPort()).equals(scm.id());
                }, () -> "record " + OwnerWatch.read(shared(), volume(home)) + ", listener "
                        + Listeners.holder(this, address, httpPort()) + diagnostics());
    }

    /**
     * Waits until the example service answers on the port of {@code personality}'s home with text
     * that contains {@code expected} (e.g. {@code personality A on scm-b (MASTER, DEGRADED)}).
     *
     * @return the answer
     */
    public String awaitExample(Scm personality, String expected, Duration timeout) {
        String[] last = {null};
        Await.until("the example service on " + personalityAddress(personality) + ":" + examplePort(personality)
                + " to say '" + expected + "'",
                timeout, () -> {
                    last[0] = example(personality);
                    return last[0] != null && last[0].contains(expected);
                }, () -> "last answer: " + last[0] + "\n" + diagnostics());
        return last[0];
    }

    /** @return the example service's one line on {@code personality}'s port, or {@code null} if none answers */
    public String example(Scm personality) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(personalityAddress(personality), examplePort(personality)), 1000);
            socket.setSoTimeout(2000);
            InputStream in = socket.getInputStream();
            String text = new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? null : text;
        } catch (IOException e) {
            return null;
        }
    }

    /** @return the log of an SCM ({@code log/hasm.log}), empty if there is none yet */
    public String log(Scm scm) {
        Path file = node(scm).resolve("log/hasm.log");
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** @return both status documents and the end of both logs, for a failure message */
    public String diagnostics() {
        StringBuilder text = new StringBuilder();
        for (Scm scm : Scm.values()) {
            ScmProcess p = processes.get(scm);
            text.append("\n===== ").append(scm.id()).append(p == null ? " (never started)"
                    : " (pid " + p.pid() + (p.isAlive() ? Boolean.TRUE.equals(paused.get(scm)) ? ", paused" : ", running"
                    : ", ended") + ")").append(" =====\n");
            JsonNode s = status(scm);
            text.append("status: ").append(s == null ? "(no answer)" : s.toString()).append('\n');
            if (s != null) {
                text.append("example opMode calls: ").append(opModes(scm, -1)).append('\n');
            }
            String[] lines = log(scm).split("\n", -1);
            int from = Math.max(0, lines.length - LOG_TAIL_LINES);
            text.append("log/hasm.log").append(from > 0 ? " (last " + LOG_TAIL_LINES + " lines)" : "").append(":\n");
            for (int i = from; i < lines.length; i++) {
                text.append("  ").append(lines[i]).append('\n');
            }
        }
        return text.toString();
    }

    // ---- status document helpers ----

    /** @return the status channel {@code name} ({@code kind} "status" or "link") in a status document */
    public static JsonNode channel(JsonNode status, String kind, String name) {
        for (JsonNode c : status.path("channels")) {
            if (kind.equals(c.path("kind").asText()) && name.equals(c.path("name").asText())) {
                return c;
            }
        }
        throw new AssertionError("no " + kind + " channel " + name + " in " + status);
    }

    /** @return "STATE/OPMODE" of a status document, for comparisons and messages */
    public static String role(JsonNode status) {
        return status == null ? "(no answer)" : status.path("state").asText() + "/" + status.path("opMode").asText();
    }

    // ---- ports ----

    /**
     * Finds a base port P such that P..P+39 are free for TCP and UDP on 127.0.0.1 and 127.0.0.2,
     * and reserves it in this JVM ({@link FreePorts#reserve}) until {@link #close()}. Random, so that
     * test runs in other JVMs on the machine rarely meet; bounded.
     */
    static int freeBasePort() throws IOException {
        SplittableRandom random = new SplittableRandom();
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            int candidate = PORT_LOW + random.nextInt((PORT_HIGH - PORT_LOW) / PORT_SPAN) * PORT_SPAN;
            // reserved first: a pair of another test class running beside this one may have probed
            // the same range and not bound it yet
            if (!FreePorts.reserve(candidate, PORT_SPAN - 1)) {
                continue;
            }
            if (rangeFree(candidate)) {
                return candidate;
            }
            FreePorts.release(candidate, PORT_SPAN - 1);
        }
        throw new IOException("no free range of " + PORT_SPAN + " ports on 127.0.0.1/127.0.0.2 between " + PORT_LOW
                + " and " + PORT_HIGH + " after " + PORT_ATTEMPTS + " attempts");
    }

    private static boolean rangeFree(int base) {
        for (int port = base; port < base + PORT_SPAN; port++) {
            for (String host : new String[] {"127.0.0.1", "127.0.0.2", "127.0.3.1", "127.0.3.2"}) {
                try {
                    InetAddress address = InetAddress.getByName(host);
                    try (ServerSocket tcp = new ServerSocket()) {
                        tcp.bind(new InetSocketAddress(address, port));
                    }
                    try (DatagramChannel udp = DatagramChannel.open()) {
                        udp.bind(new InetSocketAddress(address, port));
                    }
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void close() throws InterruptedException {
        AssertionError failure = null;
        for (Map.Entry<Scm, ScmProcess> e : processes.entrySet()) {
            ScmProcess p = e.getValue();
            if (p.isAlive()) {
                // SIGKILL ends a stopped process too; no SIGCONT needed first
                ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
            }
            try {
                p.close();
            } catch (RuntimeException | Error x) {
                failure = failure == null ? new AssertionError("closing " + e.getKey().id(), x) : failure;
            }
            if (p.isAlive()) {
                failure = new AssertionError(e.getKey().id() + " (pid " + p.pid() + ") still runs after SIGKILL");
            }
        }
        if (failure != null) {
            throw failure; // the range stays reserved: a process of ours may still hold a port of it
        }
        FreePorts.release(base, PORT_SPAN - 1);
    }
}
