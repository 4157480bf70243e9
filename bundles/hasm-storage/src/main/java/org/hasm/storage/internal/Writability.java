package org.hasm.storage.internal;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hasm.spi.storage.VolumeProblem.Kind;

/**
 * Whether this SCM can write the shared storage, volume by volume: a condition ({@link Kind#FULL},
 * {@link Kind#READ_ONLY}, {@link Kind#IO_ERROR}) starts with the first write that fails for that
 * reason (a service's, the store's own, or a probe's) and ends when a check finds the cause gone.
 * Each start and each end is one log line and one event, however many writes fail in between: a
 * read-only storage under a client that retries must not turn into a log line per request.
 *
 * <p>A condition ends when the check of {@link Checks} passes: for READ_ONLY and IO_ERROR, a small
 * file can be written, forced and removed where the volume's record lives, and the volume's file
 * system is not mounted read-only; for FULL, also the space usable grew by {@link #fullMargin} since
 * the volume was found full, so that one freed block does not end it only for the next write to
 * start it again.
 *
 * <p>Thread safety: the map is guarded by {@code this}; the observer is called outside the lock.
 */
final class Writability {

    /** Event steps ({@code step} property): a condition starts, a condition ends. */
    static final String UNWRITABLE = "unwritable";
    static final String WRITABLE = "writable";

    /** How conditions are checked. Every method may block on the storage; none is called under the lock. */
    interface Checks {
        /** Writes, forces and removes a small file next to the volume's record. */
        void probe(String volume) throws IOException;

        /** @return whether the volume's folder lies on a file system mounted read-only */
        boolean readOnlyMount(String volume) throws IOException;

        /** @return bytes an unprivileged writer can still use on the volume's file system */
        long usable(String volume) throws IOException;

        /** @return the size of the volume's file system */
        long total(String volume) throws IOException;
    }

    /**
     * @param freeWhenFull the usable bytes when FULL started; 0 for the other kinds
     * @param peerCanWrite what the peer said of this volume for this condition; {@code null}: not asked yet
     */
    record Condition(Kind kind, String reason, long freeWhenFull, Boolean peerCanWrite) {
        /** @return whether the peer could serve the volume better: this SCM cannot write it at all */
        boolean handsOver() {
            return kind == Kind.READ_ONLY || kind == Kind.IO_ERROR;
        }
    }

    private static final long MIB = 1L << 20;

    private final VolumeStore.Observer observer;
    private final Checks checks;
    // Guarded by this.
    private final Map<String, Condition> conditions = new TreeMap<>();

    Writability(VolumeStore.Observer observer, Checks checks) {
        this.observer = observer;
        this.checks = checks;
    }

    /**
     * What an error of the file system says about the storage. Java gives no errno: the text of the
     * error is all there is (the same on every Linux libc).
     *
     * @return the kind, or {@code null} if the error is none of them
     */
    static Kind classify(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String m = t instanceof FileSystemException f && f.getReason() != null ? f.getReason() + " " + t.getMessage()
                    : t.getMessage();
            if (m == null) {
                continue;
            }
            if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
                return Kind.FULL;
            }
            if (m.contains("Read-only file system")) {
                return Kind.READ_ONLY;
            }
            if (m.contains("Input/output error")) {
                return Kind.IO_ERROR;
            }
        }
        return null;
    }

    /**
     * A write of this volume failed.
     *
     * @param what what was being written, for the operator
     * @return the condition it shows, or {@code null} if the error says nothing about the storage
     */
    Kind failed(String volume, String what, IOException error) {
        Kind kind = classify(error);
        if (kind != null) {
            enter(volume, kind, what + ": " + error.getMessage());
        }
        return kind;
    }

    /** @return the condition of the volume now, or {@code null} if none */
    synchronized Condition of(String volume) {
        return conditions.get(volume);
    }

    /** @return every condition now, by volume */
    synchronized Map<String, Condition> all() {
        return new TreeMap<>(conditions);
    }

    /**
     * Checks the volumes with a condition again, ending those whose cause is gone; a FULL one also
     * ends once the volume is no longer served here (it is about the space this SCM writes into),
     * the others stay until the storage takes writes again, served or not: they are what keeps the
     * personality with the peer.
     *
     * @param served the volumes this SCM serves or wants now
     */
    void recheck(Collection<String> served) {
        for (Map.Entry<String, Condition> e : all().entrySet()) {
            String volume = e.getKey();
            Condition c = e.getValue();
            if (c.kind() == Kind.FULL && !served.contains(volume)) {
                leave(volume, c, "no longer served by this SCM");
                continue;
            }
            Kind still = check(volume, c);
            if (still == null) {
                leave(volume, c, c.kind() == Kind.FULL ? "space is free again" : "the storage takes writes again");
            }
        }
    }

    /**
     * Checks volumes without a condition: finds a storage that turned read-only or full before a
     * client write does.
     */
    void probe(Collection<String> volumes) {
        for (String volume : volumes) {
            if (of(volume) == null) {
                check(volume, null);
            }
        }
    }

    /**
     * Records the peer's answer to "can you write this volume?" for the condition it was asked about.
     *
     * @return whether that changed what is known
     */
    boolean peerAnswered(String volume, Kind askedFor, boolean canWrite, String detail) {
        Condition c;
        synchronized (this) {
            c = conditions.get(volume);
            if (c == null || c.kind() != askedFor || Boolean.valueOf(canWrite).equals(c.peerCanWrite())) {
                return false;
            }
            conditions.put(volume, new Condition(c.kind(), c.reason(), c.freeWhenFull(), canWrite));
        }
        observer.log(canWrite ? VolumeStore.Level.WARN : VolumeStore.Level.INFO, "volume " + volume + " is "
                + describe(c.kind()) + " here; the peer " + (canWrite ? "can write it: it is the better one to serve it"
                        : "cannot write it either" + (detail.isEmpty() ? "" : " (" + detail + ")")), null);
        return true;
    }

    /**
     * The peer's question: can this SCM write the volume? Checks now (and enters what it finds).
     *
     * @return {@code null} if it can, else why not
     */
    String writableHere(String volume) {
        Condition now = of(volume);
        Kind found = check(volume, now);
        if (found == null) {
            return null;
        }
        Condition c = of(volume);
        return "volume " + volume + " is " + describe(found) + " there" + (c == null ? "" : " (" + c.reason() + ")");
    }

    /** @return the volumes whose condition would move them to a peer that can write them */
    synchronized List<String> handOverCandidates() {
        List<String> list = new ArrayList<>();
        conditions.forEach((v, c) -> {
            if (c.handsOver()) {
                list.add(v);
            }
        });
        return list;
    }

    /**
     * Runs the check and enters the condition it finds, if another than now.
     *
     * @return the kind found, {@code null} if the volume is writable
     */
    private Kind check(String volume, Condition now) {
        Kind found;
        String reason;
        try {
            checks.probe(volume);
            if (checks.readOnlyMount(volume)) {
                found = Kind.READ_ONLY;
                reason = "the file system of volume " + volume + " is mounted read-only";
            } else if (now != null && now.kind() == Kind.FULL) {
                long usable = checks.usable(volume);
                found = usable < now.freeWhenFull() + fullMargin(checks.total(volume)) ? Kind.FULL : null;
                reason = now.reason();
            } else {
                found = null;
                reason = null;
            }
        } catch (IOException e) {
            Kind k = classify(e);
            // a probe that fails for any other reason still means the storage does not take writes
            found = k == null ? Kind.IO_ERROR : k;
            reason = "probe: " + e.getMessage();
        }
        if (found != null && (now == null || now.kind() != found)) {
            enter(volume, found, reason);
        }
        return found;
    }

    /** The growth of free space that ends FULL: 1 MiB, or 1% of a smaller file system. */
    static long fullMargin(long total) {
        return Math.max(1, Math.min(MIB, total / 100));
    }

    private void enter(String volume, Kind kind, String reason) {
        long free = 0;
        if (kind == Kind.FULL) {
            try {
                free = checks.usable(volume);
            } catch (IOException e) {
                free = 0;
            }
        }
        synchronized (this) {
            Condition before = conditions.get(volume);
            if (before != null && before.kind() == kind) {
                return; // the same condition: already reported
            }
            conditions.put(volume, new Condition(kind, reason, free, null));
        }
        observer.event(UNWRITABLE, volume, 0, "", kind + ": " + reason);
        observer.log(VolumeStore.Level.WARN, "volume " + volume + " is " + describe(kind) + " for this SCM (" + reason
                + ")" + (kind == Kind.FULL ? ": writes answer 507 until space is free" : ": writes answer 503")
                + "; reported again only when this changes", null);
    }

    private void leave(String volume, Condition c, String why) {
        synchronized (this) {
            if (!c.equals(conditions.get(volume))) {
                return; // changed meanwhile: the newer condition stands
            }
            conditions.remove(volume);
        }
        observer.event(WRITABLE, volume, 0, "", c.kind() + " over: " + why);
        observer.log(VolumeStore.Level.INFO, "volume " + volume + " is no longer " + describe(c.kind()) + ": " + why,
                null);
    }

    static String describe(Kind kind) {
        return switch (kind) {
            case FULL -> "full";
            case READ_ONLY -> "read-only";
            case IO_ERROR -> "failing with I/O errors";
            case RECORD_UNREADABLE -> "unsettled (unreadable ownership record)";
            case NOT_ACQUIRED -> "not acquired";
        };
    }
}
