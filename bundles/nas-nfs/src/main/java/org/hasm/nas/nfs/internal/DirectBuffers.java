package org.hasm.nas.nfs.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded pool of direct buffers of one size: READ replies are read into them and sent from them, and
 * large call records (a WRITE's) are read into them from the socket, so those bytes go between the file
 * and the socket with no copy through the Java heap. A buffer is lent to one reply or record until it is
 * given back (a reply's send listener, the end of a call), so it is never reused while still in use. At most
 * {@code max} are ever made; when all are lent (or one was never given back, as by a reply that failed before
 * it was sent), {@link #take} makes a heap buffer instead, which works the same, only slower. Thread-safe.
 */
final class DirectBuffers {
    private final int max;
    private final int size;
    private final ArrayBlockingQueue<ByteBuffer> free;
    private final AtomicInteger made = new AtomicInteger();

    /** @param size the capacity of each buffer */
    DirectBuffers(int max, int size) {
        this.max = max;
        this.size = size;
        this.free = new ArrayBlockingQueue<>(max);
    }

    /** @return a buffer whose position is 0 and limit {@code limit} (at most the pool's size) */
    ByteBuffer take(int limit) {
        ByteBuffer b = free.poll();
        if (b == null) {
            if (made.incrementAndGet() > max) {
                made.decrementAndGet();
                return ByteBuffer.allocate(limit);
            }
            b = ByteBuffer.allocateDirect(size);
        }
        b.clear().limit(limit);
        return b;
    }

    /** Gives back a buffer {@link #take} lent, once nothing reads it any more. */
    void give(ByteBuffer b) {
        if (b.isDirect() && b.capacity() == size) {
            free.offer(b);
        }
    }
}
