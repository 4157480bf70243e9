package org.hasm.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeProblem;

/**
 * One ownership of a volume in a kit run, on a folder of the run: owned from its acquisition until it is
 * released or fenced. Fencing is the switch a takeover by the peer flips: from then on {@link #owned()}
 * says {@code false} and {@link #fence()} refuses, as hasm's storage module does once it finds a higher
 * epoch. A later acquisition is a new object at a higher epoch.
 */
final class KitVolume implements Volume {
    private final String name;
    private final Path root;
    private final long epoch;
    // Drops exactly once: released by the kit or fenced.
    private final AtomicBoolean owned = new AtomicBoolean(true);
    private volatile String lostBecause = "";
    private final AtomicInteger refusedFences = new AtomicInteger();
    private final List<IOException> failedWrites = new CopyOnWriteArrayList<>();

    KitVolume(String name, Path root, long epoch) {
        this.name = name;
        this.root = root;
        this.epoch = epoch;
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

    @Override
    public boolean owned() {
        return owned.get();
    }

    @Override
    public void fence() throws FencedException {
        if (!owned.get()) {
            refusedFences.incrementAndGet();
            throw new FencedException("volume " + name + " at epoch " + epoch + ": " + lostBecause);
        }
    }

    @Override
    public VolumeProblem.Kind writeFailed(IOException cause) {
        failedWrites.add(cause);
        return null;
    }

    /** The peer took the volume over at a higher epoch. */
    void fenceOff() {
        lostBecause = "taken over by the peer at epoch " + (epoch + 1);
        owned.set(false);
    }

    /** This SCM let the volume go (the personality was given away, or the module stopped). */
    void release() {
        if (owned.compareAndSet(true, false)) {
            lostBecause = "released by this SCM";
        }
    }

    int refusedFences() {
        return refusedFences.get();
    }

    List<IOException> failedWrites() {
        return failedWrites;
    }

    @Override
    public String toString() {
        return name + "@" + epoch + (owned.get() ? "" : " (" + lostBecause + ")");
    }
}
