package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.storage.Volume;

/**
 * What the NFS service keeps of one volume while a personality of this SCM serves it: the live view
 * of its ownership, its file ids and its duplicate request cache (both on the volume, under
 * {@value FileIds#META}). Every request asks {@link #current()} again: the instant this SCM loses the
 * volume, nothing more is served from it, even before the next {@code opMode} closes it.
 */
final class VolumeState implements AutoCloseable {
    private static final long PRUNER_JOIN_MS = 2000;
    /** When the file ids' index is first swept ({@link FileIds#sweep}) after this state is made, and how often. */
    static final long SWEEP_FIRST_MS = TimeUnit.MINUTES.toMillis(10);
    static final long SWEEP_EVERY_MS = TimeUnit.HOURS.toMillis(24);

    private final Volumes volumes;
    private final String name;
    private final Path root;
    private final long fsid;
    private final NfsSettings settings;
    private final Events events;
    // Prunes the file ids' tombstones ({@link FileIds#prune}) when asked and sweeps their index
    // ({@link FileIds#sweep}) daily: one daemon thread, stopped with this state.
    private final ScheduledThreadPoolExecutor pruner;
    // The folders of the exports of this volume, where the index's chains of folders end.
    private final Set<Path> exportFolders = ConcurrentHashMap.newKeySet();
    // Replaced together by open(), under this, whenever the volume's epoch moved; read by requests after
    // their open() returned. A request that still holds the previous pair began under an ownership that
    // has ended: its fence fails, and the closed cache keeps nothing of it.
    volatile FileIds ids;
    volatile ReplyCache replies;
    // The epoch ids and replies were read at; valid once opened is true (written under this, after both).
    private volatile long openedEpoch;
    private volatile boolean opened;

    VolumeState(Volumes volumes, String name, Path root, NfsSettings settings, Events events) {
        this.volumes = volumes;
        this.name = name;
        this.root = root;
        this.settings = settings;
        this.events = events;
        // the same on both SCMs: clients compare it across a takeover
        this.fsid = Handles.exportId("volume", name) & Long.MAX_VALUE;
        this.pruner = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "hasm-nfs-prune-" + name);
            t.setDaemon(true);
            return t;
        });
        pruner.scheduleWithFixedDelay(this::sweep, SWEEP_FIRST_MS, SWEEP_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    /** Takes note of an export's folder on this volume. */
    void exported(Path folder) {
        exportFolders.add(folder);
    }

    /** Sweeps the file ids' index of what leads nowhere, while this SCM owns the volume; says what it deleted. */
    void sweep() {
        FileIds f = ids;
        if (f == null || current() == null) {
            return;
        }
        long start = System.nanoTime();
        FileIds.Swept s;
        try {
            s = f.sweep(List.copyOf(exportFolders), System.currentTimeMillis() - FileIds.TOMBSTONE_MS);
        } catch (RuntimeException e) {
            // the next sweep runs all the same
            events.warn("volume " + name + ": sweeping the file ids' index failed: " + e);
            return;
        }
        if (s.deleted() > 0 || !s.finished()) {
            events.info("volume " + name + ": " + s.deleted() + " of " + s.seen() + " entries of the file ids' index"
                    + " deleted (they led to no file) in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                    + " ms" + (s.finished() ? "" : "; stopped before the end (the volume was given up, or the index"
                    + " could not be listed): the next sweep goes on"));
        }
    }

    /**
     * Reads (and creates, the first time) the service's state on the volume: only once this SCM owns
     * it, so that a volume still being acquired, which the peer may own yet, is never written, not even
     * a torn record of the reply cache cut off. Read again whenever the volume's ownership epoch differs
     * from the one it was read at: an SCM that was paused without closing its personality, lost the
     * volume and got it back (failback) serves what the peer left on the volume, not what it remembered.
     *
     * @throws IOException if the volume is not owned now, or its state cannot be read or made
     *     ({@link org.hasm.spi.storage.FencedException} if the state shows a newer owner)
     */
    void open() throws IOException {
        Volume v = current();
        if (v == null) {
            throw new IOException("volume " + name + " is not owned by this SCM now");
        }
        if (opened && openedEpoch == v.epoch()) {
            return;
        }
        synchronized (this) {
            long epoch = v.epoch();
            if (opened && openedEpoch == epoch) {
                return;
            }
            if (replies != null) {
                replies.close();
            }
            opened = false;
            readyStaging();
            FileIds f = new FileIds(root, settings.scanLimit(), pruner, () -> current() != null,
                    System::currentTimeMillis);
            ReplyCache r = new ReplyCache(root.resolve(FileIds.META), settings.drcEntries(), settings.drcAgeMs(),
                    System::currentTimeMillis, epoch);
            for (String d : r.damaged()) {
                events.warn("volume " + name + ": the duplicate request cache " + d);
            }
            ids = f;
            replies = r;
            openedEpoch = epoch;
            opened = true;
            f.askPrune(); // what earlier ownerships left
        }
    }

    /** @return the folder names are made in before they are put in place ({@link Namespace#staged}) */
    Path staging() {
        return root.resolve(FileIds.META).resolve(Namespace.STAGING);
    }

    /**
     * Makes the staging folder, once per ownership rather than at every name made, and removes what a
     * crash left there: a name being made that was never put in place, or the second name of one that
     * was. Nothing there is anybody's yet. Bounded by the folder's entries; a staged folder is empty (it
     * gets no content before its rename).
     */
    private void readyStaging() throws IOException {
        Path staging = Files.createDirectories(staging());
        try (java.util.stream.Stream<Path> left = Files.list(staging)) {
            for (Path p : (Iterable<Path>) left::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    String name() {
        return name;
    }

    Path root() {
        return root;
    }

    long fsid() {
        return fsid;
    }

    /** @return the volume if this SCM owns it now at the root it was opened on, else {@code null} */
    Volume current() {
        Volume v = volumes.volume(name);
        if (v == null || !v.owned() || !root.equals(v.root())) {
            return null;
        }
        return v;
    }

    /**
     * @return whether this SCM should own the volume but does not now: the storage module is still acquiring it, or
     *     its lease lapsed for a moment; {@code false} once it is owned, and for a volume that is another SCM's
     */
    boolean pending() {
        Volume v = volumes.volume(name);
        return v != null && root.equals(v.root()) && !v.owned();
    }

    /**
     * @return whether {@code v}, an ownership of this volume a request proved, has not ended: the storage
     *     module still gives it out as this SCM's (it lets go of an ownership the moment it finds another
     *     owner or releases the volume), whatever its lease says now
     */
    boolean held(Volume v) {
        return volumes.volume(name) == v;
    }

    /** Closes the reply cache and stops the pruner (a bounded wait, the interrupt flag restored). */
    @Override
    public synchronized void close() throws IOException {
        pruner.shutdownNow();
        try {
            pruner.awaitTermination(PRUNER_JOIN_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (replies != null) {
            replies.close();
        }
    }
}
