package org.hasm.status.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hasm.spi.ScmState;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.storage.FenceAgent;
import org.hasm.wire.AntiReplay;
import org.hasm.wire.ClusterKey;
import org.hasm.wire.ChannelConfig;
import org.hasm.wire.Frame;
import org.hasm.wire.FrameCodec;
import org.hasm.wire.FrameException;
import org.hasm.wire.FrameException.Reason;
import org.hasm.wire.PeerFilter;

/**
 * The status monitor's core, without OSGi: the patent's client (a sender thread that puts this SCM's
 * status on every channel every interval) and its iterative server (one receiver thread that selects
 * over every channel, counts what arrives, and once per interval runs the status analyzer that
 * drops every channel's counter by one).
 *
 * <p>Two kinds of channel: the networks (UDP, selected) and the storage heartbeat ({@link
 * DiskChannel}, polled once per interval, with its own counter: its lease). The peer is dead when it
 * reports MONITOR or HALTED, or when every network channel is BAD and no storage channel saves it:
 * there is none, or each is BAD too, or the peer has been fenced (see {@link Fencing}).
 *
 * <p>Threads: {@code hasm-status-send-<scm>} owns the sequence number and the send statistics;
 * {@code hasm-status-receive-<scm>} owns everything else (counters, channel status, the peer) and
 * calls the observer. Each storage channel does its file I/O on a thread of its own, and a fence
 * agent runs on another. Other threads read published volatile fields and immutable snapshots only.
 * The sender never waits for the receiver: a slow listener must not silence our own heartbeat.
 */
final class Monitor {
    /** How the monitor reports; called on the receiver thread (logging on any thread). */
    interface Observer {
        void peerChanged(PeerView peer);

        void channelChanged(ChannelView channel);

        void log(Level level, String message);

        /** A step of an outage seen through the storage heartbeat; see the outcomes of {@link Fencing}. */
        default void fence(String agent, String outcome) {
        }
    }

    enum Level { DEBUG, INFO, WARN, ERROR }

    /** What this SCM tells its peer about itself. */
    record Local(ScmState state, org.hasm.spi.OpMode opMode, org.hasm.spi.OpMode configuredRole) {
    }

    private static final long JOIN_MS = 2000;
    // Datagrams read per channel per wake-up before the others get their turn.
    private static final int DRAIN_BATCH = 256;

    private final Settings settings;
    private final FrameCodec codec;
    private final long incarnation;
    private final Supplier<Local> local;
    private final Observer observer;
    private final long intervalNanos;
    private final List<Slot> slots = new ArrayList<>();
    private final Fencing fencing;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile int[] dropPercent;
    private volatile Views.Peer peer;
    private volatile Selector selector;
    private Thread sender;
    private Thread receiver;

    // Sender thread only (and close(), after the sender is joined).
    private long sequence;

    // Receiver thread only.
    private final SplittableRandom random = new SplittableRandom();
    private long peerIncarnation;
    private long peerSequence;
    private StatusMessage peerStatus;
    private Instant lastHeard;

    Monitor(Settings settings, ClusterKey key, long incarnation, Supplier<Local> local, Observer observer) {
        this(settings, key, incarnation, local, observer, name -> null);
    }

    /** @param agents finds the registered {@link FenceAgent} of a name, {@code null} if none */
    Monitor(Settings settings, ClusterKey key, long incarnation, Supplier<Local> local, Observer observer,
            Function<String, FenceAgent> agents) {
        this.settings = settings;
        // a key of the status monitor's own: the link's genuine frames fail its authentication
        this.codec = new FrameCodec(key.derive("status"));
        this.incarnation = incarnation;
        this.local = local;
        this.observer = observer;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(settings.intervalMs());
        for (String name : settings.order()) {
            Channel channel = null;
            int start = settings.counterStart();
            boolean storage = false;
            for (ChannelConfig c : settings.channels()) {
                if (c.name().equals(name)) {
                    channel = new UdpChannel(c);
                }
            }
            for (DiskChannel.Config d : settings.disks()) {
                if (d.name().equals(name)) {
                    channel = new DiskChannel(d, settings.self(), settings.peer());
                    start = d.counter();
                    storage = true;
                }
            }
            // One replay window per channel: every tick's frame goes out on every channel with the
            // same sequence number, so each channel must accept each number once.
            slots.add(new Slot(slots.size(), channel, storage,
                    new PeerFilter(codec, settings.self(), settings.peer(), new AntiReplay(), StatusMessage.TYPE),
                    start));
        }
        fencing = new Fencing(settings, agents, observer, this::wakeReceiver);
        drops(settings);
        // Benefit of the doubt: every channel starts GOOD, so the peer is alive until proven dead.
        peer = new Views.Peer(settings.peer(), !slots.isEmpty(), null, null, null, 0, null);
    }

    /** Binds every channel and starts the two threads. */
    void start() throws IOException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("started twice");
        }
        try {
            for (Slot s : slots) {
                s.channel.open();
            }
            selector = Selector.open();
            for (Slot s : slots) {
                SelectableChannel sc = s.channel.selectable();
                if (sc != null) {
                    sc.register(selector, SelectionKey.OP_READ, s);
                }
            }
        } catch (IOException | RuntimeException e) {
            release();
            throw e;
        }
        receiver = thread("hasm-status-receive-" + settings.self(), this::receive);
        sender = thread("hasm-status-send-" + settings.self(), this::send);
        receiver.start();
        sender.start();
        observer.log(Level.INFO, "status monitor of " + settings.self() + " (incarnation " + incarnation
                + ") watching " + settings.peer() + " every " + settings.intervalMs() + " ms, counter "
                + settings.counterStart() + ", channels " + slots.stream().map(s -> s.channel.toString()).toList()
                + (settings.disks().isEmpty() ? "" : ", fence agent " + settings.fenceAgent()));
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    /** Applies the (test-only) drop percentages of {@code s}; takes effect at once. */
    void drops(Settings s) {
        int[] d = new int[slots.size()];
        for (Slot slot : slots) {
            d[slot.index] = s.drop(slot.channel.name());
        }
        dropPercent = d;
    }

    List<ChannelView> channels() {
        List<ChannelView> views = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            views.add(s.view());
        }
        return views;
    }

    PeerView peer() {
        return peer;
    }

    long incarnation() {
        return incarnation;
    }

    /** @return whether both threads are running */
    boolean running() {
        return started.get() && !closed.get() && sender.isAlive() && receiver.isAlive();
    }

    private void wakeReceiver() {
        Selector sel = selector;
        if (sel != null) {
            sel.wakeup();
        }
    }

    /** Tells the peer HALTED on every channel, then stops both threads and closes the channels. */
    void close() {
        stop(true);
    }

    /** Stops without a last word, as a crashed process would: for tests. */
    void abort() {
        stop(false);
    }

    private void stop(boolean farewell) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping.countDown();
        if (selector != null) {
            selector.wakeup();
        }
        boolean senderDone = join(sender);
        if (farewell && started.get()) {
            if (senderDone) {
                Local l = localState();
                sendAll(new StatusMessage(ScmState.HALTED, l.opMode(), l.configuredRole(), incarnation));
            } else {
                observer.log(Level.WARN, "status sender did not stop within " + JOIN_MS + " ms: no HALTED message sent");
            }
        }
        join(receiver);
        fencing.close();
        release();
        observer.log(Level.INFO, "status monitor of " + settings.self() + " stopped");
    }

    private boolean join(Thread t) {
        if (t == null) {
            return true;
        }
        try {
            t.join(JOIN_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    private void release() {
        if (selector != null) {
            try {
                selector.close();
            } catch (IOException e) {
                observer.log(Level.DEBUG, "closing the selector: " + e);
            }
        }
        for (Slot s : slots) {
            try {
                s.channel.close();
            } catch (IOException e) {
                observer.log(Level.DEBUG, "closing channel " + s.channel.name() + ": " + e);
            }
        }
    }

    // ---- sender thread ----

    private void send() {
        long next = System.nanoTime();
        try {
            while (stopping.getCount() > 0) {
                Local l = localState();
                sendAll(new StatusMessage(l.state(), l.opMode(), l.configuredRole(), incarnation));
                next += intervalNanos;
                long now = System.nanoTime();
                if (now - next > intervalNanos) {
                    // We were paused (GC, starved CPU): resume the rhythm instead of sending a burst, but
                    // let the sequence count the intervals that passed. The sequence is the patent's clock:
                    // the peer adds the whole delta to its counters, so one late frame refills the margin
                    // the pause ate, instead of every stall wearing it down for good.
                    sequence += (now - next) / intervalNanos;
                    next = now;
                }
                long wait = next - now;
                if (wait > 0 && stopping.await(wait, TimeUnit.NANOSECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            observer.log(Level.ERROR, "status sender failed: " + e);
        }
    }

    private Local localState() {
        Local l = null;
        try {
            l = local.get();
        } catch (RuntimeException e) {
            observer.log(Level.DEBUG, "local state unavailable: " + e);
        }
        if (l == null || l.state() == null) {
            return new Local(ScmState.BOOT, l == null ? null : l.opMode(), l == null ? settings.role() : l.configuredRole());
        }
        return l;
    }

    private void sendAll(StatusMessage message) {
        byte[] frame = codec.encode(StatusMessage.TYPE, settings.self(), incarnation, ++sequence, message.encode());
        for (Slot s : slots) {
            try {
                s.channel.send(frame);
                s.sent++;
                if (s.sendFailing) {
                    s.sendFailing = false;
                    observer.log(Level.INFO, "channel " + s.channel.name() + ": sending works again");
                }
            } catch (IOException | RuntimeException e) {
                s.errors++;
                if (!s.sendFailing) { // once per outage, not once per interval
                    s.sendFailing = true;
                    observer.log(Level.WARN, "channel " + s.channel.name() + ": cannot send: " + e.getMessage());
                }
            }
        }
    }

    // ---- receiver thread ----

    private void receive() {
        ByteBuffer buf = ByteBuffer.allocate(FrameCodec.MAX_FRAME + 1); // heap: decoded straight from its array
        long nextTick = System.nanoTime() + intervalNanos;
        try {
            while (stopping.getCount() > 0) {
                long waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - System.nanoTime() + 999_999));
                selector.select(waitMs);
                for (SelectionKey key : selector.selectedKeys()) {
                    drain((Slot) key.attachment(), buf);
                }
                selector.selectedKeys().clear();
                if (fencing.poll()) {
                    publishPeer();
                }
                long now = System.nanoTime();
                if (now - nextTick >= 0) {
                    for (Slot s : slots) {
                        if (s.channel.selectable() == null) {
                            drain(s, buf);
                        }
                    }
                    analyze();
                    nextTick += intervalNanos;
                    if (now - nextTick >= 0) {
                        // we were paused: one step, not a burst that would condemn every channel at once
                        nextTick = now + intervalNanos;
                    }
                }
            }
        } catch (ClosedSelectorException e) {
            // closing
        } catch (IOException | RuntimeException e) {
            if (stopping.getCount() > 0) {
                observer.log(Level.ERROR, "status receiver failed: " + e);
            }
        }
    }

    private void drain(Slot s, ByteBuffer buf) {
        for (int i = 0; i < DRAIN_BATCH; i++) {
            buf.clear();
            try {
                if (!s.channel.receive(buf)) {
                    return;
                }
            } catch (IOException e) {
                if (stopping.getCount() > 0) {
                    observer.log(Level.DEBUG, "channel " + s.channel.name() + ": receive failed: " + e);
                }
                return;
            }
            onFrame(s, buf.array(), buf.position());
        }
    }

    /** One datagram arrived on {@code s}. Package-private for tests. */
    void onFrame(Slot s, byte[] bytes, int length) {
        Frame frame;
        StatusMessage message;
        try {
            frame = s.filter.accept(bytes, 0, length);
            if (frame.type() != StatusMessage.TYPE) {
                throw new FrameException(Reason.MALFORMED, "frame type " + frame.type() + " on a status channel");
            }
            message = StatusMessage.decode(frame.payload());
            if (message.incarnation() != frame.incarnation()) {
                throw new FrameException(Reason.MALFORMED, "incarnation differs from the frame's");
            }
            if (frame.incarnation() < peerIncarnation) {
                // an older life of the peer, already superseded on another channel
                throw new FrameException(Reason.REPLAY, "incarnation " + frame.incarnation() + " older than "
                        + peerIncarnation);
            }
        } catch (FrameException e) {
            long n = ++s.rejected;
            if (n <= 10 || n % 10_000 == 0) {
                observer.log(Level.DEBUG, "channel " + s.channel.name() + ": rejected frame #" + n + ": " + e.getMessage());
            }
            return; // invalid input changes nothing else
        }
        int drop = dropPercent[s.index];
        if (drop > 0 && random.nextInt(100) < drop) {
            return; // the test-only fault switch: as if the network lost it
        }
        s.received++;
        countArrival(s, frame);

        if (frame.incarnation() > peerIncarnation) {
            fencing.newIncarnation();
        } else if (!s.storage) {
            fencing.stillSending(s.channel.name(), frame.incarnation());
        }
        boolean newer = frame.incarnation() > peerIncarnation
                || frame.incarnation() == peerIncarnation && frame.sequence() > peerSequence;
        if (newer) {
            peerIncarnation = frame.incarnation();
            peerSequence = frame.sequence();
            peerStatus = message;
        }
        lastHeard = Instant.now();
        publishPeer();
    }

    /**
     * The patent's count: grows by the sequence delta since the last frame, capped at the channel's
     * start value. A new life of the peer has no baseline to count gaps from, and is given the full
     * count, as every channel has at boot: counting it as 1 would leave a channel that was BAD when
     * the peer (re)started hovering at 1 (one up per frame, one down per interval) and flapping.
     */
    private void countArrival(Slot s, Frame frame) {
        long delta;
        if (s.lastIncarnation != frame.incarnation()) {
            delta = s.start;
            s.lastIncarnation = frame.incarnation();
            s.lastSequence = frame.sequence();
        } else if (frame.sequence() > s.lastSequence) {
            delta = frame.sequence() - s.lastSequence;
            s.missed += delta - 1;
            s.lastSequence = frame.sequence();
        } else {
            delta = 1; // a late frame, counted as missed when its successor came: take that back
            if (s.missed > 0) {
                s.missed--;
            }
        }
        s.counter = (int) Math.min(s.start, s.counter + Math.min(delta, s.start));
        if (s.status == ChannelStatus.BAD) {
            s.status = ChannelStatus.GOOD;
            channelChanged(s);
        }
    }

    /** The status analyzer, once per interval. Package-private for tests. */
    void analyze() {
        for (Slot s : slots) {
            int c = s.counter;
            if (c > 0) {
                s.counter = --c;
                if (c == 0 && s.status == ChannelStatus.GOOD) {
                    s.status = ChannelStatus.BAD;
                    channelChanged(s);
                }
            }
        }
        publishPeer();
    }

    private void channelChanged(Slot s) {
        ChannelView v = s.view();
        observer.log(v.status() == ChannelStatus.BAD ? Level.WARN : Level.INFO, "channel " + v.name() + " to "
                + settings.peer() + " is " + v.status() + " (received " + v.received() + ", missed " + v.missed()
                + ", rejected " + v.rejected() + ")");
        try {
            observer.channelChanged(v);
        } catch (RuntimeException e) {
            observer.log(Level.ERROR, "channel listener failed: " + e);
        }
    }

    private void publishPeer() {
        boolean networkGood = false;
        boolean storageGood = false;
        boolean storageBeating = false;
        for (Slot s : slots) {
            boolean good = s.status == ChannelStatus.GOOD;
            if (s.storage) {
                storageGood |= good;
                // GOOD only by the benefit of the doubt (nothing heard yet) is no heartbeat
                storageBeating |= good && s.lastIncarnation != Long.MIN_VALUE;
            } else {
                networkGood |= good;
            }
        }
        StatusMessage m = peerStatus;
        ScmState state = m == null ? null : m.state();
        boolean faulted = state == ScmState.MONITOR || state == ScmState.HALTED;
        if (!faulted) {
            fencing.judge(networkGood, storageBeating);
        }
        boolean fenced = fencing.fenced();
        boolean alive = !faulted && !fenced && (networkGood || storageGood);
        String why = faulted ? ", it reported " + state : fenced ? ", fenced by " + settings.fenceAgent()
                : networkGood ? "" : storageGood ? ", storage heartbeat only" : ", every channel BAD";
        Views.Peer next = new Views.Peer(settings.peer(), alive, state, m == null ? null : m.opMode(),
                m == null ? null : m.configuredRole(), peerIncarnation, lastHeard);
        Views.Peer before = peer;
        peer = next;
        if (next.differsFrom(before)) {
            observer.log(next.alive() == before.alive() ? Level.INFO : next.alive() ? Level.INFO : Level.WARN,
                    "peer " + next.scm() + " is " + (next.alive() ? "alive" : "DEAD") + ": state " + state + ", "
                            + next.opMode() + ", configured " + next.configuredRole() + ", incarnation "
                            + next.incarnation() + why);
            try {
                observer.peerChanged(next);
            } catch (RuntimeException e) {
                observer.log(Level.ERROR, "peer listener failed: " + e);
            }
        }
    }

    /** One channel: the transport and its entry in the patent's status information database. */
    static final class Slot {
        final int index;
        final Channel channel;
        final boolean storage;
        final PeerFilter filter;
        final int start;
        // written by the sender thread only
        volatile long sent;
        volatile long errors;
        boolean sendFailing;
        // written by the receiver thread only
        volatile long received;
        volatile long missed;
        volatile long rejected;
        volatile int counter;
        volatile ChannelStatus status = ChannelStatus.GOOD;
        long lastIncarnation = Long.MIN_VALUE;
        long lastSequence;

        Slot(int index, Channel channel, boolean storage, PeerFilter filter, int start) {
            this.index = index;
            this.channel = channel;
            this.storage = storage;
            this.filter = filter;
            this.start = start;
            this.counter = start;
        }

        Views.Channel view() {
            return new Views.Channel(channel.name(), status, sent, received, missed, rejected, errors, counter);
        }
    }

    /** @return the slot of a channel, for tests */
    Slot slot(String name) {
        return slots.stream().filter(s -> s.channel.name().equals(name)).findFirst().orElseThrow();
    }
}
