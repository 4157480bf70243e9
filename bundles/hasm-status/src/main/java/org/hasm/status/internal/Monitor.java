package org.hasm.status.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.LinkState;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.peer.Verdict;
import org.hasm.spi.storage.FenceAgent;
import org.hasm.wire.AntiReplay;
import org.hasm.wire.ChannelConfig;
import org.hasm.wire.Frame;
import org.hasm.wire.FrameCodec;
import org.hasm.wire.FrameException;
import org.hasm.wire.FrameException.Reason;
import org.hasm.wire.Incarnation;
import org.hasm.wire.PeerFilter;
import org.hasm.wire.ReplayFloorFile;

/**
 * The status monitor's core, without OSGi: the patent's client (a sender thread that puts this SCM's
 * status on every channel every interval) and its iterative server (one receiver thread that selects
 * over every channel, counts what arrives, and once per interval runs the status analyzer that
 * drops every channel's counter by one). What the channels say is judged by the {@link Policy}, a
 * pure function; this class carries out what it decides (asks the fence agent through {@link
 * Fencing}, logs, posts) and publishes its verdict.
 *
 * <p>Two kinds of channel: the networks (UDP, selected) and the storage heartbeat ({@link
 * DiskChannel}, read on its own thread and polled once per interval, with its own counter: its lease).
 *
 * <p>The receive path cannot be starved by strangers: each UDP channel's genuine socket is connected
 * to the peer's address (the kernel keeps everybody else out of its buffer), everybody else lands on
 * a second socket read under a small budget and refused by source alone, and each socket of each
 * channel has a budget per interval, after which it is left alone until the next interval, so one
 * flooded channel never holds the receiver from another. A frame on the genuine socket is checked for
 * length, sender, type and replay window before its authentication code is computed. A flood is
 * counted (rejected, dropped by the kernel) and reported as an event; it is never a verdict.
 *
 * <p>Threads: {@code hasm-status-send-<scm>} owns the sequence number and the send statistics;
 * {@code hasm-status-receive-<scm>} owns everything else (counters, channel status, the policy's
 * state, the peer) and calls the observer. Each storage channel does its file I/O on a thread of its
 * own, and a fence agent call runs on another. Other threads read published volatile fields and
 * immutable snapshots only, and hand the receiver what they have (agent answers, the link's
 * connection states) through concurrent queues and maps, waking its selector. The sender never waits
 * for the receiver: a slow listener must not silence our own heartbeat.
 */
final class Monitor {
    /** How the monitor reports; called on the receiver thread (logging on any thread). */
    interface Observer {
        void peerChanged(PeerView peer);

        void channelChanged(ChannelView channel);

        void log(Level level, String message);

        /** A step of an outage or of its fencing; see the outcomes of {@link Fencing}. */
        default void fence(String agent, String outcome) {
        }

        /**
         * A flood at a channel's address began or ended.
         *
         * @param rejected datagrams refused on the channel so far, the kernel's drops of strays included
         * @param dropped datagrams from the peer's address the kernel dropped so far
         */
        default void flood(String channel, boolean started, long rejected, long dropped) {
        }
    }

    enum Level { DEBUG, INFO, WARN, ERROR }

    /** What this SCM tells its peer about itself. */
    record Local(ScmState state, OpMode opMode, OpMode configuredRole) {
    }

    private static final long JOIN_MS = 2000;
    // Reads per wake-up per socket before the others get their turn.
    private static final int DRAIN_BATCH = 64;
    // Reads per interval of a channel's genuine socket: the peer sends one frame an interval.
    private static final int MAIN_BUDGET = 64;
    // Reads per interval of a channel's stray socket: enough to name a flood's sources; beyond it the
    // kernel drops them, and counts them, for nothing but a few system calls of ours.
    private static final int STRAY_BUDGET = 128;
    // Datagrams refused on a channel within a detection time that make a flood rather than noise.
    private static final int FLOOD_MIN = 100;
    // How often the kernel's drop counters are read when nothing is flooding (every interval when it is).
    private static final long DROPS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int LOGGED_REJECTS = 10;

    private final Settings settings;
    private final FrameCodec codec;
    private final long incarnation;
    private final Supplier<Local> local;
    private final Observer observer;
    private final long intervalNanos;
    // A status frame's length bounds: version 1 (no extension fields) to the longest later version.
    private final int shortest;
    private final int longest;
    private final List<Slot> slots = new ArrayList<>();
    // Every channel's replay window, for the floor kept across restarts (AntiReplay is thread-safe).
    private final List<AntiReplay> windows = new ArrayList<>();
    // What the windows started from: what an earlier monitor of this SCM accepted last, or null; final.
    private final AntiReplay.Floor startFloor;
    private final Fencing fencing;
    private final Policy.Config policy;
    private final KernelDrops kernel;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    // Filled on agent threads and by the link's listener; emptied by the receiver.
    private final ConcurrentLinkedQueue<Policy.Answered> answers = new ConcurrentLinkedQueue<>();
    private final Map<String, LinkState> links = new ConcurrentHashMap<>();
    private final AtomicBoolean linksChanged = new AtomicBoolean();
    private volatile int[] dropPercent;
    private volatile Views.Peer peer;
    // the peer's latest status says HALTED: nothing more is expected of it. Written by the receiver.
    private volatile boolean peerStopping;
    private volatile Selector selector;
    private Thread sender;
    private Thread receiver;

    // Sender thread only (and close(), after the sender is joined). Starts above what an earlier monitor of
    // this incarnation sent (Incarnation.firstSequence): set before the sender thread starts.
    private long sequence = Incarnation.firstSequence();

    // Receiver thread only.
    private final SplittableRandom random = new SplittableRandom();
    private long peerIncarnation;
    private long peerSequence;
    private StatusMessage peerStatus;
    private Instant lastHeard;
    private Policy.State judged;
    private Policy.Observation observed;
    private long ticks;
    private long dropsReadAt;
    private boolean linkEvidence;
    private boolean unreachableEvidence;
    private long deadAtSequence = -1;
    private boolean stillSendingReported;

    /** @param codec keyed for the status messages only (the node's {@code Keyring.codec("status")}) */
    Monitor(Settings settings, FrameCodec codec, long incarnation, Supplier<Local> local, Observer observer) {
        this(settings, codec, incarnation, local, observer, name -> null);
    }

    /** @param agents finds the registered {@link FenceAgent} of a name, {@code null} if none */
    Monitor(Settings settings, FrameCodec codec, long incarnation, Supplier<Local> local, Observer observer,
            Function<String, FenceAgent> agents) {
        this(settings, codec, incarnation, local, observer, agents, KernelDrops.system());
    }

    /**
     * @param floor the newest status frame of the peer an earlier monitor of this SCM accepted ({@link
     *     #floor()}, kept across restarts by {@link FloorKeeper}), or {@code null}: every channel refuses
     *     frames at or below it
     */
    Monitor(Settings settings, FrameCodec codec, long incarnation, Supplier<Local> local, Observer observer,
            Function<String, FenceAgent> agents, AntiReplay.Floor floor) {
        this(settings, codec, incarnation, local, observer, agents, KernelDrops.system(), floor);
    }

    Monitor(Settings settings, FrameCodec codec, long incarnation, Supplier<Local> local, Observer observer,
            Function<String, FenceAgent> agents, KernelDrops kernel) {
        this(settings, codec, incarnation, local, observer, agents, kernel, null);
    }

    Monitor(Settings settings, FrameCodec codec, long incarnation, Supplier<Local> local, Observer observer,
            Function<String, FenceAgent> agents, KernelDrops kernel, AntiReplay.Floor floor) {
        this.settings = settings;
        this.startFloor = floor;
        // a key of the status monitor's own: the link's genuine frames fail its authentication
        this.codec = codec;
        this.incarnation = incarnation;
        this.local = local;
        this.observer = observer;
        this.kernel = kernel;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(settings.intervalMs());
        int peerName = settings.peer() == null ? 0 : settings.peer().length();
        this.shortest = FrameCodec.frameLength(1, peerName, StatusMessage.LENGTH, 0);
        this.longest = FrameCodec.frameLength(FrameCodec.CURRENT, peerName, StatusMessage.LENGTH,
                FrameCodec.MAX_EXTENSIONS);
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
                    channel = new DiskChannel(d, settings.self(), settings.peer(), settings.intervalMs());
                    start = d.counter();
                    storage = true;
                }
            }
            // One replay window per channel: every tick's frame goes out on every channel with the
            // same sequence number, so each channel must accept each number once. All start from one
            // floor: a number one channel accepted before a restart is old on every channel after it.
            AntiReplay window = new AntiReplay(floor);
            windows.add(window);
            slots.add(new Slot(slots.size(), channel, storage,
                    new PeerFilter(codec, settings.self(), settings.peer(), window,
                            (problem, m) -> observer.log(problem ? Level.WARN : Level.INFO, "status: " + m),
                            StatusMessage.TYPE),
                    start, settings.counterStart(), MAIN_BUDGET, STRAY_BUDGET));
        }
        long detection = intervalNanos * settings.counterStart();
        long probeEvery = Math.max(detection, TimeUnit.MILLISECONDS.toNanos(100));
        long networkOnly = TimeUnit.MILLISECONDS.toNanos(networkOnlyMs(settings));
        this.policy = new Policy.Config(settings.peer(), settings.fenceAgent(), networkOnly,
                TimeUnit.MILLISECONDS.toNanos(settings.fenceTimeoutMs()), probeEvery,
                Math.max(probeEvery, Math.min(TimeUnit.SECONDS.toNanos(10), 8 * probeEvery)));
        this.judged = Policy.initial(policy);
        this.observed = Policy.Observation.START;
        fencing = new Fencing(settings, agents, this::answered, observer);
        drops(settings);
        // Benefit of the doubt: every channel starts GOOD, so the peer is alive until proven dead.
        peer = new Views.Peer(settings.peer(), slots.isEmpty() ? Verdict.SILENT : Verdict.STARTING, null, null, null, 0,
                null);
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
                    s.mainKey = sc.register(selector, SelectionKey.OP_READ, new Source(s, false));
                }
                SelectableChannel strays = s.channel.strays();
                if (strays != null) {
                    s.strayKey = strays.register(selector, SelectionKey.OP_READ, new Source(s, true));
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
                + (startFloor == null ? "" : ", refusing its frames up to incarnation " + startFloor.incarnation()
                + " sequence " + startFloor.sequence() + " (taken before this start)")
                + (settings.disks().isEmpty() ? "" : ", fence agent " + settings.fenceAgent() + ", network-only outage"
                + " fenced after " + TimeUnit.NANOSECONDS.toMillis(policy.networkOnlyNanos()) + " ms"));
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
        boolean stopping = peerStopping;
        for (Slot s : slots) {
            views.add(s.view(settings.peer(), stopping));
        }
        return views;
    }

    PeerView peer() {
        return peer;
    }

    long incarnation() {
        return incarnation;
    }

    /**
     * The newest status frame of the peer accepted on any channel, for the next monitor of this SCM
     * ({@link AntiReplay#AntiReplay(AntiReplay.Floor)}): the floor this one started from while it took
     * nothing newer. Any thread; takes each window's lock for a moment, never waits on I/O.
     *
     * @return {@code null} if nothing was ever accepted and there was no floor
     */
    AntiReplay.Floor floor() {
        AntiReplay.Floor newest = startFloor;
        for (AntiReplay w : windows) {
            newest = ReplayFloorFile.newer(newest, w.floor());
        }
        return newest;
    }

    /** @return whether both threads are running */
    boolean running() {
        return started.get() && !closed.get() && sender.isAlive() && receiver.isAlive();
    }

    /** The link's connection to the peer on {@code channel} changed. Any thread. */
    void linkChanged(String channel, LinkState state) {
        links.put(channel, state);
        linksChanged.set(true);
        wakeReceiver();
    }

    // On an agent's thread.
    private void answered(long call, Policy.Answer answer, String detail) {
        answers.add(new Policy.Answered(0, call, answer, detail));
        wakeReceiver();
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

    /** A selected socket: a channel's genuine one, or its strays'. */
    private record Source(Slot slot, boolean stray) {
    }

    private void receive() {
        ByteBuffer buf = ByteBuffer.allocate(FrameCodec.MAX_FRAME + 1); // heap: decoded straight from its array
        long nextTick = System.nanoTime() + intervalNanos;
        try {
            while (stopping.getCount() > 0) {
                long waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - System.nanoTime() + 999_999));
                selector.select(waitMs);
                for (SelectionKey key : selector.selectedKeys()) {
                    Source source = (Source) key.attachment();
                    if (source.stray()) {
                        drainStrays(source.slot(), buf);
                    } else {
                        drain(source.slot(), buf);
                    }
                }
                selector.selectedKeys().clear();
                applyAnswers();
                applyLinks();
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
            if (s.mainLeft <= 0) {
                pause(s.mainKey); // its budget for this interval is spent: the others get their turn
                return;
            }
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
            s.mainLeft--;
            onFrame(s, buf.array(), buf.position());
        }
    }

    private void drainStrays(Slot s, ByteBuffer buf) {
        for (int i = 0; i < DRAIN_BATCH; i++) {
            if (s.strayLeft <= 0) {
                pause(s.strayKey);
                return;
            }
            buf.clear();
            InetSocketAddress from;
            try {
                from = s.channel.receiveStray(buf);
            } catch (IOException e) {
                if (stopping.getCount() > 0) {
                    observer.log(Level.DEBUG, "channel " + s.channel.name() + ": receive failed: " + e);
                }
                return;
            }
            if (from == null) {
                return;
            }
            s.strayLeft--;
            s.rejectedRead++;
            if (s.strayFrom == null) {
                s.strayFrom = from;
            }
            long n = s.rejectedRead;
            if (n <= LOGGED_REJECTS || n % 10_000 == 0) {
                observer.log(Level.DEBUG, "channel " + s.channel.name() + ": rejected datagram #" + n + " from " + from
                        + ", not the peer's address");
            }
        }
    }

    private static void pause(SelectionKey key) {
        if (key != null) {
            try {
                key.interestOps(0);
            } catch (CancelledKeyException e) {
                // closing
            }
        }
    }

    private static void resume(SelectionKey key) {
        if (key != null) {
            try {
                key.interestOps(SelectionKey.OP_READ);
            } catch (CancelledKeyException e) {
                // closing
            }
        }
    }

    /** One datagram arrived on {@code s}. Package-private for tests. */
    void onFrame(Slot s, byte[] bytes, int length) {
        Frame frame;
        StatusMessage message;
        try {
            if (length < shortest || length > longest) {
                throw new FrameException(Reason.MALFORMED, length + " bytes, a status frame of " + settings.peer()
                        + " has " + shortest + " to " + longest);
            }
            FrameCodec.Header header = s.filter.precheck(bytes, 0, length);
            if (header.incarnation() < peerIncarnation) {
                // an older life of the peer, already superseded on another channel
                throw new FrameException(Reason.REPLAY, "incarnation " + header.incarnation() + " older than "
                        + peerIncarnation);
            }
            frame = s.filter.accept(bytes, 0, length);
            message = StatusMessage.decode(frame.payload());
            if (message.incarnation() != frame.incarnation()) {
                throw new FrameException(Reason.MALFORMED, "incarnation differs from the frame's");
            }
        } catch (FrameException e) {
            if (e.reason() == Reason.BAD_VERSION) {
                s.refusedVersion = e.getMessage().substring(Reason.BAD_VERSION.name().length() + 2);
            }
            long n = ++s.rejectedRead;
            if (n <= LOGGED_REJECTS || n % 10_000 == 0) {
                observer.log(Level.DEBUG, "channel " + s.channel.name() + ": rejected frame #" + n + ": " + e.getMessage());
            }
            return; // invalid input changes nothing else
        }
        int drop = dropPercent[s.index];
        if (drop > 0 && random.nextInt(100) < drop) {
            return; // the test-only fault switch: as if the network lost it
        }
        s.received++;
        if (s.refusedVersion != null) {
            s.refusedVersion = null;
        }
        s.unreachableSeen = s.channel.unreachable(); // it answers: an earlier ICMP error is history
        countArrival(s, frame);

        boolean newLife = frame.incarnation() > peerIncarnation;
        boolean newer = newLife || frame.sequence() > peerSequence;
        if (newer) {
            peerIncarnation = frame.incarnation();
            peerSequence = frame.sequence();
            peerStatus = message;
            peerStopping = message.state() == ScmState.HALTED;
        }
        if (s.storage) {
            s.beatTick = ticks;
        }
        lastHeard = Instant.now();
        long now = System.nanoTime();
        if (newLife) {
            deadAtSequence = -1;
            stillSendingReported = false;
            // judged with this frame counted: never the new life on what was left of the old one
            observed = observation();
            step(new Policy.NewLife(now, observed));
            return;
        }
        if (!s.storage && peer.verdict().stopped() && frame.sequence() > deadAtSequence && !stillSendingReported) {
            stillSendingReported = true;
            observer.log(Level.ERROR, "the peer " + settings.peer() + " was found stopped or fenced by "
                    + settings.fenceAgent() + " but incarnation " + frame.incarnation() + " still sends on "
                    + s.channel.name() + ": it stays dead until it restarts");
        }
        observe(now, false);
    }

    private void countArrival(Slot s, Frame frame) {
        if (s.count(frame.incarnation(), frame.sequence())) {
            channelsChanged(List.of(s), " again");
        }
    }

    /** The status analyzer, once per interval. Package-private for tests. */
    void analyze() {
        ticks++;
        long now = System.nanoTime();
        boolean expecting = peerIncarnation != 0 && !peerStopping;
        List<Slot> changed = new ArrayList<>();
        for (Slot s : slots) {
            if (s.tick(expecting, peerStopping)) {
                changed.add(s);
            }
        }
        if (!changed.isEmpty()) {
            channelsChanged(changed, "");
        }
        boolean dropping = false;
        for (Slot s : slots) {
            // a stray budget spent or a flood on: the kernel may be dropping now, and a flood is judged on it
            dropping |= s.flooding || s.strayLeft <= 0;
        }
        if (dropping || dropsReadAt == 0 || now - dropsReadAt >= DROPS_EVERY_NANOS) {
            dropsReadAt = now;
            readKernelDrops();
        }
        for (Slot s : slots) {
            if (!s.storage) {
                floodCheck(s);
            }
            s.mainLeft = MAIN_BUDGET;
            s.strayLeft = STRAY_BUDGET;
            resume(s.mainKey);
            resume(s.strayKey);
        }
        unreachableCheck();
        observe(now, true);
    }

    private void readKernelDrops() {
        List<KernelDrops.Socket> sockets = new ArrayList<>();
        for (Slot s : slots) {
            if (s.channel instanceof UdpChannel u) {
                sockets.add(new KernelDrops.Socket(u.local(), u.config().peer()));
                sockets.add(new KernelDrops.Socket(u.local(), null));
            }
        }
        if (sockets.isEmpty()) {
            return;
        }
        Map<KernelDrops.Socket, Long> read = kernel.read(sockets);
        for (Slot s : slots) {
            if (s.channel instanceof UdpChannel u) {
                s.kernelDrops(read.get(new KernelDrops.Socket(u.local(), u.config().peer())),
                        read.get(new KernelDrops.Socket(u.local(), null)));
            }
        }
    }

    /** A flood: refused datagrams over a detection time well above noise. Reported at its start and end. */
    private void floodCheck(Slot s) {
        long total = s.rejected();
        long recent = s.floodTick(ticks);
        boolean flood = recent >= FLOOD_MIN;
        if (flood == s.flooding) {
            return;
        }
        s.flooding = flood;
        if (flood) {
            s.floodStart = total - recent;
            s.floodSince = System.nanoTime();
            observer.log(Level.WARN, "channel " + s.channel.name() + ": flood at this SCM's status port, " + recent
                    + " datagrams refused within " + settings.intervalMs() * settings.counterStart() + " ms"
                    + (s.strayFrom == null ? "" : " (e.g. from " + s.strayFrom + ")")
                    + ": counted, never a reason to fence the peer");
        } else {
            observer.log(Level.INFO, "channel " + s.channel.name() + ": flood over after "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - s.floodSince) + " ms: " + (total - s.floodStart)
                    + " datagrams refused (" + s.strayDropped + " of them dropped by the kernel so far),"
                    + " genuine frames the kernel dropped " + s.dropped + ", missed " + s.missed);
            s.strayFrom = null;
        }
        try {
            observer.flood(s.channel.name(), flood, total, s.dropped);
        } catch (RuntimeException e) {
            observer.log(Level.ERROR, "flood listener failed: " + e);
        }
    }

    /** Every network channel's peer port answered "unreachable" since its last frame: evidence. */
    private void unreachableCheck() {
        boolean any = false;
        boolean all = true;
        for (Slot s : slots) {
            if (s.storage) {
                continue;
            }
            any = true;
            all &= s.channel.unreachable() > s.unreachableSeen;
        }
        boolean evidence = any && all;
        if (evidence && !unreachableEvidence) {
            step(new Policy.Evidence(System.nanoTime(), "its host answers that nothing listens on its status port"
                    + " on every network"));
        }
        unreachableEvidence = evidence;
    }

    private void applyAnswers() {
        for (int i = 0; i < 16; i++) { // bounded: one call at a time, so at most one is ever waiting
            Policy.Answered a = answers.poll();
            if (a == null) {
                return;
            }
            step(new Policy.Answered(System.nanoTime(), a.call(), a.answer(), a.detail()));
        }
    }

    private void applyLinks() {
        if (!linksChanged.getAndSet(false)) {
            return;
        }
        boolean all = !links.isEmpty();
        for (LinkState state : links.values()) {
            all &= state == LinkState.CLOSED || state == LinkState.REFUSED;
        }
        if (all && !linkEvidence) {
            step(new Policy.Evidence(System.nanoTime(), "its kernel closed or refused every link connection "
                    + links));
        }
        linkEvidence = all;
    }

    /** Feeds the policy what the channels say: every interval, and whenever it changes. */
    private void observe(long now, boolean tick) {
        Policy.Observation o = observation();
        if (tick || !o.equals(observed)) {
            observed = o;
            step(new Policy.Observed(now, o));
        }
    }

    private Policy.Observation observation() {
        boolean networkGood = false;
        boolean flood = false;
        Policy.Heartbeat heartbeat = settings.disks().isEmpty() ? Policy.Heartbeat.NONE : null;
        for (Slot s : slots) {
            if (s.storage) {
                heartbeat = better(heartbeat, heartbeat(s));
            } else {
                networkGood |= s.status == ChannelStatus.GOOD;
                flood |= s.flooding;
            }
        }
        StatusMessage m = peerStatus;
        ScmState state = m == null ? null : m.state();
        return new Policy.Observation(networkGood, lastHeard != null, heartbeat == null ? Policy.Heartbeat.NONE
                : heartbeat, flood, state == ScmState.MONITOR || state == ScmState.HALTED,
                state == ScmState.DAC || state == ScmState.DEGRADED);
    }

    private Policy.Heartbeat heartbeat(Slot s) {
        if (peerIncarnation != 0 && s.lastIncarnation == peerIncarnation) {
            if (s.status != ChannelStatus.GOOD) {
                return Policy.Heartbeat.EXPIRED;
            }
            // stopped once silent for as long as a network channel takes to go BAD
            return ticks - s.beatTick < settings.counterStart() ? Policy.Heartbeat.BEATING : Policy.Heartbeat.STOPPED;
        }
        return s.status == ChannelStatus.GOOD ? Policy.Heartbeat.UNHEARD : Policy.Heartbeat.NONE;
    }

    /** Of two storage channels' heartbeats, the one with more evidence of life. */
    private static Policy.Heartbeat better(Policy.Heartbeat a, Policy.Heartbeat b) {
        if (a == null) {
            return b;
        }
        List<Policy.Heartbeat> rank = List.of(Policy.Heartbeat.BEATING, Policy.Heartbeat.STOPPED,
                Policy.Heartbeat.UNHEARD, Policy.Heartbeat.EXPIRED, Policy.Heartbeat.NONE);
        return rank.indexOf(a) <= rank.indexOf(b) ? a : b;
    }

    /** One step of the policy, and what it says to do. */
    private void step(Policy.Input input) {
        Policy.Step step = Policy.next(policy, judged, input);
        judged = step.state();
        for (Policy.Action a : step.actions()) {
            if (a instanceof Policy.Log l) {
                observer.log(l.level(), l.message());
            } else if (a instanceof Policy.Outcome o) {
                observer.fence(settings.fenceAgent(), o.outcome());
            } else if (a instanceof Policy.Probe p) {
                fencing.probe(p.call());
            } else if (a instanceof Policy.Fence f) {
                fencing.fence(f.call());
            }
        }
        publishPeer();
    }

    /**
     * One line for channels whose status changed together (every network channel of a peer that went
     * silent runs out in the same interval: one episode, one line), then each listener per channel.
     *
     * @param changed slots that changed to the same status, in channel order
     * @param again appended to the status word, e.g. " again (3 missed since it went BAD)"
     */
    private void channelsChanged(List<Slot> changed, String again) {
        List<ChannelView> views = new ArrayList<>();
        boolean stopping = peerStopping;
        for (Slot s : changed) {
            views.add(s.view(settings.peer(), stopping));
        }
        // channels that ran out in one interval may still differ: BAD ones and IDLE ones are told apart
        for (ChannelStatus status : ChannelStatus.values()) {
            List<ChannelView> same = views.stream().filter(v -> v.status() == status).toList();
            if (!same.isEmpty()) {
                observer.log(status == ChannelStatus.BAD ? Level.WARN : Level.INFO, describe(same, status, again));
            }
        }
        for (ChannelView v : views) {
            try {
                observer.channelChanged(v);
            } catch (RuntimeException e) {
                observer.log(Level.ERROR, "channel listener failed: " + e);
            }
        }
    }

    /** @return e.g. {@code channels link, host to scm-b are BAD: nothing received from scm-b since ... (...)} */
    private String describe(List<ChannelView> views, ChannelStatus status, String again) {
        StringBuilder b = new StringBuilder(views.size() == 1 ? "channel " : "channels ");
        b.append(String.join(", ", views.stream().map(ChannelView::name).toList()));
        b.append(" to ").append(settings.peer()).append(views.size() == 1 ? " is " : " are ").append(status).append(again);
        boolean oneNote = views.stream().map(ChannelView::note).distinct().count() == 1;
        if (oneNote && views.get(0).note() != null) {
            b.append(": ").append(views.get(0).note());
        }
        List<String> counts = new ArrayList<>();
        for (ChannelView v : views) {
            counts.add((views.size() == 1 ? "" : v.name() + ": ") + (oneNote || v.note() == null ? "" : v.note() + ", ")
                    + "received " + v.received() + ", missed " + v.missed() + ", rejected " + v.rejected());
        }
        return b.append(" (").append(String.join("; ", counts)).append(")").toString();
    }

    private void publishPeer() {
        Verdict verdict = judged.verdict();
        StatusMessage m = peerStatus;
        ScmState state = m == null ? null : m.state();
        Views.Peer next = new Views.Peer(settings.peer(), verdict, state, m == null ? null : m.opMode(),
                m == null ? null : m.configuredRole(), peerIncarnation, lastHeard);
        Views.Peer before = peer;
        peer = next;
        if (verdict.stopped() && !before.verdict().stopped()) {
            deadAtSequence = peerSequence;
        }
        if (next.differsFrom(before)) {
            observer.log(next.alive() ? Level.INFO : Level.WARN, "peer " + next.scm() + " is " + (next.alive()
                    ? "alive" : "DEAD") + ": state " + state + ", " + next.opMode() + ", configured "
                    + next.configuredRole() + ", incarnation " + next.incarnation() + why(verdict, state));
            try {
                observer.peerChanged(next);
            } catch (RuntimeException e) {
                observer.log(Level.ERROR, "peer listener failed: " + e);
            }
        }
    }

    private String why(Verdict v, ScmState state) {
        return switch (v) {
            case HEARD -> "";
            case STARTING -> ", not heard yet";
            case NETWORK_OUTAGE -> ", network outage: its storage heartbeat goes on";
            case FLOOD -> ", networks flooded: its storage heartbeat goes on";
            case UNCONFIRMED -> ", silent on every channel, its storage lease still running";
            case REPORTED_FAULT -> ", it reported " + state;
            case FENCED -> ", fenced by " + settings.fenceAgent();
            case STOPPED -> ", certainly stopped (agent " + settings.fenceAgent() + ")";
            case LEASE_EXPIRED -> ", its storage lease ran out";
            case SILENT -> ", every channel BAD";
        };
    }

    /** @return the slot of a channel, for tests */
    Slot slot(String name) {
        return slots.stream().filter(s -> s.channel.name().equals(name)).findFirst().orElseThrow();
    }

    /**
     * How long a network-only outage lasts before this SCM fences the peer: the fence delay for the
     * configured MASTER; for the SLAVE twice that, and at least the delay plus the fence timeout, so that
     * the MASTER's fence has completed (or timed out) before the SLAVE's starts and only one SCM fences
     * the other, whatever the delay (0 included).
     */
    static long networkOnlyMs(Settings settings) {
        long delay = settings.fenceDelayMs();
        return settings.role() == OpMode.SLAVE ? Math.max(2 * delay, delay + settings.fenceTimeoutMs()) : delay;
    }
}
