package org.hasm.storage.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeProblem;

/**
 * One ownership of one volume: from the acquisition at {@link #epoch()} until it is released or
 * lost. A later acquisition of the same volume is a new object with a new epoch, so a service that
 * kept the old one is fenced, as it should be: it has not seen what happened in between.
 */
final class OwnedVolume implements Volume {
    private final VolumeStore store;
    private final String name;
    private final Path root;
    private final Path record;
    private final long epoch;
    // Drops to false exactly once (compareAndSet): released, or lost to the peer.
    private final AtomicBoolean owned = new AtomicBoolean(true);
    // When the watchdog last read the record and found it still ours (System.nanoTime()).
    private volatile long confirmedNanos;
    private final long leaseNanos;
    // The reason of the last refused fence(), so that a burst of refused writes is one event.
    private final AtomicReference<String> lastRefusal = new AtomicReference<>();
    // What the watchdog could not read, so that a storage outage is logged once, not every round.
    private final AtomicReference<String> readProblem = new AtomicReference<>();

    OwnedVolume(VolumeStore store, String name, Path root, Path record, long epoch, long confirmedNanos,
            long leaseNanos) {
        this.store = store;
        this.name = name;
        this.root = root;
        this.record = record;
        this.epoch = epoch;
        this.confirmedNanos = confirmedNanos;
        this.leaseNanos = leaseNanos;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public long epoch() {
        return epoch;
    }

    /** Owned and its lease holds: see {@link Volume#owned()}. */
    @Override
    public boolean owned() {
        return owned.get() && System.nanoTime() - confirmedNanos <= leaseNanos;
    }

    /** @return whether this ownership has not ended (released or lost), whatever its lease says */
    boolean held() {
        return owned.get();
    }

    @Override
    public void fence() throws FencedException {
        store.fence(this);
    }

    @Override
    public VolumeProblem.Kind writeFailed(IOException cause) {
        return store.writeFailed(name, cause);
    }

    Path record() {
        return record;
    }

    long confirmedNanos() {
        return confirmedNanos;
    }

    void confirmed(long nanos) {
        confirmedNanos = nanos;
    }

    /** @return {@code true} if this call ended the ownership (only one caller ever gets it) */
    boolean disown() {
        return owned.compareAndSet(true, false);
    }

    /** @return {@code true} if this refusal has another reason than the previous one */
    boolean newRefusal(String reason) {
        return !reason.equals(lastRefusal.getAndSet(reason));
    }

    void clearRefusal() {
        if (lastRefusal.get() != null) {
            lastRefusal.set(null);
        }
    }

    /**
     * @param problem what the watchdog could not read, {@code null} once it could again
     * @return {@code true} if that differs from the previous round
     */
    boolean readProblem(String problem) {
        String before = readProblem.getAndSet(problem);
        return problem == null ? before != null : !problem.equals(before);
    }

    /** @return what the watchdog could not read in its last round, or {@code null} */
    String readProblem() {
        return readProblem.get();
    }

    @Override
    public String toString() {
        return "volume " + name + " (epoch " + epoch + (owned.get() ? ", owned)" : ", not owned)");
    }
}
