package org.hasm.status.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * counts for nothing.
 *
 * <p>All file I/O happens on this channel's own thread: storage can hang (an NFS server gone, a
 * path failing over), and neither the sender (which serves the network channels too) nor the
 * receiver (which runs the analyzer) may wait for it. A hung storage thus silences only this
 * channel, whose counter then runs out like any other.
 *
 * <p>Writes are temp file + atomic rename, so a reader sees the old or the new frame, never a torn
 * one. They are not synced by default: a heartbeat needs no durability. If this SCM crashes before
 * the page cache reaches the disk, the slot shows an older frame, which is the truth (we stopped);
 * and a running writer's renames are visible to readers of the same file system without a sync
 * (NFS flushes at close). {@code channel.<name>.fsync=true} syncs every frame for storage stacks
 * where that is not so.
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

    private final Config config;
    private final String self;
    private final Path own;
    private final Path ownTemp;
    private final Path peer;
    // One frame waits at most: a late heartbeat is worth nothing once a newer one exists.
    private final ArrayBlockingQueue<byte[]> outbox = new ArrayBlockingQueue<>(1);
    private final ArrayBlockingQueue<byte[]> inbox = new ArrayBlockingQueue<>(INBOX);
    // The last storage failure of the worker, handed to the sender to count and log.
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private volatile boolean closed;
    private volatile Thread worker;

    // Sender thread only.
    private int unwritten;

    // Worker thread only.
    private final ByteBuffer readBuffer = ByteBuffer.allocate(FrameCodec.MAX_FRAME + 1);
    private boolean baselineTaken;
    private byte[] lastSeen;

    DiskChannel(Config config, String self, String peerName) {
        this.config = config;
        this.self = self;
        this.own = config.dir().resolve(self);
        this.ownTemp = config.dir().resolve("." + self + ".tmp"); // a dot name: never a peer's slot
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

    /** @return the I/O thread, for measuring its CPU time */
    Thread worker() {
        return worker;
    }

    @Override
    public String toString() {
        return config.name() + " (storage " + config.dir() + ", lease counter " + config.counter()
                + (config.fsync() ? ", fsync" : "") + ")";
    }

    // ---- the I/O thread ----

    private void work() {
        try {
            while (true) {
                // a short wait, so that close() is seen soon without an interrupt
                byte[] frame = closed ? outbox.poll() : outbox.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                if (frame == null) {
                    if (closed) {
                        return;
                    }
                    continue;
                }
                try {
                    write(frame);
                } catch (IOException e) {
                    failure.set(new IOException("writing " + own + ": " + describe(e), e));
                }
                // Paced by our own sends: one read of the peer's slot per interval.
                readPeer();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (RuntimeException e) {
            failure.set(new IOException("storage heartbeat thread failed: " + e, e));
        }
    }

    private void write(byte[] frame) throws IOException {
        try (FileChannel ch = FileChannel.open(ownTemp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(frame);
            for (int i = 0; i < frame.length && b.hasRemaining(); i++) { // each pass writes at least a byte
                ch.write(b);
            }
            if (config.fsync()) {
                ch.force(false);
            }
        }
        Files.move(ownTemp, own, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void readPeer() {
        byte[] now;
        try {
            now = read();
        } catch (IOException e) {
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

    /** @return the peer's slot, at most one byte more than a frame can be; {@code null} if absent */
    private byte[] read() throws IOException {
        readBuffer.clear();
        try (SeekableByteChannel ch = Files.newByteChannel(peer, StandardOpenOption.READ)) {
            for (int i = 0; i < readBuffer.capacity() && readBuffer.hasRemaining(); i++) {
                if (ch.read(readBuffer) < 0) {
                    break;
                }
            }
        } catch (NoSuchFileException e) {
            return null;
        }
        return Arrays.copyOf(readBuffer.array(), readBuffer.position());
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException ? "no such file or folder " + e.getMessage() : String.valueOf(e);
    }
}
