package org.hasm.storage.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * A named daemon thread that runs a round every interval (never a burst of catch-up rounds after a
 * slow one), and at once when kicked; stopped with a bounded join. The storage watchdog and the
 * resolver each have one.
 */
final class Ticker {
    private final String name;
    private final long intervalNanos;
    private final Runnable round;
    private final VolumeStore.Observer observer;

    // Guarded by this.
    private Thread thread;
    private volatile boolean running;

    Ticker(String name, long intervalNanos, Runnable round, VolumeStore.Observer observer) {
        this.name = name;
        this.intervalNanos = intervalNanos;
        this.round = round;
        this.observer = observer;
    }

    synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        Thread t = new Thread(this::loop, name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    synchronized boolean running() {
        return thread != null && thread.isAlive();
    }

    /** Runs the next round now instead of at the end of the interval. */
    synchronized void kick() {
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    /** Stops the thread and waits at most {@code joinMillis} for it. */
    void close(long joinMillis) {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
            thread = null;
        }
        if (t == null) {
            return;
        }
        LockSupport.unpark(t);
        try {
            t.join(joinMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            // a read blocked on a hung storage, or a question to the peer: a daemon, it ends with its call
            observer.log(VolumeStore.Level.WARN, t.getName() + " did not stop in time (blocked on the shared storage?)", null);
        }
    }

    private void loop() {
        long next = System.nanoTime();
        while (running) {
            next += intervalNanos;
            try {
                round.run();
            } catch (RuntimeException e) {
                observer.log(VolumeStore.Level.ERROR, name + ": round failed", e);
            }
            long now = System.nanoTime();
            if (next - now < 0) {
                next = now; // overran (slow storage): no burst of catch-up rounds
            }
            // one park: a kick() ends it early, and the next round follows at once
            long wait = next - System.nanoTime();
            if (running && wait > 0) {
                LockSupport.parkNanos(this, wait);
                next = Math.min(next, System.nanoTime());
            }
        }
    }
}
