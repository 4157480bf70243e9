package org.hasm.link.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.hasm.wire.FrameCodec;

/**
 * One TCP connection of a channel, carrying length-prefixed frames ({@code u32} length, then the
 * frame). Outbound connections also keep the requests waiting for their answers.
 */
final class Connection {
    /** Thrown by {@link #read} when the stream cannot be framed any more: the connection must go. */
    static final class Unframeable extends IOException {
        private static final long serialVersionUID = 1L;

        Unframeable(String message) {
            super(message);
        }
    }

    final Route route;
    final boolean outbound;
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out; // guarded by itself
    // Outbound only: request id -> the caller waiting for the answer.
    final Map<Long, CompletableFuture<Message.Response>> pending = new ConcurrentHashMap<>();
    /** When a valid frame last arrived (nanoTime), 0 if never: the first to go when too many connect. */
    volatile long lastValid;
    private volatile boolean closed;

    Connection(Route route, Socket socket, boolean outbound) throws IOException {
        this.route = route;
        this.socket = socket;
        this.outbound = outbound;
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    void write(byte[] frame) throws IOException {
        synchronized (out) {
            out.writeInt(frame.length);
            out.write(frame);
            out.flush();
        }
    }

    /**
     * @return the next frame's bytes, or {@code null} at the end of the stream
     * @throws Unframeable if the length prefix is impossible (the stream is garbage)
     */
    byte[] read() throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (length < 0 || length > FrameCodec.MAX_FRAME) {
            throw new Unframeable("length prefix " + (length & 0xffffffffL) + " over " + FrameCodec.MAX_FRAME);
        }
        byte[] frame = new byte[length]; // bounded above, so never a huge allocation
        in.readFully(frame);
        return frame;
    }

    boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
        IOException lost = new IOException("connection on channel " + route.config.name() + " closed");
        pending.values().forEach(f -> f.completeExceptionally(lost));
    }

    @Override
    public String toString() {
        return (outbound ? "to " : "from ") + socket.getRemoteSocketAddress() + " on " + route.config.name();
    }
}
