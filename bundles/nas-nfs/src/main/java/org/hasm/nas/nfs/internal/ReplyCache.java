package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.hasm.spi.storage.FencedException;

/**
 * The duplicate request cache of one volume: the replies to non-idempotent requests (CREATE,
 * REMOVE, RENAME, ...) by client and XID, so that a retransmission gets the reply the original got
 * instead of being carried out twice (a second REMOVE would answer NOENT for a file the first one
 * removed). It lives with the volume ({@code .hasm-nfs/drc.log}), so after a takeover the new owner
 * answers a retransmission of a request the old owner carried out with the old owner's reply.
 *
 * <p>Each reply is appended and forced before it is sent. A record is {@code magic, length, CRC-32,
 * payload}; a record that is short or whose CRC is wrong is never replayed. If no whole record follows
 * it, it is the tail a crash tore while appending, and the log is cut there; if whole records follow (damage
 * on the disk between them), the damaged bytes are skipped and the replies after them kept, never cut, and
 * {@link #damaged()} names the file and the offsets (see {@link Records#nextWhole}). A key also holds a
 * checksum of the request's arguments: a client reusing an XID for another request never gets the wrong reply.
 *
 * <p>A whole record this release cannot read (its CRC is right, but its magic is a later {@code DRC}
 * version, or its type is one this release does not know) is a later release's, written while that
 * release owned the volume during a rolling upgrade: it is skipped, never taken for a torn tail (which
 * would cut it and every record after it), and a rewrite of the log copies it as it is, the newest
 * {@code maxEntries} of them, so that the later release finds it again.
 *
 * <p>One instance is one ownership of the volume: it is opened at the volume's ownership epoch
 * ({@link org.hasm.spi.storage.Volume#epoch()}) and every record carries it. Opening at a higher epoch
 * than the log's newest appends a record of that epoch first, and records are appended with
 * {@code O_APPEND}: an SCM that was paused, lost the volume and wakes puts what it still appends after
 * the new owner's records, never over them, and reading skips every record of a lower epoch than one
 * before it, so a stale owner's reply is never replayed. A log that holds a higher epoch than this
 * SCM's is another SCM's: it is not opened, nor rewritten.
 *
 * <p>Bounded: at most {@code maxEntries} replies, none older than {@code maxAgeMs} (by the wall
 * clock of the SCM that wrote it; the pair's clocks are assumed to agree within seconds). The log is
 * rewritten with only the live entries (temporary file, force, atomic rename) once it holds twice as
 * many records. Thread-safe: the entries and the log are guarded by {@code this}; forcing the log is
 * serialized by a lock of its own, so that one force covers every reply appended before it (group commit).
 */
final class ReplyCache implements AutoCloseable {
    static final String FILE = "drc.log";
    /** Records of the first version: no epoch; read as of the epoch before them. */
    private static final int MAGIC_V1 = 0x44524331; // "DRC1"
    private static final int MAGIC = 0x44524332; // "DRC2"
    /** Every version's magic: "DRC" and a version character. */
    private static final int MAGIC_FAMILY = 0x44524300;
    private static final int MAX_RECORD = 64 * 1024;
    private static final byte REPLY = 1;
    private static final byte EPOCH = 2;

    /** A request: who sent it, its XID, its procedure and the checksum of its arguments. */
    record Key(String client, int xid, int procedure, int argsCrc) {
    }

    private final Path file;
    private final int maxEntries;
    private final long maxAgeMs;
    private final LongSupplier clock;
    private final long epoch;
    // Guarded by this.
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>();
    private final Set<Key> inProgress = new HashSet<>();
    /** Whole records of a later release, as read ({@code magic} then payload), oldest first, for a rewrite. */
    private final java.util.ArrayDeque<Foreign> foreign = new java.util.ArrayDeque<>();
    /** What did not read between whole records when the log was opened; written by the constructor only. */
    private final List<String> damaged = new ArrayList<>();
    private FileChannel log;
    private int records;
    // How many replies were appended, and how many of those are known durable (guarded by this); the
    // force itself runs under forcing, outside this, so that new replies are appended meanwhile.
    private long appended;
    private long durable;
    private final Object forcing = new Object();

    private record Entry(long time, byte[] reply) {
    }

    private record Foreign(int magic, byte[] payload) {
    }

    /**
     * Reads the log of the folder (creating it the first time) for an SCM that owns the volume at
     * {@code epoch}.
     *
     * @throws FencedException if the log holds a higher epoch: another SCM owns the volume now
     * @throws IOException if the log cannot be read or written
     */
    ReplyCache(Path folder, int maxEntries, long maxAgeMs, LongSupplier clock, long epoch) throws IOException {
        this.file = folder.resolve(FILE);
        this.maxEntries = maxEntries;
        this.maxAgeMs = maxAgeMs;
        this.clock = clock;
        this.epoch = epoch;
        Files.createDirectories(folder);
        Loaded l = load(true);
        if (l.newest > epoch) {
            throw new FencedException(file + " holds epoch " + l.newest + " of the volume, after this SCM's " + epoch
                    + ": another SCM owns it now");
        }
        Records.deleteTemporaries(file); // what a crash left of a rewrite
        log = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        try {
            if (log.size() > l.good) {
                log.truncate(l.good); // a torn tail: later appends must not follow garbage
            }
            if (l.newest < epoch) {
                // from now on, whatever an older owner may still append is older than this, and skipped
                Records.append(log, MAGIC, ByteBuffer.allocate(9).put(EPOCH).putLong(epoch).array());
                log.force(false);
                records++;
            }
        } catch (IOException | RuntimeException e) {
            log.close(); // opened again at the next request's try, not left to the collector
            throw e;
        }
    }

    /** How far the log reads whole ({@code good} bytes) and the newest epoch it holds. */
    private record Loaded(long good, long newest) {
    }

    /** @param keep whether to keep the entries read (else only the newest epoch is wanted) */
    private Loaded load(boolean keep) throws IOException {
        if (!Files.exists(file)) {
            return new Loaded(0, Long.MIN_VALUE);
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        long now = clock.getAsLong();
        long good = 0;
        long newest = Long.MIN_VALUE;
        while (b.hasRemaining()) {
            int start = b.position();
            int next = Records.nextWhole(b, start, m -> (m & 0xffffff00) == MAGIC_FAMILY, MAX_RECORD);
            if (next < 0) {
                break; // nothing whole up to the end: a torn tail, cut after the last whole record
            }
            if (next > start) {
                skipped(keep, start, next); // damage between whole records: never cut
                b.position(next);
                continue;
            }
            int magic = b.getInt();
            int length = b.getInt();
            b.getInt(); // the CRC, which matched
            byte[] payload = new byte[length];
            b.get(payload);
            if (magic != MAGIC && magic != MAGIC_V1 || magic == MAGIC && payload.length > 0 && payload[0] != REPLY
                    && payload[0] != EPOCH) {
                // whole, but a later release's: skipped and kept for it, never cut as a torn tail
                if (keep) {
                    foreign.addLast(new Foreign(magic, payload));
                    while (foreign.size() > maxEntries) {
                        foreign.removeFirst();
                    }
                    records++;
                }
                good = b.position();
                continue;
            }
            try {
                ByteBuffer p = ByteBuffer.wrap(payload);
                byte type = REPLY;
                long at = newest;
                if (magic == MAGIC) {
                    type = p.get();
                    at = p.getLong();
                }
                if (at >= newest) {
                    newest = at;
                    if (type == REPLY) {
                        long time = p.getLong();
                        int xid = p.getInt();
                        int proc = p.getInt();
                        int argsCrc = p.getInt();
                        byte[] client = new byte[p.getShort() & 0xffff];
                        p.get(client);
                        byte[] reply = new byte[p.getInt()];
                        p.get(reply);
                        if (keep && now - time <= maxAgeMs) {
                            put(new Key(new String(client, StandardCharsets.UTF_8), xid, proc, argsCrc),
                                    new Entry(time, reply));
                        }
                    }
                }
                // else: appended by an owner that had lost the volume by then; never replayed
            } catch (RuntimeException e) {
                skipped(keep, start, b.position()); // a CRC that matched garbage: whole, but no reply
                continue;
            }
            if (keep) {
                records++;
            }
            good = b.position();
        }
        return new Loaded(good, newest);
    }

    /** Notes bytes of the log between whole records that hold none: skipped, and said when it is opened. */
    private void skipped(boolean keep, int from, int to) {
        if (keep) {
            damaged.add(file + ": bytes " + from + " to " + to + " hold no record that reads (damaged on the disk):"
                    + " skipped, the replies after them kept");
        }
    }

    /** @return what did not read between whole records of the log when it was opened, one line each */
    List<String> damaged() {
        return List.copyOf(damaged);
    }

    /**
     * @return the reply given to this request before, or {@code null}; a request still being carried
     *     out (a retransmission that overtook its original) gets an empty array: send nothing
     */
    synchronized byte[] lookup(Key key) {
        if (inProgress.contains(key)) {
            return new byte[0];
        }
        Entry e = entries.get(key);
        if (e == null || clock.getAsLong() - e.time > maxAgeMs) {
            return null;
        }
        return e.reply;
    }

    /** Marks a request as being carried out; {@link #done} or {@link #abandon} ends that. */
    synchronized void start(Key key) {
        inProgress.add(key);
    }

    /**
     * {@link #lookup} and, when it finds nothing, {@link #start}, as one step: of an original and its
     * retransmission taken up by two workers at once, exactly one is carried out.
     *
     * @return as {@link #lookup}; {@code null} means this caller carries the request out
     */
    synchronized byte[] lookupOrStart(Key key) {
        byte[] earlier = lookup(key);
        if (earlier == null) {
            start(key);
        }
        return earlier;
    }

    synchronized void abandon(Key key) {
        inProgress.remove(key);
    }

    /** Keeps the reply, durably, before it is sent: {@link #keep} and {@link #force}. */
    void done(Key key, byte[] reply) throws IOException {
        force(keep(key, reply));
    }

    /**
     * Keeps the reply (the request is no longer in progress), not yet durably: the caller makes the
     * change it answers durable meanwhile, then calls {@link #force} before it sends the reply, so that
     * the file system may commit both together.
     *
     * @return what to pass to {@link #force}
     */
    synchronized long keep(Key key, byte[] reply) throws IOException {
        inProgress.remove(key);
        long now = clock.getAsLong();
        byte[] payload = payload(key, now, reply);
        if (payload.length > MAX_RECORD) {
            return 0; // no reply to a non-idempotent request is this large; nothing to keep
        }
        put(key, new Entry(now, reply));
        if (records - foreign.size() >= 2 * maxEntries) {
            compact(); // forced whole as it is written
            durable = ++appended;
        } else {
            Records.append(log, MAGIC, payload);
            records++;
            appended++;
        }
        return appended;
    }

    /**
     * Makes every reply kept up to {@code upTo} durable. Concurrent callers share one force (group
     * commit): whoever forces next covers every reply appended before it began, and a caller whose
     * reply that covered returns without forcing again.
     */
    void force(long upTo) throws IOException {
        synchronized (forcing) {
            FileChannel ch;
            long target;
            synchronized (this) {
                if (durable >= upTo) {
                    return;
                }
                ch = log;
                target = appended;
            }
            try {
                ch.force(false);
            } catch (java.nio.channels.ClosedChannelException e) {
                synchronized (this) {
                    if (durable >= upTo) {
                        return; // a compaction wrote and forced a new log meanwhile
                    }
                }
                throw e;
            }
            synchronized (this) {
                durable = Math.max(durable, target);
            }
        }
    }

    private byte[] payload(Key key, long time, byte[] reply) {
        byte[] client = key.client().getBytes(StandardCharsets.UTF_8);
        ByteBuffer p = ByteBuffer.allocate(1 + 8 + 8 + 12 + 2 + client.length + 4 + reply.length);
        p.put(REPLY).putLong(epoch).putLong(time).putInt(key.xid()).putInt(key.procedure()).putInt(key.argsCrc())
                .putShort((short) client.length).put(client).putInt(reply.length).put(reply);
        return p.array();
    }

    private void put(Key key, Entry e) {
        entries.remove(key);
        entries.put(key, e);
        long now = clock.getAsLong();
        Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Entry> oldest = it.next();
            if (entries.size() > maxEntries || now - oldest.getValue().time > maxAgeMs) {
                it.remove();
            } else {
                break;
            }
        }
    }

    private void compact() throws IOException {
        // a stale owner must not replace the log with what it remembers: the newer owner's records would go
        long newest = load(false).newest;
        if (newest > epoch) {
            throw new FencedException(file + " holds epoch " + newest + " of the volume, after this SCM's " + epoch
                    + ": not rewritten");
        }
        Path tmp = Records.temporary(file); // a name of this writer's own: the other SCM may rewrite it too
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (Foreign f : foreign) {
                Records.append(out, f.magic(), f.payload()); // before this epoch: as old as they are
            }
            Records.append(out, MAGIC, ByteBuffer.allocate(9).put(EPOCH).putLong(epoch).array());
            for (Map.Entry<Key, Entry> e : entries.entrySet()) {
                Records.append(out, MAGIC, payload(e.getKey(), e.getValue().time, e.getValue().reply));
            }
            out.force(true);
            // and again now that it is written: a pause meanwhile may have ended this SCM's ownership
            long now = load(false).newest;
            if (now > epoch) {
                throw new FencedException(file + " holds epoch " + now + " of the volume, after this SCM's " + epoch
                        + ": not rewritten");
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        log.close();
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Records.forceFolder(file.getParent());
        log = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        records = entries.size() + foreign.size() + 1;
    }

    synchronized int size() {
        return entries.size();
    }

    /** @return the ownership epoch this cache was opened at */
    long epoch() {
        return epoch;
    }

    @Override
    public synchronized void close() throws IOException {
        log.close();
    }
}
