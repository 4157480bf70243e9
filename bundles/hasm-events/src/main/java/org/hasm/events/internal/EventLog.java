package org.hasm.events.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The event log of one SCM: segment files {@code events-<first id>.log} in one folder, each a run of
 * framed records ({@link Record#frame}: length, CRC-32, payload). Records are appended to the newest
 * segment; once it holds {@code segmentBytes} a new one begins, and past {@code segments} files the
 * oldest is deleted, so the log is bounded. {@link #force()} makes what was appended durable (the
 * writer calls it once per batch). A crash can leave the newest segment with a torn tail: reading
 * stops at the first record whose length or checksum does not hold, and opening cuts the file there.
 *
 * <p>Every method is synchronized on the log: two writers (the event log's thread, and the link's handler
 * thread that receives the peer's events) and any number of readers (the admin API, the forwarder), each call
 * short. Guarded by this: every field. The newest segment is written through a {@link RandomAccessFile}, not
 * a {@code FileChannel}: a channel is closed for good when a thread using it is interrupted, and the link
 * interrupts its handler threads when it stops (a RESET), which left every later event unwritten.
 */
final class EventLog implements AutoCloseable {
    static final int RECORD_MAX = 1 << 20;
    private static final String PREFIX = "events-";
    private static final String SUFFIX = ".log";

    private final Path dir;
    private final long segmentBytes;
    private final int segments;
    // first id of each segment, oldest first; the last is the one appended to
    private final List<Long> firsts = new ArrayList<>();
    private RandomAccessFile current;
    private long lastId = -1;
    // the highest sequence of each SCM's events in the log
    private final Map<String, Long> highest = new HashMap<>();
    private long tornBytes;

    /**
     * Opens (or creates) the log, cutting a torn tail off the newest segment.
     *
     * @param segmentBytes a segment's size before the next begins (a record is never split)
     * @param segments how many segment files are kept, at least 2
     */
    EventLog(Path dir, long segmentBytes, int segments) throws IOException {
        if (segments < 2 || segmentBytes < 1024) {
            throw new IllegalArgumentException("an event log needs at least 2 segments of at least 1 KiB, not "
                    + segments + " of " + segmentBytes + " bytes");
        }
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.segments = segments;
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(PREFIX) && n.endsWith(SUFFIX))
                    .map(n -> n.substring(PREFIX.length(), n.length() - SUFFIX.length()))
                    .filter(n -> n.chars().allMatch(Character::isDigit) && !n.isEmpty())
                    .map(Long::parseLong).sorted().forEach(firsts::add);
        }
        for (int i = 0; i < firsts.size(); i++) {
            boolean newest = i == firsts.size() - 1;
            long good = scan(file(firsts.get(i)), r -> {
                lastId = Math.max(lastId, r.id());
                highest.merge(r.scm(), r.sequence(), Math::max);
                return true;
            });
            long size = Files.size(file(firsts.get(i)));
            if (good < size && newest) {
                tornBytes = size - good;
                try (FileChannel ch = FileChannel.open(file(firsts.get(i)), StandardOpenOption.WRITE)) {
                    ch.truncate(good);
                    ch.force(true);
                }
            }
        }
        if (firsts.isEmpty()) {
            firsts.add(0L);
        }
        current = openForAppend(file(firsts.get(firsts.size() - 1)));
    }

    private static RandomAccessFile openForAppend(Path file) throws IOException {
        RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw");
        f.seek(f.length());
        return f;
    }

    /** @return how many bytes of a torn tail opening cut off (0 when the log was whole) */
    synchronized long tornBytes() {
        return tornBytes;
    }

    synchronized long lastId() {
        return lastId;
    }

    /** @return the highest sequence of {@code scm}'s events in the log, or 0 when there is none */
    synchronized long highest(String scm) {
        return highest.getOrDefault(scm, 0L);
    }

    /**
     * Appends a record with the next id; durable after the next {@link #force()}.
     *
     * @return the record as written, with its id
     */
    synchronized Record append(Record r) throws IOException {
        Record written = r.withId(lastId + 1);
        byte[] payload = written.encode();
        if (payload.length > RECORD_MAX) {
            throw new IOException("an event of " + payload.length + " bytes is larger than a record may be");
        }
        long end = current.length();
        if (end > 0 && end + payload.length + 8 > segmentBytes) {
            rotate(written.id());
            end = current.length();
        }
        try {
            current.write(Record.frame(payload).array());
        } catch (IOException e) {
            // a record cut short (a full disk) would hide every later one from readers: cut it off
            current.setLength(end);
            current.seek(end);
            throw e;
        }
        lastId = written.id();
        highest.merge(written.scm(), written.sequence(), Math::max);
        return written;
    }

    synchronized void force() throws IOException {
        current.getFD().sync();
    }

    /**
     * @param afterId only records with a greater id
     * @param filter which records to return
     * @param limit at most this many
     */
    synchronized List<Record> read(long afterId, Predicate<Record> filter, int limit) throws IOException {
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < firsts.size() && out.size() < limit; i++) {
            if (i + 1 < firsts.size() && firsts.get(i + 1) <= afterId + 1) {
                continue; // every record of this segment is at or before afterId
            }
            try {
                scan(file(firsts.get(i)), r -> {
                    if (r.id() > afterId && filter.test(r)) {
                        out.add(r);
                    }
                    return out.size() < limit;
                });
            } catch (NoSuchFileException e) {
                // deleted by hand: what it held is gone
            }
        }
        return out;
    }

    @Override
    public synchronized void close() throws IOException {
        current.getFD().sync();
        current.close();
    }

    private void rotate(long first) throws IOException {
        current.getFD().sync();
        current.close();
        firsts.add(first);
        current = openForAppend(file(first));
        while (firsts.size() > segments) {
            Files.deleteIfExists(file(firsts.remove(0)));
        }
        // the new file's name must survive a crash before the records in it matter; a directory is forced
        // through a channel, which an interrupted thread cannot use: its interrupt is kept for after
        boolean interrupted = Thread.interrupted();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Path file(long first) {
        return dir.resolve(String.format("%s%020d%s", PREFIX, first, SUFFIX));
    }

    /**
     * Reads the records of one segment in order until {@code each} says stop, the file ends, or a
     * record does not hold (a torn tail).
     *
     * @return the offset after the last whole record read
     */
    private static long scan(Path file, Predicate<Record> each) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long pos = 0;
            ByteBuffer head = ByteBuffer.allocate(8);
            while (pos + 8 <= size) {
                head.clear();
                if (readFully(ch, head, pos) < 8) {
                    break;
                }
                head.flip();
                int length = head.getInt();
                int crc = head.getInt();
                if (length <= 0 || length > RECORD_MAX || pos + 8 + length > size) {
                    break;
                }
                ByteBuffer body = ByteBuffer.allocate(length);
                if (readFully(ch, body, pos + 8) < length) {
                    break;
                }
                java.util.zip.CRC32 c = new java.util.zip.CRC32();
                c.update(body.array());
                if ((int) c.getValue() != crc) {
                    break;
                }
                Record r;
                try {
                    r = Record.decode(body.array());
                } catch (IOException e) {
                    break;
                }
                pos += 8 + length;
                if (!each.test(r)) {
                    break;
                }
            }
            return pos;
        }
    }

    private static int readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        int total = 0;
        while (b.hasRemaining()) {
            int n = ch.read(b, at + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }
}
