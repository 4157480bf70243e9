package org.hasm.psom.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Pattern;
import org.hasm.psom.internal.LockTable.Grant;
import org.hasm.spi.shared.Persistence;
import org.hasm.spi.shared.SharedObjectException;
import org.hasm.spi.shared.SharedObjectException.Reason;
import org.hasm.spi.shared.SharedObjects;

/**
 * PSOM's core on one SCM, without OSGi: the objects (persistent ones in an {@link ObjectStore},
 * volatile ones in memory), the lock table when this SCM is the MASTER, replication to the peer and
 * the resynchronisation of a returning SLAVE.
 *
 * <p>Roles. As MASTER (and alone: {@link Mode#ALONE}, after {@code stop}, in MONITOR) this SCM grants
 * the locks itself; as SLAVE it asks the MASTER over the link, and keeps the grants it got ({@code
 * own}) so that the locks of its holders stay held if it takes over as MASTER. A write on the MASTER
 * is persisted here and sent to the peer in parallel, and returns once both have it durable (the
 * peer only while it is a replica: alive and resynchronised). A write on the SLAVE goes to the
 * MASTER first (which checks the lock), then here.
 *
 * <p>Threads: the callers' (services), the link's handler threads (the peer's requests), and a
 * small pool of named daemon threads ({@code hasm-psom-persist-<scm>}) that persist the MASTER's
 * writes locally while the caller sends them to the peer; {@link #close} stops it with a bounded wait.
 */
final class Psom {
    /** The peer, over the link. */
    interface Peer {
        byte[] request(byte[] payload, Duration timeout) throws IOException;
    }

    interface Log {
        void info(String message);

        void warn(String message);
    }

    enum Mode {
        /** Booted, not told its role yet: reads only. */
        NONE,
        MASTER,
        SLAVE,
        /** On its own (MONITOR, or stopped): grants its own locks, writes locally. */
        ALONE
    }

    /** A grant as the caller sees it. */
    record Handle(String name, long token, String holder) implements org.hasm.spi.shared.SharedLock {
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._~/@:+=-]{1," + SharedObjects.MAX_NAME_LENGTH + "}");
    // Room left in a link message (64 KiB) for a page of a resynchronisation.
    private static final int PAGE_BYTES = 40 * 1024;
    private static final int MAX_SYNC_ROUNDS = 100_000;
    private static final long LOCK_SLICE_MS = 1000;
    private static final long RETRY_PARK_MS = 10;

    private final String scm;
    private final String peerName;
    private final ObjectStore store;
    private final Peer peer;
    private final Log log;
    private final Duration requestTimeout;
    private final Duration writeTimeout;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final LockTable table = new LockTable();
    // The locks this SCM's holders were granted, by token (as SLAVE: by the MASTER).
    private final Map<Long, Handle> own = new ConcurrentHashMap<>();
    // Writes hold the read lock from the decision to replicate to the end of the replication; the
    // MASTER's answer to a resynchronisation page holds the write lock, so no write slips between
    // the page's comparison and the moment the peer is a replica.
    private final ReentrantReadWriteLock replication = new ReentrantReadWriteLock();
    // Whether the peer gets this SCM's writes: set when it resynchronises, cleared when it dies.
    private volatile boolean peerReplica;
    private volatile Mode mode = Mode.NONE;
    // Guarded by termLock for changes; read freely.
    private volatile long term;
    private final Object termLock = new Object();
    // Serialises the changes of one object (a write, a replica, a resync page), by the name's hash.
    private final Object[] stripes = new Object[64];
    private final ThreadPoolExecutor pool;
    private final AtomicInteger threads = new AtomicInteger();

    Psom(String scm, String peerName, ObjectStore store, Peer peer, Log log, Duration requestTimeout,
            Duration writeTimeout) {
        this.scm = scm;
        this.peerName = peerName;
        this.store = store;
        this.peer = peer;
        this.log = log;
        this.requestTimeout = requestTimeout;
        this.writeTimeout = writeTimeout;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
        pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "hasm-psom-persist-" + scm + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    /** Loads the persistent objects; volatile ones start absent. */
    List<String> load() throws IOException {
        entries.clear();
        for (Entry e : store.load()) {
            entries.put(e.name(), e);
        }
        term = store.loadTerm();
        return store.problems();
    }

    void close() {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(2, TimeUnit.SECONDS)) {
                log.warn("replication threads of " + scm + " did not end within 2 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Mode mode() {
        return mode;
    }

    long term() {
        return term;
    }

    boolean peerReplica() {
        return peerReplica;
    }

    int size() {
        return (int) entries.values().stream().filter(e -> !e.deleted()).count();
    }

    List<Grant> locks() {
        return table.all();
    }

    // ---- roles (from the module's lifecycle and the status monitor) ----

    /** This SCM runs as MASTER; {@code degraded}: it took over alone (FAILOVER). */
    void master(boolean degraded) throws IOException {
        Mode was = mode;
        if (was != Mode.MASTER && was != Mode.ALONE) {
            // the locks granted by the old MASTER to this SCM's holders stay held; the rest are its own affair
            table.reset(own.values().stream().map(h -> new Grant(h.name(), h.token(), scm, h.holder())).toList());
        }
        mode = Mode.MASTER;
        if (degraded) {
            peerGone("FAILOVER");
            raiseTerm();
        }
    }

    /** This SCM runs as SLAVE: resynchronises with the MASTER before it returns. */
    void slave() throws SharedObjectException {
        mode = Mode.SLAVE;
        table.reset(List.of());
        try {
            resync();
        } catch (SharedObjectException e) {
            // No MASTER answers (it faulted, it is booting, the link is cut): failing here would put this
            // SCM in MONITOR while it may be the one to take over. Its objects are the latest it knows;
            // writes still need the MASTER, and the next opMode(SLAVE, DAC) resynchronises again.
            peerReplica = false;
            log.warn("PSOM runs as SLAVE not resynchronised: " + e.getMessage() + "; its objects may be behind the"
                    + " MASTER's until the next resynchronisation");
        }
    }

    /** On its own from now on (stopped, MONITOR). */
    void alone() {
        if (mode == Mode.SLAVE) {
            table.reset(own.values().stream().map(h -> new Grant(h.name(), h.token(), scm, h.holder())).toList());
        }
        mode = Mode.ALONE;
        peerReplica = false;
    }

    /** The peer is dead, or restarted: it is no replica, and its holders' locks go. */
    void peerGone(String why) {
        boolean was = peerReplica;
        peerReplica = false;
        List<Grant> gone = table.releaseScm(peerName);
        if (was || !gone.isEmpty()) {
            log.info("peer " + peerName + " gone (" + why + "): writes stay on " + scm + " until it returns"
                    + (gone.isEmpty() ? "" : "; released its locks " + gone.stream().map(Grant::name).toList()));
        }
    }

    private void raiseTerm() throws IOException {
        synchronized (termLock) {
            store.writeTerm(term + 1);
            term = term + 1;
        }
    }

    private void adoptTerm(long seen) {
        if (seen <= term) {
            return;
        }
        synchronized (termLock) {
            if (seen > term) {
                try {
                    store.writeTerm(seen);
                } catch (IOException e) {
                    log.warn("cannot record PSOM term " + seen + ": " + e.getMessage());
                }
                term = seen;
            }
        }
    }

    // ---- the service's calls ----

    boolean create(String name, Persistence persistence) throws SharedObjectException {
        check(name);
        writable(name);
        synchronized (stripe(name)) {
            Entry cur = entries.get(name);
            if (cur != null && !cur.deleted()) {
                if (cur.persistence() == persistence) {
                    return false;
                }
                throw new SharedObjectException(name, Reason.CONFLICT, "shared object " + name + " exists as "
                        + cur.persistence() + ", not " + persistence);
            }
            commit(new Entry(name, persistence, term, cur == null ? 1 : cur.version() + 1, false, null), 0);
            return true;
        }
    }

    boolean exists(String name) throws SharedObjectException {
        check(name);
        Entry e = entries.get(name);
        return e != null && !e.deleted();
    }

    Optional<byte[]> read(String name) throws SharedObjectException {
        check(name);
        Entry e = entries.get(name);
        return e == null || e.deleted() ? Optional.empty() : Optional.of(e.value().clone());
    }

    List<String> names(String prefix) {
        String p = prefix == null ? "" : prefix;
        return entries.values().stream().filter(e -> !e.deleted() && e.name().startsWith(p)).map(Entry::name).sorted()
                .toList();
    }

    Handle lock(String name, Duration wait, String holder) throws SharedObjectException {
        check(name);
        writable(name);
        long deadline = System.nanoTime() + Math.max(0, wait.toNanos());
        if (mode != Mode.SLAVE) {
            if (!exists(name)) {
                throw new SharedObjectException(name, Reason.NOT_FOUND, "shared object " + name + " does not exist");
            }
            try {
                Grant g = table.acquire(name, scm, holder, wait.toNanos());
                if (g == null) {
                    throw timeout(name, table.holder(name), wait);
                }
                Handle h = new Handle(name, g.token(), holder);
                own.put(h.token(), h);
                return h;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SharedObjectException(name, Reason.LOCK_TIMEOUT, "interrupted waiting for the lock of " + name);
            }
        }
        IOException last = null;
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            long slice = Math.max(0, Math.min(left, LOCK_SLICE_MS));
            try {
                byte[] answer = peer.request(new Wire.Out(Wire.LOCK).put(name).put(holder).put(slice).put(scm).bytes(),
                        requestTimeout.plusMillis(slice));
                long token = Wire.answer(answer).getLong();
                Handle h = new Handle(name, token, holder);
                own.put(token, h);
                return h;
            } catch (Wire.Refused r) {
                if (r.reason != Reason.LOCK_TIMEOUT || left <= 0) {
                    throw new SharedObjectException(name, r.reason, r.getMessage());
                }
            } catch (IOException e) {
                last = e;
                if (left <= 0 || mode != Mode.SLAVE) {
                    throw new SharedObjectException(name, Reason.UNAVAILABLE, "the lock of " + name
                            + " is granted by the MASTER " + peerName + ", which did not answer: " + e.getMessage(), e);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(RETRY_PARK_MS));
            }
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new SharedObjectException(name, Reason.LOCK_TIMEOUT, "interrupted waiting for the lock of " + name,
                        last);
            }
        }
    }

    private static SharedObjectException timeout(String name, Grant holder, Duration wait) {
        return new SharedObjectException(name, Reason.LOCK_TIMEOUT, "the lock of shared object " + name
                + " is held by " + (holder == null ? "another holder" : holder) + "; not free within " + wait.toMillis()
                + " ms");
    }

    void unlock(Handle h) throws SharedObjectException {
        own.remove(h.token());
        if (mode != Mode.SLAVE) {
            table.release(h.token());
            return;
        }
        try {
            Wire.answer(peer.request(new Wire.Out(Wire.UNLOCK).put(h.token()).bytes(), requestTimeout));
        } catch (IOException e) {
            throw new SharedObjectException(h.name(), Reason.UNAVAILABLE, "the MASTER " + peerName
                    + " was not told to unlock " + h.name() + " (it releases it when " + scm + " is found dead): "
                    + e.getMessage(), e);
        }
    }

    void write(Handle h, byte[] value) throws SharedObjectException {
        if (value.length > SharedObjects.MAX_VALUE_BYTES) {
            throw new SharedObjectException(h.name(), Reason.TOO_LARGE, "value of " + value.length + " bytes for "
                    + h.name() + ", over the limit of " + SharedObjects.MAX_VALUE_BYTES);
        }
        change(h, value, false);
    }

    /** Deletes the object and releases its lock, also when the deletion failed (the caller keeps no lock to release). */
    void delete(Handle h) throws SharedObjectException {
        try {
            change(h, null, true);
        } catch (SharedObjectException | RuntimeException e) {
            try {
                unlock(h);
            } catch (SharedObjectException u) {
                e.addSuppressed(u);
            }
            throw e;
        }
        unlock(h);
    }

    private void change(Handle h, byte[] value, boolean delete) throws SharedObjectException {
        String name = h.name();
        writable(name);
        if (mode == Mode.SLAVE ? !own.containsKey(h.token()) : !table.holds(name, h.token())) {
            own.remove(h.token());
            throw new SharedObjectException(name, Reason.NOT_HELD, "the lock of shared object " + name
                    + " is no longer held (unlocked, or released by a failover or when its bundle stopped)");
        }
        synchronized (stripe(name)) {
            Entry cur = entries.get(name);
            if (cur == null || cur.deleted()) {
                throw new SharedObjectException(name, Reason.NOT_FOUND, "shared object " + name + " does not exist");
            }
            commit(new Entry(name, cur.persistence(), term, cur.version() + 1, delete, delete ? null : value.clone()),
                    h.token());
        }
    }

    /** Makes the change durable here and, per role, on the peer; called under the object's stripe. */
    private void commit(Entry e, long token) throws SharedObjectException {
        Halt.at("write-begin");
        if (mode == Mode.SLAVE) {
            replicate(e, token, true);
            persist(e, "write-");
            Halt.at("write-replicated");
            return;
        }
        replication.readLock().lock();
        try {
            if (mode == Mode.MASTER && peerReplica) {
                // The caller waits for the peer's answer anyway, so it sends the change itself while a pool
                // thread persists it here (done first, as a rule): the answer wakes the caller directly,
                // not a pool thread that then wakes the caller, one hand-over fewer on every write.
                Future<?> local = pool.submit(() -> {
                    persist(e, "write-");
                    return null;
                });
                SharedObjectException failed = null;
                try {
                    replicate(e, token, false);
                } catch (SharedObjectException x) {
                    failed = x;
                }
                // waited for even when the peer failed: the change must be on disk, or not, before the stripe is let go
                SharedObjectException stored = awaitLocal(e.name(), local);
                if (failed != null) {
                    throw failed;
                }
                if (stored != null) {
                    throw stored;
                }
            } else {
                persist(e, "write-");
            }
        } finally {
            replication.readLock().unlock();
        }
        Halt.at("write-replicated");
    }

    /** @return why the local persist failed, or {@code null} once it is done */
    private SharedObjectException awaitLocal(String name, Future<?> local) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    local.get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
                    return null;
                } catch (InterruptedException x) {
                    interrupted = true; // the persist is not abandoned half way: waited for all the same
                } catch (ExecutionException x) {
                    return x.getCause() instanceof SharedObjectException s ? s
                            : new SharedObjectException(name, Reason.STORAGE, "cannot write shared object " + name
                                    + ": " + x.getCause(), x.getCause());
                } catch (TimeoutException x) {
                    return new SharedObjectException(name, Reason.STORAGE, "writing shared object " + name + " to "
                            + store.folder() + " took over " + writeTimeout.toMillis() + " ms");
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Sends the change to the peer until it confirms, it is found dead (a MASTER then goes on
     * alone), or the write's time runs out.
     */
    private void replicate(Entry e, long token, boolean toMaster) throws SharedObjectException {
        byte[] message = new Wire.Out(Wire.WRITE).put(token).put(e).bytes();
        long deadline = System.nanoTime() + writeTimeout.toNanos();
        while (true) {
            try {
                Wire.answer(peer.request(message, requestTimeout));
                return;
            } catch (Wire.Refused r) {
                throw new SharedObjectException(e.name(), r.reason, peerName + " refused " + e.name() + ": " + r.getMessage());
            } catch (IOException x) {
                if (!toMaster && !peerReplica) {
                    return; // found dead meanwhile: it resynchronises when it returns
                }
                if (System.nanoTime() - deadline > 0 || Thread.currentThread().isInterrupted()) {
                    throw new SharedObjectException(e.name(), toMaster ? Reason.UNAVAILABLE : Reason.PEER,
                            (toMaster ? "the MASTER " : "the peer ") + peerName + " did not confirm " + e.name()
                                    + " within " + writeTimeout.toMillis() + " ms: " + x.getMessage(), x);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(RETRY_PARK_MS));
            }
        }
    }

    private void persist(Entry e, String steps) throws SharedObjectException {
        try {
            if (e.persistence() == Persistence.PERSISTENT) {
                store.write(e, steps);
            } else {
                store.remove(e.name());
            }
        } catch (IOException x) {
            throw new SharedObjectException(e.name(), Reason.STORAGE, "cannot write shared object " + e.name() + " to "
                    + store.folder() + ": " + x.getMessage(), x);
        }
        entries.put(e.name(), e);
        adoptTerm(e.term());
    }

    /** Applies an entry from the peer if it is later than this SCM's, or, with {@code winsTies}, not earlier. */
    private boolean apply(Entry e, boolean winsTies) throws SharedObjectException {
        synchronized (stripe(e.name())) {
            Entry cur = entries.get(e.name());
            if (cur != null) {
                Meta mine = cur.meta();
                Meta theirs = e.meta();
                boolean take = theirs.newerThan(mine) || (winsTies && !mine.newerThan(theirs) && !mine.sameContent(theirs));
                if (!take) {
                    return false;
                }
            }
            persist(e, "replica-");
            return true;
        }
    }

    // ---- the peer's requests ----

    byte[] handle(byte[] payload) throws IOException {
        Wire.In in = new Wire.In(payload);
        byte kind = in.kind();
        try {
            return switch (kind) {
                case Wire.LOCK -> lockFor(in.getString(), in.getString(), in.getLong(), in.getString());
                case Wire.UNLOCK -> {
                    table.release(in.getLong());
                    yield Wire.ok().bytes();
                }
                case Wire.RELEASE_HOLDER -> {
                    table.releaseHolder(peerName, in.getString());
                    yield Wire.ok().bytes();
                }
                case Wire.WRITE -> replicaFor(in.getLong(), in.entry());
                case Wire.SYNC -> syncPage(in);
                case Wire.PUSH -> {
                    for (Entry e : in.entries()) {
                        apply(e, false);
                    }
                    yield Wire.ok().bytes();
                }
                default -> throw new IOException("unknown PSOM message kind " + kind);
            };
        } catch (SharedObjectException e) {
            return Wire.refusal(e.reason(), e.getMessage());
        }
    }

    private byte[] lockFor(String name, String holder, long waitMs, String from) throws SharedObjectException {
        if (mode != Mode.MASTER) {
            throw new SharedObjectException(name, Reason.UNAVAILABLE, scm + " is not the MASTER (" + mode + ")");
        }
        if (!exists(name)) {
            throw new SharedObjectException(name, Reason.NOT_FOUND, "shared object " + name + " does not exist on the MASTER "
                    + scm);
        }
        try {
            Grant g = table.acquire(name, from == null ? peerName : from, holder, TimeUnit.MILLISECONDS.toNanos(waitMs));
            if (g == null) {
                throw timeout(name, table.holder(name), Duration.ofMillis(waitMs));
            }
            return Wire.ok().put(g.token()).bytes();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SharedObjectException(name, Reason.UNAVAILABLE, "interrupted");
        }
    }

    private byte[] replicaFor(long token, Entry e) throws SharedObjectException {
        if (mode == Mode.MASTER && token != 0 && !table.holds(e.name(), token)) {
            throw new SharedObjectException(e.name(), Reason.NOT_HELD, "the lock of shared object " + e.name()
                    + " is not held by " + peerName + " on the MASTER " + scm);
        }
        if (token != 0 && e.deleted() && mode == Mode.MASTER) {
            table.release(token);
        }
        apply(e, false);
        return Wire.ok().bytes();
    }

    // ---- resynchronisation ----

    /** The SLAVE's side: page by page over its names, until both agree. */
    private void resync() throws SharedObjectException {
        String from = null;
        int taken = 0;
        int given = 0;
        long started = System.nanoTime();
        for (int round = 0; round < MAX_SYNC_ROUNDS; round++) {
            TreeMap<String, Meta> page = new TreeMap<>();
            int bytes = 0;
            String to = null;
            for (Entry e : sortedAfter(from)) {
                if (bytes > PAGE_BYTES / 2) {
                    to = page.lastKey();
                    break;
                }
                page.put(e.name(), e.meta());
                bytes += 40 + e.name().length() * 3;
            }
            Wire.Out request = new Wire.Out(Wire.SYNC).put(from).put(to).put(term);
            writeMetas(request, page.values());
            Wire.In answer = syncRequest(request.bytes(), started);
            try {
                adoptTerm(answer.getLong());
                boolean more = answer.in.readBoolean();
                for (Entry e : answer.entries()) {
                    apply(e, true);
                    taken++;
                }
                int wanted = answer.count();
                List<Entry> push = new ArrayList<>();
                int size = 0;
                for (int i = 0; i < wanted; i++) {
                    Entry e = entries.get(answer.in.readUTF());
                    if (e == null) {
                        continue;
                    }
                    if (size + e.value().length + 300 > PAGE_BYTES && !push.isEmpty()) {
                        push(push);
                        push.clear();
                        size = 0;
                    }
                    push.add(e);
                    size += e.value().length + 300;
                    given++;
                }
                if (!push.isEmpty()) {
                    push(push);
                }
                if (more) {
                    continue;
                }
            } catch (IOException e) {
                throw new SharedObjectException("*", Reason.UNAVAILABLE, "resynchronisation with " + peerName
                        + " broke: " + e.getMessage(), e);
            }
            if (to == null) {
                log.info("resynchronised with the MASTER " + peerName + " in "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms: took " + taken
                        + " objects, gave " + given + "; term " + term);
                return;
            }
            from = to;
        }
        throw new SharedObjectException("*", Reason.UNAVAILABLE, "resynchronisation with " + peerName + " did not end in "
                + MAX_SYNC_ROUNDS + " rounds");
    }

    /**
     * One page of the resynchronisation. The MASTER may not know its role yet (at READY the SLAVE's
     * {@code opMode} can come a little before the MASTER's): asked again until it answers as MASTER,
     * for at most the write timeout from the start of the resynchronisation.
     */
    private Wire.In syncRequest(byte[] request, long started) throws SharedObjectException {
        long deadline = started + writeTimeout.toNanos();
        while (true) {
            try {
                return Wire.answer(peer.request(request, requestTimeout));
            } catch (IOException e) {
                boolean notYet = !(e instanceof Wire.Refused r) || r.reason == Reason.UNAVAILABLE;
                if (!notYet || System.nanoTime() - deadline > 0 || Thread.currentThread().isInterrupted()) {
                    throw new SharedObjectException("*", Reason.UNAVAILABLE, "cannot resynchronise with the MASTER "
                            + peerName + " within " + writeTimeout.toMillis() + " ms: " + e.getMessage(), e);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(RETRY_PARK_MS));
            }
        }
    }

    private void push(List<Entry> push) throws IOException {
        Wire.Out out = new Wire.Out(Wire.PUSH);
        out.out.writeInt(push.size());
        push.forEach(out::put);
        Wire.answer(peer.request(out.bytes(), requestTimeout));
    }

    private List<Entry> sortedAfter(String from) {
        ConcurrentSkipListMap<String, Entry> sorted = new ConcurrentSkipListMap<>(entries);
        return List.copyOf((from == null ? sorted : sorted.tailMap(from, false)).values());
    }

    private static void writeMetas(Wire.Out out, java.util.Collection<Meta> metas) {
        try {
            out.out.writeInt(metas.size());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        metas.forEach(out::put);
    }

    /** The MASTER's side of one page: what the SLAVE must take, and which of its objects to send. */
    private byte[] syncPage(Wire.In in) throws IOException, SharedObjectException {
        if (mode != Mode.MASTER) {
            throw new SharedObjectException("*", Reason.UNAVAILABLE, scm + " is not the MASTER (" + mode + ")");
        }
        String from = in.getString();
        String to = in.getString();
        adoptTerm(in.getLong());
        int n = in.count();
        Map<String, Meta> theirs = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            Meta m = in.meta();
            theirs.put(m.name(), m);
        }
        replication.writeLock().lock();
        try {
            // from now on every write is sent to the peer too; this page and the next settle the rest
            peerReplica = true;
            Map<String, Meta> mine = new TreeMap<>();
            for (Entry e : entries.values()) {
                String name = e.name();
                if ((from == null || name.compareTo(from) > 0) && (to == null || name.compareTo(to) <= 0)) {
                    mine.put(name, e.meta());
                }
            }
            Resync.Plan plan = Resync.decide(mine, theirs);
            Wire.Out out = Wire.ok().put(term);
            List<Entry> give = new ArrayList<>();
            int size = 0;
            boolean more = false;
            for (String name : plan.toSlave()) {
                Entry e = entries.get(name);
                int cost = e.value().length + name.length() * 3 + 40;
                if (size + cost > PAGE_BYTES / 2 && !give.isEmpty()) {
                    more = true;
                    break;
                }
                give.add(e);
                size += cost;
            }
            out.out.writeBoolean(more);
            out.out.writeInt(give.size());
            give.forEach(out::put);
            out.out.writeInt(plan.toMaster().size());
            for (String name : plan.toMaster()) {
                out.out.writeUTF(name);
            }
            return out.bytes();
        } finally {
            replication.writeLock().unlock();
        }
    }

    // ---- holders ----

    /** Releases every lock a holder (a bundle's instance of the service) took on this SCM. */
    void releaseHolder(String holder) {
        own.values().removeIf(h -> h.holder().equals(holder));
        if (mode != Mode.SLAVE) {
            List<Grant> gone = table.releaseHolder(scm, holder);
            if (!gone.isEmpty()) {
                log.info("released the locks of " + holder + ": " + gone.stream().map(Grant::name).toList());
            }
            return;
        }
        try {
            Wire.answer(peer.request(new Wire.Out(Wire.RELEASE_HOLDER).put(holder).bytes(), requestTimeout));
        } catch (IOException e) {
            log.warn("the MASTER " + peerName + " was not told that " + holder + " stopped (it releases its locks when "
                    + scm + " is found dead): " + e.getMessage());
        }
    }

    // ---- checks ----

    private static void check(String name) throws SharedObjectException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new SharedObjectException(String.valueOf(name), Reason.INVALID_NAME, "shared object name '" + name
                    + "' is not 1 to " + SharedObjects.MAX_NAME_LENGTH + " characters of [A-Za-z0-9._~/@:+=-]");
        }
    }

    private void writable(String name) throws SharedObjectException {
        if (mode == Mode.NONE) {
            throw new SharedObjectException(name, Reason.UNAVAILABLE, "PSOM on " + scm
                    + " takes changes once it is told its role (it is booting)");
        }
    }

    private Object stripe(String name) {
        return stripes[Math.floorMod(name.hashCode(), stripes.length)];
    }
}
