package org.hasm.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.function.Function;
import org.osgi.framework.BundleContext;

/**
 * The SCM's process restarted on another distribution: what a rolling upgrade of the launcher, the
 * framework or hasm-core needs (the controller asks; {@code bin/hasm supervise} loops).
 *
 * <p>The node folder names the distribution it runs in {@code DIR/distribution} (one line, an absolute
 * path; absent: the one whose {@code bin/hasm} was started, and {@code bin/hasm run|supervise DIR}
 * execs the named one's {@code bin/hasm} first). When the controller asks for a restart on a
 * distribution, the launcher writes that file crash-safely, stops the framework (the controller's
 * SHUTDOWN sequence runs as at any stop) and exits with {@value #EXIT_RESTART}; the loop then starts
 * the named distribution's {@code bin/hasm} with {@code HASM_PREVIOUS} set to the distribution it
 * left. A start that fails (exit 1, 2 or 3: a bundle that does not resolve, a configuration the new
 * release refuses) with {@code HASM_PREVIOUS} set writes that distribution back, says why in
 * {@code <hasm.data.dir>/restart-failed} (the controller reports it: the upgrade rolls back), and exits
 * with {@value #EXIT_RESTART} again, so the SCM comes back on the release it ran. That file, present,
 * also keeps the previous release from going back in turn: one way back, never a ping-pong.
 *
 * <p>Bounded: at most {@value #MAX_RESTARTS} restarts within {@value #WINDOW_SECONDS} s, counted in
 * {@code HASM_RESTARTS} (the loop adds the time of each, in seconds); a request beyond that is refused
 * with why, and the SCM keeps running.
 *
 * <p>The decisions ({@link #onRequest}, {@link #onFailedStart}, {@link #history}) are pure functions,
 * tested as such; the rest reads and writes the node folder.
 */
final class Relaunch {
    /** The launcher's exit code that asks the loop to start the distribution {@code DIR/distribution} names. */
    static final int EXIT_RESTART = 75;
    /** The node folder's file naming its distribution. */
    static final String FILE = "distribution";
    /** In {@code hasm.data.dir}: the distribution whose start failed after a restart, and why. */
    static final String FAILED_FILE = "restart-failed";
    /** Set by the loop: the distribution this process was restarted from. */
    static final String ENV_PREVIOUS = "HASM_PREVIOUS";
    /** Set by the loop: the epoch seconds of the restarts so far, space-separated. */
    static final String ENV_RESTARTS = "HASM_RESTARTS";
    /** System property {@code bin/hasm supervise} sets: a restart is answered by the loop. */
    static final String SUPERVISED = "hasm.supervised";
    /** Framework property a node sets when a supervisor of its own answers exit code 75 (systemd's RestartForceExitStatus). */
    static final String RESTARTABLE = "hasm.restartable";
    /** The service property of the restart service the controller looks up. */
    static final String SERVICE_PROPERTY = "hasm.launcher";
    static final String SERVICE_VALUE = "restart";
    static final int MAX_RESTARTS = 5;
    static final long WINDOW_SECONDS = 60;

    /** What to do. */
    sealed interface Decision {
    }

    /** Restart on {@code target}: write it into the node folder, stop, exit {@value #EXIT_RESTART}. */
    record Restart(Path target) implements Decision {
    }

    /** Nothing to do: the SCM runs {@code target} already. */
    record AlreadyThere(Path target) implements Decision {
    }

    /** Refused: the SCM keeps running; {@code reason} says why. */
    record Refused(String reason) implements Decision {
    }

    /** Exit with {@code code}, as without a loop. */
    record Exit(int code) implements Decision {
    }

    private Relaunch() {
    }

    /**
     * @param target the distribution asked for, already checked to be one
     * @param home the distribution this process runs
     * @param restarts the epoch seconds of the restarts within the window ({@link #history})
     */
    static Decision onRequest(Path target, Path home, List<Long> restarts) {
        if (target.equals(home)) {
            return new AlreadyThere(target);
        }
        if (restarts.size() >= MAX_RESTARTS) {
            return new Refused("restarted " + restarts.size() + " times in the last " + WINDOW_SECONDS
                    + " s: no restart on " + target + " before that settles");
        }
        return new Restart(target);
    }

    /**
     * A start that failed with {@code code}.
     *
     * @param previous the distribution this process was restarted from ({@value #ENV_PREVIOUS}), {@code null} if none
     * @param wentBackOnce whether a start already went back ({@value #FAILED_FILE} exists): never twice
     * @param restarts the restarts within the window
     * @return {@link Restart} on {@code previous}, or {@link Exit} with {@code code}
     */
    static Decision onFailedStart(int code, Path previous, Path home, boolean wentBackOnce, List<Long> restarts) {
        if (previous == null || previous.equals(home) || wentBackOnce || restarts.size() >= MAX_RESTARTS) {
            return new Exit(code);
        }
        return new Restart(previous);
    }

    /**
     * @param env {@value #ENV_RESTARTS}: epoch seconds, space-separated; words that are not numbers are skipped
     * @param now epoch seconds
     * @return those within the last {@value #WINDOW_SECONDS} s, at most the last {@value #MAX_RESTARTS} * 2
     */
    static List<Long> history(String env, long now) {
        List<Long> within = new ArrayList<>();
        if (env == null) {
            return within;
        }
        for (String word : env.trim().split("\\s+")) {
            try {
                long t = Long.parseLong(word);
                if (t <= now && now - t < WINDOW_SECONDS) {
                    within.add(t);
                }
            } catch (NumberFormatException e) {
                // a hand-set variable: what is not a time counts for nothing
            }
        }
        return within.size() > MAX_RESTARTS * 2 ? within.subList(within.size() - MAX_RESTARTS * 2, within.size()) : within;
    }

    // ---- the node folder ----

    /**
     * @return the distribution {@code DIR/distribution} names, absolute and normalized, or {@code null} when the file is absent
     * @throws LaunchException naming the file when it is empty or not a path
     */
    static Path named(Path nodeDir) throws LaunchException {
        Path file = nodeDir.resolve(FILE);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new LaunchException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        String line = text.lines().findFirst().orElse("").strip();
        if (line.isEmpty() || !line.startsWith("/")) {
            throw new LaunchException(file + ": must hold the absolute path of a distribution, not '" + line + "'");
        }
        return Path.of(line).normalize();
    }

    /** Writes {@code DIR/distribution}: a temporary file forced to disk, renamed over the old one, the folder forced. */
    static void writeNamed(Path nodeDir, Path target) throws IOException {
        replace(nodeDir.resolve(FILE), (target + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static void writeFailed(Path dataDir, Path distribution, String cause) throws IOException {
        Files.createDirectories(dataDir);
        replace(dataDir.resolve(FAILED_FILE), (distribution + "\n" + cause.replace('\n', ' ') + "\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static void replace(Path file, byte[] bytes) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** @throws LaunchException naming {@code target} when it is no distribution the loop could start */
    static Path check(Path target) throws LaunchException {
        Path home = Distribution.at(target).home();
        if (!Files.isExecutable(home.resolve("bin/hasm"))) {
            throw new LaunchException(home + ": not a hasm distribution (no executable bin/hasm)");
        }
        try {
            return home.toRealPath();
        } catch (IOException e) {
            throw new LaunchException(home + ": cannot be resolved (" + e.getMessage() + ")");
        }
    }

    /**
     * The restart service one process offers its controller: {@code apply(path)} answers {@code null} once
     * the restart on that distribution is under way, or why not.
     */
    static final class Service implements Function<String, Object> {
        private final Path nodeDir;
        private final Path dataDir;
        private final Path home;
        private final Shutdown shutdown;
        private final PrintStream out;
        // the distribution a restart was accepted for; written once, under this
        private Path requested;

        Service(Path nodeDir, Path dataDir, Path home, Shutdown shutdown, PrintStream out) {
            this.nodeDir = nodeDir;
            this.dataDir = dataDir;
            this.home = home;
            this.shutdown = shutdown;
            this.out = out;
        }

        void register(BundleContext context) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(SERVICE_PROPERTY, SERVICE_VALUE);
            props.put("hasm.home", home.toString());
            context.registerService(Function.class, this, props);
        }

        @Override
        public synchronized Object apply(String path) {
            if (requested != null) {
                return requested.equals(Path.of(path).normalize()) ? null
                        : "a restart on " + requested + " is under way already";
            }
            Path target;
            try {
                target = check(Path.of(path));
            } catch (LaunchException | RuntimeException e) {
                return e.getMessage();
            }
            Decision d = onRequest(target, home, history(System.getenv(ENV_RESTARTS), System.currentTimeMillis() / 1000));
            if (d instanceof Refused r) {
                return r.reason();
            }
            if (d instanceof AlreadyThere) {
                return null;
            }
            try {
                writeNamed(nodeDir, target);
                Files.deleteIfExists(dataDir.resolve(FAILED_FILE));
            } catch (IOException e) {
                return nodeDir.resolve(FILE) + " cannot be written: " + e.getMessage();
            }
            requested = target;
            out.println("hasm: the controller asks for a restart on " + target);
            // not on the caller's thread: the stop runs the controller's SHUTDOWN sequence, which waits for it
            Thread stopper = new Thread(() -> shutdown.stop("restart on " + target), "hasm-relaunch");
            stopper.setDaemon(true);
            stopper.start();
            return null;
        }

        synchronized Path requested() {
            return requested;
        }
    }
}
