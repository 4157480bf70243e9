package org.hasm.nas.smb.internal;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.hasm.spi.address.AddressWait;
import org.hasm.spi.storage.Volume;

/**
 * One personality's smbd, supervised by a thread of its own ({@code hasm-smb-<personality>}) for as
 * long as this SCM serves the personality. The thread:
 * <ol>
 * <li>waits until hasm finds the personality's addresses usable and its volumes owned;</li>
 * <li>writes smb.conf and starts {@code setpriv --pdeathsig KILL -- setsid smbd --foreground ...}: smbd
 *     gets SIGKILL from the kernel when this thread's JVM dies (Linux sends it when the thread that
 *     started the process ends, which is why this long-lived thread, and never a pool thread, starts
 *     it), and leads a process group of its own, which every connection's smbd joins;</li>
 * <li>starts its {@link Watchdog} and tells it, every quarter of the deadline, that this SCM still owns
 *     the volumes; the moment one is no longer owned (lease lapsed, taken over) smbd is killed at once;</li>
 * <li>sees smbd end by itself, reports it ({@code SMBD_EXITED} with its exit and the last line it
 *     logged) and starts it again after a back-off that doubles from {@code restart.min.ms} to
 *     {@code restart.max.ms} (reset after a run that long); the personality keeps its address;</li>
 * <li>on {@link #close}: stops the watchdog, SIGTERM to smbd, SIGKILL to whatever of it is left at
 *     {@code stop.timeout.ms}.</li>
 * </ol>
 * Every process it signals is first proved to be smbd on this personality's smb.conf ({@link Processes}).
 */
final class Smbd {

    /** Probing the port until smbd listens: at most this long after a start before it is called slow. */
    private static final long LISTEN_WARN_MS = 10_000;
    private static final long JOIN_EXTRA_MS = 2_000;
    static final long LOG_ROTATE_BYTES = 1 << 20;
    /** How often the log's size is looked at while smbd runs. */
    private static final long LOG_CHECK_NANOS = TimeUnit.SECONDS.toNanos(10);
    /**
     * The environment variable hasm's {@code process} fence agent looks for: a process that carries
     * it with an SCM's node folder is that SCM's, and is stopped when the SCM is fenced.
     */
    static final String FENCE_MARKER = "HASM_FENCE_WITH";

    private final SharePlan plan;
    private final Path dir;
    private final Path conf;
    private final SmbSettings settings;
    private final long watchdogMillis;
    private final Function<String, Volume> volumes;
    private final AddressWait addressWait;
    private final Events events;
    private final String serviceAccount;
    private final String nodeDir;
    private final Thread thread;
    private volatile boolean closing;
    // written by the supervisor thread only, read by anyone (status, tests)
    private volatile long pid = -1;
    // the session of the last smbd started (its pid), kept after it ended: what is left of it is found by it
    private volatile long session = -1;
    private volatile int starts;
    private volatile boolean listening;

    Smbd(SharePlan plan, Path dir, SmbSettings settings, long watchdogMillis, Function<String, Volume> volumes,
            AddressWait addressWait, Events events, String serviceAccount, String nodeDir) {
        this.plan = plan;
        this.dir = dir;
        this.conf = dir.resolve(SmbConf.CONF).toAbsolutePath().normalize();
        this.settings = settings;
        this.watchdogMillis = watchdogMillis;
        this.volumes = volumes;
        this.addressWait = addressWait;
        this.events = events;
        this.serviceAccount = serviceAccount;
        this.nodeDir = nodeDir;
        this.thread = new Thread(this::supervise, "hasm-smb-" + plan.personality());
        this.thread.setDaemon(true);
    }

    SharePlan plan() {
        return plan;
    }

    /** @return its smb.conf */
    Path conf() {
        return conf;
    }

    void start() {
        thread.start();
    }

    /** @return smbd's pid while it runs, else -1 */
    long pid() {
        return pid;
    }

    /** @return how many times smbd was started */
    int starts() {
        return starts;
    }

    /** @return whether smbd runs and was seen listening */
    boolean serving() {
        return pid > 0 && listening;
    }

    /** Tells the supervisor to stop smbd, without waiting: several personalities stop together. */
    void requestClose() {
        closing = true;
        addressWait.cancel();
        LockSupport.unpark(thread);
    }

    /** Stops smbd (SIGTERM, then SIGKILL) and ends the thread; bounded. */
    void close() {
        requestClose();
        try {
            thread.join(settings.stopTimeoutMillis() + JOIN_EXTRA_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            events.warn("personality " + plan.personality() + ": the thread " + thread.getName() + " did not end in "
                    + (settings.stopTimeoutMillis() + JOIN_EXTRA_MS) + " ms; killing its smbd from here");
            Processes.stopAll(conf, session, true, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_EXTRA_MS));
        }
    }

    private long tickNanos() {
        return TimeUnit.MILLISECONDS.toNanos(Math.max(5, watchdogMillis / 4));
    }

    private void supervise() {
        String name = plan.personality();
        try {
            if (!awaitAddress()) {
                return;
            }
            long backoff = settings.restartMinMillis();
            while (!closing) {
                if (!awaitVolumes()) {
                    return;
                }
                long began = System.nanoTime();
                String end = run();
                if (closing) {
                    return;
                }
                long ran = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
                if (ran >= settings.restartMaxMillis()) {
                    backoff = settings.restartMinMillis();
                }
                events.warn("personality " + name + ": smbd " + end + " after " + ran + " ms; started again in "
                        + backoff + " ms");
                events.publish("SMBD_EXITED", Map.of("personality", name, "reason", end, "ran.ms", ran,
                        "restart.in.ms", backoff));
                pause(TimeUnit.MILLISECONDS.toNanos(backoff));
                backoff = Math.min(settings.restartMaxMillis(), backoff * 2);
            }
        } catch (RuntimeException | Error e) {
            events.warn("personality " + name + ": the supervisor of smbd failed: " + e);
            Processes.stopAll(conf, session, true, System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
            throw e;
        } finally {
            pid = -1;
            listening = false;
        }
    }

    /** @return false if closed (or the wait was cancelled) before the addresses were usable */
    private boolean awaitAddress() {
        boolean said = false;
        long since = System.nanoTime();
        // bounded by close(), which cancels the wait
        while (!closing) {
            switch (addressWait.state()) {
                case USABLE -> {
                    if (said) {
                        events.info("personality " + plan.personality() + " got its address after "
                                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since) + " ms of waiting");
                    }
                    return true;
                }
                case CANCELLED -> {
                    if (!closing) {
                        events.warn("personality " + plan.personality() + " stopped waiting for its address: "
                                + addressWait.reason());
                    }
                    return false;
                }
                case WAITING -> {
                    if (!said) {
                        said = true;
                        events.warn("personality " + plan.personality() + " waits for its address: "
                                + addressWait.reason() + "; served as soon as it is usable");
                        events.publish("WAITING_FOR_ADDRESS", Map.of("personality", plan.personality(), "reason",
                                addressWait.reason()));
                    }
                    pause(tickNanos());
                }
            }
        }
        return false;
    }

    /** @return false if closed before every volume was owned */
    private boolean awaitVolumes() {
        boolean said = false;
        while (!closing) {
            String missing = notOwned();
            if (missing == null) {
                return true;
            }
            if (!said) {
                said = true;
                events.warn("personality " + plan.personality() + ": smbd waits for " + missing);
            }
            pause(tickNanos());
        }
        return false;
    }

    /** @return what is not owned now, or null if every volume of the plan is */
    private String notOwned() {
        for (String v : plan.volumes()) {
            Volume volume = volumes.apply(v);
            if (volume == null || !volume.owned()) {
                return "volume " + v + " (not owned by this SCM now)";
            }
        }
        return null;
    }

    /**
     * Starts smbd and its watchdog and supervises them until smbd ends, a volume is lost or the
     * service is closed.
     *
     * @return how smbd ended, for the report
     */
    private String run() {
        File log = dir.resolve("smbd.log").toFile();
        listening = false;
        Process smbd;
        Watchdog watchdog;
        try {
            Files.writeString(conf, SmbConf.text(dir, plan.personality(), plan, settings, serviceAccount),
                    StandardCharsets.UTF_8);
            rotate(log.toPath());
            // a previous smbd of this configuration (one that outlived a crash of this thread, or the connections'
            // smbd of one that ended) goes first
            Processes.stopAll(conf, session, true, System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
            ProcessBuilder pb = new ProcessBuilder(List.of(Samba.find("setpriv").toString(), "--pdeathsig", "KILL", "--",
                    Samba.find("setsid").toString(), Samba.find(settings.smbd()).toString(), "--foreground",
                    "--no-process-group", "--debug-stdout", "-s", conf.toString()))
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log));
            if (nodeDir != null) {
                // inherited by every connection's smbd: the peer's process fence agent stops them all
                pb.environment().put(FENCE_MARKER, nodeDir);
            }
            smbd = pb.start();
        } catch (IOException | IllegalArgumentException e) {
            return "could not be started (" + e.getMessage() + ")";
        }
        starts++;
        pid = smbd.pid();
        session = pid; // setsid made it a session's leader (a process Java starts leads no group, so setsid does not fork)
        try {
            watchdog = Watchdog.start(smbd.pid(), watchdogMillis, log);
        } catch (IOException e) {
            stop(smbd, null);
            return "ran without a watchdog (" + e.getMessage() + "), stopped";
        }
        long started = System.nanoTime();
        boolean slowSaid = false;
        long nextLogCheck = started;
        // bounded: ends when smbd ends, a volume is lost, the watchdog is gone, or on close()
        while (true) {
            if (System.nanoTime() - nextLogCheck >= 0) {
                nextLogCheck = System.nanoTime() + LOG_CHECK_NANOS;
                keepBounded(log.toPath());
            }
            if (closing) {
                stop(smbd, watchdog);
                return "stopped";
            }
            if (!smbd.isAlive()) {
                pid = -1;
                listening = false;
                watchdog.close();
                return "ended by itself (exit " + smbd.exitValue() + describeSignal(smbd.exitValue()) + ", last line: "
                        + lastLine(log.toPath()) + ")";
            }
            String lost = notOwned();
            if (lost != null) {
                // the lease is the peer's to take once it runs out: smbd goes now, not at the watchdog's deadline
                kill(smbd, watchdog);
                events.publish("FENCED", Map.of("personality", plan.personality(), "reason", lost));
                return "was killed: " + lost;
            }
            if (!watchdog.feed() || !watchdog.alive()) {
                kill(smbd, watchdog);
                return "was killed: its watchdog ended (exit " + watchdog.exitCode() + ")";
            }
            if (!listening) {
                if (listens()) {
                    listening = true;
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    List<String> shares = plan.shares().stream().map(SharePlan.Share::name).toList();
                    events.info("serving personality " + plan.personality() + " over SMB on " + plan.addresses() + ":"
                            + plan.port() + ", shares " + shares + " (smbd pid " + smbd.pid() + ", listening after " + ms
                            + " ms)");
                    events.publish("SERVING", Map.of("personality", plan.personality(), "addresses", plan.addresses(),
                            "port", plan.port(), "shares", shares, "pid", smbd.pid()));
                } else if (!slowSaid && System.nanoTime() - started > TimeUnit.MILLISECONDS.toNanos(LISTEN_WARN_MS)) {
                    slowSaid = true;
                    events.warn("personality " + plan.personality() + ": smbd (pid " + smbd.pid() + ") does not listen on "
                            + plan.addresses() + ":" + plan.port() + " after " + LISTEN_WARN_MS + " ms; last line: "
                            + lastLine(log.toPath()));
                }
            }
            pause(tickNanos());
        }
    }

    private boolean listens() {
        for (String a : plan.addresses()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(a, plan.port()), (int) Math.max(20, Math.min(200, watchdogMillis / 4)));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** The orderly stop: the watchdog told to go, SIGTERM to every smbd of the personality, SIGKILL at the deadline. */
    private void stop(Process smbd, Watchdog watchdog) {
        if (watchdog != null) {
            watchdog.close();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.stopTimeoutMillis());
        boolean clean = Processes.stopAll(conf, smbd.pid(), false, deadline);
        if (!clean) {
            Processes.stopAll(conf, smbd.pid(), true, System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
        }
        awaitExit(smbd);
        pid = -1;
        listening = false;
        events.publish("SMBD_STOPPED", Map.of("personality", plan.personality(), "forcibly", !clean));
        if (!clean) {
            events.warn("personality " + plan.personality() + ": smbd did not end within " + settings.stopTimeoutMillis()
                    + " ms of SIGTERM: killed");
        }
    }

    /** At once: SIGKILL to every smbd of the personality, then the watchdog is let go. */
    private void kill(Process smbd, Watchdog watchdog) {
        Processes.stopAll(conf, smbd.pid(), true, System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
        watchdog.close();
        awaitExit(smbd);
        pid = -1;
        listening = false;
    }

    private static void awaitExit(Process p) {
        try {
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Parks this thread for up to {@code nanos}; {@link #close} unparks it. */
    private void pause(long nanos) {
        if (!closing) {
            LockSupport.parkNanos(this, nanos);
        }
    }

    private static String describeSignal(int exit) {
        return exit > 128 && exit < 160 ? ", signal " + (exit - 128) : "";
    }

    static String lastLine(Path log) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            int n = (int) Math.min(len, 4096);
            byte[] tail = new byte[n];
            f.seek(len - n);
            f.readFully(tail);
            List<String> lines = new ArrayList<>(new String(tail, StandardCharsets.UTF_8).strip().lines().toList());
            return lines.isEmpty() ? "(none)" : lines.get(lines.size() - 1).strip();
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * While smbd runs: its output is appended to the log ({@code O_APPEND}), so a log over the bound is copied
     * aside and cut in place, and smbd's next line starts it again (a line written between the copy and the cut
     * is lost; the log never fills the data folder). Tried again at the next check if it fails.
     */
    static void keepBounded(Path log) {
        try {
            if (Files.size(log) > LOG_ROTATE_BYTES) {
                Files.copy(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(log,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    ch.truncate(0);
                }
            }
        } catch (IOException e) {
            // the next check tries again
        }
    }

    private static void rotate(Path log) throws IOException {
        if (Files.exists(log) && Files.size(log) > LOG_ROTATE_BYTES) {
            Files.move(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
