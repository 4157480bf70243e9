package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The duplicate request cache of one volume: the replies to non-idempotent requests (CREATE,
 * REMOVE, RENAME, ...) by client and XID, so that a retransmission gets the reply the original got
 * instead of being carried out twice (a second REMOVE would answer NOENT for a file the first one
 * removed). It lives with the volume ({@code .hasm-nfs/drc.log}), so after a takeover the new owner
 * answers a retransmission of a request the old owner carried out with the old owner's reply.
 *
 * <p>Each reply is appended and forced before it is sent. A record is {@code magic, length, CRC-32,
 * payload}; reading stops at the first record that is short or whose CRC is wrong (a write torn by a
 * crash), so a torn entry is ignored, never replayed. A key also holds a checksum of the request's
 * arguments: a client reusing an XID for another request never gets the wrong reply.
 *
 * <p>Bounded: at most {@code maxEntries} replies, none older than {@code maxAgeMs} (by the wall
 * clock of the SCM that wrote it; the pair's clocks are assumed to agree within seconds). The log is
 * rewritten with only the live entries (temporary file, force, atomic rename) once it holds twice as
 * many records. Thread-safe: everything is guarded by {@code this}.
 */
final class ReplyCache implements AutoCloseable {
    static final String FILE = "drc.log";
    private static final int MAGIC = 0x44524331; // "DRC1"
    private static final int MAX_RECORD = 64 * 1024;

    /** A request: who sent it, its XID, its procedure and the checksum of its arguments. */
    record Key(String client, int xid, int procedure, int argsCrc) {
    }

    private final Path file;
    private final int maxEntries;
    private final long maxAgeMs;
    private final LongSupplier clock;
    // Guarded by this.
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>();
    private final Set<Key> inProgress = new HashSet<>();
    private FileChannel log;
    private int records;

    private record Entry(long time, byte[] reply) {
    }

    ReplyCache(Path folder, int maxEntries, long maxAgeMs, LongSupplier clock) throws IOException {
        this.file = folder.resolve(FILE);
        this.maxEntries = maxEntries;
        this.maxAgeMs = maxAgeMs;
        this.clock = clock;
        Files.createDirectories(folder);
        long good = load();
        log = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        if (log.size() > good) {
            log.truncate(good); // a torn tail: later appends must not follow garbage
        }
        log.position(good);
    }

    /** @return how many bytes of the log hold whole, intact records */
    private long load() throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        long now = clock.getAsLong();
        long good = 0;
        while (b.remaining() >= 12) {
            int start = b.position();
            int magic = b.getInt();
            int length = b.getInt();
            int crc = b.getInt();
            if (magic != MAGIC || length < 0 || length > MAX_RECORD || length > b.remaining()) {
                break;
            }
            byte[] payload = new byte[length];
            b.get(payload);
            if (Records.crc(payload) != crc) {
                break;
            }
            try {
                ByteBuffer p = ByteBuffer.wrap(payload);
                long time = p.getLong();
                int xid = p.getInt();
                int proc = p.getInt();
                int argsCrc = p.getInt();
                byte[] client = new byte[p.getShort() & 0xffff];
                p.get(client);
                byte[] reply = new byte[p.getInt()];
                p.get(reply);
                records++;
                if (now - time <= maxAgeMs) {
                    put(new Key(new String(client, StandardCharsets.UTF_8), xid, proc, argsCrc), new Entry(time, reply));
                }
            } catch (RuntimeException e) {
                break; // a CRC that matched garbage: stop as for a torn record
            }
            good = b.position();
            if (start == good) {
                break;
            }
        }
        return good;
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

    synchronized void abandon(Key key) {
        inProgress.remove(key);
    }

    /** Keeps the reply, durably, before it is sent. */
    synchronized void done(Key key, byte[] reply) throws IOException {
        inProgress.remove(key);
        long now = clock.getAsLong();
        byte[] client = key.client().getBytes(StandardCharsets.UTF_8);
        ByteBuffer p = ByteBuffer.allocate(8 + 12 + 2 + client.length + 4 + reply.length);
        p.putLong(now).putInt(key.xid()).putInt(key.procedure()).putInt(key.argsCrc())
                .putShort((short) client.length).put(client).putInt(reply.length).put(reply);
        byte[] payload = p.array();
        if (payload.length > MAX_RECORD) {
            return; // no reply to a non-idempotent request is this large; nothing to keep
        }
        put(key, new Entry(now, reply));
        if (records >= 2 * maxEntries) {
            compact();
        } else {
            Records.append(log, MAGIC, payload);
            log.force(false);
            records++;
        }
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
        Path tmp = file.resolveSibling("." + FILE + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (Map.Entry<Key, Entry> e : entries.entrySet()) {
                Key k = e.getKey();
                byte[] client = k.client().getBytes(StandardCharsets.UTF_8);
                byte[] reply = e.getValue().reply;
                ByteBuffer p = ByteBuffer.allocate(8 + 12 + 2 + client.length + 4 + reply.length);
                p.putLong(e.getValue().time).putInt(k.xid()).putInt(k.procedure()).putInt(k.argsCrc())
                        .putShort((short) client.length).put(client).putInt(reply.length).put(reply);
                Records.append(out, MAGIC, p.array());
            }
            out.force(true);
        }
        log.close();
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Records.forceFolder(file.getParent());
        log = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
        log.position(log.size());
        records = entries.size();
    }

    synchronized int size() {
        return entries.size();
    }

    @Override
    public synchronized void close() throws IOException {
        log.close();
    }
}
