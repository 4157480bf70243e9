package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;

/**
 * The lock state of one personality: per volume, its {@link LockStore}, the blocked requests waiting
 * for a lock, and the grace period after a loss; for the personality, its {@link NsmState} on the
 * volume of its first export. The state of a volume is read as soon as this SCM serves it ({@link #serve()},
 * at the opMode that gives it the personality), so that a loss found there, or notices a killed SCM still
 * owed, reach the clients at once rather than at the first lock request, which clients that held locks do
 * not send; a request that comes first reads it itself. Every change is forced to the volume, and the volume
 * fenced, before the caller replies: a request this SCM can no longer prove it may serve is dropped, never
 * granted. Calls back to clients (NLM_GRANTED, the _RES replies, SM_NOTIFY, SM_MON's callbacks) run on the
 * personality's own {@code hasm-nlm-<personality>-callback} thread, each within the callback deadline;
 * its queue is bounded (the oldest call is dropped when it is full: a client that is not told retries
 * its lock and gets it then). What needs no request (that reading, the retries of SM_NOTIFY, the end of a
 * grace period) runs on its {@code hasm-nlm-<personality>-state} thread.
 *
 * <p>A loss is told once per reading: once the raise is durable the volume's state is kept, even while its damaged
 * log cannot be set aside yet (the volume read-only for a while); then only the setting aside is tried again, on the
 * state thread, and nothing is granted on the volume, for nothing could be recorded on it. Only a new ownership
 * epoch reads the log again, and finds the loss again.
 *
 * <p>Thread safety: every field but {@code callbacks}, {@code timer}, {@code closed} and the state thread's
 * own ({@code openRetryMs}, {@code openRetry}, {@code openProblem}) is guarded by this object; requests of every
 * worker thread call in, each change runs under the lock from table to disk.
 */
final class Locks implements AutoCloseable {
    private static final int MAX_WAITERS = 1024;
    private static final int MAX_PEERS = 1024;
    private static final int CALLBACK_QUEUE = 256;
    private static final long JOIN_MS = 2_000;
    /** How often SM_NOTIFY is tried for a client host that does not answer, and the first pause between tries (doubled). */
    static final int NOTIFY_TRIES = 4;
    static final long NOTIFY_RETRY_MS = 1_000;
    /** The first and the longest pause before the state of a volume still being acquired is tried again. */
    private static final long OPEN_RETRY_FIRST_MS = 250;
    private static final long OPEN_RETRY_MAX_MS = 10_000;

    /**
     * Why a request gets no reply: the volume is no longer this SCM's to answer for, or what it asks cannot be
     * recorded now and no answer would do (a reclaim on a volume whose damaged log is not set aside yet).
     */
    static class Dropped extends Exception {
        private static final long serialVersionUID = 1L;

        Dropped(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The fence was refused while this SCM's ownership of the volume has not ended (its lease lapsed for a
     * moment under load): the request is answered NLM4_DENIED_GRACE_PERIOD, so the client asks again, as
     * NFS answers JUKEBOX. A procedure without a status (FREE_ALL) gets no reply, as for {@link Dropped}.
     */
    static final class NotNow extends Dropped {
        private static final long serialVersionUID = 1L;

        NotNow(String message) {
            super(message);
        }
    }

    /** A blocked lock request: granted, and the client called back, when what it waits for is released. */
    record Waiter(String volume, long file, LockTable.Owner owner, boolean exclusive, long start, long last,
            XdrNlm.LockArgs args, String client, String server) {
        boolean same(LockTable.Owner o, boolean x, long s, long l) {
            return owner.equals(o) && exclusive == x && start == s && last == l;
        }
    }

    /** What a request's handle proved: the file's id on its volume, and the volume now. */
    record Place(VolumeState volume, Volume owned, long file) {
    }

    private final class VolumeLocks {
        final VolumeState volume;
        final long epoch;
        final LockStore store;
        final List<Waiter> waiters = new ArrayList<>();
        // while only reclaims are admitted: when it ends here (0: no grace), and the durable record it came from
        long graceUntilNanos;
        NsmState.Grace grace;
        // why the last try to set the damaged log aside failed (warned once per reason), null if none failed
        String setAsideFailure;

        VolumeLocks(VolumeState volume, long epoch, LockStore store) {
            this.volume = volume;
            this.epoch = epoch;
            this.store = store;
        }

        boolean inGrace() {
            return graceUntilNanos != 0 && System.nanoTime() - graceUntilNanos < 0;
        }

        /** @return whether the loss was told but the damaged log is still in place: nothing can be recorded now */
        boolean pending() {
            return store.setAsidePending();
        }
    }

    private final String personality;
    private final VolumeState home;
    // every volume of the personality's exports: whether a client host holds anything is asked of them all
    private final List<VolumeState> all;
    private final int maxPeers;
    private final NlmSettings settings;
    private final Events events;
    private final ThreadPoolExecutor callbacks;
    private final ScheduledThreadPoolExecutor timer;
    // the wall clock: a grace period's end is recorded in it, so that the next owner of the volume can resume it
    private final LongSupplier wallClock;
    private volatile boolean closed;
    // the state thread's own: the pause before the next try of a volume not readable yet, and that try
    private long openRetryMs = OPEN_RETRY_FIRST_MS;
    private ScheduledFuture<?> openRetry;
    private String openProblem;
    // while the state thread reads the volumes served (a loss found then needs no other retry started)
    private boolean reading;
    private final Map<String, VolumeLocks> volumes = new HashMap<>();
    // granted to a waiting client whose GRANTED callback has not been answered yet: a CANCEL then releases it
    private final List<Waiter> unconfirmed = new ArrayList<>();
    private NsmState nsm;
    private long nsmEpoch;

    /** @param all the volumes of the personality's exports, {@code home} (the first export's) among them */
    Locks(String personality, VolumeState home, List<VolumeState> all, NlmSettings settings, Events events) {
        this(personality, home, all, settings, events, MAX_PEERS);
    }

    /** @param maxPeers how many client hosts the NSM state keeps at most */
    Locks(String personality, VolumeState home, List<VolumeState> all, NlmSettings settings, Events events,
            int maxPeers) {
        this(personality, home, all, settings, events, maxPeers, System::currentTimeMillis);
    }

    /** @param wallClock milliseconds since 1970, as the grace periods are recorded */
    Locks(String personality, VolumeState home, List<VolumeState> all, NlmSettings settings, Events events,
            int maxPeers, LongSupplier wallClock) {
        this.personality = personality;
        this.wallClock = wallClock;
        this.home = home;
        this.all = List.copyOf(all);
        this.maxPeers = maxPeers;
        this.settings = settings;
        this.events = events;
        this.callbacks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(CALLBACK_QUEUE), r -> {
                    Thread t = new Thread(r, "hasm-nlm-" + personality + "-callback");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.DiscardOldestPolicy());
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "hasm-nlm-" + personality + "-state");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        // idle most of the time: no thread kept for it (a delayed task keeps its thread until it ran)
        timer.setKeepAliveTime(30, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
    }

    // ---- serving ----

    /**
     * This SCM serves the personality from now on (or was told so again by an opMode): reads the lock and NSM
     * state of every volume of it this SCM owns, on the state thread, so that a loss is found, and owed notices
     * go, without waiting for a lock request. Never blocks the caller (a lifecycle call with a deadline): the
     * reading may wait for the storage, and is tried again, less and less often, while a volume is still being
     * acquired or does not read.
     */
    void serve() {
        try {
            timer.execute(() -> openServed(true));
        } catch (RejectedExecutionException e) {
            // closed: nothing is served any more
        }
    }

    /** On the state thread: reads every owned volume's state (once per epoch), and tries again later if need be. */
    private void openServed(boolean fresh) {
        if (fresh) {
            openRetryMs = OPEN_RETRY_FIRST_MS;
            if (openRetry != null) {
                openRetry.cancel(false);
            }
        }
        openRetry = null;
        List<String> problems = new ArrayList<>();
        boolean waiting = false;
        synchronized (this) {
            if (closed) {
                return;
            }
            reading = true;
            try {
                for (VolumeState v : all) {
                    if (v.current() == null) {
                        // being acquired (or its lease lapsed a moment): read once it is owned; another SCM's: never
                        waiting |= v.pending();
                        continue;
                    }
                    try {
                        VolumeLocks known = volumes.get(v.name());
                        VolumeLocks vl = open(v);
                        if (vl == known) {
                            setAside(vl); // a loss told before: only its damaged log is still to go, if that
                        }
                        // its failure is warned of by setAside, once per reason
                        waiting |= vl.pending();
                    } catch (IOException | RuntimeException e) {
                        problems.add("volume " + v.name() + ": " + e.getMessage());
                    }
                }
            } finally {
                reading = false;
            }
        }
        String problem = problems.isEmpty() ? null : String.join("; ", problems);
        if (problem != null && !problem.equals(openProblem)) {
            events.warn("personality " + personality + ": the lock state could not be read at the start of serving ("
                    + problem + "); tried again, and by the next lock request");
        } else if (problem == null && openProblem != null) {
            events.info("personality " + personality + ": the lock state reads again");
        }
        openProblem = problem;
        if (problem == null && !waiting) {
            return;
        }
        try {
            openRetry = timer.schedule(() -> openServed(false), openRetryMs, TimeUnit.MILLISECONDS);
            openRetryMs = Math.min(2 * openRetryMs, OPEN_RETRY_MAX_MS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    // ---- opening the state of a volume ----

    /**
     * @return the lock state of the volume as this SCM owns it now: read again whenever the volume's epoch
     *     moved since it was read (another SCM served it meanwhile: a paused SCM that woke, lost the volume and
     *     got it back must not serve what it remembered)
     */
    private VolumeLocks open(VolumeState v) throws IOException {
        Volume owned = v.current();
        if (owned == null) {
            throw new IOException("volume " + v.name() + " is not owned by this SCM now");
        }
        VolumeLocks vl = volumes.get(v.name());
        if (vl != null && vl.epoch == owned.epoch()) {
            return vl;
        }
        if (vl != null) {
            events.info("personality " + personality + ": volume " + v.name() + " changed hands since its locks were "
                    + "read (epoch " + vl.epoch + ", now " + owned.epoch() + "): reading them again");
            volumes.remove(v.name());
            unconfirmed.removeIf(w -> w.volume().equals(v.name()));
            vl.store.close();
        }
        NsmState n = nsm();
        LockStore store = new LockStore(v.root().resolve(FileIds.META), owned.epoch());
        vl = new VolumeLocks(v, owned.epoch(), store);
        if (store.lost() != null) {
            // the damaged log is set aside only once the raised state is durable; until then (this SCM dies, the
            // raise fails) whoever reads the volume next finds the loss again, and nothing is served from it
            try {
                lost(List.of(vl), "the lock state on volume " + v.name() + " was lost (" + store.lost() + ")", n);
            } catch (IOException | RuntimeException e) {
                store.close();
                throw e;
            }
            // told, durably: kept from here on for this epoch even if the log cannot be set aside now, so that
            // neither a retry nor a request reads it again and raises, and tells every client, again
            volumes.put(v.name(), vl);
            if (!setAside(vl) && !reading) {
                serve(); // found by a request: the state thread tries again, less and less often
            }
            return vl;
        }
        resumeGrace(vl, n);
        volumes.put(v.name(), vl);
        return vl;
    }

    /**
     * Sets the damaged log of a volume whose loss was told aside, if it is still in place: from then on its locks
     * are recorded, and served. A failure is warned of once per reason; the caller tries again later.
     *
     * @return whether nothing is left to set aside
     */
    private boolean setAside(VolumeLocks vl) {
        if (!vl.pending()) {
            return true;
        }
        try {
            vl.store.setAside();
        } catch (IOException | RuntimeException e) {
            String why = e.toString();
            if (!why.equals(vl.setAsideFailure)) {
                events.warn("personality " + personality + ": volume " + vl.volume.name() + ": its damaged lock log "
                        + "could not be set aside (" + why + "); the loss was told and is not told again, but nothing"
                        + " is granted on the volume, for nothing could be recorded, until it is; tried again");
            }
            vl.setAsideFailure = why;
            return false;
        }
        if (vl.setAsideFailure != null) {
            events.info("personality " + personality + ": volume " + vl.volume.name() + ": its damaged lock log is "
                    + "set aside now: its locks are recorded and served again");
            vl.setAsideFailure = null;
        }
        return true;
    }

    /**
     * The answer to a LOCK or SHARE the grace admits on a volume whose damaged log is still in place: nothing can be
     * recorded there, so nothing is granted. A reclaim gets no reply, so the client sends it again and has its lock
     * once the log is set aside: answered NLM4_DENIED_GRACE_PERIOD, clients give a reclaim up as refused (Linux's
     * lockd does), and NLM4_DENIED loses it for good. Any other request is told to ask again
     * (NLM4_DENIED_GRACE_PERIOD), as while the fence is refused for a moment.
     */
    private static int notRecordable(VolumeLocks vl, boolean reclaim) throws Dropped {
        if (reclaim) {
            throw new Dropped("volume " + vl.volume.name() + ": its damaged lock log is not set aside yet: the reclaim"
                    + " could not be recorded");
        }
        return Nlm4.DENIED_GRACE_PERIOD;
    }

    /**
     * A grace period that an earlier owner of the volume began (this SCM before a restart, or the peer before
     * the takeover) and that has not run out goes on for the time left, never longer than a whole one as
     * configured now ({@code nlm.grace.ms=0} ends it); the clients told of the loss may still be reclaiming. A
     * volume whose lock state was read whole and has no such record gets none: a takeover alone admits every
     * lock at once.
     */
    private void resumeGrace(VolumeLocks vl, NsmState n) {
        NsmState.Grace g = n.grace(vl.volume.name());
        if (g == null) {
            return;
        }
        long left = Math.min(g.untilMillis() - wallClock.getAsLong(), settings.graceMs());
        if (left <= 0) {
            return; // over (forgotten at the next raise)
        }
        beginGrace(vl, g, left);
        events.warn("personality " + personality + ": volume " + vl.volume.name() + ": the grace period begun by an "
                + "earlier owner of the volume resumes for the " + left + " ms left (" + g.why() + "): only reclaims "
                + "admitted until then");
        events.publish("NLM_GRACE_STARTED", Map.of("personality", personality, "volume", vl.volume.name(),
                "reason", g.why(), "graceMs", left, "resumed", true));
    }

    /** Admits only reclaims on the volume for {@code ms}, and says so when that ends (on the state thread). */
    private void beginGrace(VolumeLocks vl, NsmState.Grace g, long ms) {
        vl.graceUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        vl.grace = g;
        try {
            timer.schedule(() -> graceOver(vl, g), ms, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed: nothing is served any more; the record stays for whoever serves the volume next
        }
    }

    /** On the state thread: the grace period {@code g} of the volume has run out; reported, and forgotten durably. */
    private void graceOver(VolumeLocks vl, NsmState.Grace g) {
        String then;
        synchronized (this) {
            if (closed || vl.grace != g || volumes.get(vl.volume.name()) != vl) {
                return; // ended otherwise: a newer grace, the volume read again or given up
            }
            vl.graceUntilNanos = 0;
            vl.grace = null;
            then = vl.pending() ? "locks admitted again once its damaged lock log is set aside"
                    : "every lock admitted again";
            Volume owned = home.current();
            if (nsm != null && owned != null && owned.epoch() == nsmEpoch) {
                try {
                    nsm.graceOver(vl.volume.name(), g);
                } catch (IOException | RuntimeException e) {
                    // harmless: a record that ran out resumes nothing; the next raise forgets it
                    events.warn("personality " + personality + ": volume " + vl.volume.name() + ": the end of its grace "
                            + "period could not be recorded: " + e.getMessage());
                }
            }
        }
        events.info("personality " + personality + ": volume " + vl.volume.name() + ": the grace period ended: " + then);
        events.publish("NLM_GRACE_ENDED", Map.of("personality", personality, "volume", vl.volume.name(),
                "reason", g.why()));
    }

    private NsmState nsm() throws IOException {
        Volume owned = home.current();
        if (owned == null) {
            throw new IOException("volume " + home.name() + " is not owned by this SCM now");
        }
        if (nsm == null || nsmEpoch != owned.epoch()) {
            nsm = null;
            nsm = new NsmState(home.root().resolve(FileIds.META), maxPeers, owned.epoch());
            nsmEpoch = owned.epoch();
            if (nsm.damaged() != null) {
                events.warn("personality " + personality + ": the NSM state did not read (" + nsm.damaged()
                        + "); it starts again at state " + nsm.state() + " and knows no client to notify");
            }
            if (nsm.owed()) {
                // the SCM that raised it (this one before a kill, or the peer) stopped before every notice was tried
                events.warn("personality " + personality + ": clients not told of NSM state " + nsm.state()
                        + " before the last stop: telling them now");
                tell(nsm, nsm.state());
            }
        }
        return nsm;
    }

    /** The lock state is gone: raise the NSM state, tell every monitored client, admit only reclaims for a while. */
    private void lost(List<VolumeLocks> gone, String why, NsmState n) throws IOException {
        NsmState.Grace g = raise(n, gone.stream().map(vl -> vl.volume.name()).toList(), why);
        announce(gone, why, n, n.state(), g);
    }

    /**
     * Raises the NSM state and records, in the same write, the grace period of {@code volumes} from now.
     *
     * @return the grace recorded, or {@code null} if none is configured
     */
    private NsmState.Grace raise(NsmState n, List<String> volumes, String why) throws IOException {
        long now = wallClock.getAsLong();
        NsmState.Grace g = settings.graceMs() == 0 ? null : new NsmState.Grace(now + settings.graceMs(), why);
        n.raise(volumes, g, now);
        return g;
    }

    /**
     * After a raise to {@code state}: admit only reclaims on {@code gone} for the grace period {@code g} recorded with
     * it (none if {@code null}), say so, tell the clients.
     */
    private void announce(List<VolumeLocks> gone, String why, NsmState n, int state, NsmState.Grace g) {
        for (VolumeLocks vl : gone) {
            if (g != null) {
                beginGrace(vl, g, settings.graceMs());
            }
            vl.waiters.clear();
        }
        List<NsmState.Peer> peers = n.peers();
        List<String> names = gone.stream().map(vl -> vl.volume.name()).toList();
        events.warn("personality " + personality + ": " + why + "; NSM state raised to " + state + ", " + peers.size()
                + " client(s) told to reclaim, " + (g == null ? "no grace period (nlm.grace.ms=0)"
                : "only reclaims admitted on " + names + " for " + settings.graceMs() + " ms"));
        events.publish("NLM_STATE_LOST", Map.of("personality", personality, "volumes", names, "reason", why,
                "state", state, "clients", peers.size(), "graceMs", g == null ? 0L : settings.graceMs()));
        if (g != null) {
            for (String name : names) {
                events.publish("NLM_GRACE_STARTED", Map.of("personality", personality, "volume", name, "reason", why,
                        "graceMs", settings.graceMs(), "resumed", false));
            }
        }
        tell(n, state);
    }

    /**
     * Queues SM_NOTIFY of {@code state} to every client host kept, as one task: once each notice was tried (answered,
     * or refused or past its deadline {@value #NOTIFY_TRIES} times, {@value #NOTIFY_RETRY_MS} ms apart and twice as
     * long each time), the state is recorded as told, so a kill before then leaves the notices owed and the next open
     * of the state sends them. A task that finds the state raised again since, or read again (the volume changed
     * hands), sends nothing: the newer raise or read tells the clients itself. One that is interrupted (the
     * personality closes) or dropped (a full queue) leaves them owed.
     */
    private void tell(NsmState n, int state) {
        List<NsmState.Peer> peers = n.peers();
        callbacks.execute(() -> tell(n, state, peers, peers, 1));
    }

    /** On the callback thread: one try of the notices to {@code left}, the hosts not reached yet. */
    private void tell(NsmState n, int state, List<NsmState.Peer> peers, List<NsmState.Peer> left, int attempt) {
        synchronized (this) {
            if (n != nsm || n.state() != state) {
                return;
            }
        }
        List<NsmState.Peer> failed = new ArrayList<>();
        long pause = NOTIFY_RETRY_MS << (attempt - 1);
        String then = attempt < NOTIFY_TRIES ? " (try " + attempt + " of " + NOTIFY_TRIES + ", again in " + pause + " ms)"
                : " (try " + attempt + " of " + NOTIFY_TRIES + ": given up; the client learns of the loss when it next"
                + " asks for a lock)";
        for (NsmState.Peer p : left) {
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            XdrNlm.StatChange notify = new XdrNlm.StatChange(true);
            notify.name = p.server();
            notify.state = state;
            if (!send("SM_NOTIFY of state " + state + " to " + p.name(), p.address(), Nlm4.NSM_PROGRAM,
                    Nlm4.NSM_VERSION, Nlm4.SM_NOTIFY, notify, false, null, then)) {
                failed.add(p);
            }
        }
        if (!failed.isEmpty() && attempt < NOTIFY_TRIES) {
            // the pause on the state thread, the sending on the callback thread: neither holds the other back
            try {
                timer.schedule(() -> callbacks.execute(() -> tell(n, state, peers, failed, attempt + 1)), pause,
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // closing: the notices stay owed
            }
            return;
        }
        synchronized (this) {
            Volume owned = home.current();
            if (Thread.currentThread().isInterrupted() || n != nsm || owned == null || owned.epoch() != nsmEpoch) {
                return; // whoever reads the state next finds the notices owed
            }
            try {
                n.told(state);
            } catch (IOException | RuntimeException e) {
                events.warn("personality " + personality + ": the clients were told of NSM state " + state
                        + " but it could not be recorded (" + e.getMessage()
                        + "): they are told again when the state is next read");
                return;
            }
        }
        if (!peers.isEmpty()) {
            events.info("personality " + personality + ": " + peers.size() + " client(s) told of NSM state "
                    + state + (failed.isEmpty() ? "" : " (" + failed.size() + " not reached)"));
        }
    }

    /**
     * Makes the volume's changes durable and proves it is still this SCM's; otherwise the reply is dropped
     * ({@link Dropped}), or, while the ownership has not ended, the client is told to ask again ({@link NotNow}).
     */
    private void commit(VolumeLocks vl, Volume owned) throws IOException, Dropped {
        vl.store.force();
        prove(vl, owned);
    }

    /** Proves the volume is still this SCM's, as {@link #commit} does, for an answer that changed nothing. */
    private void prove(VolumeLocks vl, Volume owned) throws Dropped {
        try {
            owned.fence();
        } catch (FencedException e) {
            if (vl.volume.held(owned)) {
                // the change is durable but not acknowledged; the client's next attempt (the same owner, the
                // same range) finds it its own and is granted, as a WRITE answered JUKEBOX is written again
                throw new NotNow("volume " + vl.volume.name() + " not proven now: " + e.getMessage());
            }
            events.publish("FENCED", Map.of("volume", vl.volume.name(), "reason", String.valueOf(e.getMessage())));
            throw new Dropped("volume " + vl.volume.name() + " fenced: " + e.getMessage());
        }
    }

    // ---- NLM ----

    /** TEST: {@code null} if the lock could be granted, else the lock in the way (a grace period answers as a status). */
    synchronized Object test(Place p, LockTable.Owner o, boolean exclusive, long start, long last) throws IOException {
        VolumeLocks vl = open(p.volume());
        if (vl.inGrace() || vl.pending()) {
            return Nlm4.DENIED_GRACE_PERIOD; // a lock could not be granted now whatever the answer: ask again
        }
        return vl.store.table().conflict(p.file(), o, exclusive, start, last);
    }

    /**
     * LOCK and NM_LOCK.
     *
     * @param monitored whether the client is recorded for SM_NOTIFY (LOCK) or not (NM_LOCK)
     * @return an nlm4_stats
     */
    synchronized int lock(Place p, XdrNlm.LockArgs a, boolean monitored, String client, String server)
            throws IOException, Dropped {
        VolumeLocks vl = open(p.volume());
        if (vl.inGrace() && !a.reclaim) {
            return Nlm4.DENIED_GRACE_PERIOD;
        }
        if (vl.pending()) {
            return notRecordable(vl, a.reclaim);
        }
        LockTable.Owner o = a.lock.owner();
        long start = a.lock.offset;
        long last = LockTable.end(a.lock.offset, a.lock.length);
        LockTable table = vl.store.table();
        if (table.conflict(p.file(), o, a.exclusive, start, last) != null) {
            if (!a.block || !monitored) {
                return Nlm4.DENIED;
            }
            for (Waiter w : vl.waiters) {
                if (w.file() == p.file() && w.same(o, a.exclusive, start, last)) {
                    return Nlm4.BLOCKED;
                }
            }
            if (vl.waiters.size() >= MAX_WAITERS) {
                return Nlm4.DENIED_NOLOCKS;
            }
            vl.waiters.add(new Waiter(p.volume().name(), p.file(), o, a.exclusive, start, last, a, client,
                    server));
            return Nlm4.BLOCKED;
        }
        if (table.size() >= settings.lockEntries()) {
            return Nlm4.DENIED_NOLOCKS;
        }
        if (monitored && !keepPeer(new NsmState.Peer(a.lock.callerName, client, server))) {
            return Nlm4.DENIED_NOLOCKS;
        }
        vl.waiters.removeIf(w -> w.file() == p.file() && w.same(o, a.exclusive, start, last));
        vl.store.lock(p.file(), o, a.exclusive, start, last);
        commit(vl, p.owned());
        return Nlm4.GRANTED_OK;
    }

    /** CANCEL: forgets a blocked request; one already granted but not yet confirmed is released. */
    synchronized int cancel(Place p, XdrNlm.CancelArgs a) throws IOException, Dropped {
        VolumeLocks vl = open(p.volume());
        if (vl.pending()) {
            return Nlm4.DENIED; // nothing waits there: what waited went with the loss, and nothing was taken since
        }
        LockTable.Owner o = a.lock.owner();
        long start = a.lock.offset;
        long last = LockTable.end(a.lock.offset, a.lock.length);
        if (vl.waiters.removeIf(w -> w.file() == p.file() && w.same(o, a.exclusive, start, last))) {
            return Nlm4.GRANTED_OK;
        }
        for (Iterator<Waiter> it = unconfirmed.iterator(); it.hasNext();) {
            Waiter w = it.next();
            if (w.file() == p.file() && w.same(o, a.exclusive, start, last)) {
                it.remove();
                vl.store.unlock(p.file(), o, start, last);
                wake(vl, p.file(), p.owned());
                commit(vl, p.owned());
                return Nlm4.GRANTED_OK;
            }
        }
        return Nlm4.DENIED;
    }

    synchronized int unlock(Place p, XdrNlm.Lock l) throws IOException, Dropped {
        VolumeLocks vl = open(p.volume());
        if (vl.pending()) {
            // the lock went with the damaged log, and none was taken since: nothing to record, only to prove
            prove(vl, p.owned());
            return Nlm4.GRANTED_OK;
        }
        LockTable.Owner o = l.owner();
        long start = l.offset;
        long last = LockTable.end(l.offset, l.length);
        vl.store.unlock(p.file(), o, start, last);
        unconfirmed.removeIf(w -> w.file() == p.file() && w.owner().equals(o));
        wake(vl, p.file(), p.owned());
        commit(vl, p.owned());
        return Nlm4.GRANTED_OK;
    }

    /**
     * Keeps a client host among those the NSM state tells of a loss. When the table is full, the hosts that hold
     * no lock or share on any volume of the personality, and wait for none, are forgotten first: a host that
     * released everything it held has nothing a loss could take, so it needs no notification (it is kept again
     * at its next lock). Only when this SCM has every volume's lock state at hand: a host's locks on a volume it
     * does not own now are unknown, never taken for none.
     *
     * @return whether the host is (now) kept
     */
    private boolean keepPeer(NsmState.Peer p) throws IOException {
        NsmState n = nsm();
        if (n.addPeer(p)) {
            return true;
        }
        Set<String> busy = new HashSet<>();
        for (VolumeState v : all) {
            if (v.current() == null) {
                return false;
            }
            VolumeLocks vl = open(v);
            busy.addAll(vl.store.table().callerNames());
            vl.waiters.forEach(w -> busy.add(w.owner().callerName()));
        }
        unconfirmed.forEach(w -> busy.add(w.owner().callerName()));
        int before = n.peers().size();
        n.retainPeers(busy);
        int forgotten = before - n.peers().size();
        if (forgotten > 0) {
            events.info("personality " + personality + ": the NSM state was full (" + maxPeers + " client hosts): "
                    + forgotten + " that hold no lock forgotten");
        }
        return n.addPeer(p);
    }

    /** Grants what waits on a file and can be granted now; the clients are called back once it is durable. */
    private void wake(VolumeLocks vl, long file, Volume owned) throws IOException {
        for (Iterator<Waiter> it = vl.waiters.iterator(); it.hasNext();) {
            Waiter w = it.next();
            if (w.file() != file || vl.store.table().conflict(file, w.owner(), w.exclusive(), w.start(), w.last()) != null) {
                continue;
            }
            if (vl.store.table().size() >= settings.lockEntries()
                    || !keepPeer(new NsmState.Peer(w.owner().callerName(), w.client(), w.server()))) {
                continue; // granted when it asks again, if there is room then
            }
            it.remove();
            vl.store.lock(file, w.owner(), w.exclusive(), w.start(), w.last());
            if (unconfirmed.size() >= MAX_WAITERS) {
                unconfirmed.remove(0);
            }
            unconfirmed.add(w);
            XdrNlm.TestArgs granted = new XdrNlm.TestArgs();
            granted.cookie = w.args().cookie;
            granted.exclusive = w.exclusive();
            granted.lock = w.args().lock;
            // queued now, sent by the callback thread after the caller's commit: it takes this object's lock first
            callbacks.execute(() -> {
                synchronized (this) {
                    if (!unconfirmed.contains(w) || vl.volume.current() == null) {
                        return; // cancelled or released meanwhile, or the volume (and the grant's proof) is gone
                    }
                }
                send("NLM_GRANTED to " + w.owner().callerName(), w.client(), Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.GRANTED,
                        granted, true, w);
            });
        }
    }

    /** GRANTED_RES (or the reply to GRANTED): the client has its lock; a later CANCEL no longer releases it. */
    synchronized void confirmed(byte[] cookie) {
        unconfirmed.removeIf(w -> Arrays.equals(w.args().cookie, cookie));
    }

    synchronized int share(Place p, XdrNlm.ShareArgs a) throws IOException, Dropped {
        VolumeLocks vl = open(p.volume());
        if (vl.inGrace() && !a.reclaim) {
            return Nlm4.DENIED_GRACE_PERIOD;
        }
        if (vl.pending()) {
            return notRecordable(vl, a.reclaim);
        }
        if (vl.store.table().size() >= settings.lockEntries()) {
            return Nlm4.DENIED_NOLOCKS;
        }
        if (!vl.store.share(p.file(), a.callerName, a.oh, a.mode, a.access)) {
            return Nlm4.DENIED;
        }
        commit(vl, p.owned());
        return Nlm4.GRANTED_OK;
    }

    synchronized int unshare(Place p, XdrNlm.ShareArgs a) throws IOException, Dropped {
        VolumeLocks vl = open(p.volume());
        if (vl.pending()) {
            prove(vl, p.owned()); // as unlock: the reservation went with the damaged log
            return Nlm4.GRANTED_OK;
        }
        vl.store.unshare(p.file(), a.callerName, a.oh);
        commit(vl, p.owned());
        return Nlm4.GRANTED_OK;
    }

    /**
     * FREE_ALL, or the SM_NOTIFY of a client host that rebooted: every lock and reservation of that host on
     * the given volumes (those this SCM owns now) goes, and what waited on them is granted.
     */
    synchronized void freeAll(String callerName, List<VolumeState> on) throws IOException, Dropped {
        for (VolumeState v : on) {
            Volume owned = v.current();
            if (owned == null) {
                continue;
            }
            VolumeLocks vl = open(v);
            if (vl.pending()) {
                continue; // nothing of anyone's is there: it went with the damaged log, and nothing was taken since
            }
            vl.waiters.removeIf(w -> w.owner().callerName().equals(callerName));
            Set<Long> files = vl.store.freeAll(callerName);
            for (long f : files) {
                wake(vl, f, owned);
            }
            commit(vl, owned);
        }
        unconfirmed.removeIf(w -> w.owner().callerName().equals(callerName));
        if (home.current() != null) {
            nsm().removePeer(callerName);
        }
    }

    // ---- NSM ----

    /** @return the NSM state number of the personality */
    synchronized int state() throws IOException {
        return nsm().state();
    }

    /** SM_MON. @return whether it is kept */
    synchronized boolean monitor(NsmState.Watch w) throws IOException {
        return nsm().watch(w);
    }

    synchronized int unmonitor(String monName, XdrNlm.MyId id) throws IOException {
        nsm().unwatch(monName, id);
        return nsm().state();
    }

    synchronized int unmonitorAll(XdrNlm.MyId id) throws IOException {
        nsm().unwatchAll(id);
        return nsm().state();
    }

    /**
     * SM_SIMU_CRASH: this personality's lock service acts as if it had crashed; every lock of the given volumes goes.
     * The NSM state is raised, durably and with its notices owed, before any lock goes: a kill at any point leaves
     * either the locks in place or the clients owed a notice that the next open of the state sends.
     */
    synchronized void simulateCrash(List<VolumeState> on) throws IOException, Dropped {
        NsmState n = nsm();
        List<VolumeLocks> owned = new ArrayList<>();
        for (VolumeState v : on) {
            if (v.current() != null) {
                owned.add(open(v));
            }
        }
        unconfirmed.clear();
        if (owned.isEmpty()) {
            return;
        }
        String why = "SM_SIMU_CRASH cleared every lock";
        // the grace is recorded with the raise, for every volume about to be cleared: a kill in the middle
        // leaves the clients owed the notice and the volumes their grace
        NsmState.Grace g = raise(n, owned.stream().map(vl -> vl.volume.name()).toList(), why);
        int state = n.state();
        List<VolumeLocks> cleared = new ArrayList<>();
        try {
            for (VolumeLocks vl : owned) {
                Volume now = vl.volume.current();
                if (now == null) {
                    continue; // its locks stay, and whoever owns it now finds the notices owed
                }
                cleared.add(vl); // before the clear: one that fails may have emptied the table already
                if (vl.pending()) {
                    continue; // empty since its loss, and its new log is begun empty
                }
                vl.store.clear();
                commit(vl, now);
            }
        } finally {
            // told even when a clear failed: the state was raised, and what was cleared is gone
            announce(cleared, why, n, state, g);
        }
    }

    /** SM_NOTIFY: the host {@code name} rebooted; those who asked by SM_MON to watch it are called back. */
    synchronized void notifyWatchers(String name, int state) throws IOException {
        for (NsmState.Watch w : nsm().watches()) {
            if (w.monName().equals(name)) {
                XdrNlm.Status s = new XdrNlm.Status();
                s.name = name;
                s.state = state;
                s.priv = w.priv();
                callback("the SM_MON callback of " + w.myName(), w.address(), w.program(), w.version(), w.procedure(), s);
            }
        }
    }

    // ---- calls back ----

    /** Queues one call to a client host, made off the request threads within the callback deadline. */
    void callback(String what, String host, int program, int version, int procedure, Xdr3.Args args) {
        callbacks.execute(() -> send(what, host, program, version, procedure, args, false, null));
    }

    private void send(String what, String host, int program, int version, int procedure, Xdr3.Args args, boolean grant,
            Waiter w) {
        send(what, host, program, version, procedure, args, grant, w,
                grant ? " (the client gets its lock when it asks again)" : "");
    }

    /** @param then what follows a failure, for its warning @return whether the host answered */
    private boolean send(String what, String host, int program, int version, int procedure, Xdr3.Args args,
            boolean grant, Waiter w, String then) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.callbackMs());
        try {
            RpcCaller.call(host, settings.callbackPortmapPort(), program, version, procedure, args, deadline);
            if (grant) {
                synchronized (this) {
                    unconfirmed.remove(w);
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            events.warn("personality " + personality + ": " + what + " at " + host + " failed: " + e.getMessage() + then);
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        // the state thread first: it queues retries onto the callback thread
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(JOIN_MS, TimeUnit.MILLISECONDS)) {
                events.warn("personality " + personality + ": the NLM state thread did not end within " + JOIN_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        callbacks.shutdownNow();
        try {
            if (!callbacks.awaitTermination(JOIN_MS, TimeUnit.MILLISECONDS)) {
                events.warn("personality " + personality + ": the NLM callback thread did not end within " + JOIN_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            for (VolumeLocks vl : volumes.values()) {
                try {
                    vl.store.close();
                } catch (IOException e) {
                    events.warn("volume " + vl.volume.name() + ": closing the lock log: " + e.getMessage());
                }
            }
            volumes.clear();
        }
    }
}
