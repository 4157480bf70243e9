package org.hasm.status.internal;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.atomic.AtomicLong;
import org.hasm.wire.ChannelConfig;

/**
 * A status channel over UDP, as two sockets on the channel's local address. One is connected to the
 * peer's address: the kernel hands it the peer's datagrams only, in a receive buffer of its own that
 * no stranger can fill, and reports an unreachable peer port (an ICMP error) instead of silence. The
 * other is not connected and gets every datagram from anybody else (the kernel prefers the connected
 * socket for the peer's): the monitor reads those under a budget of their own and refuses them by
 * their source, and what it does not read the kernel drops and counts ({@link KernelDrops}), so a
 * flood costs little and is still counted. Both sockets set {@code SO_REUSEADDR} to share the
 * address; a probe bind without it first makes sure nobody else holds the address already.
 *
 * <p>An ICMP "port unreachable" from the peer's host (nothing listens on its status port: its process
 * is gone, or not started) surfaces on whichever of the two threads uses the connected socket next,
 * as a {@link PortUnreachableException}; both count it here, quietly, as evidence for the monitor.
 */
final class UdpChannel implements Channel {
    // Room for the peer's frames while the receiver is busy: a few hundred intervals' worth.
    private static final int RECEIVE_BUFFER = 256 * 1024;
    // Strays are only counted: a small buffer, so that a flood is dropped (and counted) by the kernel.
    private static final int STRAY_BUFFER = 64 * 1024;

    private final ChannelConfig config;
    private volatile DatagramChannel socket;
    private volatile DatagramChannel stray;
    private volatile InetSocketAddress bound;
    private final AtomicLong unreachable = new AtomicLong();

    UdpChannel(ChannelConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return config.name();
    }

    ChannelConfig config() {
        return config;
    }

    @Override
    public void open() throws IOException {
        StandardProtocolFamily family = config.local().getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        // Nobody else may hold the address: SO_REUSEADDR below would otherwise share it silently.
        if (config.local().getPort() != 0) {
            try (DatagramChannel probe = DatagramChannel.open(family)) {
                probe.bind(config.local());
            } catch (IOException e) {
                throw new IOException("channel " + config.name() + ": cannot bind UDP " + config.local() + ": "
                        + e.getMessage(), e);
            }
        }
        DatagramChannel main = DatagramChannel.open(family);
        DatagramChannel others = null;
        try {
            main.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            main.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
            main.bind(config.local());
            main.connect(config.peer());
            main.configureBlocking(false);
            others = DatagramChannel.open(family);
            others.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            others.setOption(StandardSocketOptions.SO_RCVBUF, STRAY_BUFFER);
            others.bind(main.getLocalAddress()); // the same address, the same port even if it was 0
            others.configureBlocking(false);
        } catch (IOException e) {
            main.close();
            if (others != null) {
                others.close();
            }
            throw new IOException("channel " + config.name() + ": cannot bind UDP " + config.local() + ": "
                    + e.getMessage(), e);
        }
        bound = (InetSocketAddress) main.getLocalAddress();
        socket = main;
        stray = others;
    }

    /** @return the address both sockets are bound to: the configured one, with its port if that was 0 */
    InetSocketAddress local() {
        InetSocketAddress b = bound;
        return b != null ? b : config.local();
    }

    @Override
    public void send(byte[] frame) throws IOException {
        int written;
        try {
            written = socket.write(ByteBuffer.wrap(frame));
        } catch (PortUnreachableException e) {
            // an earlier frame's ICMP error, reported on this call instead of the frame: once more
            unreachable.incrementAndGet();
            try {
                written = socket.write(ByteBuffer.wrap(frame));
            } catch (PortUnreachableException again) {
                unreachable.incrementAndGet();
                return;
            }
        }
        if (written == 0) {
            throw new IOException("send buffer full");
        }
    }

    @Override
    public long unreachable() {
        return unreachable.get();
    }

    @Override
    public SelectableChannel selectable() {
        return socket;
    }

    @Override
    public boolean receive(ByteBuffer into) throws IOException {
        try {
            return socket.receive(into) != null;
        } catch (PortUnreachableException e) {
            unreachable.incrementAndGet();
            return false; // the error is cleared once reported: a frame behind it is read at the next wake-up
        }
    }

    @Override
    public SelectableChannel strays() {
        return stray;
    }

    @Override
    public InetSocketAddress receiveStray(ByteBuffer into) throws IOException {
        return (InetSocketAddress) stray.receive(into);
    }

    @Override
    public void close() throws IOException {
        DatagramChannel s = stray;
        DatagramChannel dc = socket;
        try {
            if (s != null) {
                s.close();
            }
        } finally {
            if (dc != null) {
                dc.close();
            }
        }
    }

    @Override
    public String toString() {
        return config.name() + " (UDP " + config.local() + " -> " + config.peer() + ")";
    }
}
