package org.hasm.status.internal;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;

/**
 * One path status messages take to the peer. The monitor does not care what carries them: a
 * socket-based channel hands the receiver a {@link SelectableChannel} to wait on; a channel that
 * cannot be selected (a heartbeat slot on shared storage) returns {@code null} and is polled once
 * per interval instead.
 */
interface Channel extends Closeable {

    /** @return the configured name */
    String name();

    /** Binds or opens whatever the channel needs. */
    void open() throws IOException;

    /**
     * Sends one frame to the peer; must not block for long (the sender serves every channel).
     *
     * @throws IOException counted as a send error of this channel
     */
    void send(byte[] frame) throws IOException;

    /** @return what the receiver selects on for the peer's frames, or {@code null} to be polled every interval */
    SelectableChannel selectable();

    /**
     * Reads one frame that has arrived, if any.
     *
     * @param into cleared by the caller; receives the frame from position 0
     * @return {@code false} when nothing is waiting
     */
    boolean receive(ByteBuffer into) throws IOException;

    /**
     * @return how many times the peer's host answered that nothing listens on the peer's port (ICMP
     *     port unreachable), ever; 0 where the channel cannot tell
     */
    default long unreachable() {
        return 0;
    }

    /**
     * @return what the receiver selects on for datagrams from anybody but the peer, or {@code null}
     *     where the channel has no such thing
     */
    default SelectableChannel strays() {
        return null;
    }

    /**
     * Reads one datagram from anybody but the peer, if any: refused by its source alone, never parsed.
     *
     * @param into cleared by the caller
     * @return its source, or {@code null} when nothing is waiting
     */
    default InetSocketAddress receiveStray(ByteBuffer into) throws IOException {
        return null;
    }
}
