package org.hasm.link.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.LinkHandler;
import org.hasm.spi.peer.LinkState;
import org.hasm.wire.AntiReplay;
import org.hasm.wire.ChannelConfig;
import org.hasm.wire.Frame;
import org.hasm.wire.FrameCodec;
import org.hasm.wire.FrameException;
import org.hasm.wire.FrameException.Reason;
import org.hasm.wire.Incarnation;
import org.hasm.wire.PeerFilter;

/**
 * The link's core, without OSGi (RSCM + RLM). Requests go over the channel with the fewest recent
 * errors; a channel that cannot connect, breaks, or stays silent for its share of the timeout
 * hands the same request (same id) to the next channel, and the peer answers a repeated id from
 * its cache instead of running the handler twice.
 *
 * <p>Each channel keeps its outbound connection open at all times (the keeper thread reconnects a
 * lost one every {@value #RECONNECT_MS} ms and says hello on it, so the peer keeps it among its
 * proven connections): the kernel at the other end then tells, by closing or refusing it, the moment
 * the peer's process is gone. What becomes of each channel's connection goes to the {@link
 * Connections} listener (the status monitor): {@code CONNECTED}, {@code CLOSED} by the peer's end,
 * {@code REFUSED}, or {@code FAILED} without an answer; once per change, never for what this link
 * closed itself.
 *
 * <p>Threads, all daemons named {@code hasm-link-...-<scm>}: one acceptor per channel, one reader per
 * connection (at most {@link Route#MAX_INBOUND} inbound per channel, plus one outbound), the keeper,
 * and a bounded pool that runs the handlers, so a slow handler never stalls a connection; one-way
 * messages of one service are handled one at a time in arrival order.
 */
final class Link {
    interface Handlers {
        /** @return the handler of a link service, or {@code null} */
        LinkHandler find(String service);
    }

    interface Log {
        void log(Level level, String message, Throwable t);
    }

    /** Told what became of a channel's outbound connection; called on a link thread, must return quickly. */
    interface Connections {
        void changed(String channel, LinkState state);
    }

    /** The link service a connection's first message is for: a hello that marks it proven. */
    static final String HELLO = "hasm.link.hello";
    // What the reader does with a hello: nothing but mark the connection proven.
    private static final Runnable HELLO_SEEN = () -> { };
    /** How often the keeper looks at the outbound connections and reopens a lost one. */
    static final long RECONNECT_MS = 100;

    enum Level { DEBUG, INFO, WARN, ERROR }

    private static final int HANDLER_THREADS = 8;
    private static final int HANDLER_QUEUE = 256;
    private static final int REPLY_CACHE = 1024;
    private static final long CLOSE_MS = 3000;
    // Room the request header takes in a frame's payload (id + service length + service).
    private static final int CALL_HEADER = 8 + 1 + 255;

    private final LinkSettings settings;
    private final FrameCodec codec;
    private final PeerFilter filter;
    private final AntiReplay replay;
    private final Consumer<AntiReplay.Floor> floors;
    // the floor told last, and when (System.nanoTime); the keeper thread and close only
    private AntiReplay.Floor lastFloor;
    private volatile long floorTold = System.nanoTime();
    private final long incarnation;
    private final Handlers handlers;
    private final Log log;
    private final Connections connections;
    private final List<Route> routes = new ArrayList<>();
    // above what an earlier link of this incarnation sent (a link bundle updated in place starts again)
    private final AtomicLong sequence = new AtomicLong(Incarnation.firstSequence());
    // above the ids an earlier link of this incarnation used: the peer answers an id it has seen from its cache
    private final AtomicLong requestIds = new AtomicLong(Incarnation.firstSequence());
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger threadCount = new AtomicInteger();
    private final ThreadPoolExecutor pool;
    // one lane per link service with a handler (a handful): its one-way messages in arrival order
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
    // Guarded by itself: answers by request id, for the incarnation of the peer that asked.
    private final Map<Long, CompletableFuture<Message.Response>> replies = new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, CompletableFuture<Message.Response>> eldest) {
            return size() > REPLY_CACHE;
        }
    };
    private long repliesIncarnation; // guarded by replies

    /** @param codec keyed for the link only (the node's {@code Keyring.codec("link")}) */
    Link(LinkSettings settings, FrameCodec codec, long incarnation, Handlers handlers, Log log) {
        this(settings, codec, incarnation, handlers, log, (channel, state) -> { });
    }

    Link(LinkSettings settings, FrameCodec codec, long incarnation, Handlers handlers, Log log, Connections connections) {
        this(settings, codec, incarnation, handlers, log, connections, null, floor -> { });
    }

    /**
     * @param floor the newest frame of the peer an earlier link of this SCM accepted ({@link #floor()}),
     *     or {@code null}: this link refuses that frame and every older one
     * @param floors told the newest frame accepted, at most once a second while it changes and once at close,
     *     so that the next link of this SCM (after a restart) starts from it
     */
    Link(LinkSettings settings, FrameCodec codec, long incarnation, Handlers handlers, Log log, Connections connections,
            AntiReplay.Floor floor, Consumer<AntiReplay.Floor> floors) {
        this.settings = settings;
        // a key of the link's own: the status monitor's genuine frames fail its authentication
        this.codec = codec;
        this.floors = floors;
        this.lastFloor = floor;
        // One window for every channel and direction: the peer numbers all its frames in one sequence.
        this.replay = new AntiReplay(floor);
        this.filter = new PeerFilter(codec, settings.self(), settings.peer(), replay,
                (problem, m) -> log.log(problem ? Level.WARN : Level.INFO, "link: " + m, null), Message.REQUEST,
                Message.RESPONSE, Message.ONEWAY);
        this.incarnation = incarnation;
        this.handlers = handlers;
        this.log = log;
        this.connections = connections;
        for (ChannelConfig c : settings.channels()) {
            routes.add(new Route(routes.size(), c));
        }
        pool = new ThreadPoolExecutor(HANDLER_THREADS, HANDLER_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(HANDLER_QUEUE), r -> daemon("hasm-link-handler-" + settings.self(), r, false));
        pool.allowCoreThreadTimeOut(true);
    }

    void start() throws IOException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("started twice");
        }
        try {
            for (Route r : routes) {
                r.listen();
            }
        } catch (IOException e) {
            close();
            throw e;
        }
        for (Route r : routes) {
            daemon("hasm-link-accept-" + r.config.name() + "-" + settings.self(), () -> accept(r), true).start();
        }
        daemon("hasm-link-keeper-" + settings.self(), this::keep, true).start();
        log.log(Level.INFO, "link of " + settings.self() + " (incarnation " + incarnation + ") to " + settings.peer()
                + " listening on " + routes.stream().map(r -> r.config.name() + "=" + r.config.local()).toList(), null);
    }

    private Thread daemon(String name, Runnable body, boolean track) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        }, name + "-" + threadCount.incrementAndGet());
        t.setDaemon(true);
        if (track) {
            threads.add(t);
        }
        return t;
    }

    boolean running() {
        return started.get() && !closed.get();
    }

    /** Closes every socket and stops every thread, waiting a bounded time for them. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Route r : routes) {
            if (r.server != null) {
                try {
                    r.server.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
            r.connections().forEach(Connection::close);
        }
        pool.shutdownNow();
        for (Thread t : threads) {
            if (t.getName().startsWith("hasm-link-keeper-")) {
                java.util.concurrent.locks.LockSupport.unpark(t);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_MS);
        try {
            for (Thread t : List.copyOf(threads)) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left > 0) {
                    t.join(left);
                }
            }
            pool.awaitTermination(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tellFloor();
        log.log(Level.INFO, "link of " + settings.self() + " closed", null);
    }

    /** @return the newest frame of the peer accepted, or the floor this link started from; {@code null} if neither */
    AntiReplay.Floor floor() {
        return replay.floor();
    }

    private synchronized void tellFloor() {
        floorTold = System.nanoTime();
        AntiReplay.Floor now = replay.floor();
        if (now != null && !now.equals(lastFloor)) {
            lastFloor = now;
            try {
                floors.accept(now);
            } catch (RuntimeException e) {
                log.log(Level.WARN, "link: the replay floor could not be kept: " + e.getMessage(), e);
            }
        }
    }

    /** @return every channel, best first */
    List<ChannelView> channels() {
        return ordered().stream().map(Route::view).toList();
    }

    private List<Route> ordered() {
        long now = System.nanoTime();
        List<Route> order = new ArrayList<>(routes);
        order.sort(Comparator.<Route>comparingDouble(r -> r.score(now)).thenComparingInt(r -> r.index));
        return order;
    }

    // ---- the keeper ----

    private void keep() {
        while (!closed.get()) {
            for (Route r : routes) {
                if (closed.get()) {
                    return;
                }
                keep(r);
            }
            if (System.nanoTime() - floorTold >= TimeUnit.SECONDS.toNanos(1)) {
                tellFloor();
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(RECONNECT_MS));
        }
    }

    /** Opens the channel's outbound connection if it has none, and says hello on a new one. */
    private void keep(Route r) {
        if (r.hasOutbound()) {
            return;
        }
        Connection c;
        try {
            c = r.connect(Math.min(settings.connectTimeoutMs(), 1000), this::startReader);
        } catch (IOException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            r.unreachable(e.getMessage());
            report(r, cause instanceof java.net.ConnectException && String.valueOf(cause.getMessage())
                    .contains("refused") ? LinkState.REFUSED : LinkState.FAILED);
            return;
        }
        r.connected();
        try {
            // not counted: the statistics are the callers' messages
            c.write(codec.encode(Message.ONEWAY, settings.self(), incarnation, sequence.incrementAndGet(),
                    Message.Call.encode(0, HELLO, new byte[0])));
        } catch (IOException e) {
            c.close(); // lost at once: the reader reports how
        }
    }

    /** Tells the listener, once per change and never once closing. */
    private void report(Route r, LinkState state) {
        if (closed.get() || !r.reported(state)) {
            return;
        }
        log.log(state == LinkState.CONNECTED ? Level.DEBUG : Level.INFO, "channel " + r.config.name()
                + ": connection to " + settings.peer() + " " + state, null);
        try {
            connections.changed(r.config.name(), state);
        } catch (RuntimeException e) {
            log.log(Level.ERROR, "link connection listener failed", e);
        }
    }

    // ---- the requester side ----

    byte[] request(String service, byte[] payload, Duration timeout) throws IOException {
        checkSize(service, payload);
        long id = requestIds.incrementAndGet();
        byte[] call = Message.Call.encode(id, service, payload); // the same id on every channel tried
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        List<Route> order = ordered();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            Route r = order.get(i);
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            boolean last = i == order.size() - 1;
            // A silent channel may only use its share of the time; the rest is for the others.
            long slice = last ? remaining : remaining / (order.size() - i);
            Connection c;
            try {
                c = r.connect(Math.min(settings.connectTimeoutMs(), TimeUnit.NANOSECONDS.toMillis(remaining)),
                        this::startReader);
            } catch (IOException e) {
                r.failed(e.getMessage(), true);
                failures.add(e.getMessage());
                continue;
            }
            CompletableFuture<Message.Response> answer = new CompletableFuture<>();
            c.pending.put(id, answer);
            Message.Response response;
            try {
                c.write(codec.encode(Message.REQUEST, settings.self(), incarnation, sequence.incrementAndGet(), call));
                r.sent.incrementAndGet();
                response = answer.get(slice, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                String why = "channel " + r.config.name() + ": no answer within " + TimeUnit.NANOSECONDS.toMillis(slice)
                        + " ms";
                r.failed(why, false);
                failures.add(why);
                if (!last) {
                    c.close(); // suspect: half-open connections never tell; the next use reconnects
                }
                continue;
            } catch (ExecutionException | IOException e) {
                c.close();
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                String why = "channel " + r.config.name() + ": " + cause.getMessage();
                r.failed(why, false);
                failures.add(why);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for " + settings.peer());
            } finally {
                c.pending.remove(id);
            }
            r.worked();
            if (!response.ok()) {
                throw new IOException("peer " + settings.peer() + ": link service '" + service + "' failed: "
                        + response.message());
            }
            return response.payload();
        }
        throw new IOException("no answer from peer " + settings.peer() + " for link service '" + service + "' within "
                + timeout.toMillis() + " ms" + (failures.isEmpty() ? "" : ": " + String.join("; ", failures)));
    }

    void send(String service, byte[] payload) throws IOException {
        checkSize(service, payload);
        byte[] call = Message.Call.encode(0, service, payload);
        List<String> failures = new ArrayList<>();
        for (Route r : ordered()) {
            Connection c;
            try {
                c = r.connect(settings.connectTimeoutMs(), this::startReader);
            } catch (IOException e) {
                r.failed(e.getMessage(), true);
                failures.add(e.getMessage());
                continue;
            }
            try {
                c.write(codec.encode(Message.ONEWAY, settings.self(), incarnation, sequence.incrementAndGet(), call));
            } catch (IOException e) {
                c.close();
                String why = "channel " + r.config.name() + ": " + e.getMessage();
                r.failed(why, false);
                failures.add(why);
                continue;
            }
            r.sent.incrementAndGet();
            r.worked();
            return;
        }
        throw new IOException("no channel to peer " + settings.peer() + " took the message for '" + service + "'"
                + (failures.isEmpty() ? "" : ": " + String.join("; ", failures)));
    }

    private void checkSize(String service, byte[] payload) throws IOException {
        if (!running()) {
            throw new IOException("the link to " + settings.peer() + " is not running");
        }
        if (service.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new IOException("link service name over 255 bytes");
        }
        if (payload.length > FrameCodec.MAX_PAYLOAD - CALL_HEADER) {
            throw new IOException("payload of " + payload.length + " bytes, limit " + (FrameCodec.MAX_PAYLOAD - CALL_HEADER));
        }
    }

    private void startReader(Connection c) {
        if (c.outbound) {
            report(c.route, LinkState.CONNECTED);
        }
        daemon("hasm-link-" + (c.outbound ? "out-" : "in-") + c.route.config.name() + "-" + settings.self(),
                () -> read(c), true).start();
    }

    // ---- the answering side ----

    private void accept(Route r) {
        while (!closed.get()) {
            Socket s;
            try {
                s = r.server.accept();
            } catch (IOException e) {
                if (!closed.get()) {
                    log.log(Level.ERROR, "channel " + r.config.name() + ": accept failed, channel deaf", e);
                }
                return;
            }
            try {
                Connection c = new Connection(r, s, false);
                Connection evicted = r.accepted(c);
                if (evicted != null) {
                    log.log(Level.DEBUG, "channel " + r.config.name() + ": too many connections, dropping " + evicted, null);
                    evicted.close();
                }
                if (closed.get()) {
                    c.close();
                    return;
                }
                startReader(c);
            } catch (IOException e) {
                try {
                    s.close();
                } catch (IOException e2) {
                    // closing anyway
                }
            }
        }
    }

    private void read(Connection c) {
        Route r = c.route;
        LinkState ended = null;
        try {
            while (!closed.get()) {
                byte[] bytes = c.read();
                if (bytes == null) {
                    ended = LinkState.CLOSED; // the peer's end closed it: its process, or its kernel for it
                    return;
                }
                Runnable action;
                try {
                    action = dispatch(c, filter.accept(bytes, 0, bytes.length));
                } catch (FrameException e) {
                    long n = r.rejected.incrementAndGet();
                    if (n <= 10 || n % 10_000 == 0) {
                        log.log(Level.DEBUG, "channel " + r.config.name() + ": rejected frame #" + n + " " + c + ": "
                                + e.getMessage(), null);
                    }
                    continue; // the framing is intact: read on
                }
                c.lastValid = System.nanoTime();
                if (action == HELLO_SEEN) {
                    continue; // proven, not counted
                }
                r.received.incrementAndGet(); // counted before it is acted on, so statistics never lag an answer
                action.run();
            }
        } catch (Connection.Unframeable e) {
            r.rejected.incrementAndGet();
            log.log(Level.DEBUG, "channel " + r.config.name() + ": " + c + " dropped: " + e.getMessage(), null);
        } catch (IOException e) {
            if (!closed.get() && !c.closed()) {
                log.log(Level.DEBUG, "channel " + r.config.name() + ": " + c + " lost: " + e.getMessage(), null);
                ended = e instanceof java.net.SocketException && String.valueOf(e.getMessage()).contains("reset")
                        ? LinkState.CLOSED : LinkState.FAILED;
            }
        } finally {
            boolean ours = c.closed(); // closed by this side (a suspect connection, closing): no evidence
            c.close();
            r.gone(c);
            if (c.outbound && !ours && ended != null) {
                report(r, ended);
            }
        }
    }

    /** @return what to do with an accepted frame, once it is fully decoded and counted */
    private Runnable dispatch(Connection c, Frame f) throws FrameException {
        switch (f.type()) {
            case Message.RESPONSE -> {
                if (!c.outbound) {
                    throw new FrameException(Reason.MALFORMED, "a response on an inbound connection");
                }
                Message.Response response = Message.Response.decode(f.payload());
                return () -> {
                    CompletableFuture<Message.Response> waiting = c.pending.get(response.id());
                    if (waiting != null) {
                        waiting.complete(response);
                    } // else: answered already over another channel, or given up
                };
            }
            case Message.REQUEST, Message.ONEWAY -> {
                if (c.outbound) {
                    throw new FrameException(Reason.MALFORMED, "a request on an outbound connection");
                }
                Message.Call call = Message.Call.decode(f.payload());
                if (f.type() == Message.ONEWAY && HELLO.equals(call.service())) {
                    return HELLO_SEEN;
                }
                return f.type() == Message.ONEWAY ? () -> oneway(call) : () -> request(c, f.incarnation(), call);
            }
            default -> throw new FrameException(Reason.MALFORMED, "frame type " + f.type() + " on the link");
        }
    }

    private void request(Connection c, long peerIncarnation, Message.Call call) {
        CompletableFuture<Message.Response> reply;
        boolean first = false;
        synchronized (replies) {
            if (peerIncarnation != repliesIncarnation) {
                replies.clear(); // request ids start over with the peer's new life
                repliesIncarnation = peerIncarnation;
            }
            reply = replies.get(call.id());
            if (reply == null) {
                reply = new CompletableFuture<>();
                replies.put(call.id(), reply);
                first = true;
            }
        }
        if (first) {
            CompletableFuture<Message.Response> r = reply;
            try {
                pool.execute(() -> r.complete(handle(call)));
            } catch (RejectedExecutionException e) {
                r.complete(Message.Response.error(call.id(), settings.self() + " is too busy to answer"));
            }
        }
        // A repeated id waits for the same answer: the handler runs once.
        reply.thenAccept(response -> answer(c, response));
    }

    private Message.Response handle(Message.Call call) {
        LinkHandler h = handlers.find(call.service());
        if (h == null) {
            return Message.Response.error(call.id(), "no handler for link service '" + call.service() + "' on "
                    + settings.self());
        }
        try {
            byte[] result = h.handle(call.payload());
            return new Message.Response(call.id(), true, result == null ? new byte[0] : result);
        } catch (Exception | LinkageError e) {
            String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            log.log(Level.DEBUG, "link service '" + call.service() + "' failed: " + message, e);
            return Message.Response.error(call.id(), message);
        }
    }

    private void answer(Connection c, Message.Response response) {
        byte[] payload = response.encode();
        if (payload.length > FrameCodec.MAX_PAYLOAD) {
            response = Message.Response.error(response.id(), "answer of " + payload.length + " bytes, over the limit");
            payload = response.encode();
        }
        try {
            c.write(codec.encode(Message.RESPONSE, settings.self(), incarnation, sequence.incrementAndGet(), payload));
            c.route.sent.incrementAndGet();
        } catch (IOException e) {
            c.close(); // the requester asks again over another channel and gets the cached answer
        }
    }

    /*
     * One-way messages of one service are handled in the order they arrived, one at a time (a lane per
     * service on the pool): a sender's "maintenance on" then "off" must not reach its handler the other
     * way round. A message for a service with no handler is answered at once (it only logs).
     */
    private void oneway(Message.Call call) {
        if (handlers.find(call.service()) == null) {
            log.log(Level.WARN, "one-way message for '" + call.service() + "' failed: " + handle(call).message(), null);
            return;
        }
        Lane lane = lanes.computeIfAbsent(call.service(), s -> new Lane());
        if (!lane.offer(call)) {
            log.log(Level.WARN, "one-way message for '" + call.service() + "' dropped: too busy", null);
            return;
        }
        drainLater(lane);
    }

    private void drainLater(Lane lane) {
        if (!lane.running.compareAndSet(false, true)) {
            return; // the lane's runner takes it
        }
        try {
            pool.execute(() -> drain(lane));
        } catch (RejectedExecutionException e) {
            int dropped = lane.clear();
            lane.running.set(false);
            log.log(Level.WARN, dropped + " one-way message(s) dropped: too busy", null);
        }
    }

    private void drain(Lane lane) {
        // bounded: a round handles what is queued now, then hands the pool back to other work
        for (int n = lane.size(); n > 0; n--) {
            Message.Call call = lane.poll();
            if (call == null) {
                break;
            }
            Message.Response r = handle(call);
            if (!r.ok()) {
                log.log(Level.WARN, "one-way message for '" + call.service() + "' failed: " + r.message(), null);
            }
        }
        lane.running.set(false);
        if (lane.size() > 0) {
            drainLater(lane);
        }
    }

    /** The one-way messages of one service waiting for their handler, in arrival order. */
    private static final class Lane {
        private final ArrayDeque<Message.Call> queue = new ArrayDeque<>();
        final AtomicBoolean running = new AtomicBoolean();

        synchronized boolean offer(Message.Call call) {
            if (queue.size() >= HANDLER_QUEUE) {
                return false;
            }
            return queue.add(call);
        }

        synchronized Message.Call poll() {
            return queue.poll();
        }

        synchronized int size() {
            return queue.size();
        }

        synchronized int clear() {
            int n = queue.size();
            queue.clear();
            return n;
        }
    }
}
