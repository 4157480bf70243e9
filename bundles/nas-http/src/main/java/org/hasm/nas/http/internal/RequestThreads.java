package org.hasm.nas.http.internal;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The request threads of one personality: a small core of threads that stay busy, and more (up to
 * {@code max.threads}) only while queued requests actually wait.
 *
 * <p>Why not Tomcat's own pool: it starts or wakes an idle thread for every request as long as it
 * has one, so under many connections it grows to about one thread per connection and nearly every
 * request pays for waking a sleeping thread. Here a request goes to a FIFO queue served by
 * {@link #base} threads; a thread that finishes one request takes the next without sleeping. But a
 * fixed small pool would let a few slow requests (uploads trickling in, each holding its thread for
 * the whole body) hold every other request back. So a watchdog looks at the queue every
 * {@code tick}: when the oldest queued request has waited longer than {@code patience}, every thread
 * is held by something slower (or was not given a processor: a pause, a compiler, another process),
 * and one thread is added. After an {@code idle} period in which no request waited that long, the
 * threads above the base that were spare at every look are retired, and at least one: a pool grown
 * by a passing stall would otherwise stay large for as long as the load lasts, each thread woken in
 * turn. If that one was still needed (uploads hold every other thread), the next request to wait
 * brings it back after {@code patience}.
 *
 * <p>The pool's core and maximum size are always equal and only the watchdog changes them; the
 * queue is unbounded, so {@link #execute} never rejects until {@link #close}.
 *
 * <p>Thread safety: {@link #execute} is called by Tomcat's pollers from any thread; {@code spareMin},
 * {@code waited} and {@code spareSince} are confined to the watchdog thread.
 */
final class RequestThreads implements Executor {

    /** How long the oldest queued request may wait before a thread is added. */
    static final long PATIENCE_MS = 10;
    /** How often the watchdog looks. */
    static final long TICK_MS = 10;
    /** How long threads above the base must have been spare before they are retired. */
    static final long IDLE_MS = 2_000;

    /** A task and when it was queued. */
    private record Queued(Runnable task, long queuedAt) implements Runnable {
        @Override
        public void run() {
            task.run();
        }
    }

    private final String name;
    private final int base;
    private final int max;
    private final long patienceNanos;
    private final long idleNanos;
    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final ThreadPoolExecutor pool;
    private final ScheduledThreadPoolExecutor watchdog;
    private final long tickMs;
    // whether the watchdog's looks are scheduled; set by execute(), cleared by a look that finds the pool idle
    private final AtomicBoolean ticking = new AtomicBoolean();
    private volatile ScheduledFuture<?> looks;

    // watchdog thread only: since spareSince, the fewest spare threads seen and whether a request waited
    private int spareMin = Integer.MAX_VALUE;
    private boolean waited;
    private long spareSince;

    /**
     * @param name the thread name prefix: threads are {@code <name>-1}, {@code <name>-2}, ..., and the
     *     watchdog {@code <name>-watchdog}
     * @param max the most request threads
     */
    RequestThreads(String name, int max) {
        this(name, defaultBase(max), max, PATIENCE_MS, TICK_MS, IDLE_MS);
    }

    RequestThreads(String name, int base, int max, long patienceMs, long tickMs, long idleMs) {
        if (base < 1 || max < base) {
            throw new IllegalArgumentException("need 1 <= base (" + base + ") <= max (" + max + ")");
        }
        this.name = name;
        this.base = base;
        this.max = max;
        this.patienceNanos = TimeUnit.MILLISECONDS.toNanos(patienceMs);
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMs);
        AtomicInteger number = new AtomicInteger();
        ClassLoader loader = RequestThreads.class.getClassLoader();
        pool = new ThreadPoolExecutor(base, base, 1, TimeUnit.MINUTES, queue, r -> {
            Thread t = new Thread(r, name + "-" + number.incrementAndGet());
            t.setDaemon(true);
            // not the loader of whichever poller happened to start the thread
            t.setContextClassLoader(loader);
            return t;
        });
        watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name + "-watchdog");
            t.setDaemon(true);
            t.setContextClassLoader(loader);
            return t;
        });
        watchdog.setRemoveOnCancelPolicy(true);
        spareSince = System.nanoTime();
        this.tickMs = tickMs;
        wake();
    }

    /**
     * Starts the watchdog's looks if they are asleep. They sleep while the pool is idle at its base
     * (nothing queued, nothing running): an SCM that serves no requests must not wake a hundred
     * times a second per personality for nothing.
     */
    private void wake() {
        if (!ticking.get() && ticking.compareAndSet(false, true)) {
            try {
                looks = watchdog.scheduleWithFixedDelay(this::look, tickMs, tickMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // closed
            }
        }
    }

    /** About two threads per processor, at least 4, at most {@code max}. */
    static int defaultBase(int max) {
        return Math.min(max, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
    }

    @Override
    public void execute(Runnable task) {
        pool.execute(new Queued(task, System.nanoTime()));
        wake();
    }

    /** @return the threads the pool may run now (it starts them as work comes) */
    int size() {
        return pool.getCorePoolSize();
    }

    /** @return the threads alive now */
    int threads() {
        return pool.getPoolSize();
    }

    int base() {
        return base;
    }

    /** @return whether the watchdog's looks are scheduled (they sleep while the pool idles at its base) */
    boolean looking() {
        return ticking.get();
    }

    private void look() {
        try {
            long now = System.nanoTime();
            Runnable oldest = queue.peek();
            int size = pool.getCorePoolSize();
            if (oldest instanceof Queued q && now - q.queuedAt() > patienceNanos) {
                // threads above a lowered size end only after their request: count them
                int alive = Math.max(size, pool.getPoolSize());
                if (alive < max) {
                    resize(alive + 1);
                }
                waited = true;
                spareMin = 0;
            } else if (oldest == null) {
                spareMin = Math.min(spareMin, Math.max(0, pool.getPoolSize() - pool.getActiveCount()));
            } else {
                spareMin = 0;
            }
            if (now - spareSince >= idleNanos) {
                if (size > base && !waited) {
                    resize(Math.max(base, size - Math.max(1, Math.min(spareMin, size))));
                }
                newWindow(now);
            }
            if (queue.isEmpty() && pool.getActiveCount() == 0 && pool.getCorePoolSize() == base) {
                // idle at the base: nothing to grow or shrink until the next request wakes the looks
                ScheduledFuture<?> f = looks;
                if (f != null) {
                    f.cancel(false);
                }
                newWindow(now);
                ticking.set(false);
            }
        } catch (RuntimeException e) {
            // a failed look must not end the watchdog: the next one tries again
        }
    }

    /** Starts a new observation window for shrinking: nothing seen spare or waiting yet. */
    private void newWindow(long now) {
        spareMin = Integer.MAX_VALUE;
        waited = false;
        spareSince = now;
    }

    private void resize(int size) {
        if (size > pool.getMaximumPoolSize()) {
            pool.setMaximumPoolSize(size);
            pool.setCorePoolSize(size); // starts a thread for a queued task
        } else {
            // idle threads above the new maximum end at once, busy ones after their request
            pool.setCorePoolSize(size);
            pool.setMaximumPoolSize(size);
        }
    }

    /**
     * Stops the watchdog and the threads: queued requests are dropped and running ones interrupted
     * (Tomcat has stopped the connectors and waited for requests by then). Waits at most
     * {@code timeoutMs} for the threads to end; restores the interrupt flag if interrupted.
     *
     * @return {@code true} if every thread ended in time
     */
    boolean close(long timeoutMs) {
        watchdog.shutdownNow();
        pool.shutdownNow();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            return watchdog.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS)
                    && pool.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        return name + " [" + pool.getPoolSize() + " threads, " + pool.getActiveCount() + " busy, "
                + queue.size() + " queued, base " + base + ", max " + max + "]";
    }
}
