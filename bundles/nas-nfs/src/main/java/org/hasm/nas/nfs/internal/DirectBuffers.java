package org.hasm.nas.nfs.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded pool of direct buffers of one size: READ replies are read into them and sent from them, and
 * large call records (a WRITE's) are read into them from the socket, so those bytes go between the file
 * and the socket with no copy through the Java heap. A buffer is lent to one reply or record until it is
 * given back (a reply's send listener, the end of a call), so it is never reused while still in use. At most
 * {@code max} are ever made, and nothing else: when all are lent, {@link #take} waits a while for one and
 * then gives none, so that clients which declare large records, or leave large replies unread, hold at most
 * {@code max} buffers, never the heap (a heap buffer for each would let a few hundred idle connections fill
 * it). The transport closes a connection that holds one without progress ({@link RpcTcpServer}). Thread-safe.
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

    /**
     * @param waitMillis how long to wait for one when all are lent
     * @return a buffer whose position is 0 and limit {@code limit} (at most the pool's size), or {@code null}
     *     if none was given back within {@code waitMillis}
     */
    ByteBuffer take(int limit, long waitMillis) {
        ByteBuffer b = free.poll();
        if (b == null) {
            if (made.incrementAndGet() <= max) {
                b = ByteBuffer.allocateDirect(size);
            } else {
                made.decrementAndGet();
                try {
                    b = free.poll(waitMillis, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (b == null) {
                    return null;
                }
            }
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
