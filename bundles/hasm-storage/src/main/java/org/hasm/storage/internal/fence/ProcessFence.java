package org.hasm.storage.internal.fence;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hasm.spi.storage.FenceAgent;

/**
 * Fences a peer SCM that runs on the same host (a pair on one machine, the tests) by killing its
 * JVM: the one named in its {@code hasm.pid}, and only after its command line proved that it is the
 * hasm launcher of the peer's node folder. A pid file can be stale and a pid reused by anything, so
 * whenever the process cannot be verified the answer is "not fenced" ({@code false}), never a kill.
 *
 * <p>A process that is exiting (killed a moment ago: its main thread a zombie, its command line gone
 * with its memory, other threads still ending) can no longer say what it was, and may still hold
 * sockets and files: it is waited for, up to the call's timeout, and never taken for a stale pid
 * file or for "no process". Calls are serialised: one fence or probe at a time per agent, so that a
 * probe never looks at the process a fence is killing.
 *
 * <p>The JVM's descendants (a file server it started, say) die with it: they could otherwise go on
 * writing to the volumes the peer is about to take over.
 */
final class ProcessFence {
    /** The launcher's package: every hasm SCM's command line names its main class. */
    static final String LAUNCHER = "org.hasm.launcher";
    /**
     * The environment variable that marks a process an SCM started to write its volumes (a file
     * server such as the SMB service's smbd): its value is that SCM's node folder. Such a process may
     * outlive the JVM for a moment, or longer if its own guards failed, so the peer is fenced only
     * once none is left, and a fence kills them. Only a process that shows the marker with the
     * peer's node folder is ever touched.
     */
    static final String CHILD_MARKER = "HASM_FENCE_WITH";
    /** How long {@link #stopped} waits for an exiting process, having no timeout of its own. */
    static final Duration EXIT_WAIT = Duration.ofSeconds(5);

    private final Path pidFile;
    private final Path nodeDir;
    private final CommandLines commandLines;
    private final Reporter reporter;

    /**
     * @param pidFile the peer's {@code <node folder>/hasm.pid}
     */
    ProcessFence(Path pidFile, CommandLines commandLines, Reporter reporter) {
        this.pidFile = pidFile.toAbsolutePath().normalize();
        this.nodeDir = this.pidFile.getParent();
        this.commandLines = commandLines;
        this.reporter = reporter;
    }

    synchronized boolean fence(String peer, Duration timeout) {
        return fence(peer, timeout, true);
    }

    /**
     * @return whether the peer is certainly not running, found without killing anything (an exiting
     *     process is waited for, up to {@link #EXIT_WAIT})
     */
    synchronized boolean stopped(String peer) {
        return fence(peer, EXIT_WAIT, false);
    }

    private boolean fence(String peer, Duration timeout, boolean kill) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String who = (kill ? "fence" : "stopped?") + " process (" + peer + ", " + pidFile + ")";
        long pid = readPid(who, reporter);
        if (pid == -2) {
            return false;
        }
        if (pid > 0) {
            Optional<ProcessHandle> found = ProcessHandle.of(pid);
            if (found.isPresent() && !commandLines.gone(found.get())) {
                ProcessHandle ph = found.get();
                if (ph.pid() == ProcessHandle.current().pid()) {
                    reporter.warn(who + ": the pid file names this very process: not killed");
                    return false;
                }
                CommandLines.Seen seen = commandLines.of(ph);
                if (seen instanceof CommandLines.Exiting x) {
                    // killed a moment ago (by us or anybody): it is the peer or not, but it is going
                    if (!waitGone(ph, deadline)) {
                        reporter.warn(who + ": pid " + pid + " is exiting (" + x.why() + ") and has not ended within "
                                + timeout.toMillis() + " ms: cannot say the peer is stopped");
                        return false;
                    }
                    reporter.info(who + ": pid " + pid + " was exiting (" + x.why() + ") and has ended");
                    seen = new CommandLines.Gone();
                }
                if (seen instanceof CommandLines.Unreadable u) {
                    reporter.warn(who + ": pid " + pid + " cannot be verified (" + u.why() + "): not killed");
                    return false;
                }
                if (seen instanceof CommandLines.Args a) {
                    Match m = runs(a);
                    if (m == Match.NO && commandLines.of(ph) instanceof CommandLines.Args again) {
                        // a second look before calling the pid file stale: a process table read while
                        // the process was still being set up has been seen to differ from the next
                        a = again;
                        m = runs(again);
                    }
                    if (m == Match.YES) {
                        return kill && kill(who, ph, deadline) && children(who, deadline, true);
                    }
                    if (m == Match.UNKNOWN) {
                        reporter.warn(who + ": pid " + pid + " runs hasm, but its node folder cannot be resolved"
                                + " (working folder not visible): not killed");
                        return false;
                    }
                    // the pid was reused by an unrelated process: leave it alone, look for the peer
                    reporter.info(who + ": pid " + pid + " is not hasm of " + nodeDir + " (" + String.join(" ", a.args())
                            + "): stale pid file, not killed");
                }
            }
        }
        return noneRunning(who, deadline) && children(who, deadline, kill);
    }

    /**
     * What a fence would do now, found without killing or waiting for anything: the process it would
     * kill, or that none runs (the peer is down), or why it would refuse. The operator's test of the
     * agent.
     */
    synchronized FenceAgent.Readiness check(String peer) {
        List<String> notes = new ArrayList<>();
        Reporter collect = new Reporter() {
            @Override
            public void info(String message) {
                notes.add(message);
            }

            @Override
            public void warn(String message) {
                notes.add(message);
            }
        };
        String who = "pid file " + pidFile;
        long pid = readPid(who, collect);
        if (pid == -2) {
            return new FenceAgent.Readiness(false, String.join("; ", notes));
        }
        String children = children();
        if (pid > 0) {
            Optional<ProcessHandle> found = ProcessHandle.of(pid);
            if (found.isPresent() && !commandLines.gone(found.get())) {
                ProcessHandle ph = found.get();
                if (ph.pid() == ProcessHandle.current().pid()) {
                    return new FenceAgent.Readiness(false, who + " names this very SCM's process (pid " + pid
                            + "): a fence would kill nothing; is it the peer's?");
                }
                CommandLines.Seen seen = commandLines.of(ph);
                if (seen instanceof CommandLines.Exiting x) {
                    return new FenceAgent.Readiness(true, "pid " + pid + " (" + who + ") is exiting (" + x.why()
                            + "): a fence would wait for it to end, within the fence timeout" + children);
                }
                if (seen instanceof CommandLines.Unreadable u) {
                    return new FenceAgent.Readiness(false, "pid " + pid + " (" + who + ") cannot be verified (" + u.why()
                            + "): a fence would not kill it");
                }
                if (seen instanceof CommandLines.Args a) {
                    Match m = runs(a);
                    if (m == Match.YES) {
                        String refused = refusal(ph.pid());
                        if (refused != null) {
                            return new FenceAgent.Readiness(false, "pid " + pid + " is hasm of " + nodeDir + ", but "
                                    + refused);
                        }
                        long family = ph.descendants().count();
                        return new FenceAgent.Readiness(true, "would kill pid " + pid + " (hasm of " + nodeDir + ")"
                                + (family == 0 ? "" : " and its " + family + " descendant(s)") + children);
                    }
                    if (m == Match.UNKNOWN) {
                        return new FenceAgent.Readiness(false, "pid " + pid + " runs hasm, but its node folder cannot be"
                                + " resolved (working folder not visible): a fence would not kill it");
                    }
                    notes.add(who + " is stale: pid " + pid + " is not hasm of " + nodeDir);
                }
            }
        }
        Optional<String> hidden = commandLines.hidden();
        if (hidden.isPresent()) {
            return new FenceAgent.Readiness(false, "cannot be sure the peer is not running: " + hidden.get());
        }
        Scan scan = scan();
        String before = notes.isEmpty() ? "" : String.join("; ", notes) + "; ";
        if (!scan.running().isEmpty()) {
            return new FenceAgent.Readiness(false, before + "hasm of " + nodeDir + " runs as pid " + scan.running()
                    + ", which " + who + " does not name: a fence would refuse to kill it");
        }
        if (!scan.unreadable().isEmpty()) {
            return new FenceAgent.Readiness(false, before + scan.unreadable().size() + " process(es) cannot be inspected,"
                    + " e.g. " + scan.unreadable().get(0) + ": a fence could not be sure the peer is stopped");
        }
        return new FenceAgent.Readiness(true, before + "no process runs hasm of " + nodeDir
                + (scan.exiting().isEmpty() ? "" : " (pid(s) " + scan.exiting() + " exiting: a fence would wait for them)")
                + ": a fence would find the peer stopped" + children);
    }

    /** @return what a fence would also do to the processes the peer started, as a phrase, or "" */
    private String children() {
        List<Long> marked = commandLines.marked(CHILD_MARKER, nodeDir.toString());
        return marked.isEmpty() ? "" : "; and kill process(es) " + marked + " the peer started (" + CHILD_MARKER + "="
                + nodeDir + ")";
    }

    /**
     * @return why this process could not kill the process of {@code pid} (another user's, and this
     *     one is not root), or null if it can or that cannot be read (a fence would try)
     */
    static String refusal(long pid) {
        long own = uid(Path.of("/proc/self/status"));
        long theirs = uid(Path.of("/proc/" + pid + "/status"));
        if (own < 0 || theirs < 0 || own == 0 || own == theirs) {
            return null;
        }
        return "it runs as uid " + theirs + " and this SCM as uid " + own + " (not root): a kill would be refused";
    }

    /** @return the effective uid in a {@code /proc/PID/status} file, -1 if unreadable */
    private static long uid(Path status) {
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return Long.parseLong(f.length > 1 ? f[1] : f[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Waits until no process marked as the peer's ({@link #CHILD_MARKER}) is left, killing them when
     * fencing; bounded by the deadline.
     *
     * @return whether none is left
     */
    private boolean children(String who, long deadline, boolean kill) {
        String value = nodeDir.toString();
        List<Long> first = commandLines.marked(CHILD_MARKER, value);
        if (first.isEmpty()) {
            return true;
        }
        // bounded by the deadline: each round kills (when fencing) what is there, then looks again
        while (true) {
            List<Long> left = commandLines.marked(CHILD_MARKER, value);
            if (left.isEmpty()) {
                reporter.info(who + ": process(es) " + first + " the peer started (" + CHILD_MARKER + "=" + value + ") "
                        + (kill ? "killed" : "ended"));
                return true;
            }
            if (kill) {
                left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            }
            if (System.nanoTime() - deadline >= 0) {
                reporter.warn(who + ": process(es) " + left + " the peer started (" + CHILD_MARKER + "=" + value + ") "
                        + (kill ? "did not end in time" : "still run") + ": the peer is not certainly stopped");
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
    }

    /** @return the pid, -1 if there is no usable pid file, -2 if the file cannot be read at all */
    private long readPid(String who, Reporter reporter) {
        String text;
        try (InputStream in = Files.newInputStream(pidFile)) {
            text = new String(in.readNBytes(64), StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            reporter.info(who + ": no pid file");
            return -1;
        } catch (IOException e) {
            reporter.warn(who + ": the pid file cannot be read (" + e.getMessage() + "): cannot tell whether the peer runs");
            return -2;
        }
        try {
            long pid = Long.parseLong(text);
            return pid > 0 ? pid : -1;
        } catch (NumberFormatException e) {
            reporter.info(who + ": the pid file holds no process id");
            return -1;
        }
    }

    /**
     * @return {@code true} only if every process could be inspected and none runs hasm on the peer's
     *     node folder
     */
    private boolean noneRunning(String who, long deadline) {
        Optional<String> hidden = commandLines.hidden();
        if (hidden.isPresent()) {
            reporter.warn(who + ": cannot be sure the peer is not running: " + hidden.get());
            return false;
        }
        Scan scan = scan();
        Set<Long> running = scan.running();
        List<String> unreadable = scan.unreadable();
        List<Long> exiting = scan.exiting(); // each may be the peer, dying: waited for below
        if (!running.isEmpty()) {
            reporter.warn(who + ": hasm of " + nodeDir + " runs as pid " + running
                    + ", which the pid file does not name: not killed, not fenced");
            return false;
        }
        if (!unreadable.isEmpty()) {
            reporter.warn(who + ": cannot be sure the peer is not running: " + unreadable.size()
                    + " process(es) cannot be inspected, e.g. " + unreadable.get(0));
            return false;
        }
        for (long pid : exiting) {
            if (!waitGone(pid, deadline)) {
                reporter.warn(who + ": pid " + pid + " is exiting and could be the peer; it has not ended in"
                        + " time: cannot say the peer is stopped");
                return false;
            }
        }
        reporter.info(who + ": no process runs hasm of " + nodeDir + ": the peer is down");
        return true;
    }

    /**
     * What the process table holds of the peer, besides this process: the pids running hasm on its node
     * folder, what could not be inspected (or runs hasm on a folder that cannot be resolved), and the
     * processes that are exiting (any of them may be the peer).
     */
    private record Scan(Set<Long> running, List<String> unreadable, List<Long> exiting) {
    }

    /* Bounded: one pass over the process table, reading only the command line of most processes. */
    private Scan scan() {
        Scan scan = new Scan(new TreeSet<>(), new ArrayList<>(), new ArrayList<>());
        long self = ProcessHandle.current().pid();
        for (CommandLines.Suspect suspect : commandLines.suspects(LAUNCHER)) {
            long pid = suspect.pid();
            if (pid == self) {
                continue;
            }
            CommandLines.Seen seen = suspect.seen();
            if (seen instanceof CommandLines.Exiting) {
                scan.exiting().add(pid);
            } else if (seen instanceof CommandLines.Unreadable u) {
                scan.unreadable().add(u.why());
            } else if (seen instanceof CommandLines.Args a) {
                Match m = runs(a);
                if (m == Match.YES) {
                    scan.running().add(pid);
                } else if (m == Match.UNKNOWN) {
                    scan.unreadable().add("pid " + pid + " runs hasm on a folder that cannot be resolved");
                }
            }
        }
        return scan;
    }

    /** Whether a command line is hasm on the peer's node folder. */
    enum Match { YES, NO, UNKNOWN }

    /**
     * @return {@link Match#YES} if the command line is the hasm launcher started on the peer's node
     *     folder; {@link Match#UNKNOWN} for a launcher whose folder may be a relative path that cannot
     *     be resolved (its working folder is not visible)
     */
    Match runs(CommandLines.Args a) {
        boolean launcher = false;
        boolean folder = false;
        for (String arg : a.args()) {
            launcher |= arg.contains(LAUNCHER);
            folder |= names(arg, a.cwd()) || (arg.indexOf('=') > 0 && names(arg.substring(arg.indexOf('=') + 1), a.cwd()));
        }
        if (!launcher) {
            return Match.NO;
        }
        return folder ? Match.YES : a.cwd() == null ? Match.UNKNOWN : Match.NO;
    }

    private boolean names(String arg, Path cwd) {
        if (arg.isEmpty()) {
            return false;
        }
        try {
            Path p = Path.of(arg);
            if (!p.isAbsolute()) {
                if (cwd == null) {
                    return false;
                }
                p = cwd.resolve(p);
            }
            p = p.normalize();
            if (p.equals(nodeDir)) {
                return true;
            }
            // the folder through another spelling (a symbolic link on the way)
            return Files.exists(p) && Files.exists(nodeDir) && Files.isSameFile(p, nodeDir);
        } catch (InvalidPathException | IOException e) {
            return false;
        }
    }

    private boolean kill(String who, ProcessHandle ph, long deadline) {
        List<ProcessHandle> family = ph.descendants().toList(); // before the kill: orphans are re-parented
        if (!ph.destroyForcibly() && !commandLines.gone(ph)) {
            reporter.warn(who + ": pid " + ph.pid() + " could not be killed (permission?)");
            return false;
        }
        for (ProcessHandle d : family) {
            d.destroyForcibly();
        }
        boolean gone = waitGone(ph, deadline);
        for (ProcessHandle d : family) {
            gone &= waitGone(d, deadline);
        }
        if (gone) {
            reporter.info(who + ": killed pid " + ph.pid() + (family.isEmpty() ? "" : " and its " + family.size()
                    + " descendant(s)"));
        } else {
            reporter.warn(who + ": pid " + ph.pid() + " (or a descendant) was killed but has not ended in time");
        }
        return gone;
    }

    /** Polls {@code /proc} until the process of {@code pid} is gone; bounded by the deadline. */
    private boolean waitGone(long pid, long deadline) {
        while (true) {
            try {
                if (commandLines.gone(pid)) {
                    return true;
                }
            } catch (IOException e) {
                Optional<ProcessHandle> ph = ProcessHandle.of(pid);
                return ph.isEmpty() || waitGone(ph.get(), deadline);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(5)));
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
    }

    private boolean waitGone(ProcessHandle ph, long deadline) {
        // onExit() for a process that is not our child is polled by the JDK, and completes as soon as
        // its main thread is a zombie, while other threads may still be exiting: then this polls /proc.
        // Bounded by the deadline; ends on a zombie whose threads are all gone, which holds nothing.
        while (!commandLines.gone(ph)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            java.util.concurrent.CompletableFuture<ProcessHandle> exit = ph.onExit();
            try {
                if (exit.isDone()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(5)));
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                } else {
                    exit.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
                }
            } catch (TimeoutException | ExecutionException e) {
                // poll again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
