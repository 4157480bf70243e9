package org.hasm.itests.dist;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One {@code bin/hasm} process of the built distribution, for tests and benchmarks.
 *
 * <p>Its stdout and stderr are read line by line as they come, each line stamped with the time it
 * arrived (so a benchmark measures when the SCM said something, not when a poll looked), kept in
 * memory and copied to {@code stdout.txt} and {@code stderr.txt} in the work folder for
 * post-mortems. Every wait is bounded. {@link #close()} kills the process if it still runs, so a
 * failing test never leaves an SCM behind.
 */
public final class ScmProcess implements AutoCloseable {

    /** System property with the absolute path of runtime/target/hasm; set by the itests pom. */
    public static final String DIST_PROPERTY = "hasm.dist";

    /** A line of output and when it arrived ({@link System#nanoTime()}). */
    public record Line(String text, long nanos) {
    }

    private final Process process;
    private final long startNanos;
    // started as bin/hasm supervise: the JVM is the script's child; written once, before the process is shared
    private volatile boolean supervised;
    private final Object lock = new Object();
    /* Guarded by lock; appended to by the reader threads, which notify on every line and at EOF. */
    private final List<Line> stdout = new ArrayList<>();
    private final List<Line> stderr = new ArrayList<>();
    private int openStreams = 2;
    private final List<Thread> readers = new ArrayList<>();

    private ScmProcess(Process process, long startNanos, Path work) {
        this.process = process;
        this.startNanos = startNanos;
        readers.add(reader(process.getInputStream(), stdout, work.resolve("stdout.txt"), "scm-stdout"));
        readers.add(reader(process.getErrorStream(), stderr, work.resolve("stderr.txt"), "scm-stderr"));
    }

    /**
     * @return the distribution the tests run against
     * @throws AssertionError if {@value #DIST_PROPERTY} is not set or not a distribution
     */
    public static Path distribution() {
        String value = System.getProperty(DIST_PROPERTY);
        if (value == null || value.isBlank()) {
            throw new AssertionError("system property " + DIST_PROPERTY + " is not set: it must name the built"
                    + " distribution (runtime/target/hasm); run these tests through the itests pom (mvn verify)");
        }
        Path dist = Paths.get(value).toAbsolutePath();
        if (!Files.isExecutable(dist.resolve("bin/hasm"))) {
            throw new AssertionError(DIST_PROPERTY + "=" + value + " has no executable bin/hasm: build the"
                    + " distribution first (mvn package -pl runtime -am)");
        }
        return dist;
    }

    /**
     * Copies the distribution's sample node folder, examples/standalone, to {@code target}, and
     * gives it the admin credential every fixture uses ({@link #adminToken}), as {@code hasm token}
     * would.
     */
    public static Path copyStandalone(Path dist, Path target) throws IOException {
        copyTree(dist.resolve("examples/standalone"), target);
        writeToken(target, "operate", ADMIN_CREDENTIAL);
        return target;
    }

    /** The name of the operate credential that {@code hasm demo} writes and {@code hasmctl --node-dir} uses. */
    public static final String ADMIN_CREDENTIAL = "hasmctl";

    /**
     * @return the token of the node's operate credential {@value #ADMIN_CREDENTIAL}, for the
     *         {@code Authorization: Bearer} header of every admin request a test sends
     */
    public static String adminToken(Path node) throws IOException {
        return Files.readString(tokenFile(node, "operate", ADMIN_CREDENTIAL), StandardCharsets.US_ASCII).strip();
    }

    /** @return {@code NODE/etc/admin/ROLE/NAME.token} */
    public static Path tokenFile(Path node, String role, String name) {
        return node.resolve("etc").resolve("admin").resolve(role).resolve(name + ".token");
    }

    /**
     * Writes a new admin credential into a node folder, owner-only, as {@code hasm token} does.
     *
     * @return the token
     */
    public static String writeToken(Path node, String role, String name) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path file = tokenFile(node, role, name);
        Files.createDirectories(file.getParent());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
        return token;
    }

    /** Copies a folder tree (files and folders only). */
    public static Path copyTree(Path source, Path target) throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(target.resolve(source.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, target.resolve(source.relativize(file).toString()));
                return FileVisitResult.CONTINUE;
            }
        });
        return target;
    }

    /**
     * Starts {@code DIST/bin/hasm ARGS...} with {@code work} as its working folder, stdin closed.
     *
     * @param dist the distribution
     * @param work where the output copies go; also the working folder
     */
    public static ScmProcess start(Path dist, Path work, String... args) throws IOException {
        return start(dist, work, List.of(), args);
    }

    /**
     * Starts {@code WRAPPER... DIST/bin/hasm ARGS...}, e.g. with {@code ip netns exec NS} as the
     * wrapper. The wrapper must exec its command (as {@code ip netns exec} does), so that
     * {@link #pid()} stays the JVM's.
     */
    public static ScmProcess start(Path dist, Path work, List<String> wrapper, String... args) throws IOException {
        return start(dist, work, wrapper, Map.of(), args);
    }

    /**
     * Starts {@code WRAPPER... DIST/bin/hasm ARGS...} with {@code environment} added to the test's own
     * (e.g. {@code HASM_JAVA_OPTS}; a wrapper such as {@code env NAME=VALUE} still has the last word).
     */
    public static ScmProcess start(Path dist, Path work, List<String> wrapper, Map<String, String> environment,
            String... args) throws IOException {
        ScmProcess p = spawn(dist, work, wrapper, environment, args);
        p.supervised = args.length > 0 && args[0].equals("supervise");
        return p;
    }

    private static ScmProcess spawn(Path dist, Path work, List<String> wrapper, Map<String, String> environment,
            String... args) throws IOException {
        Files.createDirectories(work);
        List<String> command = new ArrayList<>(wrapper);
        command.add(dist.resolve("bin/hasm").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
        builder.environment().putAll(environment);
        // no terminal and no input: the launcher must run non-interactively
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        long start = System.nanoTime();
        return new ScmProcess(builder.start(), start, work);
    }

    /**
     * @return the JVM's process id: bin/hasm execs java; under {@code bin/hasm supervise} (which runs the JVM as
     *     its child, and another one after a restart) the current child's, waiting a bounded while for one
     */
    public long pid() {
        if (!supervised) {
            return process.pid();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // bounded by the deadline: the script spawns its JVM within milliseconds, or ended
        while (true) {
            java.util.Optional<ProcessHandle> jvm = process.toHandle().children()
                    .filter(c -> c.info().command().map(cmd -> cmd.endsWith("/java")).orElse(false)).findFirst();
            if (jvm.isPresent() || !process.isAlive() || System.nanoTime() > deadline) {
                return jvm.map(ProcessHandle::pid).orElse(process.pid());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /** @return the process bin/hasm started as: the supervising script's, or the JVM's */
    public long scriptPid() {
        return process.pid();
    }

    /** @return nanoTime just before the process was spawned */
    public long startNanos() {
        return startNanos;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until a stdout line matches.
     *
     * @return the first matching line
     * @throws AssertionError if the process ended or the timeout passed first, with the output
     */
    public Line awaitStdout(Predicate<String> matches, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            int seen = 0;
            while (true) {
                for (; seen < stdout.size(); seen++) {
                    if (matches.test(stdout.get(seen).text())) {
                        return stdout.get(seen);
                    }
                }
                if (openStreams == 0) {
                    throw new AssertionError("the SCM ended (exit " + exitCodeOrUnknown() + ") before " + what
                            + "\n" + transcript());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
                            + "\n" + transcript());
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
    }

    /** Sends SIGTERM, as a supervisor would. */
    public void terminate() {
        // through the handle: Process.destroy() would also close our ends of stdout and stderr,
        // and everything the SCM says while it stops would be lost
        process.toHandle().destroy();
    }

    /**
     * @return the exit code, once the process and its output have ended
     * @throws AssertionError if it did not end within the timeout
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new AssertionError("the SCM did not exit within " + timeout.toMillis() + " ms\n" + transcript());
        }
        // the exit code is known; let the readers take in the last lines
        for (Thread reader : readers) {
            reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1000));
        }
        return process.exitValue();
    }

    public List<Line> stdout() {
        synchronized (lock) {
            return List.copyOf(stdout);
        }
    }

    public List<Line> stderr() {
        synchronized (lock) {
            return List.copyOf(stderr);
        }
    }

    public String stdoutText() {
        return join(stdout());
    }

    public String stderrText() {
        return join(stderr());
    }

    /** @return both streams, for failure messages */
    public String transcript() {
        return "--- stdout ---\n" + stdoutText() + "--- stderr ---\n" + stderrText();
    }

    /**
     * The JVM's resident memory now, from {@code /proc/PID/status}.
     *
     * @return VmRSS in kB, or -1 if it cannot be read (not Linux, process gone)
     */
    public long residentKb() {
        return residentKb(pid());
    }

    /** @return the resident memory of process {@code pid} in kB, or -1 if it cannot be read */
    public static long residentKb(long pid) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone or not Linux: the caller reports what it has
        }
        return -1;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            // the JVMs of a supervising script first: the script's own death would leave them to init
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        for (Thread reader : readers) {
            reader.join(2000);
        }
    }

    private String exitCodeOrUnknown() {
        return process.isAlive() ? "unknown, still running" : Integer.toString(process.exitValue());
    }

    private static String join(List<Line> lines) {
        StringBuilder text = new StringBuilder();
        for (Line line : lines) {
            text.append(line.text()).append('\n');
        }
        return text.toString();
    }

    private Thread reader(InputStream stream, List<Line> into, Path copy, String name) {
        Thread thread = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
                    Writer file = Files.newBufferedWriter(copy, StandardCharsets.UTF_8)) {
                String text;
                while ((text = in.readLine()) != null) {
                    long now = System.nanoTime();
                    file.write(text);
                    file.write('\n');
                    file.flush();
                    synchronized (lock) {
                        into.add(new Line(text, now));
                        lock.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the stream closes when the process is killed: what was read stays
            } finally {
                synchronized (lock) {
                    openStreams--;
                    lock.notifyAll();
                }
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
