package org.hasm.nas.nfs.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.dcache.oncrpc4j.rpc.OncRpcException;
import org.dcache.oncrpc4j.rpc.OncRpcProgram;
import org.dcache.oncrpc4j.rpc.ReplyQueue;
import org.dcache.oncrpc4j.rpc.RpcAuthException;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
import org.dcache.oncrpc4j.rpc.RpcException;
import org.dcache.oncrpc4j.rpc.RpcMessageType;
import org.dcache.oncrpc4j.rpc.RpcTransport;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.memory.ByteBufferArray;
import org.glassfish.grizzly.memory.MemoryManager;

/**
 * ONC RPC over TCP (RFC 5531, record marking), served by hasm itself under the programs oncrpc4j decodes
 * (its {@link RpcCall}, {@link Xdr} and credentials; Grizzly's transport is not used). A thread reads each
 * connection, blocking, each record into a direct buffer: its own (16 KiB) for a small one, one the
 * personality's pool lends ({@link DirectBuffers}) for a large one (a WRITE's). A call the {@link Inline}
 * policy allows (NFS's that read and force nothing) is carried out by that thread itself when no more of the
 * connection's bytes are waiting; any other call, or one with more bytes behind it, goes to the
 * personality's workers (a lent buffer goes with it, a small record as a copy), so calls a client keeps in
 * flight, as a kernel client does, run side by side. A call its reading thread has carried out for longer
 * than {@link #HAND_OFF_NANOS} while more bytes wait has the connection's reading handed to a new thread by
 * the watchdog (which looks every 2 ms while reading threads carry calls out, every 20 ms otherwise), so a
 * slow READ (a cold disk) holds back nothing sent after it. Replies are written by
 * whichever thread carried the call out, whole (record mark and message in one gathering write, under the
 * connection's lock). A client that sends one call at a time so costs one thread wake per read call (the
 * reading thread's) instead of two (a selector's, then a worker's), and a WRITE's data goes from the socket
 * to the file with no copy through the Java heap.
 *
 * <p>Bounds: a record (all its fragments) of at most {@link #MAX_RECORD} bytes and {@link #MAX_FRAGMENTS}
 * fragments, a record too short to be a call, more than {@code maxConnections} connections: the connection
 * is closed (with a notice at most every 10 s, counting the others). At most {@link #MAX_INLINE} calls of a
 * connection run on reading threads at once. Memory stays bounded whatever clients send or leave unread: a
 * large record waits at most {@link #BUFFER_WAIT_MS} for one of the pool's buffers (none: its connection is
 * closed), a connection that holds one for a record it does not finish sending, or whose reply it does not
 * read, within {@code stallMillis} is closed by the watchdog (which frees the buffer and the thread blocked
 * in the write), and at most {@link #MAX_QUEUED} calls wait for or run on the workers: a reading thread that
 * would queue more waits, and its client's sends wait in TCP. Threads: {@code <name>-accept}, {@code <name>-watch} and
 * {@code <name>-c<N>}, daemons; {@link #close} stops accepting, closes every connection, and waits (bounded)
 * for every thread, so that a call one of them is carrying out finishes undisturbed (it is never
 * interrupted: an interrupt would close a channel it reads or forces).
 */
final class RpcTcpServer implements AutoCloseable {
    /** The largest record: a WRITE of {@link Nfs3#MAX_IO} bytes with its header, handle and arguments. */
    static final int MAX_RECORD = Nfs3.MAX_IO + 64 * 1024;
    static final int MAX_FRAGMENTS = 1024;
    private static final int LAST_FRAGMENT = 0x80000000;
    /** A connection's own buffer: a record that outgrows it (a WRITE's) is read into one the pool lends. */
    private static final int SMALL_RECORD = 16 * 1024;
    private static final long NOTICE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** How long a large record waits for a buffer of the pool when all are lent. */
    static final long BUFFER_WAIT_MS = 2_000;
    /** Calls handed to the workers, waiting or running, at most. */
    static final int MAX_QUEUED = 4096;
    private static final long QUEUE_POLL_MS = 100;
    /** How long, by default, a connection may hold a buffer or a blocked reply without finishing it. */
    static final long STALL_MS = 30_000;

    /** A message this server cannot read at all: its connection is closed. */
    private static final class Garbage extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Garbage(String message) {
            super(message, null, false, false);
        }
    }

    private final String name;
    private final InetSocketAddress bind;
    private final Map<OncRpcProgram, RpcDispatchable> programs;
    private final ExecutorService workers;
    private final DirectBuffers records;
    private final Events events;
    private final int maxConnections;
    private final long stallNanos;
    private final Semaphore queued = new Semaphore(MAX_QUEUED);
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** Every thread this server started that has not ended: the acceptor, the watchdog, the readers. */
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Inline inline;
    private final AtomicInteger numbers = new AtomicInteger();
    private final MemoryManager memory = MemoryManager.DEFAULT_MEMORY_MANAGER;
    /** When a connection was last closed with a notice, and how many were closed without one since. */
    private final AtomicLong lastNotice = new AtomicLong(System.nanoTime() - NOTICE_NANOS);
    private final AtomicInteger suppressed = new AtomicInteger();
    private ServerSocketChannel server;
    private volatile boolean closed;

    /**
     * @param records the large direct buffers (of {@link #MAX_RECORD} bytes) this server's connections borrow
     *     for a record larger than their own, shared with the personality's other servers
     * @param stallMillis how long a connection may take to send a large record, or to read a reply, before it
     *     is closed ({@link #STALL_MS})
     */
    RpcTcpServer(String name, InetSocketAddress bind, Map<OncRpcProgram, RpcDispatchable> programs,
            ExecutorService workers, DirectBuffers records, Inline inline, int maxConnections, long stallMillis,
            Events events) {
        this.stallNanos = TimeUnit.MILLISECONDS.toNanos(stallMillis);
        this.name = name;
        this.inline = inline;
        this.records = records;
        this.bind = bind;
        this.programs = Map.copyOf(programs);
        this.workers = workers;
        this.maxConnections = maxConnections;
        this.events = events;
    }

    /** Binds and starts accepting. @throws IOException if the address and port cannot be bound */
    void start() throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        try {
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(bind, 128);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        server = s;
        started(name + "-accept", this::accept);
        started(name + "-watch", this::watch);
    }

    /** Starts a daemon thread of this server, counted in {@link #threads} until it ends. */
    private void started(String threadName, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        }, threadName);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** @return the connections open now */
    int connections() {
        return connections.size();
    }

    private void accept() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    // out of descriptors, say: told now and then, and no spinning on it
                    notice(name + ": accepting a connection: " + e.getMessage());
                    LockSupport.parkNanos(ACCEPT_PAUSE_NANOS);
                }
                continue;
            }
            if (connections.size() >= maxConnections) {
                notice(name + ": " + maxConnections + " connections open already: one more closed");
                closeQuietly(ch);
                continue;
            }
            try {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                Connection c = new Connection(ch);
                connections.add(c);
                if (closed) {
                    c.close();
                    return;
                }
                c.startReader();
            } catch (IOException | RuntimeException e) {
                closeQuietly(ch);
            }
        }
    }

    /** Stops accepting, closes every connection, and waits up to {@code timeoutMs} for their readers. */
    void close(long timeoutMs) {
        closed = true;
        if (server != null) {
            closeQuietly(server);
        }
        for (Connection c : connections) {
            c.close();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (Thread t : List.copyOf(threads)) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                t.join(Math.max(1, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                events.warn(name + ": thread " + t.getName() + " still busy after " + timeoutMs + " ms");
            }
        }
    }

    @Override
    public void close() {
        close(2_000);
    }

    private static void closeQuietly(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Which calls a connection's reading thread may carry out itself, by program and procedure. */
    @FunctionalInterface
    interface Inline {
        boolean allows(int program, int procedure);
    }

    /** How long a call carried out by its reading thread runs before more of its connection's calls are read by another. */
    static final long HAND_OFF_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** Calls of one connection carried out by reading threads at once, at most; more go to the workers. */
    static final int MAX_INLINE = 8;
    private static final int READING = 0;
    private static final int RUNNING = 1;
    private static final int HANDED = 2;

    /**
     * Every {@link #HAND_OFF_NANOS}, while the server is open: a connection whose reading thread has been
     * carrying out a call for longer, with more of its bytes waiting, gets a new reading thread, so its
     * other calls are not held back (the old thread ends after its call).
     */
    private void watch() {
        boolean busy = false;
        while (!closed) {
            // every HAND_OFF_NANOS while calls are being carried out by reading threads; ten times slower when none was
            LockSupport.parkNanos(busy ? HAND_OFF_NANOS : 10 * HAND_OFF_NANOS);
            long now = System.nanoTime();
            busy = false;
            for (Connection c : connections) {
                c.closeIfStalled(now);
                if (c.state.get() != RUNNING) {
                    continue;
                }
                busy = true;
                if (now - c.runningSince >= HAND_OFF_NANOS && c.carrying.get() < MAX_INLINE && c.waiting()
                        && c.state.compareAndSet(RUNNING, HANDED)) {
                    c.startReader();
                }
            }
        }
    }

    /** A warning at most every 10 s, with the number of those left unsaid since: a flood never floods the log. */
    private void notice(String message) {
        long now = System.nanoTime();
        long last = lastNotice.get();
        if (now - last >= NOTICE_NANOS && lastNotice.compareAndSet(last, now)) {
            int more = suppressed.getAndSet(0);
            events.warn(message + (more > 0 ? " (and " + more + " more like it since the last notice)" : ""));
        } else {
            suppressed.incrementAndGet();
        }
    }

    /** One client connection: the threads that read it, and the transport its calls reply through. */
    private final class Connection implements RpcTransport {
        private final SocketChannel channel;
        private final InputStream available;
        private final InetSocketAddress local;
        private final InetSocketAddress remote;
        private final Object writing = new Object();
        private final ByteBuffer replyMark = ByteBuffer.allocateDirect(Integer.BYTES).order(ByteOrder.BIG_ENDIAN);
        /** READING: a thread reads; RUNNING: the reading thread carries a call out, nobody reads; HANDED: another reads. */
        final AtomicInteger state = new AtomicInteger(READING);
        volatile long runningSince;
        /** Calls of this connection being carried out by reading threads. */
        final AtomicInteger carrying = new AtomicInteger();
        /** Since when a large record is being read into a lent buffer, or a reply written; 0: neither. */
        private volatile long recordSince;
        private volatile long replySince;

        Connection(SocketChannel channel) throws IOException {
            this.channel = channel;
            this.available = channel.socket().getInputStream();
            this.local = (InetSocketAddress) channel.getLocalAddress();
            this.remote = (InetSocketAddress) channel.getRemoteAddress();
        }

        /** Starts a thread that reads this connection (the first, or the next after a hand-off). */
        void startReader() {
            state.set(READING);
            started(name + "-c" + numbers.incrementAndGet(), this::read);
        }

        /** Closes the connection if a large record or a reply has been under way longer than the bound. */
        void closeIfStalled(long now) {
            long r = recordSince;
            long w = replySince;
            String why = r != 0 && now - r > stallNanos ? "a large record not sent whole"
                    : w != 0 && now - w > stallNanos ? "a reply not read" : null;
            if (why != null && channel.isOpen()) {
                notice(name + ": connection from " + remote + " closed: " + why + " within "
                        + TimeUnit.NANOSECONDS.toMillis(stallNanos) + " ms");
                close(); // the thread blocked on it fails and gives its buffer back
            }
        }

        /** @return whether bytes of this connection wait to be read */
        boolean waiting() {
            try {
                return available.available() > 0;
            } catch (IOException e) {
                return false;
            }
        }

        private void read() {
            ByteBuffer small = ByteBuffer.allocateDirect(SMALL_RECORD);
            ByteBuffer mark = ByteBuffer.allocate(Integer.BYTES);
            boolean reading = true; // false once this thread handed the connection's reading on
            try {
                while (!closed) {
                    ByteBuffer record = readRecord(small, mark);
                    if (record == null) {
                        return;
                    }
                    record.flip();
                    if (!inline.allows(record.getInt(12), record.getInt(20)) || waiting()
                            || carrying.get() >= MAX_INLINE) {
                        handOver(record, small);
                        continue;
                    }
                    carrying.incrementAndGet();
                    runningSince = System.nanoTime();
                    state.set(RUNNING);
                    try {
                        call(new Xdr(Buffers.wrap(memory, record)));
                    } finally {
                        lendBack(record, small);
                        carrying.decrementAndGet();
                    }
                    if (!state.compareAndSet(RUNNING, READING)) {
                        reading = false; // the watchdog gave the reading to another thread meanwhile
                        return;
                    }
                }
            } catch (EOFException | ClosedChannelException e) {
                // the client, or close(), ended the connection
            } catch (IOException e) {
                if (!closed) {
                    refused(e.toString());
                }
            } catch (Garbage e) {
                refused(e.getMessage());
            } finally {
                if (reading) {
                    close();
                    connections.remove(this);
                }
            }
        }

        /**
         * A call for the workers: a record in a buffer the pool lent goes as it is (given back after the
         * call), one in this thread's own buffer as a copy.
         */
        private void handOver(ByteBuffer record, ByteBuffer small) {
            Xdr xdr;
            ByteBuffer lent;
            if (record == small) {
                byte[] copy = new byte[record.remaining()];
                record.get(copy);
                xdr = new Xdr(Buffers.wrap(memory, copy));
                lent = null;
            } else {
                xdr = new Xdr(Buffers.wrap(memory, record));
                lent = record;
            }
            try {
                // a full queue holds this reading thread (and the client's sends, in TCP) until a call ends
                while (!queued.tryAcquire(QUEUE_POLL_MS, TimeUnit.MILLISECONDS)) {
                    if (closed || !channel.isOpen()) {
                        throw new RejectedExecutionException("closed while waiting for the workers");
                    }
                }
            } catch (InterruptedException | RejectedExecutionException e) {
                if (lent != null) {
                    records.give(lent);
                }
                throw new Garbage("the personality is closing");
            }
            try {
                workers.execute(() -> {
                    try {
                        call(xdr);
                    } catch (Garbage e) {
                        refused(e.getMessage());
                    } finally {
                        queued.release();
                        if (lent != null) {
                            records.give(lent);
                        }
                    }
                });
            } catch (RejectedExecutionException e) {
                queued.release();
                if (lent != null) {
                    records.give(lent);
                }
                throw new Garbage("the personality is closing");
            }
        }

        private void lendBack(ByteBuffer record, ByteBuffer small) {
            if (record != small) {
                records.give(record);
            }
        }

        /**
         * Reads one record, all its fragments: into {@code small}, or, once it outgrows it, into a buffer
         * the pool lends.
         *
         * @return the buffer holding it, or null if it breaks a bound (the connection is then closed)
         */
        private ByteBuffer readRecord(ByteBuffer small, ByteBuffer mark) throws IOException {
            ByteBuffer record = small;
            record.clear();
            try {
                for (int fragments = 1; ; fragments++) {
                    mark.clear();
                    fill(mark);
                    int m = mark.getInt(0);
                    int length = m & ~LAST_FRAGMENT;
                    if (fragments > MAX_FRAGMENTS || length > MAX_RECORD - record.position()) {
                        refused("a record of more than "
                                + (fragments > MAX_FRAGMENTS ? MAX_FRAGMENTS + " fragments" : MAX_RECORD + " bytes"));
                        lendBack(record, small);
                        return null;
                    }
                    if (record.remaining() < length) {
                        // this thread's own buffer is too small (the bound above keeps a lent one large enough)
                        ByteBuffer large = records.take(MAX_RECORD, BUFFER_WAIT_MS);
                        if (large == null) {
                            refused("no buffer for a large record free within " + BUFFER_WAIT_MS + " ms");
                            lendBack(record, small);
                            return null;
                        }
                        recordSince = System.nanoTime();
                        small.flip();
                        large.put(small);
                        record = large;
                    }
                    int end = record.position() + length;
                    ByteBuffer part = record.duplicate().limit(end);
                    fill(part);
                    record.position(end);
                    if ((m & LAST_FRAGMENT) != 0) {
                        recordSince = 0;
                        if (record.position() < 24) { // given back below, with every failure
                            throw new Garbage("a record of " + record.position() + " bytes, too short for a call");
                        }
                        return record;
                    }
                }
            } catch (IOException | RuntimeException e) {
                recordSince = 0;
                lendBack(record, small);
                throw e;
            }
        }

        private void fill(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                if (channel.read(b) < 0) {
                    throw new EOFException();
                }
            }
        }

        /**
         * Decodes the message, answers what oncrpc4j's own dispatcher would, or carries the call out.
         *
         * @throws Garbage if the message's header cannot be read (its connection is closed then)
         */
        private void call(Xdr xdr) {
            RpcCall call;
            try {
                xdr.beginDecoding();
                int xid = xdr.xdrDecodeInt();
                int type = xdr.xdrDecodeInt();
                if (type != RpcMessageType.CALL) {
                    return; // a reply: this server makes no calls on its clients' connections
                }
                call = new RpcCall(xid, xdr, this);
                try {
                    call.accept();
                } catch (RpcException e) {
                    call.reject(e.getStatus(), e.getRpcReply());
                    return;
                }
            } catch (IOException | RuntimeException e) {
                throw new Garbage("a message whose header cannot be read (" + e + ")");
            }
            try {
                RpcDispatchable program = programs.get(new OncRpcProgram(call.getProgram(), call.getProgramVersion()));
                if (program == null) {
                    call.failProgramUnavailable();
                    return;
                }
                try {
                    program.dispatchOncRpcCall(call);
                } catch (RpcException e) {
                    call.reject(e.getStatus(), e.getRpcReply());
                } catch (OncRpcException e) {
                    call.failRpcGarbage();
                } catch (IOException e) {
                    call.failRpcGarbage();
                } catch (RuntimeException e) {
                    notice(name + ": a call of program " + call.getProgram() + ", procedure "
                            + call.getProcedure() + " from " + remote + " failed: " + e);
                    call.failRpcSystem();
                }
            } catch (RuntimeException e) {
                // the failure reply itself could not be sent: the connection is gone
            }
        }

        /** Closes the connection for what the client sent, with a notice now and then (never a flood). */
        private void refused(String why) {
            notice(name + ": connection from " + remote + " closed: " + why);
            close();
        }

        @Override
        public <A> void send(Xdr xdr, A attachment, CompletionHandler<Integer, ? super A> handler) {
            Buffer message = xdr.asBuffer();
            ByteBufferArray array = message.toByteBufferArray();
            try {
                ByteBuffer[] parts = array.getArray();
                int count = array.size();
                ByteBuffer[] all = new ByteBuffer[count + 1];
                System.arraycopy(parts, 0, all, 1, count);
                long length = 0;
                for (int i = 1; i <= count; i++) {
                    length += all[i].remaining();
                }
                long written = 0;
                synchronized (writing) {
                    replyMark.clear();
                    replyMark.putInt(0, (int) length | LAST_FRAGMENT);
                    all[0] = replyMark;
                    long total = length + Integer.BYTES;
                    replySince = System.nanoTime();
                    try {
                        while (written < total) {
                            written += channel.write(all);
                        }
                    } finally {
                        replySince = 0;
                    }
                }
                handler.completed((int) written, attachment);
            } catch (IOException | RuntimeException e) {
                close();
                handler.failed(e, attachment);
            } finally {
                array.restore();
                array.recycle();
            }
        }

        void close() {
            closeQuietly(channel);
        }

        @Override
        public ReplyQueue getReplyQueue() {
            return null;
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public InetSocketAddress getLocalSocketAddress() {
            return local;
        }

        @Override
        public InetSocketAddress getRemoteSocketAddress() {
            return remote;
        }

        @Override
        public RpcTransport getPeerTransport() {
            return this;
        }

        @Override
        public void startTLS() throws RpcAuthException, IllegalStateException {
            throw new IllegalStateException("TLS is not offered on " + name);
        }

        @Override
        public boolean isTLS() {
            return false;
        }
    }
}
