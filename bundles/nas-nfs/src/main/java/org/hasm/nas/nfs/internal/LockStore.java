package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.hasm.spi.storage.FencedException;

/**
 * The lock table of one volume, kept on the volume ({@code .hasm-nfs/locks.log}) so that the SCM that
 * serves the volume next holds the same locks at once. The log is a header and then the table's
 * changes (lock, unlock, share, unshare, free-all), each appended as {@code magic, length, CRC-32,
 * payload}; reading replays them into a {@link LockTable}, which makes the same decisions again.
 * {@link #force()} makes every change durable; the caller forces before it replies.
 *
 * <p>Every record carries the ownership epoch of the volume ({@link org.hasm.spi.storage.Volume#epoch()})
 * of the SCM that wrote it, and an SCM that opens the log at a higher epoch than the log's first writes
 * a record of its epoch at once. Records are appended ({@code O_APPEND}), so an SCM that was paused and
 * wakes after losing the volume, and appends one record before its fence fails, puts it after the new
 * owner's, never over them, and reading skips a record of a lower epoch than one before it: what a
 * stale SCM wrote is never replayed. An SCM that finds a higher epoch than its own in the log is the
 * stale one: it refuses to open it.
 *
 * <p>A record cut short (a crash while appending) or a tail of zeros ends the log: the change it
 * held is as if never made, and the log is cut there. Anything else that does not read (a record
 * whose CRC is wrong, a missing header, an I/O error) means the state is <em>lost</em>: the table starts
 * empty and {@link #lost()} says why, so that the service can tell its clients to reclaim. The damaged
 * file stays in place, the loss's durable mark, until the service has done that and calls
 * {@link #setAside()}, which moves it to {@code locks.log.damaged} and begins a new log. The log is
 * rewritten from the table (temporary file, force, atomic rename, force of the folder) once it holds
 * twice as many records as the table has entries, and at least {@value #MIN_COMPACT}. Not thread-safe:
 * its owner serializes calls.
 */
final class LockStore implements AutoCloseable {
    static final String FILE = "locks.log";
    private static final int MAGIC = 0x4e4c4d31; // "NLM1"
    private static final int VERSION = 1;
    private static final int MAX_RECORD = 8 * 1024;
    private static final int MIN_COMPACT = 1024;
    private static final byte HEADER = 1;
    private static final byte LOCK = 2;
    private static final byte UNLOCK = 3;
    private static final byte SHARE = 4;
    private static final byte UNSHARE = 5;
    private static final byte FREE_ALL = 6;
    private static final byte EPOCH = 7;

    private final Path file;
    private final long epoch;
    private long newest = Long.MIN_VALUE;
    private LockTable table = new LockTable();
    private final String lost;
    private FileChannel log;
    private int records;
    // the damaged log was moved aside by a try of setAside() whose new log then failed: a later try only begins it
    private boolean movedAside;

    /**
     * Reads the log of the folder (creating it the first time).
     *
     * @param epoch the ownership epoch of the volume for this SCM now
     * @throws IOException if the log cannot be written at all, or a newer owner of the volume wrote it
     */
    LockStore(Path folder, long epoch) throws IOException {
        this.file = folder.resolve(FILE);
        this.epoch = epoch;
        Files.createDirectories(folder);
        String why = null;
        long good = 0;
        try {
            good = load();
        } catch (Damaged d) {
            why = d.getMessage();
        } catch (IOException e) {
            why = "cannot read " + file + ": " + e;
        }
        if (newest > epoch) {
            throw new IOException(file + " was written at epoch " + newest + " of the volume, after this SCM's "
                    + epoch + ": another SCM owns it now");
        }
        Records.deleteTemporaries(file); // what a crash left of a rewrite
        this.lost = why;
        if (why != null) {
            // the damaged log stays in place until setAside(): a crash before then finds it, and the loss, again
            newest = Long.MIN_VALUE;
            table = new LockTable();
            records = 0;
            return;
        }
        begin(good);
    }

    /**
     * Opens the log for appending after its first {@code good} bytes (cutting a torn tail), a new log if there
     * are none, and writes this SCM's epoch into it.
     */
    private void begin(long good) throws IOException {
        log = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        try {
            if (log.size() > good) {
                log.truncate(good); // a torn tail: later appends must not follow it
            }
            if (good == 0) {
                Records.append(log, MAGIC, header());
                records = 1;
                log.force(true);
                forceFolder();
            } else if (newest < epoch) {
                // from now on, what an older owner may still append is older than this, and skipped
                Records.append(log, MAGIC, payload(rec(EPOCH)));
                records++;
                log.force(false);
            }
        } catch (IOException | RuntimeException e) {
            log.close(); // opened again at the next request's try, not left to the collector
            log = null;
            throw e;
        }
        newest = epoch;
    }

    /**
     * Once the loss {@link #lost()} reports has been handled durably (the NSM state raised, which is what
     * makes clients reclaim), sets the damaged log aside as {@code locks.log.damaged} and begins a new, empty
     * one; the store takes changes only from then on. Until then the damaged log stays where it is, so that an
     * SCM that dies in between (or the peer that takes the volume over) finds the loss again and reports it,
     * never a clean log that hides it. May be tried again after it failed (the volume read-only for a while):
     * what the failed try did is not done twice.
     */
    void setAside() throws IOException {
        if (!setAsidePending()) {
            return;
        }
        if (!movedAside) {
            Files.move(file, file.resolveSibling(FILE + ".damaged"), StandardCopyOption.REPLACE_EXISTING);
            // moving again would find no log, or put the new one, cut short, over the damaged one
            movedAside = true;
        }
        begin(0); // forces the new log, then the folder: the rename with it
    }

    /** @return whether the state was lost and the damaged log not set aside yet: nothing can be recorded now */
    boolean setAsidePending() {
        return lost != null && log == null;
    }

    private static final class Damaged extends IOException {
        private static final long serialVersionUID = 1L;

        Damaged(String message) {
            super(message);
        }
    }

    /** @return how many bytes of the log hold whole records */
    private long load() throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        long good = 0;
        while (b.hasRemaining()) {
            int start = b.position();
            if (b.remaining() < 12) {
                break; // cut short
            }
            int magic = b.getInt();
            int length = b.getInt();
            int crc = b.getInt();
            if (magic == 0 && zeros(b, start)) {
                break; // the tail a crash may leave after a size that grew before the data came
            }
            if (magic != MAGIC || length < 1 || length > MAX_RECORD) {
                throw new Damaged(file + ": no record at byte " + start);
            }
            if (length > b.remaining()) {
                break; // cut short
            }
            byte[] payload = new byte[length];
            b.get(payload);
            if (Records.crc(payload) != crc) {
                throw new Damaged(file + ": the record at byte " + start + " is damaged (CRC)");
            }
            try {
                ByteBuffer p = ByteBuffer.wrap(payload);
                byte type = p.get();
                long at = p.getLong();
                if (at >= newest) {
                    newest = at;
                    apply(type, p, start == 0);
                } else if (type == HEADER) {
                    throw new IllegalStateException("a header of an older epoch");
                }
            } catch (RuntimeException e) {
                throw new Damaged(file + ": the record at byte " + start + " does not read: " + e);
            }
            records++;
            good = b.position();
        }
        return good;
    }

    private static boolean zeros(ByteBuffer b, int from) {
        for (int i = from; i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private void apply(byte type, ByteBuffer p, boolean first) {
        if (first != (type == HEADER)) {
            throw new IllegalStateException(first ? "no header" : "a second header");
        }
        switch (type) {
            case HEADER -> {
                int version = p.getInt();
                if (version != VERSION) {
                    throw new IllegalStateException("version " + version + ", not " + VERSION);
                }
            }
            case LOCK -> {
                long f = p.getLong();
                boolean x = p.get() != 0;
                LockTable.Owner o = owner(p);
                table.lock(f, o, x, p.getLong(), p.getLong());
            }
            case UNLOCK -> {
                long f = p.getLong();
                LockTable.Owner o = owner(p);
                table.unlock(f, o, p.getLong(), p.getLong());
            }
            case SHARE -> {
                long f = p.getLong();
                String name = str(p);
                byte[] oh = bytes(p);
                table.share(f, name, oh, p.getInt(), p.getInt());
            }
            case UNSHARE -> {
                long f = p.getLong();
                String name = str(p);
                table.unshare(f, name, bytes(p));
            }
            case FREE_ALL -> table.freeAll(str(p));
            case EPOCH -> {
                // a new owner's first word: nothing to apply
            }
            default -> throw new IllegalStateException("record type " + type);
        }
        if (p.hasRemaining()) {
            throw new IllegalStateException(p.remaining() + " bytes left over");
        }
    }

    /** @return why the state on the volume was lost when it was read, or {@code null} if it was read whole */
    String lost() {
        return lost;
    }

    /** The table as the log holds it; change it only through this store. */
    LockTable table() {
        return table;
    }

    /** Takes a lock, if nothing conflicts, and logs it. @return the conflicting lock, or {@code null} */
    LockTable.Lock lock(long f, LockTable.Owner o, boolean exclusive, long start, long last) throws IOException {
        LockTable.Lock c = table.lock(f, o, exclusive, start, last);
        if (c == null) {
            write(rec(LOCK).putLong(f).put((byte) (exclusive ? 1 : 0)), o, start, last);
        }
        return c;
    }

    void unlock(long f, LockTable.Owner o, long start, long last) throws IOException {
        if (table.unlock(f, o, start, last)) {
            write(rec(UNLOCK).putLong(f), o, start, last);
        }
    }

    boolean share(long f, String name, byte[] oh, int mode, int access) throws IOException {
        if (!table.share(f, name, oh, mode, access)) {
            return false;
        }
        ByteBuffer b = rec(SHARE).putLong(f);
        put(b, name.getBytes(StandardCharsets.ISO_8859_1));
        put(b, oh);
        b.putInt(mode).putInt(access);
        record(b);
        return true;
    }

    void unshare(long f, String name, byte[] oh) throws IOException {
        if (table.unshare(f, name, oh)) {
            ByteBuffer b = rec(UNSHARE).putLong(f);
            put(b, name.getBytes(StandardCharsets.ISO_8859_1));
            put(b, oh);
            record(b);
        }
    }

    /** @return the files whose locks were freed */
    java.util.Set<Long> freeAll(String name) throws IOException {
        java.util.Set<Long> files = table.freeAll(name);
        if (!files.isEmpty()) {
            ByteBuffer b = rec(FREE_ALL);
            put(b, name.getBytes(StandardCharsets.ISO_8859_1));
            record(b);
        }
        return files;
    }

    /** Drops every lock and reservation (SM_SIMU_CRASH): the log is rewritten empty. */
    void clear() throws IOException {
        table = new LockTable();
        compact();
    }

    /** Makes every change so far durable. */
    void force() throws IOException {
        open().force(false);
    }

    /** @return the log to append to; none while a loss is not set aside yet */
    private FileChannel open() throws IOException {
        if (log == null) {
            throw new IOException(file + ": the loss of its state (" + lost + ") is not handled yet: no change is kept");
        }
        return log;
    }

    private ByteBuffer rec(byte type) {
        return ByteBuffer.allocate(MAX_RECORD).put(type).putLong(epoch);
    }

    private void write(ByteBuffer b, LockTable.Owner o, long start, long last) throws IOException {
        putOwner(b, o);
        b.putLong(start).putLong(last);
        record(b);
    }

    private void record(ByteBuffer b) throws IOException {
        byte[] payload = new byte[b.position()];
        b.flip().get(payload);
        if (records >= Math.max(MIN_COMPACT, 2 * table.size())) {
            compact();
        } else {
            Records.append(open(), MAGIC, payload);
            records++;
        }
    }

    /**
     * Rewrites the log with the table alone. Never by a stale owner: the log is read for its newest epoch
     * before and again after the new one is written (a paused SCM that wakes after a takeover must not put
     * its old table over the new owner's log), and the new one is written under a name of this writer's own.
     */
    private void compact() throws IOException {
        open();
        requireNoNewerEpoch();
        Path tmp = Records.temporary(file);
        int n = 1;
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Records.append(out, MAGIC, header());
            for (Map.Entry<Long, List<LockTable.Lock>> e : table.locks().entrySet()) {
                for (LockTable.Lock l : e.getValue()) {
                    ByteBuffer b = rec(LOCK).putLong(e.getKey()).put((byte) (l.exclusive() ? 1 : 0));
                    putOwner(b, l.owner());
                    b.putLong(l.start()).putLong(l.last());
                    Records.append(out, MAGIC, payload(b));
                    n++;
                }
            }
            for (Map.Entry<Long, List<LockTable.Share>> e : table.shares().entrySet()) {
                for (LockTable.Share s : e.getValue()) {
                    ByteBuffer b = rec(SHARE).putLong(e.getKey());
                    put(b, s.callerName().getBytes(StandardCharsets.ISO_8859_1));
                    put(b, s.oh());
                    b.putInt(s.mode()).putInt(s.access());
                    Records.append(out, MAGIC, payload(b));
                    n++;
                }
            }
            out.force(true);
            requireNoNewerEpoch();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        log.close();
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceFolder();
        log = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        records = n;
    }

    /** @throws FencedException if the log holds an epoch after this SCM's: another SCM owns the volume now */
    private void requireNoNewerEpoch() throws IOException {
        long now = newestEpoch(file);
        if (now > epoch) {
            throw new FencedException(file + " holds epoch " + now + " of the volume, after this SCM's " + epoch
                    + ": not rewritten");
        }
    }

    /** @return the newest epoch among the whole records of a log, {@code Long.MIN_VALUE} for none */
    static long newestEpoch(Path file) throws IOException {
        ByteBuffer b;
        try {
            b = ByteBuffer.wrap(Files.readAllBytes(file));
        } catch (java.nio.file.NoSuchFileException e) {
            return Long.MIN_VALUE;
        }
        long newest = Long.MIN_VALUE;
        while (b.remaining() >= 12) {
            int magic = b.getInt();
            int length = b.getInt();
            b.getInt(); // CRC: a record that is cut short or damaged ends the reading, whatever its epoch
            if (magic != MAGIC || length < 9 || length > b.remaining()) {
                break;
            }
            int at = b.position();
            newest = Math.max(newest, b.getLong(at + 1));
            b.position(at + length);
        }
        return newest;
    }

    private void forceFolder() throws IOException {
        Records.forceFolder(file.getParent());
    }

    private static byte[] payload(ByteBuffer b) {
        byte[] p = new byte[b.position()];
        b.flip().get(p);
        return p;
    }

    private byte[] header() {
        return payload(rec(HEADER).putInt(VERSION));
    }

    private static void putOwner(ByteBuffer b, LockTable.Owner o) {
        put(b, o.callerName().getBytes(StandardCharsets.ISO_8859_1));
        b.putInt(o.svid());
        put(b, o.oh());
    }

    private static LockTable.Owner owner(ByteBuffer p) {
        String name = str(p);
        int svid = p.getInt();
        return new LockTable.Owner(name, svid, bytes(p));
    }

    private static void put(ByteBuffer b, byte[] v) {
        b.putShort((short) v.length).put(v);
    }

    private static byte[] bytes(ByteBuffer p) {
        byte[] v = new byte[p.getShort() & 0xffff];
        p.get(v);
        return v;
    }

    private static String str(ByteBuffer p) {
        return new String(bytes(p), StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        if (log != null) {
            log.close();
        }
    }
}
