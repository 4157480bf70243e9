package org.hasm.status.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import org.hasm.wire.ChannelConfig;

/**
 * A status channel over UDP: datagrams from our bound address to the peer's. Unconnected, so an
 * unreachable peer is just silence (no ICMP errors); the receiver selects on it.
 */
final class UdpChannel implements Channel {
    // Room for bursts (and floods) while the receiver is busy; the kernel may cap it lower.
    private static final int RECEIVE_BUFFER = 1 << 20;

    private final ChannelConfig config;
    private volatile DatagramChannel socket;

    UdpChannel(ChannelConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public void open() throws IOException {
        DatagramChannel dc = DatagramChannel.open(config.local().getAddress() instanceof java.net.Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            dc.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
            dc.bind(config.local());
            dc.configureBlocking(false);
        } catch (IOException e) {
            dc.close();
            throw new IOException("channel " + config.name() + ": cannot bind UDP " + config.local() + ": "
                    + e.getMessage(), e);
        }
        socket = dc;
    }

    /** @return the bound address (tests bind port 0) */
    InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) socket.getLocalAddress();
    }

    @Override
    public void send(byte[] frame) throws IOException {
        if (socket.send(ByteBuffer.wrap(frame), config.peer()) == 0) {
            throw new IOException("send buffer full");
        }
    }

    @Override
    public SelectableChannel selectable() {
        return socket;
    }

    @Override
    public boolean receive(ByteBuffer into) throws IOException {
        return socket.receive(into) != null;
    }

    @Override
    public void close() throws IOException {
        DatagramChannel dc = socket;
        if (dc != null) {
            dc.close();
        }
    }

    @Override
    public String toString() {
        return config.name() + " (UDP " + config.local() + " -> " + config.peer() + ")";
    }
}
