package org.hasm.storage.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;

/**
 * The volumes one SCM owns on one shared storage folder, without OSGi: acquisition, release, the
 * check a writer makes before it acknowledges ({@link Volume#fence()}), and the watchdog that
 * notices when the peer took a volume over.
 *
 * <p>Ownership is an epoch in a record per volume ({@code owners/<volume>}): whoever takes a volume
 * writes itself as owner at the record's epoch + 1, so the previous owner, however late it wakes up,
 * finds a record that is no longer its own and stops. Nothing here waits for the peer's consent: the
 * controller only asks for the peer's volumes after the status monitor declared it dead, and the
 * epoch makes sure that a peer that was merely slow cannot acknowledge another write.
 *
 * <p>Thread safety: acquisition and release are serialised on {@code this} (the controller calls one
 * at a time anyway; the lock keeps a second caller from raising an epoch twice). {@link #fence} and
 * the watchdog take no lock: they read the record and end an ownership through
 * {@link OwnedVolume#disown()}, which succeeds exactly once.
 */
final class VolumeStore implements VolumeManager {

    /** Event steps ({@code step} property of {@link VolumeManager#TOPIC_VOLUME}). */
    static final String ACQUIRED = "acquired";
    static final String RELEASED = "released";
    static final String LOST = "lost";
    static final String REFUSED = "refused";

    enum Level { DEBUG, INFO, WARN, ERROR }

    /** Where the store reports to; called on the caller's thread or the watchdog's. Must not block. */
    interface Observer {
        /**
         * @param step {@link #ACQUIRED}, {@link #RELEASED}, {@link #LOST} or {@link #REFUSED}
         * @param owner the owner the record names after this step ({@code ""}: released)
         * @param reason why, for the operator; {@code ""} if there is nothing to add
         */
        void event(String step, String volume, long epoch, String owner, String reason);

        void log(Level level, String message, Throwable error);

        /** This SCM must stop serving at once: it found a volume taken over. Returns at once. */
        void panic(String reason);
    }

    private final Path sharedDir;
    private final Path owners;
    private final Path volumes;
    private final String self;
    private final long incarnation;
    private final long intervalNanos;
    private final long leaseNanos;
    private final Observer observer;

    // The current ownership of each volume this SCM holds. Written under this; read anywhere.
    private final Map<String, OwnedVolume> owned = new ConcurrentHashMap<>();

    // Guarded by this.
    private Thread watchdog;
    private volatile boolean running;

    /**
     * @param sharedDir the shared storage root; must exist (an unmounted storage must not look empty)
     * @param self this SCM's name, written as owner
     * @param incarnation which boot of this SCM, written for the operator
     * @param checkInterval how often the watchdog re-reads the records of owned volumes
     * @param lease how long fence() succeeds after the watchdog last confirmed a record
     */
    VolumeStore(Path sharedDir, String self, long incarnation, Duration checkInterval, Duration lease,
            Observer observer) {
        if (!OwnerRecord.SCM_NAME.matcher(self).matches()) {
            throw new IllegalArgumentException("'" + self + "' is not an SCM name");
        }
        this.sharedDir = sharedDir;
        this.owners = sharedDir.resolve("owners");
        this.volumes = sharedDir.resolve("volumes");
        this.self = self;
        this.incarnation = incarnation;
        this.intervalNanos = checkInterval.toNanos();
        this.leaseNanos = lease.toNanos();
        this.observer = observer;
    }

    /**
     * Creates {@code owners/} and {@code volumes/} below the shared root.
     *
     * @throws IOException naming the folder if the shared storage is not there or not writable
     */
    void open() throws IOException {
        if (!Files.isDirectory(sharedDir)) {
            throw new IOException("shared storage " + sharedDir + " is not a folder (not mounted?)");
        }
        Files.createDirectories(owners);
        Files.createDirectories(volumes);
    }

    /**
     * A self-test: the record folder can be listed and written (a temporary file in it).
     *
     * @throws IOException naming the folder
     */
    void probe() throws IOException {
        Path probe = owners.resolve(".probe." + self + "." + ProcessHandle.current().pid() + RecordFiles.TEMP_SUFFIX);
        try {
            Files.write(probe, new byte[] {1});
            Files.delete(probe);
            try (var s = Files.list(owners)) {
                s.count();
            }
        } catch (IOException e) {
            throw new IOException("shared storage folder " + owners + " is not usable: " + e.getMessage(), e);
        }
    }

    /** Starts the watchdog. */
    synchronized void start() {
        if (watchdog != null) {
            return;
        }
        running = true;
        Thread t = new Thread(this::watch, "hasm-storage-watchdog-" + self);
        t.setDaemon(true);
        watchdog = t;
        t.start();
    }

    /** @return {@code true} while the watchdog thread runs */
    synchronized boolean watching() {
        return watchdog != null && watchdog.isAlive();
    }

    /**
     * Stops the watchdog, waiting a bounded time. Owned volumes stay owned: {@link #releaseAll()}
     * lets them go. Without the watchdog their leases lapse, so fence() fails soon anyway.
     */
    void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = watchdog;
            watchdog = null;
        }
        if (t == null) {
            return;
        }
        LockSupport.unpark(t);
        try {
            t.join(TimeUnit.NANOSECONDS.toMillis(Math.max(intervalNanos, 0)) + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            // a read blocked on a hung storage: it is a daemon and exits with its read
            observer.log(Level.WARN, t.getName() + " did not stop in time (blocked on the shared storage?)", null);
        }
    }

    // ---- ownership ----

    private Path recordOf(String volume) {
        return owners.resolve(volume);
    }

    /**
     * Takes a volume: writes this SCM as owner at the record's epoch + 1. Idempotent while owned.
     *
     * @throws IOException naming the file if the record cannot be read (a damaged record is never
     *     taken for a free volume) or written, or if another SCM wrote it at the same time
     */
    synchronized OwnedVolume acquire(String volume) throws IOException {
        checkName(volume);
        OwnedVolume current = owned.get(volume);
        if (current != null && current.held()) {
            return current;
        }
        Path record = recordOf(volume);
        int leftovers = RecordFiles.removeLeftovers(owners, volume, self);
        if (leftovers > 0) {
            observer.log(Level.INFO, "volume " + volume + ": removed " + leftovers
                    + " temporary record file(s) an earlier write of this SCM left behind", null);
        }
        OwnerRecord before = RecordFiles.read(record, volume);
        long epoch = Math.addExact(before.epoch(), 1);
        String from;
        if (before.released()) {
            from = before.epoch() == 0 ? "never owned before" : "released at epoch " + before.epoch();
        } else if (before.owner().equals(self)) {
            from = "still recorded as ours at epoch " + before.epoch() + " (an earlier boot of this SCM)";
        } else {
            from = "taken over from " + before.owner() + " (epoch " + before.epoch() + ")";
        }
        Path root = volumes.resolve(volume);
        Files.createDirectories(root);
        RecordFiles.write(record, new OwnerRecord(volume, self, epoch, incarnation, Instant.now().toString()), self);
        // The read-modify-write above is not atomic across SCMs; reading it back catches the peer
        // writing at the same instant (if it wrote after this read, its own watchdog or fence sees us).
        long confirmed = System.nanoTime();
        OwnerRecord after = RecordFiles.read(record, volume);
        if (!after.ownedBy(self, epoch)) {
            String reason = "volume " + volume + ": " + describe(after) + " while this SCM took it at epoch " + epoch;
            observer.event(REFUSED, volume, after.epoch(), after.owner(), reason);
            throw new IOException(reason);
        }
        OwnedVolume v = new OwnedVolume(this, volume, root, record, epoch, confirmed, leaseNanos);
        owned.put(volume, v);
        observer.event(ACQUIRED, volume, epoch, self, from);
        observer.log(before.released() || before.owner().equals(self) ? Level.INFO : Level.WARN,
                "volume " + volume + " acquired at epoch " + epoch + ": " + from, null);
        return v;
    }

    /**
     * Lets a volume go: not owned from the first instant (fence() fails), then the record says
     * released, keeping the epoch (the next owner raises it).
     *
     * @return {@code false} if this SCM did not own it
     * @throws IOException naming the file if the record could not be written; the volume is not
     *     owned anyway, and the next owner's higher epoch overrides the record
     */
    synchronized boolean release(String volume) throws IOException {
        OwnedVolume v = owned.remove(volume);
        if (v == null || !v.disown()) {
            return false;
        }
        OwnerRecord now = RecordFiles.read(v.record(), volume);
        if (!now.ownedBy(self, v.epoch())) {
            // taken over between the watchdog's last look and now: nothing of ours to release
            String reason = describe(now) + " (ours was " + v.epoch() + "): not rewritten";
            observer.event(RELEASED, volume, now.epoch(), now.owner(), reason);
            observer.log(Level.WARN, "volume " + volume + " released: " + reason, null);
            return true;
        }
        RecordFiles.write(v.record(), new OwnerRecord(volume, "", v.epoch(), incarnation, Instant.now().toString()), self);
        observer.event(RELEASED, volume, v.epoch(), "", "");
        observer.log(Level.INFO, "volume " + volume + " released at epoch " + v.epoch(), null);
        return true;
    }

    /**
     * Makes the owned volumes exactly {@code wanted}: releases the others first (a FAILBACK gives
     * the peer's back), then acquires what is missing. Goes on after a failure.
     *
     * @throws IOException listing every volume that failed
     */
    synchronized void reconcile(Collection<String> wanted) throws IOException {
        for (String name : wanted) {
            checkName(name);
        }
        List<String> failures = new ArrayList<>();
        IOException first = null;
        for (String name : new TreeSet<>(owned.keySet())) {
            if (!wanted.contains(name)) {
                try {
                    release(name);
                } catch (IOException e) {
                    failures.add(e.getMessage());
                    first = first == null ? e : first;
                }
            }
        }
        for (String name : new TreeSet<>(wanted)) {
            try {
                acquire(name);
            } catch (IOException | RuntimeException e) {
                failures.add(e.getMessage());
                first = first == null && e instanceof IOException io ? io : first;
            }
        }
        if (!failures.isEmpty()) {
            throw new IOException(String.join("; ", failures), first);
        }
    }

    /**
     * Releases every owned volume.
     *
     * @throws IOException listing every record that could not be written
     */
    void releaseAll() throws IOException {
        reconcile(Set.of());
    }

    // ---- fencing ----

    /** The check behind {@link Volume#fence()}: cheap (one small read), no lock. */
    void fence(OwnedVolume v) throws FencedException {
        String refusal;
        OwnerRecord now = null;
        if (!v.held()) {
            refusal = "this SCM no longer owns volume " + v.name() + " (epoch " + v.epoch() + "): released or taken over";
        } else {
            try {
                now = RecordFiles.read(v.record(), v.name());
                refusal = null;
            } catch (IOException e) {
                refusal = "volume " + v.name() + ": " + e.getMessage();
            }
            if (now != null && !now.ownedBy(self, v.epoch())) {
                lost(v, now);
                refusal = "volume " + v.name() + " " + describe(now) + " (ours was " + v.epoch() + ")";
            } else if (refusal == null) {
                long silent = System.nanoTime() - v.confirmedNanos();
                if (silent > leaseNanos) {
                    // a node whose watchdog cannot see the storage must not acknowledge writes
                    refusal = "lease on volume " + v.name() + " lapsed: the watchdog has not confirmed its record for "
                            + TimeUnit.NANOSECONDS.toMillis(silent) + " ms (lease " + TimeUnit.NANOSECONDS.toMillis(leaseNanos) + " ms)";
                }
            }
        }
        if (refusal == null) {
            v.clearRefusal();
            return;
        }
        if (v.newRefusal(refusal)) {
            // one event per reason, not one per refused write
            observer.event(REFUSED, v.name(), now != null ? now.epoch() : v.epoch(),
                    now != null ? now.owner() : self, refusal);
            observer.log(Level.WARN, "fence refused: " + refusal, null);
        }
        throw new FencedException(refusal);
    }

    /** Ends an ownership the peer took: first not owned, then tell, then panic. */
    private void lost(OwnedVolume v, OwnerRecord now) {
        if (!v.disown()) {
            return; // released or already found lost: once only
        }
        owned.remove(v.name(), v);
        String reason = "volume " + v.name() + " " + describe(now) + " (ours was " + v.epoch() + ")";
        observer.event(LOST, v.name(), now.epoch(), now.owner(), reason);
        observer.log(Level.ERROR, reason + ": this SCM stops serving it and reboots", null);
        observer.panic(reason);
    }

    private static String describe(OwnerRecord r) {
        return r.released() ? "released by another party at epoch " + r.epoch()
                : "taken over by " + r.owner() + " at epoch " + r.epoch();
    }

    // ---- the watchdog ----

    private void watch() {
        long next = System.nanoTime();
        while (running) {
            next += intervalNanos;
            try {
                checkAll();
            } catch (RuntimeException e) {
                observer.log(Level.ERROR, "storage watchdog check failed", e);
            }
            long now = System.nanoTime();
            if (next - now < 0) {
                next = now; // overran (slow storage): no burst of catch-up rounds
            }
            for (long wait = next - System.nanoTime(); running && wait > 0; wait = next - System.nanoTime()) {
                LockSupport.parkNanos(this, wait);
            }
        }
    }

    /** One watchdog round: re-reads the record of every owned volume. */
    void checkAll() {
        for (OwnedVolume v : owned.values()) {
            if (!v.held()) {
                continue;
            }
            long started = System.nanoTime();
            OwnerRecord now;
            try {
                now = RecordFiles.read(v.record(), v.name());
            } catch (IOException e) {
                if (v.readProblem(e.getMessage())) {
                    observer.log(Level.WARN, "storage watchdog: " + e.getMessage()
                            + "; fence() fails once the lease lapses", null);
                }
                continue;
            }
            if (now.ownedBy(self, v.epoch())) {
                // as old as the start of the read: the record said so at least then
                v.confirmed(started);
                if (v.readProblem(null)) {
                    observer.log(Level.INFO, "storage watchdog: the record of volume " + v.name() + " is readable again", null);
                }
            } else {
                lost(v, now);
            }
        }
    }

    // ---- VolumeManager ----

    @Override
    public Volume volume(String name) {
        OwnedVolume v = owned.get(name);
        return v != null && v.held() ? v : null;
    }

    @Override
    public List<Volume> volumes() {
        List<Volume> list = new ArrayList<>();
        for (OwnedVolume v : owned.values()) {
            if (v.held()) {
                list.add(v);
            }
        }
        list.sort(Comparator.comparing(Volume::name));
        return List.copyOf(list);
    }

    String self() {
        return self;
    }

    static void checkName(String volume) {
        if (volume == null || !OwnerRecord.VOLUME_NAME.matcher(volume).matches()) {
            throw new IllegalArgumentException("'" + volume + "' is not a volume name (letters, digits, '_', '-', '.'; "
                    + "not starting with '.'; at most 64)");
        }
    }
}
