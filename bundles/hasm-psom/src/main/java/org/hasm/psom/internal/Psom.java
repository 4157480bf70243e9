package org.hasm.psom.internal;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiPredicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.hasm.psom.internal.LockTable.Grant;
import org.hasm.psom.internal.ObjectStore.Pruned;
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
 * <p>Tombstones. A deletion is kept as a tombstone so that a copy the peer still holds does not
 * bring the object back; {@link #prune} removes the tombstones older than the tombstone lifetime,
 * on the SLAVE first and then on the MASTER, so that no SCM gives up a tombstone while its peer may
 * still hold what it deleted. See there for the rule and why it cannot resurrect an object. While
 * the peer is away, a MASTER prunes alone the tombstones of the objects it created and deleted
 * meanwhile, which the peer never held ({@link #bornAlone(String)}).
 *
 * <p>Threads: the callers' (services), the link's handler threads (the peer's requests), a
 * small pool of named daemon threads ({@code hasm-psom-persist-<scm>}) that persist the MASTER's
 * writes locally while the caller sends them to the peer, and one ({@code hasm-psom-prune-<scm>})
 * that prunes tombstones periodically once {@link #startPruning} is called, and one ({@code
 * hasm-psom-peer-<scm>}) for the work with the peer that no caller waits for: a resynchronisation
 * the MASTER asked for, telling the MASTER that a lock request was given up, asking a returning
 * SLAVE to resynchronise. {@link #close} stops them with a bounded wait.
 */
final class Psom {
    /** The peer, over the link. */
    interface Peer {
        byte[] request(byte[] payload, Duration timeout) throws IOException;

        /** A one-way message: returns once the link took it; the peer answers nothing. */
        void send(byte[] payload) throws IOException;
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
    /** How many times a MASTER asks a peer seen alive again, no replica, to resynchronise. */
    static final int MAX_RESYNC_ASKS = 3;
    /** At most this many tombstones go in one round of pruning; the rest wait for the next. */
    static final int MAX_PRUNE_PER_ROUND = 4096;
    /** The longest time between two rounds of pruning. */
    private static final long MAX_PRUNE_PERIOD_MS = 60_000;
    private static final String BEHIND = " (copied back from an older state?): the persistent objects only it holds,"
            + " as it loaded them, are dropped rather than given, so that nothing deleted and pruned comes back";

    private final String scm;
    private final String peerName;
    private final ObjectStore store;
    private final Peer peer;
    private final Log log;
    private final Duration requestTimeout;
    private final Duration writeTimeout;
    private final Duration tombstoneLifetime;
    // No peer is configured: nobody can hold a copy a pruned tombstone overrides.
    private final boolean standalone;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    // When this SCM stored (or, at boot, found) each tombstone it holds, System.nanoTime(); written
    // with the entry, under its stripe.
    private final Map<String, Long> deletedAt = new ConcurrentHashMap<>();
    // The persistent objects as load() found them on disk, while unchanged since and until a
    // resynchronisation completes: what a store copied back from an older state may hold stale
    // (Resync: behind the pruning). Written under the object's stripe; cleared by a completed resync.
    private final Map<String, Meta> fromDisk = new ConcurrentHashMap<>();
    // Changed under pruneLock, persisted before it is changed here; read freely.
    private volatile Pruned pruned = Pruned.NONE;
    private final Object pruneLock = new Object();
    private final LockTable table = new LockTable();
    // The locks this SCM's holders were granted, by token (as SLAVE: by the MASTER).
    private final Map<Long, Handle> own = new ConcurrentHashMap<>();
    // Writes hold the read lock from the decision to replicate to the end of the replication; the
    // MASTER's answer to a resynchronisation page holds the write lock, so no write slips between
    // the page's comparison and the moment the peer is a replica.
    private final ReentrantReadWriteLock replication = new ReentrantReadWriteLock();
    // Whether the peer gets this SCM's writes: set when it resynchronises, cleared when it dies.
    private volatile boolean peerReplica;
    // As MASTER: every name the peer may hold is held here (a live object or a tombstone), or in owed or
    // strays, or was pruned with the peer's confirmation, since a resynchronisation of the peer with this
    // SCM went through all its pages. Only then does a name absent here prove that the peer holds no copy
    // of it. Set by the last page of a resynchronisation (under the replication write lock); cleared by a
    // boot (volatile objects are gone, a restored store lost some) and whenever this SCM stops being the
    // MASTER (the peer may then write as MASTER, or this SCM miss the old MASTER's last writes).
    private volatile boolean peerKnown;
    // As MASTER: the names created here while the peer was no replica and this SCM knew what it held
    // (peerKnown), absent here at the time (no object, no tombstone): the peer holds no copy of them, so
    // their tombstones are pruned alone (see prune). Added under the name's stripe and the replication read
    // lock; removed when the peer writes the name through this SCM (apply) or the entry goes (removeIf),
    // all cleared when the peer becomes a replica again (syncPage) or this SCM stops being the MASTER.
    private final Set<String> bornAlone = ConcurrentHashMap.newKeySet();
    // As MASTER: the names a resynchronisation page told the SLAVE to give (it holds them, this SCM does
    // not, or a later copy) or to drop, which it gives instead if it wrote them since its boot: the SLAVE
    // holds them until it gives them, after the page's answer, so they are never marked bornAlone. Removed
    // as each arrives (apply), and for a whole page when the next page of the same resynchronisation comes
    // (the SLAVE gives a page's objects before it asks for the next one); those of a last page stay until
    // they arrive (a SLAVE that died first still holds them).
    private final Set<String> owed = ConcurrentHashMap.newKeySet();
    // The names the page last answered put in owed; under the replication write lock.
    private List<String> pageOwed = List.of();
    // As MASTER: the names of changes sent to the peer that this store then failed to keep: the peer may
    // hold a copy of a name absent here, so they are never marked bornAlone. Removed when the peer writes
    // or gives the name (apply).
    private final Set<String> strays = ConcurrentHashMap.newKeySet();
    // How many tombstones were pruned alone (bornAlone) since this core started.
    private final AtomicLong prunedAlone = new AtomicLong();
    // Times the peer stopped being a replica (dead, restarted, this SCM alone): a resynchronisation that one
    // interrupted between two pages missed the writes made meanwhile to the names of the pages it had done
    private final AtomicLong replicaLosses = new AtomicLong();
    // replicaLosses when the resynchronisation in progress began (its first page); under the replication write lock
    private long resyncBegan = -1;
    private volatile Mode mode = Mode.NONE;
    // Guarded by termLock for changes; read freely.
    private volatile long term;
    private final Object termLock = new Object();
    // Serialises the changes of one object (a write, a replica, a resync page), by the name's hash.
    private final Object[] stripes = new Object[64];
    private final ThreadPoolExecutor pool;
    private final AtomicInteger threads = new AtomicInteger();
    // Created by startPruning, ended by close; guarded by this.
    private ScheduledThreadPoolExecutor pruner;
    // The pruning thread's (or a test's that calls prune): whether it said already that tombstones
    // wait for the peer / that the peer did not confirm, so that a long wait is logged once.
    private boolean pruneWaitSaid;
    private boolean pruneFailSaid;
    // The peer work thread (see the class comment); idle, it ends, and the next task starts another.
    private final ScheduledThreadPoolExecutor peerWork;
    // The ids of this SCM's lock requests to the MASTER, one per lock call and the same for all its
    // retries, so that the MASTER tells a retry from a new request and a request given up from a later one.
    private final AtomicLong lockRequests = new AtomicLong(new SecureRandom().nextLong());
    // As MASTER: whether the status monitor last saw the peer alive and serving as SLAVE in DAC.
    private volatile boolean peerServing;
    // As MASTER: each time the peer is seen serving again, a new round of asking it to resynchronise
    // starts; an older round stops.
    private final AtomicLong askRound = new AtomicLong();
    // As SLAVE: a resynchronisation the MASTER asked for waits on the peer work thread.
    private final AtomicBoolean resyncQueued = new AtomicBoolean();
    // Held for a whole resynchronisation: one the MASTER asked for and one of opMode do not overlap.
    private final Object resyncLock = new Object();

    /**
     * @param tombstoneLifetime how long a tombstone is kept at least (see {@link #prune})
     * @param standalone no peer is configured: tombstones are pruned here alone
     */
    Psom(String scm, String peerName, ObjectStore store, Peer peer, Log log, Duration requestTimeout,
            Duration writeTimeout, Duration tombstoneLifetime, boolean standalone) {
        this.scm = scm;
        this.peerName = peerName;
        this.store = store;
        this.peer = peer;
        this.log = log;
        this.requestTimeout = requestTimeout;
        this.writeTimeout = writeTimeout;
        this.tombstoneLifetime = tombstoneLifetime;
        this.standalone = standalone;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
        pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "hasm-psom-persist-" + scm + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        peerWork = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "hasm-psom-peer-" + scm);
            t.setDaemon(true);
            return t;
        });
        peerWork.setKeepAliveTime(30, TimeUnit.SECONDS);
        peerWork.allowCoreThreadTimeOut(true);
        peerWork.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Loads the persistent objects; volatile ones start absent. */
    List<String> load() throws IOException {
        entries.clear();
        deletedAt.clear();
        fromDisk.clear();
        forgetPeer();
        store.claim(scm);
        long now = System.nanoTime();
        for (Entry e : store.load()) {
            entries.put(e.name(), e);
            fromDisk.put(e.name(), e.meta());
            if (e.deleted()) {
                deletedAt.put(e.name(), now); // its age is not stored: it counts from this boot, never less
            }
        }
        term = store.loadTerm();
        pruned = store.loadPruned();
        return store.problems();
    }

    /** Prunes tombstones from now on, every tenth of their lifetime (at most every minute). */
    synchronized void startPruning() {
        if (pruner != null) {
            return;
        }
        pruner = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "hasm-psom-prune-" + scm);
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(10, Math.min(MAX_PRUNE_PERIOD_MS, tombstoneLifetime.toMillis() / 10));
        pruner.scheduleWithFixedDelay(() -> {
            try {
                prune();
            } catch (RuntimeException e) {
                log.warn("pruning tombstones on " + scm + " failed: " + e);
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    void close() {
        ScheduledThreadPoolExecutor p;
        synchronized (this) {
            p = pruner;
            pruner = null;
        }
        pool.shutdownNow();
        peerWork.shutdownNow();
        if (p != null) {
            p.shutdownNow();
        }
        try {
            if (!pool.awaitTermination(2, TimeUnit.SECONDS)) {
                log.warn("replication threads of " + scm + " did not end within 2 s");
            }
            if (!peerWork.awaitTermination(2, TimeUnit.SECONDS)) {
                log.warn("the peer work thread of " + scm + " did not end within 2 s");
            }
            if (p != null && !p.awaitTermination(2, TimeUnit.SECONDS)) {
                log.warn("the pruning thread of " + scm + " did not end within 2 s");
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

    /** @return how many tombstones this SCM holds */
    int tombstones() {
        return deletedAt.size();
    }

    /** @return what this SCM's store knows of pruning */
    Pruned pruned() {
        return pruned;
    }

    /** @return whether the object's tombstone, once old enough, is pruned here alone while the peer is away */
    boolean bornAlone(String name) {
        return bornAlone.contains(name);
    }

    /** @return how many tombstones this core pruned alone, without the peer (see {@link #prune}) */
    long prunedAlone() {
        return prunedAlone.get();
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
        if (was != Mode.MASTER) {
            // as SLAVE it may have missed the old MASTER's last writes; alone, the peer may have been the MASTER
            forgetPeer();
        }
        mode = Mode.MASTER;
        if (degraded) {
            peerGone("FAILOVER");
            raiseTerm();
        }
    }

    /** This SCM runs as SLAVE: resynchronises with the MASTER before it returns. */
    void slave() throws SharedObjectException {
        forgetPeer();
        mode = Mode.SLAVE;
        table.reset(List.of());
        try {
            synchronized (resyncLock) {
                resync();
            }
        } catch (SharedObjectException e) {
            // No MASTER answers (it faulted, it is booting, the link is cut): failing here would put this
            // SCM in MONITOR while it may be the one to take over. Its objects are the latest it knows;
            // writes still need the MASTER, and the next opMode(SLAVE, DAC) resynchronises again, or the
            // MASTER asks for it once it sees this SCM serving (peerServing).
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
        forgetPeer();
        mode = Mode.ALONE;
        peerReplica = false;
        replicaLosses.incrementAndGet();
    }

    /**
     * This SCM no longer knows every name the peer may hold: nothing is pruned alone until the peer has
     * resynchronised with it as MASTER again. A create that read the flag just before may still mark its
     * name after the sets are cleared: harmless, as nothing is pruned alone before a resynchronisation page
     * sets the flag again, and that page clears the marks under the replication write lock, whose read side
     * such a create holds until it has marked.
     */
    private void forgetPeer() {
        peerKnown = false;
        bornAlone.clear();
        owed.clear();
        strays.clear();
    }

    /** The peer is dead, or restarted: it is no replica, and its holders' locks go. */
    void peerGone(String why) {
        boolean was = peerReplica;
        peerReplica = false;
        replicaLosses.incrementAndGet();
        peerServing = false;
        List<Grant> gone = table.releaseScm(peerName);
        if (was || !gone.isEmpty()) {
            log.info("peer " + peerName + " gone (" + why + "): writes stay on " + scm + " until it returns"
                    + (gone.isEmpty() ? "" : "; released its locks " + gone.stream().map(Grant::name).toList()));
        }
    }

    /**
     * What the status monitor says of the peer now. A MASTER whose peer serves as SLAVE in DAC but is
     * no replica (it was found dead a moment and the pair stayed in DAC, so no {@code opMode}
     * resynchronises it) would acknowledge writes the SLAVE never gets: it asks the peer, in the
     * background, to resynchronise ({@link Wire#RESYNC}), again after a while if it is still no
     * replica, {@value #MAX_RESYNC_ASKS} times at most; each time the peer is seen so anew starts over.
     *
     * @param asSlave the peer is alive, and reports that it serves as SLAVE in DAC
     */
    void peerServing(boolean asSlave) {
        peerServing = asSlave;
        if (wantsResync()) {
            long round = askRound.incrementAndGet();
            background(() -> askResync(round, 1));
        }
    }

    private boolean wantsResync() {
        return !standalone && mode == Mode.MASTER && peerServing && !peerReplica;
    }

    /** On the peer work thread. */
    private void askResync(long round, int attempt) {
        if (round != askRound.get() || !wantsResync()) {
            return; // a later round asks, or the peer resynchronised, or is gone
        }
        if (attempt > MAX_RESYNC_ASKS) {
            log.warn("the peer " + peerName + " serves as SLAVE but did not resynchronise when asked " + MAX_RESYNC_ASKS
                    + " times: writes stay on " + scm + " alone until it does (when it is next seen serving, or at"
                    + " its next opMode(SLAVE, DAC))");
            return;
        }
        try {
            peer.send(new Wire.Out(Wire.RESYNC).put(scm).bytes());
            if (attempt == 1) {
                log.info("asked the peer " + peerName + ", serving again as SLAVE, to resynchronise: it is no replica,"
                        + " writes stay on " + scm + " alone until it is");
            }
        } catch (IOException e) {
            log.warn("could not ask the peer " + peerName + " to resynchronise (" + attempt + " of " + MAX_RESYNC_ASKS
                    + "): " + e.getMessage());
        }
        later(() -> askResync(round, attempt + 1), writeTimeout.plus(requestTimeout));
    }

    /**
     * The MASTER asks this SLAVE to resynchronise: done on the peer work thread, never on the link's.
     * While one waits there, a further request adds none.
     */
    private void resyncAsked(String by) {
        if (mode != Mode.SLAVE) {
            return; // booting, alone or MASTER: the next opMode(SLAVE, DAC) resynchronises, if any
        }
        if (!resyncQueued.compareAndSet(false, true)) {
            return;
        }
        background(() -> {
            resyncQueued.set(false);
            synchronized (resyncLock) {
                if (mode != Mode.SLAVE) {
                    return;
                }
                log.info("resynchronises with the MASTER " + by + ", which asked: this SCM is no replica there (it"
                        + " held it dead a moment)");
                try {
                    resync();
                } catch (SharedObjectException e) {
                    log.warn("PSOM on " + scm + " is not resynchronised with the MASTER " + by + ": " + e.getMessage()
                            + "; its objects may be behind the MASTER's until the next resynchronisation");
                }
            }
        });
    }

    private void background(Runnable task) {
        try {
            peerWork.execute(task);
        } catch (RejectedExecutionException e) {
            // closed: nothing is done with the peer any more
        }
    }

    private void later(Runnable task, Duration delay) {
        try {
            peerWork.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
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
            // above every tombstone pruned here, which the peer may hold a moment longer (see prune)
            commit(new Entry(name, persistence, term, cur == null ? pruned.floor() + 1 : cur.version() + 1, false, null),
                    0, cur == null);
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
        return lockFromMaster(name, holder, deadline);
    }

    /**
     * The SLAVE asks the MASTER for the lock, in slices of at most {@value #LOCK_SLICE_MS} ms, every
     * try under one request id. A caller that gives up after a try went unanswered tells the MASTER
     * ({@link #gaveUp}), which may have granted it all the same.
     */
    private Handle lockFromMaster(String name, String holder, long deadline) throws SharedObjectException {
        long request = nextLockRequest();
        IOException last = null; // the last try that went unanswered, if any
        try {
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                long slice = Math.max(0, Math.min(left, LOCK_SLICE_MS));
                try {
                    byte[] answer = peer.request(new Wire.Out(Wire.LOCK).put(name).put(holder).put(slice).put(scm)
                            .put(request).bytes(), requestTimeout.plusMillis(slice));
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
                    throw new SharedObjectException(name, Reason.LOCK_TIMEOUT, "interrupted waiting for the lock of "
                            + name, last);
                }
            }
        } catch (SharedObjectException e) {
            if (last != null) {
                gaveUp(name, holder, request);
            }
            throw e;
        }
    }

    private long nextLockRequest() {
        long id;
        do {
            id = lockRequests.incrementAndGet();
        } while (id == 0); // 0: no id (a SLAVE of the previous release)
        return id;
    }

    /**
     * This SLAVE stopped waiting for lock request {@code request} after one of its tries went
     * unanswered: the MASTER may grant it all the same, to a holder that never learns the token.
     * Tells the MASTER, on the peer work thread (the caller does not wait, and may be interrupted),
     * which releases the lock if that request holds it and refuses a copy of the request still on its
     * way; a lock a later request of the same holder got stays.
     */
    private void gaveUp(String name, String holder, long request) {
        background(() -> {
            try {
                Wire.answer(peer.request(new Wire.Out(Wire.ABANDON).put(name).put(holder).put(request).put(scm).bytes(),
                        requestTimeout));
            } catch (IOException e) {
                log.warn("the MASTER " + peerName + " was not told that " + holder + " gave up waiting for the lock of "
                        + name + " (if it granted it, it releases it when " + holder + " stops or " + scm
                        + " is found dead): " + e.getMessage());
            }
        });
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
                    h.token(), false);
        }
    }

    /**
     * Makes the change durable here and, per role, on the peer; called under the object's stripe.
     *
     * @param absent the change creates an object whose name this SCM holds nothing of, not even a tombstone
     */
    private void commit(Entry e, long token, boolean absent) throws SharedObjectException {
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
                if (stored != null) {
                    strays.add(e.name()); // the peer may keep what this store did not: a name absent here proves nothing
                }
                if (failed != null) {
                    throw failed;
                }
                if (stored != null) {
                    throw stored;
                }
            } else {
                persist(e, "write-");
                if (absent && mayMarkBornAlone(e.name())) {
                    bornAlone.add(e.name());
                }
            }
        } finally {
            replication.readLock().unlock();
        }
        Halt.at("write-replicated");
    }

    /**
     * Whether an object created here just now, under a name absent here, is one the peer can hold no copy
     * of: the peer gets nothing from this SCM while it is no replica (the replication read lock, held by the
     * caller, keeps a resynchronisation page out until the mark is set, and the page clears it), and gets the
     * name from nowhere else as long as every name it may hold is known here (peerKnown) and this is none of
     * those it holds without this SCM (owed, strays).
     */
    private boolean mayMarkBornAlone(String name) {
        return !standalone && mode == Mode.MASTER && !peerReplica && peerKnown && !owed.contains(name)
                && !strays.contains(name);
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
        fromDisk.remove(e.name());
        if (e.deleted()) {
            deletedAt.put(e.name(), System.nanoTime());
        } else {
            deletedAt.remove(e.name());
        }
        adoptTerm(e.term());
    }

    /** Applies an entry from the peer if it is later than this SCM's, or, with {@code winsTies}, not earlier. */
    private boolean apply(Entry e, boolean winsTies) throws SharedObjectException {
        synchronized (stripe(e.name())) {
            // the peer holds a copy of this name, whether or not this one is taken (and even if it is not
            // stored here): the name's tombstone is pruned with the peer from now on
            bornAlone.remove(e.name());
            Entry cur = entries.get(e.name());
            if (cur != null) {
                Meta mine = cur.meta();
                Meta theirs = e.meta();
                boolean take = theirs.newerThan(mine) || (winsTies && !mine.newerThan(theirs) && !mine.sameContent(theirs));
                if (!take) {
                    held(e.name());
                    return false;
                }
            }
            persist(e, "replica-");
            held(e.name());
            return true;
        }
    }

    /**
     * The peer's copy of the name is here, or one later than it: the name is no longer one only the peer
     * holds. Under the name's stripe.
     */
    private void held(String name) {
        owed.remove(name);
        strays.remove(name);
    }

    // ---- the peer's requests ----

    byte[] handle(byte[] payload) throws IOException {
        Wire.In in = new Wire.In(payload);
        byte kind = in.kind();
        try {
            return switch (kind) {
                case Wire.LOCK -> lockFor(in.getString(), in.getString(), in.getLong(), in.getString(),
                        in.hasMore() ? in.getLong() : 0);
                case Wire.ABANDON -> abandonFor(in.getString(), in.getString(), in.getLong(), in.getString());
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
                case Wire.PRUNE -> pruneFor(in);
                case Wire.RESYNC -> {
                    resyncAsked(in.getString());
                    yield Wire.ok().bytes();
                }
                default -> throw new IOException("unknown PSOM message kind " + kind);
            };
        } catch (SharedObjectException e) {
            return Wire.refusal(e.reason(), e.getMessage());
        }
    }

    /** @param request the id of the SLAVE's lock call, the same in its retries; 0 if it has none */
    private byte[] lockFor(String name, String holder, long waitMs, String from, long request)
            throws SharedObjectException {
        if (mode != Mode.MASTER) {
            throw new SharedObjectException(name, Reason.UNAVAILABLE, scm + " is not the MASTER (" + mode + ")");
        }
        if (!exists(name)) {
            throw new SharedObjectException(name, Reason.NOT_FOUND, "shared object " + name + " does not exist on the MASTER "
                    + scm);
        }
        String who = from == null ? peerName : from;
        try {
            Grant g = table.acquire(name, who, holder, request, TimeUnit.MILLISECONDS.toNanos(waitMs));
            if (g == null) {
                if (table.finished(request)) {
                    throw new SharedObjectException(name, Reason.LOCK_TIMEOUT, "this request of " + holder + " on " + who
                            + " for the lock of " + name + " is over (given up, or its grant released)");
                }
                throw timeout(name, table.holder(name), Duration.ofMillis(waitMs));
            }
            return Wire.ok().put(g.token()).bytes();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SharedObjectException(name, Reason.UNAVAILABLE, "interrupted");
        }
    }

    private byte[] abandonFor(String name, String holder, long request, String from) {
        Grant g = table.abandon(name, from == null ? peerName : from, holder, request);
        if (g != null) {
            log.info("released the lock of " + name + " granted to " + g + ", which had given up waiting for it");
        }
        return Wire.ok().bytes();
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

    /**
     * The SLAVE's side: page by page over its names, until both agree. Each page also says how far
     * this store has followed the pruning ({@link Pruned}): if it is behind, the MASTER names the
     * objects that it alone holds and that may have been deleted and pruned meanwhile, and they are
     * dropped here rather than given (see {@link Resync}). Once every page is through, this store
     * has followed the MASTER's pruning and records so.
     */
    private void resync() throws SharedObjectException {
        String from = null;
        int taken = 0;
        int given = 0;
        int dropped = 0;
        long theirGeneration = -1;
        long started = System.nanoTime();
        for (int round = 0; round < MAX_SYNC_ROUNDS; round++) {
            if (mode != Mode.SLAVE) {
                throw new SharedObjectException("*", Reason.UNAVAILABLE, "resynchronisation with " + peerName
                        + " stopped: " + scm + " is no longer a SLAVE (" + mode + ")");
            }
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
            Pruned mine = pruned;
            Wire.Out request = new Wire.Out(Wire.SYNC).put(from).put(to).put(term);
            request.putMetas(page.values());
            request.put(mine.generation()).put(mine.confirmed());
            Wire.In answer = syncRequest(request.bytes(), started);
            try {
                adoptTerm(answer.getLong());
                boolean more = answer.in.readBoolean();
                for (Entry e : answer.entries()) {
                    apply(e, true);
                    taken++;
                }
                List<String> wanted = new ArrayList<>(answer.names());
                if (answer.hasMore()) { // a MASTER of the previous release says neither
                    theirGeneration = Math.max(theirGeneration, answer.getLong());
                    List<String> stale = answer.names();
                    List<Meta> asSent = stale.stream().map(page::get).filter(m -> m != null).toList();
                    List<String> gone = removeIf(asSent, (cur, m) -> cur.meta().equals(m) && m.equals(fromDisk.get(m.name())));
                    dropped += gone.size();
                    // written since it was loaded: not a stale copy, so the MASTER gets it after all
                    stale.stream().filter(n -> !gone.contains(n)).forEach(wanted::add);
                }
                List<Entry> push = new ArrayList<>();
                int size = 0;
                for (String name : wanted) {
                    Entry e = entries.get(name);
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
                caughtUpWith(theirGeneration);
                log.info("resynchronised with the MASTER " + peerName + " in "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms: took " + taken
                        + " objects, gave " + given + (dropped == 0 ? "" : ", dropped " + dropped
                                + " stale ones it alone held (this store was behind the pruning)")
                        + "; term " + term);
                return;
            }
            from = to;
        }
        throw new SharedObjectException("*", Reason.UNAVAILABLE, "resynchronisation with " + peerName + " did not end in "
                + MAX_SYNC_ROUNDS + " rounds");
    }

    /**
     * A resynchronisation went through every page: this store holds nothing the peer pruned, so it
     * takes the peer's pruning generation (which the peer has durably, and is therefore confirmed)
     * and no longer needs to know what it loaded at boot.
     *
     * @param theirs the peer's generation, -1 if it did not say (previous release)
     */
    private void caughtUpWith(long theirs) {
        if (theirs < 0) {
            return; // not checked: what was loaded is still to be checked against a MASTER that says
        }
        fromDisk.clear();
        try {
            updatePruned(p -> new Pruned(Math.max(p.generation(), theirs), Math.max(p.confirmed(), theirs), p.floor()));
        } catch (IOException e) {
            // the generation stays behind: the next resynchronisation checks the objects again, no harm
            log.warn("cannot record PSOM's pruning generation " + theirs + ": " + e.getMessage());
        }
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
                if (!notYet || System.nanoTime() - deadline > 0 || Thread.currentThread().isInterrupted()
                        || mode != Mode.SLAVE) {
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

    /**
     * The MASTER's side of one page: what the SLAVE must take, which of its objects to send, and,
     * if either store is behind the pruning, which objects only it holds are dropped rather than
     * given (on the SLAVE: named in the answer; here: dropped now, under the write lock).
     */
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
        // -1: a SLAVE of the previous release, which does not say
        long theirGeneration = in.hasMore() ? in.getLong() : -1;
        long theirConfirmed = in.hasMore() ? in.getLong() : -1;
        replication.writeLock().lock();
        try {
            long losses = replicaLosses.get();
            if (from == null) {
                resyncBegan = losses;
            } else if (resyncBegan != losses) {
                // the peer was held gone between two pages: what was written meanwhile to the names of the pages
                // it had done never reached it, and the pages to come do not look back. It starts again.
                throw new SharedObjectException("*", Reason.UNAVAILABLE, "the resynchronisation of " + peerName
                        + " was interrupted (it was held gone, or this SCM alone, since its first page): start again");
            }
            // from now on every write is sent to the peer too; this page and the next settle the rest
            peerReplica = true;
            // and nothing here is out of its reach any more: no tombstone is pruned without it
            bornAlone.clear();
            if (from != null) {
                // the SLAVE gave what the previous page asked for before it asked for this one (what it did not
                // give, it no longer held)
                pageOwed.forEach(owed::remove);
            }
            Pruned ours = pruned;
            boolean slaveBehind = theirGeneration >= 0 && theirGeneration < ours.confirmed();
            boolean masterBehind = theirConfirmed > ours.generation();
            if (from == null && slaveBehind) {
                log.warn("the PSOM store of the SLAVE " + peerName + " is at pruning generation " + theirGeneration
                        + ", below the " + ours.confirmed() + " it confirmed" + BEHIND);
            }
            if (from == null && masterBehind) {
                log.warn("this SCM's PSOM store is at pruning generation " + ours.generation() + ", below the "
                        + theirConfirmed + " the SLAVE " + peerName + " saw it at" + BEHIND);
            }
            Map<String, Meta> mine = new TreeMap<>();
            for (Entry e : entries.values()) {
                String name = e.name();
                if ((from == null || name.compareTo(from) > 0) && (to == null || name.compareTo(to) <= 0)) {
                    mine.put(name, e.meta());
                }
            }
            Resync.Plan plan = Resync.decide(mine, theirs, slaveBehind, masterBehind);
            // the SLAVE holds these until it gives them, after this answer (see owed)
            List<String> listed = new ArrayList<>(plan.toMaster());
            listed.addAll(plan.dropOnSlave());
            owed.addAll(listed);
            pageOwed = listed;
            List<String> toSlave = new ArrayList<>(plan.toSlave());
            if (!plan.dropOnMaster().isEmpty()) {
                List<Meta> stale = plan.dropOnMaster().stream().map(mine::get).toList();
                List<String> gone = removeIf(stale, (cur, m) -> cur.meta().equals(m) && m.equals(fromDisk.get(m.name())));
                if (!gone.isEmpty()) {
                    log.info("dropped " + gone.size() + " persistent objects the SLAVE " + peerName
                            + " does not hold, as this store loaded them (it is behind the pruning)");
                }
                plan.dropOnMaster().stream().filter(name -> !gone.contains(name)).forEach(toSlave::add);
            }
            if (theirGeneration > ours.confirmed()) {
                long seen = theirGeneration;
                updatePruned(p -> new Pruned(p.generation(), Math.max(p.confirmed(), seen), p.floor()));
            }
            Wire.Out out = Wire.ok().put(term);
            List<Entry> give = new ArrayList<>();
            int size = 0;
            boolean more = false;
            for (String name : toSlave) {
                Entry e = entries.get(name);
                if (e == null) {
                    continue;
                }
                int cost = e.value().length + name.length() * 3 + 40;
                if (size + cost > PAGE_BYTES / 2 && !give.isEmpty()) {
                    more = true;
                    break;
                }
                give.add(e);
                size += cost;
            }
            if (to == null && !more) {
                // the last page: every object of this store has been compared with the SLAVE's
                if (masterBehind) {
                    long seen = Math.max(theirGeneration, theirConfirmed);
                    updatePruned(p -> new Pruned(Math.max(p.generation(), seen), p.confirmed(), p.floor()));
                }
                if (theirGeneration >= 0) {
                    fromDisk.clear();
                }
                // every name the SLAVE holds has been compared with this SCM's, none of its pages missed a write
                // (resyncBegan): what it holds that this SCM does not is owed
                peerKnown = true;
            }
            out.out.writeBoolean(more);
            out.out.writeInt(give.size());
            give.forEach(out::put);
            out.putNames(plan.toMaster());
            out.put(pruned.generation());
            out.putNames(plan.dropOnSlave());
            return out.bytes();
        } catch (IOException e) {
            throw new SharedObjectException("*", Reason.STORAGE, "resynchronisation page on " + scm + ": "
                    + e.getMessage(), e);
        } finally {
            replication.writeLock().unlock();
        }
    }

    // ---- pruning ----

    /**
     * One round of pruning: removes the tombstones this SCM has held for longer than the tombstone
     * lifetime, at most {@value #MAX_PRUNE_PER_ROUND}, in batches that fit a link message. Runs on
     * the MASTER while the peer is a replica (or on a standalone SCM); elsewhere it keeps them.
     *
     * <p>The rule: a tombstone goes only after (1) it has been held here for the lifetime, and (2)
     * the SLAVE has dropped its own copy of that name first: the MASTER sends the batch ({@link
     * Wire#PRUNE}), the SLAVE removes, durably, whatever it holds under each name that is not later
     * than the tombstone (the tombstone itself, or a stale copy it missed the deletion of), and only
     * once it confirmed does the MASTER remove its own. Why nothing comes back:
     * <ul>
     * <li>A deleted object comes back only if one SCM gives a copy older than the deletion to a peer
     * that no longer holds the tombstone. The SLAVE removes first, so at every instant the MASTER
     * holds the tombstone, or the SLAVE holds nothing the tombstone overrides; either way a
     * resynchronisation takes the tombstone or finds nothing to give. A SLAVE that was away when
     * the object was deleted is not a replica, so nothing is pruned until it has resynchronised
     * (and taken the tombstone); a SLAVE that returns in the middle of a round still has its stale
     * copy removed by the stamp test.</li>
     * <li>The lifetime, far longer than a change can be in flight between the SCMs (a write is
     * retried for at most the write timeout, over any channel), keeps the tombstone past every
     * older copy of the object still on its way to this SCM.</li>
     * <li>An object created again under a pruned name starts above the versions pruned ({@link
     * Pruned#floor}), so its stamp is later than the tombstone the MASTER holds until it removes it.</li>
     * <li>The rounds are numbered ({@link Pruned#generation}); before any tombstone of a round goes,
     * both stores record its number, and each that the other holds it. A store copied back from an
     * older state (a restored disk or snapshot) shows a lower number than its peer knows it had: at
     * the next resynchronisation it drops the objects only it holds, as it loaded them, rather than
     * giving them (see {@link Resync}).</li>
     * </ul>
     * A round that cannot reach the SLAVE removes nothing here, and the next one tries again.
     *
     * <p>Alone. While the peer is no replica (away: dead, fenced, upgraded), the MASTER cannot have it drop
     * its copy first, and keeps its tombstones, except those of the objects born alone ({@link
     * #bornAlone(String)}): created here while the peer was no replica, under a name this SCM held nothing of, at a
     * time it knew every name the peer may hold ({@code peerKnown}: it has resynchronised the peer as MASTER
     * since its boot, and stayed MASTER). The peer holds no copy of such an object and never gets one while
     * it is marked: this SCM sends it nothing while it is no replica, and the resynchronisation that makes it
     * one clears the marks first; a write of the peer to the name through this SCM clears the name's mark.
     * So a resynchronisation can neither bring the object back (no copy of it exists there) nor need its
     * tombstone (nothing there for it to override), and the tombstone goes without asking the peer and
     * without a new pruning generation (which guards copies the peer held). A boot forgets the marks, and
     * marks nothing until the peer resynchronised again: after a restart a name absent here proves nothing
     * (volatile objects are gone, a create cut by the crash may be on the peer only, a restored store lacks
     * what it lost), so a deletion made after a boot stays until the peer takes its tombstone. What the
     * peer itself wrote alone meanwhile (in MONITOR) under the same name, unseen here, is given back at the
     * resynchronisation as if this SCM had never created the name.
     *
     * @return how many tombstones were removed here
     */
    int prune() {
        if (mode == Mode.SLAVE && !standalone) {
            return 0; // the MASTER's rounds prune here too: nothing to do, nothing to say
        }
        boolean withPeer = mayPrune();
        boolean alone = !withPeer && mayPruneAlone();
        long now = System.nanoTime();
        long lifetime = tombstoneLifetime.toNanos();
        List<Entry> old = new ArrayList<>();
        int kept = 0;
        for (Map.Entry<String, Long> d : deletedAt.entrySet()) {
            Entry e = entries.get(d.getKey());
            if (e != null && e.deleted() && now - d.getValue() >= lifetime) {
                // chosen before the cap: tombstones kept for the peer never crowd the born-alone ones out of a round
                if (!withPeer && !(alone && bornAlone.contains(e.name()))) {
                    kept++;
                } else if (old.size() < MAX_PRUNE_PER_ROUND) {
                    old.add(e);
                }
            }
        }
        sayKept(kept, alone);
        if (old.isEmpty()) {
            return 0;
        }
        int done = 0;
        int first = 0;
        while (first < old.size()) {
            int end = first;
            int bytes = 0;
            while (end < old.size() && (end == first || bytes + metaBytes(old.get(end)) <= PAGE_BYTES)) {
                bytes += metaBytes(old.get(end));
                end++;
            }
            int removed = alone ? pruneAloneBatch(old.subList(first, end)) : pruneBatch(old.subList(first, end));
            if (removed < 0) {
                break;
            }
            done += removed;
            first = end;
        }
        if (done > 0) {
            log.info("pruned " + done + " tombstones held over " + tombstoneLifetime.toMillis() + " ms"
                    + (standalone ? " (standalone)" : alone ? " alone, without the SLAVE " + peerName + ": their"
                            + " objects were created and deleted here while it was away, it never held them ("
                            + prunedAlone.get() + " pruned alone since " + scm + " started)"
                            : ", removed on the SLAVE " + peerName + " first")
                    + "; " + deletedAt.size() + " tombstones left, pruning generation " + pruned.generation());
        }
        return done;
    }

    /** Says once, until none is kept, that tombstones old enough wait for the peer. */
    private void sayKept(int kept, boolean alone) {
        if (kept == 0) {
            pruneWaitSaid = false;
            return;
        }
        if (pruneWaitSaid) {
            return;
        }
        pruneWaitSaid = true;
        log.info("keeps " + kept + " tombstones older than " + tombstoneLifetime.toMillis() + " ms: they"
                + " are pruned with the SLAVE once " + (mode == Mode.MASTER ? "the peer " + peerName
                        + " is a replica again" : "this SCM is the MASTER with a replica")
                + (mode != Mode.MASTER || standalone ? "" : alone ? " (its copies may need them; those of objects"
                        + " created and deleted here while it is away are pruned alone)" : " (none is pruned alone"
                        + " before the peer has resynchronised with " + scm + " as MASTER since its boot)"));
    }

    private boolean mayPrune() {
        return standalone ? mode != Mode.NONE : mode == Mode.MASTER && peerReplica;
    }

    /** peerKnown too: a mark set by a create that overlapped a change of role counts only once it is set again. */
    private boolean mayPruneAlone() {
        return !standalone && mode == Mode.MASTER && !peerReplica && peerKnown;
    }

    /**
     * Removes the tombstones of the batch still born alone, without the peer (see {@link #prune}).
     *
     * @return how many were removed, -1 if none could be
     */
    private int pruneAloneBatch(List<Entry> batch) {
        List<Meta> metas = batch.stream().map(Entry::meta).toList();
        // held against a resynchronisation page, which makes the peer a replica and clears the marks
        replication.readLock().lock();
        try {
            if (!mayPruneAlone()) {
                return -1;
            }
            int removed = removeIf(metas, (cur, m) -> cur.deleted() && cur.meta().equals(m) && bornAlone.contains(m.name()))
                    .size();
            prunedAlone.addAndGet(removed);
            pruneFailSaid = false;
            return removed;
        } catch (IOException e) {
            if (!pruneFailSaid) {
                pruneFailSaid = true;
                log.warn("tombstones not pruned alone on " + scm + ": " + e.getMessage() + "; tried again in the next round");
            }
            return -1;
        } finally {
            replication.readLock().unlock();
        }
    }

    private static int metaBytes(Entry e) {
        return 40 + e.name().length() * 3;
    }

    /** @return how many of the batch were removed here, -1 if the SLAVE did not confirm it */
    private int pruneBatch(List<Entry> batch) {
        List<Meta> metas = batch.stream().map(Entry::meta).toList();
        long floor = metas.stream().mapToLong(Meta::version).max().orElse(0);
        // held against a resynchronisation page: it compares this SCM's objects with the SLAVE's at one instant
        replication.readLock().lock();
        try {
            if (!mayPrune()) {
                return -1;
            }
            // recorded before the SLAVE hears of it, so that the SLAVE may record it as this store's: a copy
            // of this store from before the round then shows a lower generation than the SLAVE knows. A
            // round the SLAVE did not confirm removed nothing here: the next one goes on under its number.
            Pruned was = pruned;
            long generation = was.generation() > was.confirmed() ? was.generation()
                    : Math.max(was.generation(), was.confirmed()) + 1;
            updatePruned(p -> new Pruned(Math.max(p.generation(), generation), p.confirmed(), Math.max(p.floor(), floor)));
            if (!standalone) {
                Wire.In answer = Wire.answer(peer.request(new Wire.Out(Wire.PRUNE).put(generation).putMetas(metas).bytes(),
                        requestTimeout));
                long theirs = answer.getLong();
                updatePruned(p -> new Pruned(p.generation(), Math.max(p.confirmed(), theirs), p.floor()));
            }
            pruneFailSaid = false;
            return removeIf(metas, (cur, m) -> cur.deleted() && cur.meta().equals(m)).size();
        } catch (IOException e) {
            if (!pruneFailSaid) {
                pruneFailSaid = true;
                log.warn("tombstones not pruned on " + scm + ": " + (standalone ? "" : "the SLAVE " + peerName
                        + " did not confirm dropping them first: ") + e.getMessage() + "; tried again in the next round");
            }
            return -1;
        } finally {
            replication.readLock().unlock();
        }
    }

    /**
     * The SLAVE's side of a round of pruning: removes, durably, whatever it holds under each name
     * that is not later than the MASTER's tombstone, having recorded first the new floor, the
     * round's generation as its own and as the MASTER's (which recorded it before sending it).
     * Answers with its generation, now durable.
     */
    private byte[] pruneFor(Wire.In in) throws IOException, SharedObjectException {
        long generation = in.getLong();
        int n = in.count();
        List<Meta> metas = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            metas.add(in.meta());
        }
        if (mode != Mode.SLAVE) {
            throw new SharedObjectException("*", Reason.UNAVAILABLE, scm + " is not a SLAVE (" + mode
                    + "): it prunes nothing at a peer's request");
        }
        long floor = metas.stream().mapToLong(Meta::version).max().orElse(0);
        try {
            updatePruned(p -> new Pruned(Math.max(p.generation(), generation), Math.max(p.confirmed(), generation),
                    Math.max(p.floor(), floor)));
            // a later copy (created again meanwhile) stays: the MASTER holds it too, or receives it
            List<String> gone = removeIf(metas, (cur, m) -> !cur.meta().newerThan(m));
            if (!gone.isEmpty()) {
                log.info("pruned " + gone.size() + " tombstones the MASTER " + peerName + " prunes; " + deletedAt.size()
                        + " tombstones left, pruning generation " + pruned.generation());
            }
        } catch (IOException e) {
            throw new SharedObjectException("*", Reason.STORAGE, "cannot prune tombstones in " + store.folder() + ": "
                    + e.getMessage(), e);
        }
        return Wire.ok().put(pruned.generation()).bytes();
    }

    /**
     * Removes, each under its stripe, the objects that {@code still} accepts (their current entry,
     * the meta they were chosen by), files included, and forces the folder once.
     *
     * @return the names removed
     */
    private List<String> removeIf(Collection<Meta> which, BiPredicate<Entry, Meta> still) throws IOException {
        List<String> gone = new ArrayList<>();
        boolean unlinked = false;
        for (Meta m : which) {
            synchronized (stripe(m.name())) {
                Entry cur = entries.get(m.name());
                if (cur == null || !still.test(cur, m)) {
                    continue;
                }
                if (cur.persistence() == Persistence.PERSISTENT) {
                    unlinked |= store.unlink(m.name());
                }
                entries.remove(m.name());
                deletedAt.remove(m.name());
                fromDisk.remove(m.name());
                bornAlone.remove(m.name()); // absent now: a new object under the name is judged when created
                gone.add(m.name());
            }
        }
        // a failure above leaves some removals undone or not yet durable: the caller fails, and they are
        // done again later; an object removed here and back after a crash is only kept longer
        if (unlinked) {
            store.forceFolder();
        }
        return gone;
    }

    /** Records a new pruning state, durably before it is used here. */
    private void updatePruned(UnaryOperator<Pruned> change) throws IOException {
        synchronized (pruneLock) {
            Pruned next = change.apply(pruned);
            if (!next.equals(pruned)) {
                store.writePruned(next);
                pruned = next;
            }
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
