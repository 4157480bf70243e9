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
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;
import org.hasm.spi.storage.VolumeProblem;
import org.hasm.spi.storage.VolumeProblem.Kind;

/**
 * The volumes one SCM owns on one shared storage folder, without OSGi: acquisition, release, the
 * check a writer makes before it acknowledges ({@link Volume#fence()}), and the watchdog that
 * notices when the peer took a volume over.
 *
 * <p>Ownership is an epoch in a record per volume ({@code owners/<volume>}): whoever takes a volume
 * writes itself as owner at the record's epoch + 1, so the previous owner, however late it wakes up,
 * finds a record that is no longer its own and stops. Nothing here waits for the peer's consent: the
 * controller only asks for the peer's volumes after the status monitor declared it dead, and the
 * epoch makes sure that a peer that was merely slow cannot acknowledge another write. A record at a
 * lower epoch than the owner's is a late write of an older owner (its release, written after it
 * stalled), not a takeover: the owner's watchdog writes its own back ({@link #restore}).
 *
 * <p>A storage fault never fails a transition: a volume that cannot be acquired now (the storage is
 * full, read-only, failing) is <em>pending</em> and retried ({@link #retryPending}) while it is wanted,
 * and a release whose record cannot be written still ends the ownership at once (the next owner's
 * higher epoch overrides the record). A record that is damaged is never taken for a free volume: it
 * is <em>settled</em> ({@link #settle}) with the peer's word that it does not hold the volume, or
 * without it once the peer is down ({@link #peerDown}), and then written anew at an epoch above
 * every one known.
 *
 * <p>Thread safety: acquisition, release and settlement are serialised on {@code this}.
 * {@link #fence}, {@link #volume} and the watchdog's reads take no lock: they read the record and end
 * an ownership through {@link OwnedVolume#disown()}, which succeeds exactly once.
 */
final class VolumeStore implements VolumeManager {

    /** Event steps ({@code step} property of {@link VolumeManager#TOPIC_VOLUME}). */
    static final String ACQUIRED = "acquired";
    static final String RELEASED = "released";
    static final String LOST = "lost";
    static final String REFUSED = "refused";
    static final String PENDING = "pending";
    static final String UNREADABLE = "unreadable";
    static final String REASSERTED = "reasserted";
    static final String RESTORED = "restored";

    enum Level { DEBUG, INFO, WARN, ERROR }

    /** Where the store reports to; called on the caller's thread or the watchdog's. Must not block. */
    interface Observer {
        /**
         * @param step one of the steps above, or {@link Writability#UNWRITABLE}, {@link Writability#WRITABLE}
         * @param owner the owner the record names after this step ({@code ""}: released or unknown)
         * @param reason why, for the operator; {@code ""} if there is nothing to add
         */
        void event(String step, String volume, long epoch, String owner, String reason);

        void log(Level level, String message, Throwable error);

        /** This SCM must stop serving at once: it found a volume taken over. Returns at once. */
        void panic(String reason);

        /** A watchdog round is over (the problems may have changed). */
        default void roundDone() {
        }
    }

    /** A watchdog round probes the volumes without a problem every this many rounds. */
    static final int PROBE_ROUNDS = 5;

    private final Path sharedDir;
    private final Path owners;
    private final Path volumes;
    private final String self;
    private final long incarnation;
    private final long intervalNanos;
    private final long leaseNanos;
    private final Observer observer;
    private final RecordFiles.Writer records;
    private final Writability.Checks checks;
    private final Writability writability;
    private final Ticker watchdog;

    // The current ownership of each volume this SCM holds. Written under this; read anywhere.
    private final Map<String, OwnedVolume> owned = new ConcurrentHashMap<>();
    // Wanted volumes not acquired yet. Written under this; read anywhere.
    private final Map<String, PendingVolume> pending = new ConcurrentHashMap<>();
    // Held volumes whose record the watchdog or fence() found damaged, with the damage. Read anywhere.
    private final Map<String, OwnerRecord.Damaged> damaged = new ConcurrentHashMap<>();
    // How the settlement of an unreadable record stands, for the operator. Read anywhere.
    private final Map<String, String> settling = new ConcurrentHashMap<>();
    // The highest epoch seen in a record of each volume. Read anywhere.
    private final Map<String, Long> known = new ConcurrentHashMap<>();
    // The volumes the controller wants served here: an immutable set, replaced under this.
    private volatile Set<String> wanted = Set.of();
    // The peer was declared down (DEGRADED), or there is none: nobody to settle a record with.
    private volatile boolean peerDown;

    /**
     * @param sharedDir the shared storage root; must exist (an unmounted storage must not look empty)
     * @param self this SCM's name, written as owner
     * @param incarnation which boot of this SCM, written for the operator
     * @param checkInterval how often the watchdog re-reads the records of owned volumes
     * @param lease how long fence() succeeds after the watchdog last confirmed a record
     */
    VolumeStore(Path sharedDir, String self, long incarnation, Duration checkInterval, Duration lease,
            Observer observer) {
        this(sharedDir, self, incarnation, checkInterval, lease, observer, RecordFiles::write,
                new StorageChecks(sharedDir.resolve("owners"), sharedDir.resolve("volumes"), self));
    }

    /**
     * @param records writes the records (a test puts a full or read-only disk behind it)
     * @param checks checks whether the storage takes writes again
     */
    VolumeStore(Path sharedDir, String self, long incarnation, Duration checkInterval, Duration lease,
            Observer observer, RecordFiles.Writer records, Writability.Checks checks) {
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
        this.records = records;
        this.checks = checks;
        this.writability = new Writability(observer, checks);
        this.watchdog = new Ticker("hasm-storage-watchdog-" + self, intervalNanos, this::round, observer);
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
        try {
            checks.probe("self-test");
            try (var s = Files.list(owners)) {
                s.count();
            }
        } catch (IOException e) {
            throw new IOException("shared storage folder " + owners + " is not usable: " + e.getMessage(), e);
        }
    }

    /** Starts the watchdog. */
    void start() {
        watchdog.start();
    }

    /** @return {@code true} while the watchdog thread runs */
    boolean watching() {
        return watchdog.running();
    }

    /**
     * Stops the watchdog, waiting a bounded time. Owned volumes stay owned: {@link #releaseAll()}
     * lets them go. Without the watchdog their leases lapse, so fence() fails soon anyway.
     */
    void close() {
        watchdog.close(TimeUnit.NANOSECONDS.toMillis(Math.max(intervalNanos, 0)) + 5_000);
    }

    /** @param down the peer is down (DEGRADED) or there is none: an unreadable record is settled without it */
    void peerDown(boolean down) {
        peerDown = down;
    }

    boolean peerIsDown() {
        return peerDown;
    }

    Writability writability() {
        return writability;
    }

    // ---- ownership ----

    private Path recordOf(String volume) {
        return owners.resolve(volume);
    }

    /**
     * Takes a volume: writes this SCM as owner at the record's epoch + 1. Idempotent while owned.
     *
     * @throws OwnerRecord.Damaged if the record is damaged and the peer may still hold the volume (a
     *     damaged record is never taken for a free volume; {@link #settle} decides)
     * @throws IOException naming the file if the record cannot be read or written, or if another SCM
     *     wrote it at the same time
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
        OwnerRecord before;
        try {
            before = read(volume);
        } catch (OwnerRecord.Damaged d) {
            if (!peerDown) {
                throw d;
            }
            return claim(volume, floor(volume, d) + 1, ACQUIRED,
                    "its record was unreadable (" + d.getMessage() + ") and the peer is down", Level.WARN);
        }
        String from;
        if (before.released()) {
            from = before.epoch() == 0 ? "never owned before" : "released at epoch " + before.epoch();
        } else if (before.owner().equals(self)) {
            from = "still recorded as ours at epoch " + before.epoch() + " (an earlier boot of this SCM)";
        } else {
            from = "taken over from " + before.owner() + " (epoch " + before.epoch() + ")";
        }
        return claim(volume, Math.addExact(before.epoch(), 1), ACQUIRED, from,
                before.released() || before.owner().equals(self) ? Level.INFO : Level.WARN);
    }

    /**
     * Writes this SCM as the volume's owner at {@code epoch} and reads it back. An ownership still held
     * (a record re-asserted) ends first, quietly: its fence() must fail, not find the new record and
     * take it for a takeover.
     */
    private OwnedVolume claim(String volume, long epoch, String step, String from, Level level) throws IOException {
        OwnedVolume old = owned.get(volume);
        if (old != null && old.held()) {
            // A service that plans its exports meanwhile must find the volume waiting, not gone: it
            // would close the export and never open it again.
            pending.put(volume, new PendingVolume(this, volume, volumes.resolve(volume), knownEpoch(volume),
                    Kind.NOT_ACQUIRED, "being re-asserted at epoch " + epoch));
        }
        if (old != null && old.disown()) {
            owned.remove(volume, old);
        }
        Path record = recordOf(volume);
        Path root = volumes.resolve(volume);
        Files.createDirectories(root);
        records.write(record, new OwnerRecord(volume, self, epoch, incarnation, Instant.now().toString()), self);
        noteEpoch(volume, epoch);
        // The read-modify-write above is not atomic across SCMs; reading it back catches the peer
        // writing at the same instant (if it wrote after this read, its own watchdog or fence sees us).
        long confirmed = System.nanoTime();
        OwnerRecord after = read(volume);
        if (!after.ownedBy(self, epoch)) {
            String reason = "volume " + volume + ": " + describe(after) + " while this SCM took it at epoch " + epoch;
            observer.event(REFUSED, volume, after.epoch(), after.owner(), reason);
            throw new IOException(reason);
        }
        OwnedVolume v = new OwnedVolume(this, volume, root, record, epoch, confirmed, leaseNanos);
        owned.put(volume, v);
        damaged.remove(volume);
        settling.remove(volume);
        PendingVolume waited = pending.remove(volume);
        String detail = waited == null ? from : from + "; after waiting: " + waited.reason();
        observer.event(step, volume, epoch, self, detail);
        observer.log(level, "volume " + volume + (step.equals(REASSERTED) ? " re-asserted" : " acquired") + " at epoch "
                + epoch + ": " + detail, null);
        return v;
    }

    /**
     * Lets a volume go: not owned from the first instant (fence() fails), then the record says
     * released, keeping the epoch (the next owner raises it). A record that cannot be written, or
     * read, is left as it is: the volume is not owned here anyway, and the next owner raises the
     * epoch over whatever the record says (or settles it, if it is damaged).
     *
     * @return {@code false} if this SCM did not own it
     */
    synchronized boolean release(String volume) {
        pending.remove(volume);
        settling.remove(volume);
        damaged.remove(volume);
        OwnedVolume v = owned.remove(volume);
        if (v == null || !v.disown()) {
            return false;
        }
        OwnerRecord now;
        try {
            now = read(volume);
        } catch (IOException e) {
            String reason = e.getMessage() + ": left as it is";
            observer.event(RELEASED, volume, v.epoch(), "", reason);
            observer.log(Level.WARN, "volume " + volume + " released at epoch " + v.epoch() + "; " + reason, null);
            return true;
        }
        if (!now.ownedBy(self, v.epoch())) {
            // taken over between the watchdog's last look and now: nothing of ours to release
            String reason = describe(now) + " (ours was " + v.epoch() + "): not rewritten";
            observer.event(RELEASED, volume, now.epoch(), now.owner(), reason);
            observer.log(Level.WARN, "volume " + volume + " released: " + reason, null);
            return true;
        }
        try {
            records.write(v.record(), new OwnerRecord(volume, "", v.epoch(), incarnation, Instant.now().toString()), self);
        } catch (IOException e) {
            writability.failed(volume, "releasing its ownership record", e);
            String reason = e.getMessage() + "; the next owner raises the epoch over it";
            observer.event(RELEASED, volume, v.epoch(), self, reason);
            observer.log(Level.WARN, "volume " + volume + " released at epoch " + v.epoch() + " (not served here from now"
                    + " on), but " + reason, null);
            return true;
        }
        observer.event(RELEASED, volume, v.epoch(), "", "");
        observer.log(Level.INFO, "volume " + volume + " released at epoch " + v.epoch(), null);
        return true;
    }

    /**
     * Makes the volumes served here exactly {@code wanted}: releases the others first (a FAILBACK
     * gives the peer's back), then acquires what is missing. What cannot be acquired now is pending:
     * served as soon as the watchdog acquires it.
     *
     * @throws IllegalArgumentException if a name is not a volume name (nothing is changed then)
     */
    synchronized void reconcile(Collection<String> wantedNow) {
        for (String name : wantedNow) {
            checkName(name);
        }
        wanted = Set.copyOf(new TreeSet<>(wantedNow));
        Set<String> held = new TreeSet<>(owned.keySet());
        held.addAll(pending.keySet());
        for (String name : held) {
            if (!wanted.contains(name)) {
                release(name);
            }
        }
        for (String name : new TreeSet<>(wanted)) {
            attempt(name);
        }
    }

    /** Releases every owned volume; nothing is wanted any more. */
    void releaseAll() {
        reconcile(Set.of());
    }

    /** Acquires a wanted volume, or records why it is pending. */
    private void attempt(String name) {
        try {
            acquire(name);
        } catch (IOException e) {
            boolean unreadable = e instanceof OwnerRecord.Damaged;
            if (!unreadable) {
                writability.failed(name, "writing its ownership record", e);
            }
            String reason = e.getMessage();
            PendingVolume before = pending.get(name);
            pending.put(name, new PendingVolume(this, name, volumes.resolve(name), knownEpoch(name),
                    unreadable ? Kind.RECORD_UNREADABLE : Kind.NOT_ACQUIRED, reason));
            if (before == null || !before.reason().equals(reason)) {
                // once per reason: a storage that stays full must not log every round
                observer.event(PENDING, name, knownEpoch(name), "", reason);
                observer.log(Level.WARN, "volume " + name + " is not acquired yet: " + reason + (unreadable
                        ? "; settling it with the peer" : "; retried while it is wanted here"), null);
            }
        }
    }

    /** Tries the pending acquisitions again. */
    synchronized void retryPending() {
        for (String name : new TreeSet<>(pending.keySet())) {
            if (wanted.contains(name)) {
                attempt(name);
            } else {
                pending.remove(name);
            }
        }
    }

    // ---- unreadable records ----

    /** @return the volumes held or wanted here whose record is unreadable: for the peer to settle */
    List<String> unsettled() {
        Set<String> list = new TreeSet<>(damaged.keySet());
        pending.forEach((name, p) -> {
            if (p.kind() == Kind.RECORD_UNREADABLE) {
                list.add(name);
            }
        });
        return List.copyOf(list);
    }

    /**
     * Settles an unreadable record as {@link Settlement} decides: writes it anew at an epoch above
     * every one known once the peer said it does not hold the volume, or without its word when the
     * peer is down; gives the volume up when the peer holds it at a higher epoch (it took it over
     * before the record was damaged); else writes nothing and says why.
     *
     * @param answer what the peer said, {@code null} if it could not be asked
     * @param why why it could not be asked, for the operator
     */
    synchronized void settle(String volume, Settlement.PeerHold answer, String why) {
        if (!wanted.contains(volume)) {
            return;
        }
        OwnedVolume held = owned.get(volume);
        held = held != null && held.held() ? held : null;
        OwnerRecord.Damaged damage;
        try {
            read(volume);
            damaged.remove(volume);
            settling.remove(volume);
            return; // readable again: the ordinary rules (the watchdog, the retries) take it from here
        } catch (OwnerRecord.Damaged d) {
            damage = d;
        } catch (IOException e) {
            return; // not readable at all: a storage fault, not a damaged record
        }
        long floor = floor(volume, damage);
        Settlement.Verdict verdict = Settlement.decide(self, peerDown, answer, why, floor, held == null ? -1 : held.epoch());
        if (verdict instanceof Settlement.Verdict.Wait w) {
            note(volume, w.how());
        } else if (verdict instanceof Settlement.Verdict.Lost l) {
            lost(held, new OwnerRecord(volume, l.owner(), l.epoch(), 0, ""));
        } else if (verdict instanceof Settlement.Verdict.Rewrite r) {
            try {
                claim(volume, Math.addExact(r.floor(), 1), held != null ? REASSERTED : ACQUIRED,
                        "its record was unreadable (" + damage.getMessage() + "); " + r.from(), Level.WARN);
            } catch (IOException e) {
                attempt(volume); // wanted still: pending from now on, with the reason
            }
        }
    }

    /** How the settlement stands, once per change in the log; {@link #problems()} shows it. */
    private void note(String volume, String how) {
        if (!how.equals(settling.put(volume, how))) {
            observer.log(Level.WARN, "volume " + volume + ": ownership record unreadable; " + how, null);
        }
    }

    /** The peer's question: does this SCM hold the volume? No lock: the peer must get its answer in time. */
    Settlement.PeerHold holdsForPeer(String volume) {
        OwnedVolume v = owned.get(volume);
        if (v != null && v.held()) {
            return new Settlement.PeerHold(self, true, false, v.epoch());
        }
        return new Settlement.PeerHold(self, false, wanted.contains(volume), knownEpoch(volume));
    }

    private OwnerRecord read(String volume) throws IOException {
        OwnerRecord r = RecordFiles.read(recordOf(volume), volume);
        noteEpoch(volume, r.epoch());
        return r;
    }

    private void noteEpoch(String volume, long epoch) {
        known.merge(volume, epoch, Math::max);
    }

    private long knownEpoch(String volume) {
        return known.getOrDefault(volume, 0L);
    }

    /**
     * The epoch a damaged record is rewritten above: the one its bytes still show, or this SCM's own
     * while it holds the volume (its watchdog would have found a takeover). Else, with no epoch left in
     * the bytes, what this SCM has seen may be far below the truth (it restarted since, or the peer took
     * the volume over after its last look), and the services keep state stamped with the epoch on the
     * volume (the NFS reply cache, its locks): an epoch below theirs would leave the volume owned but
     * never served. Then the floor is the wall clock in milliseconds, which no owner reaches by counting
     * one per acquisition.
     */
    private long floor(String volume, OwnerRecord.Damaged damage) {
        long known = knownEpoch(volume);
        if (damage.epochHint() >= 0) {
            return Math.max(damage.epochHint(), known);
        }
        OwnedVolume held = owned.get(volume);
        return held != null && held.held() ? Math.max(known, held.epoch()) : Math.max(known, System.currentTimeMillis());
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
            } catch (OwnerRecord.Damaged e) {
                damaged.putIfAbsent(v.name(), e);
                refusal = "volume " + v.name() + ": " + e.getMessage();
            } catch (IOException e) {
                refusal = "volume " + v.name() + ": " + e.getMessage();
            }
            if (now != null && lateRelease(v, now)) {
                // an older owner's late write: the watchdog puts ours back; no write is acknowledged meanwhile
                refusal = "volume " + v.name() + " " + describe(now) + ", below ours (" + v.epoch()
                        + "): a late write of an older owner, which the watchdog overwrites";
            } else if (now != null && !now.ownedBy(self, v.epoch())) {
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

    /** A service's write on the volume failed on the storage: see {@link Volume#writeFailed}. */
    Kind writeFailed(String volume, IOException cause) {
        return writability.failed(volume, "writing to volume " + volume, cause);
    }

    /** Ends an ownership the peer took: first not owned, then tell, then panic. */
    private void lost(OwnedVolume v, OwnerRecord now) {
        if (!v.disown()) {
            return; // released or already found lost: once only
        }
        owned.remove(v.name(), v);
        damaged.remove(v.name());
        settling.remove(v.name());
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

    // Rounds so far; the watchdog thread only.
    private long rounds;

    /**
     * One round of the watchdog: the leases, then the storage's condition. It takes no lock: an
     * acquisition stuck on a hung storage must not stop the leases of the other volumes from being
     * confirmed (pending acquisitions are retried by the {@link Resolver}).
     */
    private void round() {
        checkAll();
        writability.recheck(wanted);
        if (++rounds % PROBE_ROUNDS == 0) {
            writability.probe(owned.keySet());
        }
        observer.roundDone();
    }

    /** One watchdog round's reading: re-reads the record of every owned volume. */
    void checkAll() {
        for (OwnedVolume v : owned.values()) {
            if (!v.held()) {
                continue;
            }
            long started = System.nanoTime();
            OwnerRecord now;
            try {
                now = read(v.name());
            } catch (IOException e) {
                if (e instanceof OwnerRecord.Damaged d) {
                    if (damaged.putIfAbsent(v.name(), d) == null) {
                        observer.event(UNREADABLE, v.name(), v.epoch(), self, e.getMessage());
                    }
                } else {
                    writability.failed(v.name(), "reading its ownership record", e);
                }
                if (v.readProblem(e.getMessage())) {
                    observer.log(Level.WARN, "storage watchdog: " + e.getMessage() + (e instanceof OwnerRecord.Damaged
                            ? "; settling it with the peer; fence() fails meanwhile" : "; fence() fails once the lease lapses"),
                            null);
                }
                continue;
            }
            if (now.ownedBy(self, v.epoch())) {
                // as old as the start of the read: the record said so at least then
                v.confirmed(started);
                damaged.remove(v.name());
                settling.remove(v.name());
                if (v.readProblem(null)) {
                    observer.log(Level.INFO, "storage watchdog: the record of volume " + v.name() + " is readable again", null);
                }
            } else if (lateRelease(v, now)) {
                restore(v, now);
            } else {
                lost(v, now);
            }
        }
    }

    /**
     * A release at a lower epoch than this ownership's: an older owner's late write, never a takeover (a
     * new owner writes itself, above the epoch it read). An owner other than this SCM at a lower epoch
     * is the peer claiming the volume: lost, as at any epoch.
     */
    private static boolean lateRelease(OwnedVolume v, OwnerRecord now) {
        return now.released() && now.epoch() < v.epoch();
    }

    /**
     * Puts this SCM's record back after a write of a lower epoch. Epochs only grow for a new owner, so
     * such a record was written late by an older one: an SCM that read its own record, stalled (a
     * pause, a stop signal) while the peer took the volume over, and then wrote its release. Taking
     * that for a takeover would make the rightful owner give the volume up and reboot, leaving it
     * served by no one. Written at the same epoch, so the ownership services hold stays valid, and
     * read back: a peer that takes the volume over at a higher epoch meanwhile wins as usual. Only while
     * this ownership's lease holds, as for any write {@link #fence} allows: the peer declares this SCM
     * dead only after a heartbeat lease longer than this one (the status monitor's check enforces it),
     * and may then claim the volume at the very epoch the late release left.
     */
    private void restore(OwnedVolume v, OwnerRecord stale) {
        String what = "volume " + v.name() + " " + describe(stale) + ", below ours (" + v.epoch() + ")";
        // Only within the lease, checked before the write and again after it: past it, this SCM may have been
        // paused while the peer was told it is dead and claimed the volume at the epoch the late release left
        // (ours again); writing ours over that would serve a volume the peer acknowledged writes on. Given up
        // then, as at any takeover.
        if (System.nanoTime() - v.confirmedNanos() > leaseNanos) {
            lost(v, stale);
            return;
        }
        try {
            records.write(v.record(), new OwnerRecord(v.name(), self, v.epoch(), incarnation, Instant.now().toString()),
                    self);
            if (System.nanoTime() - v.confirmedNanos() > leaseNanos) {
                lost(v, stale);
                return;
            }
            long started = System.nanoTime();
            OwnerRecord after = read(v.name());
            if (after.ownedBy(self, v.epoch())) {
                v.confirmed(started);
                observer.event(RESTORED, v.name(), v.epoch(), self, what + ": a late write of an older owner");
                observer.log(Level.WARN, what + ": a late write of an older owner; record restored", null);
            } else if (!lateRelease(v, after)) {
                lost(v, after);
            }
            // else a late release again: the next round restores it once more
        } catch (IOException e) {
            writability.failed(v.name(), "restoring its ownership record", e);
            if (v.readProblem(e.getMessage())) {
                observer.log(Level.WARN, what + ", and it cannot be restored: " + e.getMessage()
                        + "; fence() fails meanwhile", null);
            }
        }
    }

    // ---- what keeps volumes from being served ----

    /** One problem, as the SPI shows it. */
    record Problem(String volume, Kind kind, String reason, boolean peerCanWrite) implements VolumeProblem {
    }

    /** @return every problem now: unsettled records, pending acquisitions, the storage's conditions */
    List<VolumeProblem> problems() {
        Map<String, List<VolumeProblem>> byVolume = new TreeMap<>();
        damaged.forEach((name, d) -> {
            if (owned.containsKey(name)) {
                byVolume.computeIfAbsent(name, k -> new ArrayList<>()).add(new Problem(name, Kind.RECORD_UNREADABLE,
                        d.getMessage() + "; " + settling.getOrDefault(name, "settling it with the peer"), false));
            }
        });
        Map<String, Writability.Condition> conditions = writability.all();
        owned.forEach((name, v) -> {
            String unreadable = v.readProblem();
            if (v.held() && unreadable != null && !damaged.containsKey(name) && !conditions.containsKey(name)) {
                // a read error the storage's conditions do not name: still not a plain "served"
                byVolume.computeIfAbsent(name, k -> new ArrayList<>()).add(new Problem(name, Kind.RECORD_UNREADABLE,
                        unreadable + "; fence() fails once the lease lapses", false));
            }
        });
        pending.forEach((name, p) -> byVolume.computeIfAbsent(name, k -> new ArrayList<>())
                .add(new Problem(name, p.kind(), p.kind() == Kind.RECORD_UNREADABLE
                        ? p.reason() + "; " + settling.getOrDefault(name, "settling it with the peer") : p.reason(), false)));
        conditions.forEach((name, c) -> byVolume.computeIfAbsent(name, k -> new ArrayList<>())
                .add(new Problem(name, c.kind(), c.reason(), Boolean.TRUE.equals(c.peerCanWrite()))));
        List<VolumeProblem> all = new ArrayList<>();
        byVolume.values().forEach(all::addAll);
        return List.copyOf(all);
    }

    // ---- VolumeManager ----

    @Override
    public Volume volume(String name) {
        OwnedVolume v = owned.get(name);
        if (v != null && v.held()) {
            return v;
        }
        return pending.get(name);
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

    @Override
    public Path sharedFolder() {
        return sharedDir;
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
