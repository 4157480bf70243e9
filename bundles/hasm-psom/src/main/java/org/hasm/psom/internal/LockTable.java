package org.hasm.psom.internal;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cluster-wide locks, as the MASTER keeps them: one holder per object, not reentrant. A
 * holder is named by its SCM and by the bundle instance that took it, so that every lock of a dead
 * SCM or of a stopped bundle can be released at once. Tokens are random, so that a token of the
 * old MASTER is never mistaken for one of the new.
 *
 * <p>Every field is guarded by this table's monitor; waiters wait on it.
 */
final class LockTable {
    record Grant(String name, long token, String scm, String holder) {
        @Override
        public String toString() {
            return holder + " on " + scm;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Grant> byName = new HashMap<>();
    private final Map<Long, Grant> byToken = new HashMap<>();

    /** @return the grant, or {@code null} if another holder has the lock */
    synchronized Grant tryAcquire(String name, String scm, String holder) {
        if (byName.containsKey(name)) {
            return null;
        }
        long token;
        do {
            token = RANDOM.nextLong();
        } while (token == 0 || byToken.containsKey(token));
        Grant g = new Grant(name, token, scm, holder);
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
        long deadline = System.nanoTime() + Math.max(0, waitNanos);
        while (true) {
            Grant g = tryAcquire(name, scm, holder);
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
        notifyAll();
        return true;
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
