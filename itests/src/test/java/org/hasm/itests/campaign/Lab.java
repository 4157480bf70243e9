package org.hasm.itests.campaign;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.hasm.itests.campaign.Timeline.End;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.Requirements;
import org.hasm.itests.cluster.Tmpfs;

/**
 * One run's pair and everything done to it: starts, kills, pauses and faults go through here, so
 * that the {@link Timeline} records them, and every fault injected is undone by {@link #close()} if
 * the run did not undo it itself (a run that fails leaves no cut network, no cgroup, no mount).
 *
 * <p>Used by the run's thread only.
 */
final class Lab implements AutoCloseable {

    /** What undoes a fault; closed exactly once. */
    @FunctionalInterface
    interface Undo {
        void close() throws Exception;
    }

    /** The shared storage's size when a run fills it: a few runs' writes fit many times over. */
    static final long TMPFS_BYTES = 64L << 20;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Starts of one SCM by {@link #restartDead()} in one run: an SCM that cannot stay up is a finding, not a loop. */
    private static final int MAX_RESTARTS = 6;

    private final Pair pair;
    private final Tmpfs tmpfs;
    private final Timeline timeline;
    private final String tag;
    private final Deque<Undo> undos = new ArrayDeque<>();
    private final Map<Scm, Integer> restarts = new EnumMap<>(Scm.class);
    private int names;

    private Lab(Pair pair, Tmpfs tmpfs, Timeline timeline) {
        this.pair = pair;
        this.tmpfs = tmpfs;
        this.timeline = timeline;
        this.tag = "hasmcampaign_" + ProcessHandle.current().pid() + "_" + pair.basePort();
    }

    /**
     * Writes a pair into {@code dir} and prepares what the plan's faults need before the SCMs start:
     * the shared folder on a tmpfs to fill, a mount namespace of its own for an SCM whose storage
     * turns read-only.
     */
    static Lab create(Path dir, Timing timing, Plan plan, Timeline timeline) throws IOException, InterruptedException {
        Pair pair = Pair.create(dir, timing);
        try {
            if (plan.has(FaultKind.FLOOD) || plan.has(FaultKind.STARVE_CPU)) {
                // what these judge is how the SCMs keep up under load: as shipped, C2 compiler included
                pair.shippedJvm();
            }
            Tmpfs tmpfs = plan.has(FaultKind.STORAGE_FULL) ? pair.sharedOnTmpfs(TMPFS_BYTES) : null;
            for (Scm scm : plan.targets(FaultKind.STORAGE_READ_ONLY)) {
                // unshare execs the launcher, which execs java: the pid stays the JVM's
                pair.wrap(scm, List.of(Requirements.tool("unshare").toString(), "--mount", "--propagation", "private"));
            }
            return new Lab(pair, tmpfs, timeline);
        } catch (IOException | InterruptedException | RuntimeException e) {
            pair.close();
            throw e;
        }
    }

    Pair pair() {
        return pair;
    }

    Timeline timeline() {
        return timeline;
    }

    // ---- processes ----

    void start(Scm scm) throws IOException {
        pair.start(scm);
        timeline.started(scm, pair.pid(scm), timeline.now());
    }

    void kill(Scm scm) throws InterruptedException {
        observe();
        if (pair.isAlive(scm)) {
            pair.kill(scm);
            timeline.ended(scm, timeline.now(), End.KILLED);
        }
    }

    void terminate(Scm scm) throws InterruptedException {
        observe();
        if (pair.isAlive(scm)) {
            timeline.stopRequested(scm, timeline.now());
            pair.terminate(scm);
            timeline.ended(scm, timeline.now(), End.TERMINATED);
        }
    }

    void pause(Scm scm) throws IOException, InterruptedException {
        observe();
        if (pair.isAlive(scm)) {
            pair.pause(scm);
            timeline.paused(scm, timeline.now());
        }
    }

    void resume(Scm scm) throws IOException, InterruptedException {
        observe();
        if (pair.isAlive(scm)) {
            pair.resume(scm);
            timeline.resumed(scm, timeline.now());
        }
    }

    /** Records the end of every process that ended without the campaign's doing: fenced, or exited. */
    void observe() {
        for (Scm scm : Scm.values()) {
            boolean running = timeline.lives().stream().anyMatch(l -> l.scm() == scm && l.end() == End.RUNNING);
            if (running && !pair.isAlive(scm)) {
                timeline.ended(scm, timeline.now(), End.ENDED);
            }
        }
    }

    /** Starts every SCM that is down, as a supervisor would, a bounded number of times per run. */
    void restartDead() throws IOException {
        observe();
        for (Scm scm : Scm.values()) {
            if (!pair.isAlive(scm) && restarts.getOrDefault(scm, 0) < MAX_RESTARTS) {
                restarts.merge(scm, 1, Integer::sum);
                start(scm);
            }
        }
    }

    /** Waits until {@code nanos} ({@link System#nanoTime()}), noting process ends meanwhile. */
    void holdUntil(long nanos) {
        // bounded by the instant; each round waits at most one poll
        for (long left = nanos - System.nanoTime(); left > 0; left = nanos - System.nanoTime()) {
            observe();
            LockSupport.parkNanos(Math.min(left, POLL_NANOS));
        }
    }

    /** @return whether {@code condition} held before {@code timeout} passed (polled, with process ends noted) */
    boolean waitFor(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        // bounded by the deadline
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            holdUntil(Math.min(deadline, System.nanoTime() + POLL_NANOS));
        }
        return true;
    }

    // ---- faults ----

    /**
     * Injects {@code fault}; what it returns undoes it, and is undone by {@link #close()} at the latest.
     *
     * @param seed for the fault's own randomness (a flood's bytes)
     */
    Undo inject(Fault fault, long seed) throws Exception {
        Undo undo = Injection.inject(this, fault, seed);
        timeline.faultStarted(fault, timeline.now());
        Undo once = new Undo() {
            @Override
            public void close() throws Exception {
                if (undos.remove(this)) {
                    try {
                        undo.close();
                    } finally {
                        timeline.faultUndone(fault, timeline.now());
                    }
                }
            }
        };
        undos.push(once);
        return once;
    }

    /** @return a name no other table, cgroup or file of this machine has */
    String uniqueName() {
        return tag + "_" + (++names);
    }

    /** @return the tmpfs under the shared folder, if the plan asked for one */
    Tmpfs tmpfs() {
        if (tmpfs == null) {
            throw new IllegalStateException("the shared folder of this run is no tmpfs: the plan has no storage-full");
        }
        return tmpfs;
    }

    /** Undoes every fault still in force (the last first), stops both SCMs, unmounts the tmpfs. */
    @Override
    public void close() throws Exception {
        Throwable failure = null;
        // bounded: each round's undo removes itself
        while (!undos.isEmpty()) {
            try {
                undos.peek().close();
            } catch (Exception | AssertionError e) {
                failure = first(failure, e);
            }
        }
        try {
            pair.close();
        } catch (InterruptedException | RuntimeException | AssertionError e) {
            failure = first(failure, e);
        }
        if (tmpfs != null) {
            try {
                tmpfs.close();
            } catch (IOException | InterruptedException e) {
                failure = first(failure, e);
            }
        }
        if (failure instanceof Exception e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    private static Throwable first(Throwable failure, Throwable e) {
        if (failure == null) {
            return e;
        }
        failure.addSuppressed(e);
        return failure;
    }
}
