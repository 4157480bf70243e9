package org.hasm.nas.nfs.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The direct buffers READ replies are read into and sent from: the file's bytes go from the page cache
 * into the buffer and from it to the socket with no copy through the Java heap. A buffer is lent to one
 * reply until the reply has been written (its send listener gives it back), so it is never reused while
 * the transport may still be sending it. At most {@code max} are ever made, each of {@link Nfs3#MAX_IO}
 * bytes; when all are lent (or a reply that failed before it was sent kept one), a READ gets a heap
 * buffer instead, which works the same, only slower. Thread-safe.
 */
final class ReadBuffers {
    private final int max;
    private final ArrayBlockingQueue<ByteBuffer> free;
    private final AtomicInteger made = new AtomicInteger();

    ReadBuffers(int max) {
        this.max = max;
        this.free = new ArrayBlockingQueue<>(max);
    }

    /** @return a buffer whose position is 0 and limit {@code size} (at most {@link Nfs3#MAX_IO}) */
    ByteBuffer take(int size) {
        ByteBuffer b = free.poll();
        if (b == null) {
            if (made.incrementAndGet() > max) {
                made.decrementAndGet();
                return ByteBuffer.allocate(size);
            }
            b = ByteBuffer.allocateDirect(Nfs3.MAX_IO);
        }
        b.clear().limit(size);
        return b;
    }

    /** Gives back a buffer {@link #take} lent, once nothing reads it any more. */
    void give(ByteBuffer b) {
        if (b.isDirect()) {
            free.offer(b);
        }
    }
}
