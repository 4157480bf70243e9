package org.hasm.status.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectableChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.hasm.wire.FrameCodec;

/**
 * The storage heartbeat: the tie-breaker that networks cannot give. Each SCM owns one slot file in a
 * folder on the shared storage, {@code <dir>/<its name>}, and replaces it every interval with its
 * latest status frame (same codec, same sequence number as the network channels of that tick); it
 * reads the peer's slot once per interval. A heartbeat is a <em>change</em> of the peer's slot: the
 * content found at start is only the baseline, so a frame left there by a peer that died long ago
 * counts for nothing. The peer's slot is read on a schedule of its own, once per interval, whether
 * or not this SCM's own frames are being written: a stalled or slow write of ours must not look like
 * a silent peer.
 *
 * <p>All file I/O happens on this channel's own thread: storage can hang (an NFS server gone, a
 * path failing over), and neither the sender (which serves the network channels too) nor the
 * receiver (which runs the analyzer) may wait for it. A hung storage thus silences only this
 * channel, whose counter then runs out like any other.
 *
 * <p>The own slot is overwritten in place, one positional write per interval between an open and a
 * close; the peer's slot is read through a handle kept open, by one positional read (and a second
 * one that must agree with it, so a frame caught half-written is read again rather than passed on).
 * That costs a few microseconds of CPU an interval, where a temporary file renamed into place and
 * a reader opening it by name cost a hundred. A peer's slot found unchanged is opened anew before
 * it counts as silent: it may be a new file (a peer of an earlier hasm renamed frames into place),
 * and a network file system revalidates its cache on open. The slot holds exactly one frame, as it
 * always did, so any version reads any other's.
 *
 * <p>Frames are not synced by default: a heartbeat needs no durability. If this SCM crashes before
 * the page cache reaches the disk, the slot shows an older frame, which is the truth (we stopped);
 * readers on the same file system see a running writer's frames without a sync.
 * {@code channel.<name>.fsync=true} syncs every frame for storage stacks where that is not so.
 */
final class DiskChannel implements Channel {
    /**
     * @param name the channel's name
     * @param dir the heartbeat folder on the shared storage; must exist
     * @param counter this channel's counter start: the lease is counter × interval
     * @param fsync whether every frame is synced before the rename
     */
    record Config(String name, Path dir, int counter, boolean fsync) {
    }

    // Consecutive frames replaced before the writer took them, after which the sender hears of it.
    private static final int STUCK_AFTER = 3;
    private static final int INBOX = 4;
    private static final long CLOSE_JOIN_MS = 1000;
    private static final long IDLE_POLL_MS = 50;
    // Extra reads allowed for a frame that changes while it is read.
    private static final int STABLE_READS = 2;

    private final Config config;
    private final long intervalNanos;
    private final String self;
    private final Path own;
    private final Path peer;
    // One frame waits at most: a late heartbeat is worth nothing once a newer one exists.
    private final ArrayBlockingQueue<byte[]> outbox = new ArrayBlockingQueue<>(1);
    private final ArrayBlockingQueue<byte[]> inbox = new ArrayBlockingQueue<>(INBOX);
    // A failure of the worker other than a write's (a read, the thread itself), handed to the sender once.
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    // Why the last write failed; null once one succeeds. Reported at every send while it lasts, so that
    // the sender sees one outage from its first failed write to the next good one, not a failure and a
    // recovery at every interval (the worker writes between two sends).
    private volatile IOException writeFailure;
    private volatile boolean closed;
    private volatile Thread worker;

    // Sender thread only.
    private int unwritten;

    // Worker thread only.
    private final ByteBuffer readBuffer = ByteBuffer.allocate(FrameCodec.MAX_FRAME + 1);
    private FileChannel peerChannel;
    private boolean baselineTaken;
    private byte[] lastSeen;

    /** @param intervalMs how often the peer's slot is read */
    DiskChannel(Config config, String self, String peerName, long intervalMs) {
        this.config = config;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.self = self;
        this.own = config.dir().resolve(self);
        this.peer = config.dir().resolve(peerName);
    }

    @Override
    public String name() {
        return config.name();
    }

    Config config() {
        return config;
    }

    /**
     * Starts the I/O thread. Does not check the folder: storage that is not there yet at boot is a
     * BAD channel (send errors, no heartbeat), not a reason to refuse to watch the peer at all. It
     * is never created either, so that an unmounted share never gets a heartbeat written under its
     * mount point, where the peer would not see it.
     */
    @Override
    public void open() {
        Thread t = new Thread(this::work, "hasm-status-disk-" + config.name() + "-" + self);
        t.setDaemon(true);
        worker = t;
        t.start();
    }

    /** Hands the frame to the I/O thread; never blocks. */
    @Override
    public void send(byte[] frame) throws IOException {
        boolean replaced = false;
        if (!outbox.offer(frame)) {
            outbox.poll(); // single producer: after this there is room
            outbox.offer(frame);
            replaced = true;
        }
        unwritten = replaced ? unwritten + 1 : 0;
        IOException e = failure.getAndSet(null);
        if (e == null) {
            e = writeFailure;
        }
        if (e != null) {
            throw e;
        }
        if (unwritten >= STUCK_AFTER) {
            throw new IOException("the last " + unwritten + " heartbeats to " + own
                    + " were never written: the storage is slow or hung");
        }
    }

    @Override
    public SelectableChannel selectable() {
        return null; // polled once per interval by the receiver
    }

    @Override
    public boolean receive(ByteBuffer into) {
        byte[] b = inbox.poll();
        if (b == null) {
            return false;
        }
        into.put(b, 0, Math.min(b.length, into.remaining())); // read is capped at a buffer's size
        return true;
    }

    /**
     * Lets a pending last frame (the farewell HALTED) reach the storage, then stops the thread. Not
     * woken by an interrupt, which would abort the farewell's write half-way; interrupted only if
     * the storage holds it beyond the join.
     */
    @Override
    public void close() {
        closed = true;
        Thread t = worker;
        if (t == null) {
            return;
        }
        try {
            t.join(CLOSE_JOIN_MS);
            if (t.isAlive()) {
                t.interrupt(); // blocked on storage: give up on the last frame
                t.join(CLOSE_JOIN_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return config.name() + " (storage " + config.dir() + ", lease counter " + config.counter()
                + (config.fsync() ? ", fsync" : "") + ")";
    }

    // ---- the I/O thread ----

    private void work() {
        long nextRead = System.nanoTime();
        try {
            while (true) {
                long untilRead = Math.max(0, nextRead - System.nanoTime());
                // a bounded wait, so that close() is seen soon without an interrupt
                byte[] frame = closed ? outbox.poll()
                        : outbox.poll(Math.min(untilRead, TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MS)), TimeUnit.NANOSECONDS);
                if (frame != null) {
                    try {
                        write(frame);
                        writeFailure = null;
                    } catch (IOException e) {
                        writeFailure = new IOException("writing " + own + ": " + describe(e), e);
                    }
                } else if (closed) {
                    return;
                }
                long now = System.nanoTime();
                if (now - nextRead >= 0) {
                    readPeer();
                    nextRead += intervalNanos;
                    if (now - nextRead >= 0) {
                        nextRead = now + intervalNanos; // we were held up: one read, not a burst
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (RuntimeException e) {
            failure.set(new IOException("storage heartbeat thread failed: " + e, e));
        } finally {
            closePeer();
        }
    }

    /**
     * Overwrites the slot in place: open by name, one positional write, a truncation only when the
     * frame's length changed, close. Opening by name each time finds a slot removed or replaced
     * under us (an operator, a restored backup) and writes the file the peer reads; closing is what
     * makes a network file system send the frame to the server (close-to-open), so the peer on
     * another host sees it within the interval, not when the client's cache gets flushed.
     */
    private void write(byte[] frame) throws IOException {
        try (FileChannel ch = FileChannel.open(own, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
            ByteBuffer b = ByteBuffer.wrap(frame);
            long position = 0;
            for (int i = 0; i < frame.length && b.hasRemaining(); i++) { // each pass writes at least a byte
                position += ch.write(b, position);
            }
            if (ch.size() != frame.length) {
                ch.truncate(frame.length);
            }
            if (config.fsync()) {
                ch.force(false);
            }
        }
    }

    private void readPeer() {
        byte[] now;
        try {
            now = read(false);
            if (baselineTaken && (now == null || Arrays.equals(now, lastSeen))) {
                // Unchanged: either the peer is silent, or its slot is a new file (a peer that renames
                // frames into place, a slot created anew) that the kept handle does not show. Look
                // again through a fresh handle, which also gets past a network file system's cache.
                now = read(true);
            }
        } catch (IOException e) {
            closePeer();
            failure.compareAndSet(null, new IOException("reading " + peer + ": " + describe(e), e));
            return;
        }
        if (!baselineTaken) {
            baselineTaken = true;
            lastSeen = now;
            return;
        }
        if (now == null || Arrays.equals(now, lastSeen)) {
            lastSeen = now; // unchanged, or gone: no heartbeat
            return;
        }
        lastSeen = now;
        if (!inbox.offer(now)) {
            inbox.poll(); // the receiver is behind: the newest frame matters most
            inbox.offer(now);
        }
    }

    /**
     * Reads the peer's slot until two reads in a row agree, so that a frame caught half-overwritten
     * is read again instead of being handed on (and counted as rejected): the peer writes once per
     * interval, so two reads microseconds apart only agree on a frame that is whole.
     *
     * @param reopen whether to open the slot anew first
     * @return the peer's slot, at most one byte more than a frame can be; {@code null} if absent
     */
    private byte[] read(boolean reopen) throws IOException {
        if (reopen) {
            closePeer();
        }
        if (peerChannel == null) {
            try {
                peerChannel = FileChannel.open(peer, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return null;
            }
        }
        byte[] previous = readOnce();
        for (int i = 0; i < STABLE_READS; i++) {
            byte[] again = readOnce();
            if (Arrays.equals(previous, again)) {
                return again;
            }
            previous = again;
        }
        return previous; // still moving: let the receiver judge it
    }

    private byte[] readOnce() throws IOException {
        readBuffer.clear();
        long position = 0;
        for (int i = 0; i < readBuffer.capacity() && readBuffer.hasRemaining(); i++) {
            int n = peerChannel.read(readBuffer, position);
            if (n < 0) {
                break;
            }
            position += n;
        }
        return Arrays.copyOf(readBuffer.array(), readBuffer.position());
    }

    private void closePeer() {
        FileChannel c = peerChannel;
        peerChannel = null;
        closeQuietly(c);
    }

    private static void closeQuietly(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing was pending on it: a write is complete when write() returns
            }
        }
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException ? "no such file or folder " + e.getMessage() : String.valueOf(e);
    }
}
