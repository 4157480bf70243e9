package org.hasm.psom.internal;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cluster-wide locks, as the MASTER keeps them: one holder per object, not reentrant. A
 * holder is named by its SCM and by the bundle instance that took it, so that every lock of a dead
 * SCM or of a stopped bundle can be released at once. Tokens are random, so that a token of the
 * old MASTER is never mistaken for one of the new.
 *
 * <p>A lock request of the peer carries an id, the same for every retry of one lock call: a retry
 * of a request already granted gets that grant again, and a request the peer gave up ({@link
 * #abandon}) or whose grant is released is refused if it arrives (again) later. Without the id a
 * request the peer stopped waiting for would take the lock for a holder that never learns its
 * token, and the object would stay locked until that holder's bundle or SCM stops.
 *
 * <p>Every field is guarded by this table's monitor; waiters wait on it.
 */
final class LockTable {
    /** @param request the id of the peer's lock request it answers, 0 for a grant made without one */
    record Grant(String name, long token, String scm, String holder, long request) {
        Grant(String name, long token, String scm, String holder) {
            this(name, token, scm, holder, 0);
        }

        @Override
        public String toString() {
            return holder + " on " + scm;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * How many finished requests are remembered: a late copy of one comes from the link's queue, where
     * far fewer requests than this wait at once.
     */
    static final int MAX_FINISHED = 4096;

    private final Map<String, Grant> byName = new HashMap<>();
    private final Map<Long, Grant> byToken = new HashMap<>();
    // The ids of the peer's lock requests that are over (released, or given up); the oldest are forgotten first.
    private final Map<Long, Boolean> finished = new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > MAX_FINISHED;
        }
    };

    /** @return the grant, or {@code null} if another holder has the lock */
    synchronized Grant tryAcquire(String name, String scm, String holder) {
        return tryAcquire(name, scm, holder, 0);
    }

    private Grant tryAcquire(String name, String scm, String holder, long request) {
        if (byName.containsKey(name)) {
            return null;
        }
        long token;
        do {
            token = RANDOM.nextLong();
        } while (token == 0 || byToken.containsKey(token));
        Grant g = new Grant(name, token, scm, holder, request);
        byName.put(name, g);
        byToken.put(token, g);
        return g;
    }

    /**
     * Waits at most {@code waitNanos} for the lock.
     *
     * @return the grant, or {@code null} if it was not free in time
     */
    synchronized Grant acquire(String name, String scm, String holder, long waitNanos) throws InterruptedException {
        return acquire(name, scm, holder, 0, waitNanos);
    }

    /**
     * Waits at most {@code waitNanos} for the lock, for the peer's lock request {@code request}.
     *
     * @param request the request's id, 0 if it has none (a peer of the previous release)
     * @return the grant (the one this request already got, if any), or {@code null} if it was not
     *     free in time or the request is over ({@link #finished(long)})
     */
    synchronized Grant acquire(String name, String scm, String holder, long request, long waitNanos)
            throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, waitNanos);
        while (true) {
            if (request != 0) {
                if (finished.containsKey(request)) {
                    return null;
                }
                Grant held = byName.get(name);
                if (held != null && held.request() == request && held.scm().equals(scm) && held.holder().equals(holder)) {
                    return held; // a retry: its answer was lost, or came too late
                }
            }
            Grant g = tryAcquire(name, scm, holder, request);
            if (g != null) {
                return g;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** @return who holds the object's lock, or {@code null} */
    synchronized Grant holder(String name) {
        return byName.get(name);
    }

    /** @return whether {@code token} is the lock held on {@code name} now */
    synchronized boolean holds(String name, long token) {
        Grant g = byToken.get(token);
        return g != null && g.name().equals(name);
    }

    synchronized Grant grant(long token) {
        return byToken.get(token);
    }

    /** @return whether the lock was held */
    synchronized boolean release(long token) {
        Grant g = byToken.remove(token);
        if (g == null) {
            return false;
        }
        byName.remove(g.name());
        finish(g);
        notifyAll();
        return true;
    }

    /**
     * The peer gave up its lock request {@code request} (by {@code holder} on {@code scm}, for {@code
     * name}): releases the lock if this request holds it, and refuses the request from now on. A lock
     * held by another request, of the same holder too, stays.
     *
     * @return the grant released, or {@code null}
     */
    synchronized Grant abandon(String name, String scm, String holder, long request) {
        finished.put(request, Boolean.TRUE);
        notifyAll(); // the request itself may be waiting for the lock
        Grant g = byName.get(name);
        if (g == null || g.request() != request || !g.scm().equals(scm) || !g.holder().equals(holder)) {
            return null;
        }
        byName.remove(name);
        byToken.remove(g.token());
        return g;
    }

    /** @return whether the peer's lock request {@code request} is over: released, or given up */
    synchronized boolean finished(long request) {
        return request != 0 && finished.containsKey(request);
    }

    private void finish(Grant g) {
        if (g.request() != 0) {
            finished.put(g.request(), Boolean.TRUE);
        }
    }

    /** Releases every lock of an SCM (it died, or restarted). */
    synchronized List<Grant> releaseScm(String scm) {
        return releaseIf(g -> g.scm().equals(scm));
    }

    /** Releases every lock of a holder (its bundle stopped). */
    synchronized List<Grant> releaseHolder(String scm, String holder) {
        return releaseIf(g -> g.scm().equals(scm) && g.holder().equals(holder));
    }

    private List<Grant> releaseIf(java.util.function.Predicate<Grant> which) {
        List<Grant> gone = new ArrayList<>();
        for (Grant g : List.copyOf(byToken.values())) {
            if (which.test(g)) {
                byToken.remove(g.token());
                byName.remove(g.name());
                finish(g);
                gone.add(g);
            }
        }
        if (!gone.isEmpty()) {
            notifyAll();
        }
        return gone;
    }

    /** Forgets every lock and takes these instead (this SCM becomes the MASTER, keeping its own locks). */
    synchronized void reset(Collection<Grant> grants) {
        byName.clear();
        byToken.clear();
        for (Grant g : grants) {
            byName.put(g.name(), g);
            byToken.put(g.token(), g);
        }
        notifyAll();
    }

    synchronized List<Grant> all() {
        return List.copyOf(byToken.values());
    }
}
