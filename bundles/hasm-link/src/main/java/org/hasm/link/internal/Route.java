package org.hasm.link.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.wire.ChannelConfig;

/**
 * One link channel: its listening socket, the connections it accepted, its one outbound connection
 * (opened lazily, reopened after a failure) and its statistics.
 */
final class Route {
    // Older errors weigh less: a channel that failed an hour ago is as good as one that never did.
    private static final double HALF_LIFE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Inbound connections kept per channel; beyond that the least proven one is dropped. */
    static final int MAX_INBOUND = 8;

    final int index;
    final ChannelConfig config;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    // Why the channel is BAD: what its last attempt ran into, with when; null while it works. Written
    // under this (failed, unreachable) or by a plain volatile write (worked, connected).
    private volatile String failure;
    // The failure was a connection that could not be opened: an outbound connection the keeper opens
    // since disproves it. A request that went unanswered on an open connection is not disproved so.
    private volatile boolean connectFailure;
    ServerSocket server;
    // Guarded by this.
    private Connection outbound;
    private final List<Connection> inbound = new ArrayList<>();
    // Written under this (failed), read without it: connect() holds this for as long as a connection
    // takes to open or time out, and the channels' order (every request, the admin API's status) must
    // not wait for that. A reader may pair a new score with the old time: an order a little off, once.
    private volatile double score;
    private volatile long scoreAt = System.nanoTime();
    private org.hasm.spi.peer.LinkState reported;

    Route(int index, ChannelConfig config) {
        this.index = index;
        this.config = config;
    }

    void listen() throws IOException {
        ServerSocket ss = new ServerSocket();
        try {
            ss.setReuseAddress(true); // a restart must not wait for old connections' TIME_WAIT
            ss.bind(config.local());
        } catch (IOException e) {
            ss.close();
            throw new IOException("channel " + config.name() + ": cannot listen on TCP " + config.local() + ": "
                    + e.getMessage(), e);
        }
        server = ss;
    }

    /**
     * @return the open outbound connection, connecting first if there is none
     * @param started called with a new connection, to start its reader
     */
    synchronized Connection connect(long timeoutMs, java.util.function.Consumer<Connection> started) throws IOException {
        if (outbound != null && !outbound.closed()) {
            return outbound;
        }
        Socket s = new Socket();
        try {
            // from this channel's own address, so the traffic takes this channel's network
            s.bind(new InetSocketAddress(config.local().getAddress(), 0));
            s.connect(config.peer(), (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeoutMs)));
            outbound = new Connection(this, s, true);
        } catch (IOException e) {
            s.close();
            throw new IOException("channel " + config.name() + ": cannot connect to " + config.peer() + ": "
                    + e.getMessage(), e);
        }
        started.accept(outbound);
        return outbound;
    }

    /** Registers an accepted connection; returns the one it pushes out, if any. */
    synchronized Connection accepted(Connection c) {
        inbound.add(c);
        if (inbound.size() <= MAX_INBOUND) {
            return null;
        }
        Connection worst = inbound.get(0);
        for (Connection x : inbound) {
            if (x.lastValid - worst.lastValid < 0) { // nanoTime: compared by difference
                worst = x;
            }
        }
        inbound.remove(worst);
        return worst;
    }

    /** @return whether an open outbound connection exists */
    synchronized boolean hasOutbound() {
        return outbound != null && !outbound.closed();
    }

    /** @return whether {@code state} differs from what was reported last; records it */
    synchronized boolean reported(org.hasm.spi.peer.LinkState state) {
        if (state == reported) {
            return false;
        }
        reported = state;
        return true;
    }

    synchronized void gone(Connection c) {
        inbound.remove(c);
        if (outbound == c) {
            outbound = null;
        }
    }

    synchronized List<Connection> connections() {
        List<Connection> all = new ArrayList<>(inbound);
        if (outbound != null) {
            all.add(outbound);
        }
        return all;
    }

    /**
     * A request or message of a caller failed on this channel: an error, counted and weighed.
     *
     * @param why the failure, for the channel's note
     * @param connecting it failed opening the connection
     */
    synchronized void failed(String why, boolean connecting) {
        errors.incrementAndGet();
        failure = why + " (" + Instant.now().truncatedTo(ChronoUnit.MILLIS) + ")";
        connectFailure = connecting;
        score = score(System.nanoTime()) + 1;
        scoreAt = System.nanoTime();
    }

    /**
     * The keeper could not open the channel's connection: the channel is BAD until one opens, but
     * this is no caller's error (the keeper tries every few milliseconds while the peer is down).
     */
    synchronized void unreachable(String why) {
        if (failure == null) {
            // since the first attempt that failed: the keeper tries again every few milliseconds
            failure = why + " (since " + Instant.now().truncatedTo(ChronoUnit.MILLIS) + ")";
            connectFailure = true;
        }
    }

    /** A caller's request or message went through. */
    void worked() {
        failure = null;
    }

    /** The keeper opened the channel's connection: what only said it could not be opened is over. */
    void connected() {
        if (connectFailure) {
            failure = null;
        }
    }

    /** @return recent errors, decayed: what channels are ordered by */
    double score(long now) {
        return score * Math.pow(0.5, (now - scoreAt) / HALF_LIFE_NANOS);
    }

    ChannelView view() {
        String why = failure;
        return new View(config.name(), why == null ? ChannelStatus.GOOD : ChannelStatus.BAD, sent.get(), received.get(),
                0, rejected.get(), errors.get(), 0, why);
    }

    /** @param note why it is BAD, {@code null} while GOOD */
    record View(String name, ChannelStatus status, long sent, long received, long missed, long rejected, long errors,
            int counter, String note) implements ChannelView {
    }
}
