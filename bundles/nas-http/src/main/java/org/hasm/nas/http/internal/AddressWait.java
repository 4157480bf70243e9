package org.hasm.nas.http.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The personalities that are wanted but not served yet because an address or port of theirs is
 * taken (on loopback a paused former owner keeps its listening sockets until it wakes and lets go;
 * in linux mode the address may come up after the {@code opMode} that asked for it). Each is tried
 * again every {@link #RETRY_MS} ms while it stays wanted. This class is the module's only poll for an
 * address, kept apart so that a readiness signal from the runtime can take its place.
 *
 * <p>Thread safety: {@code waiting}, {@code executor} and {@code looks} are guarded by this object.
 * The retry thread calls {@link Attempt#retry} without holding it; the attempt takes its owner's
 * lock and checks, under that lock, that the plan still {@link #waits} before it opens anything, so
 * a personality given up meanwhile is never served.
 */
final class AddressWait {

    /** How often a personality whose address is taken tries again. */
    static final long RETRY_MS = 100;

    /** How long {@link #close()} waits for the retry thread. */
    private static final long JOIN_MS = 2_000;

    /** How a waiting personality is tried again. */
    @FunctionalInterface
    interface Attempt {
        /** Tries to serve the plan; calls {@link #done} once it is served or can never be. */
        void retry(ServicePlan plan);
    }

    /** A personality whose address is taken: the plan to serve, and since when it waits. */
    record Waiting(ServicePlan plan, long sinceNanos) {
    }

    private final String threadName;
    private final Attempt attempt;
    private final Map<String, Waiting> waiting = new LinkedHashMap<>();
    private ScheduledThreadPoolExecutor executor;
    private ScheduledFuture<?> looks;

    AddressWait(String threadName, Attempt attempt) {
        this.threadName = threadName;
        this.attempt = attempt;
    }

    /** Waits for the plan's addresses; the retries start if they were asleep. */
    synchronized void await(ServicePlan plan) {
        waiting.put(plan.personality(), new Waiting(plan, System.nanoTime()));
        if (executor == null) {
            executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, threadName);
                t.setDaemon(true);
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
        }
        if (looks == null) {
            looks = executor.scheduleWithFixedDelay(this::round, RETRY_MS, RETRY_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** @return whether exactly this plan waits (not an older plan of the same personality) */
    synchronized boolean waits(ServicePlan plan) {
        Waiting w = waiting.get(plan.personality());
        return w != null && w.plan().equals(plan);
    }

    /** @return whether the personality waits, whatever its plan */
    synchronized boolean waits(String personality) {
        return waiting.containsKey(personality);
    }

    /** Ends the wait of a personality. @return its wait, or {@code null} if it did not wait */
    synchronized Waiting done(String personality) {
        Waiting w = waiting.remove(personality);
        sleepIfIdle();
        return w;
    }

    /** Ends the wait of every personality not wanted with the same plan. */
    synchronized void keepOnly(Map<String, ServicePlan> wanted) {
        waiting.values().removeIf(w -> !w.plan().equals(wanted.get(w.plan().personality())));
        sleepIfIdle();
    }

    /** Ends every wait. */
    synchronized void clear() {
        waiting.clear();
        sleepIfIdle();
    }

    /** @return the names of the waiting personalities */
    synchronized List<String> personalities() {
        return List.copyOf(waiting.keySet());
    }

    /** Ends every wait and the retry thread, waiting at most {@value #JOIN_MS} ms for it. */
    void close() {
        ScheduledThreadPoolExecutor e;
        synchronized (this) {
            waiting.clear();
            looks = null;
            e = executor;
            executor = null;
        }
        if (e == null) {
            return;
        }
        e.shutdownNow();
        try {
            e.awaitTermination(JOIN_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** With nothing to wait for, the retries stop: an SCM whose addresses are all bound wakes nobody. */
    private void sleepIfIdle() {
        if (waiting.isEmpty() && looks != null) {
            looks.cancel(false);
            looks = null;
        }
    }

    private void round() {
        List<ServicePlan> plans;
        synchronized (this) {
            plans = new ArrayList<>();
            waiting.values().forEach(w -> plans.add(w.plan()));
        }
        for (ServicePlan plan : plans) {
            try {
                attempt.retry(plan);
            } catch (RuntimeException e) {
                // the attempt reports its own failures; a throw must not end the retries of the others
            }
        }
    }
}
