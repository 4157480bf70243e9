package org.hasm.nas.http.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The permits of one personality for requests whose cost grows with a folder or a tree: a PROPFIND
 * with a depth, COPY, MOVE and DELETE of a collection, a folder listing. Each of them holds, for as
 * long as it runs, the names of a whole folder level and a stream of resource lookups; eighty of them
 * at once (a client that walks a big tree with many connections) took an SCM from 150 MB to 1.4 GB.
 * At most {@code permits} run at once; up to {@code maxWaiting} more wait for one, and the rest get
 * 503 with {@code Retry-After} at once. Cheap requests (GET and PUT of a file, PROPFIND of one
 * resource, locks) never pass here, so nothing of this holds them back.
 *
 * <p>A waiting request holds no thread: it is put aside with the servlet container's asynchronous
 * mode and dispatched again, with its permit, when a running one ends. So waiting requests do not
 * take request threads from the cheap ones. A request that waits longer than {@code waitMillis} gets
 * 503 with {@code Retry-After}; one whose client goes away leaves the queue.
 *
 * <p>A refusal is logged at most once a minute, with the number refused since the last line: a
 * client that walks a tree with many connections must not fill the log.
 *
 * <p>Thread safety: {@code running}, {@code peak}, {@code refused}, {@code waiting}, {@code closed}
 * and the log's {@code reported} and {@code reportedAt} are guarded by this object. A {@link Waiter}'s state is an atomic that the releasing thread, the
 * container's timeout and the close race for; the one that changes it acts.
 */
final class CostlyRequests {

    /** The request attribute that marks a request dispatched again with a permit it now holds. */
    static final String PERMIT = CostlyRequests.class.getName() + ".permit";

    /** What a request may do. */
    enum Admission {
        /** run now; the caller holds a permit and must {@link #release()} it */
        RUN,
        /** put aside; it comes back through the servlet with {@link #PERMIT} set */
        WAIT,
        /** too many wait already (or the personality closes): answer 503 */
        REFUSED
    }

    /** How often a refusal is logged at most. */
    private static final long REPORT_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final String personality;
    private final Events events;
    private final int permits;
    private final int maxWaiting;
    private final long waitMillis;
    private final int retryAfterSeconds;

    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private int running;
    private int peak;
    private long refused;
    private boolean closed;
    private long reported;
    private long reportedAt;

    /**
     * @param permits how many run at once, at least 1
     * @param maxWaiting how many more may wait, 0 or more
     * @param waitMillis how long one may wait
     * @param retryAfterSeconds the {@code Retry-After} of a refusal
     */
    CostlyRequests(String personality, int permits, int maxWaiting, long waitMillis, int retryAfterSeconds,
            Events events) {
        if (permits < 1 || maxWaiting < 0 || waitMillis < 1) {
            throw new IllegalArgumentException("permits " + permits + ", waiting " + maxWaiting + ", wait "
                    + waitMillis + " ms");
        }
        this.personality = personality;
        this.events = events;
        this.reportedAt = System.nanoTime() - REPORT_NANOS;
        this.permits = permits;
        this.maxWaiting = maxWaiting;
        this.waitMillis = waitMillis;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /**
     * Called on the request's thread before the request does its expensive work.
     *
     * @return {@link Admission#RUN} with a permit, {@link Admission#WAIT} after the request was put
     *     aside (the caller returns at once), or {@link Admission#REFUSED}
     */
    Admission admit(HttpServletRequest request) {
        String report;
        synchronized (this) {
            if (closed) {
                return Admission.REFUSED;
            }
            if (running < permits) {
                running++;
                peak = Math.max(peak, running);
                return Admission.RUN;
            }
            if (waiting.size() < maxWaiting && request.isAsyncSupported()) {
                // startAsync only marks the request; the container dispatches it again no sooner than
                // this thread has left the servlet, so a permit granted at once is not lost
                AsyncContext async = request.startAsync();
                async.setTimeout(waitMillis);
                Waiter w = new Waiter(async);
                async.addListener(w);
                waiting.add(w);
                return Admission.WAIT;
            }
            report = refused("all " + maxWaiting + " places to wait are taken");
        }
        report(report);
        return Admission.REFUSED;
    }

    /** Gives a permit back, to the longest waiting request if there is one. */
    void release() {
        // each round takes one waiter off the queue: at most as many rounds as were waiting
        for (int round = 0; round <= maxWaiting; round++) {
            Waiter next;
            synchronized (this) {
                next = waiting.poll();
                if (next == null) {
                    running--;
                    return;
                }
            }
            if (next.grant()) {
                return; // the permit went to it
            }
        }
        synchronized (this) {
            running--;
        }
    }

    /**
     * Ends the waits: every waiting request gets 503 (its personality is being closed), and later ones
     * are refused. Running ones finish on their own.
     */
    void close() {
        List<Waiter> gone;
        synchronized (this) {
            closed = true;
            gone = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (Waiter w : gone) {
            w.refuse("personality " + personality + " is no longer served here");
        }
    }

    synchronized int running() {
        return running;
    }

    synchronized int waiting() {
        return waiting.size();
    }

    /** @return the most that ran at once since the personality was opened */
    synchronized int peak() {
        return peak;
    }

    synchronized long refused() {
        return refused;
    }

    int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** @return what a refused client is told */
    String busy() {
        synchronized (this) {
            return "personality " + personality + " is busy with " + running + " requests that walk a folder or "
                    + "a tree (at most " + permits + " at once, " + waiting.size() + " waiting); retry in "
                    + retryAfterSeconds + " s";
        }
    }

    @Override
    public synchronized String toString() {
        return "expensive requests of " + personality + " [" + running + " of " + permits + " running, "
                + waiting.size() + " of " + maxWaiting + " waiting, " + refused + " refused, peak " + peak + "]";
    }

    private synchronized boolean leave(Waiter w) {
        return waiting.remove(w);
    }

    /**
     * Counts a refusal. Called under this lock.
     *
     * @return the line to log, if no refusal was logged for a minute; else {@code null}
     */
    private String refused(String why) {
        refused++;
        long now = System.nanoTime();
        if (now - reportedAt < REPORT_NANOS) {
            return null;
        }
        String line = "personality " + personality + ": an expensive request got 503 (" + why + "; " + running
                + " of " + permits + " running, " + waiting.size() + " waiting); " + (refused - reported)
                + " refused since the last such line";
        reported = refused;
        reportedAt = now;
        return line;
    }

    /** Logs outside the lock. */
    private void report(String line) {
        if (line != null) {
            events.warn(line);
        }
    }

    /** A request put aside until a permit is free. */
    private final class Waiter implements AsyncListener {
        private static final int WAITING = 0;
        private static final int GRANTED = 1;
        private static final int ENDED = 2;

        private final AsyncContext async;
        private final AtomicInteger state = new AtomicInteger(WAITING);

        Waiter(AsyncContext async) {
            this.async = async;
        }

        /** @return {@code true} if the request now runs with the permit */
        boolean grant() {
            if (!state.compareAndSet(WAITING, GRANTED)) {
                return false;
            }
            try {
                async.getRequest().setAttribute(PERMIT, Boolean.TRUE);
                async.dispatch();
                return true;
            } catch (IllegalStateException e) {
                // the request ended meanwhile (its client went away): the permit goes to the next one
                return false;
            }
        }

        /**
         * Ends the wait of a request not granted yet with 503.
         *
         * @return {@code false} if it was granted, or its client went away, first
         */
        boolean refuse(String why) {
            if (!state.compareAndSet(WAITING, ENDED)) {
                return false;
            }
            leave(this);
            try {
                HttpServletResponse response = (HttpServletResponse) async.getResponse();
                if (!response.isCommitted()) {
                    response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
                    response.setHeader("Retry-After", Integer.toString(retryAfterSeconds));
                    response.setContentType("text/plain;charset=UTF-8");
                    response.getOutputStream().write((why + "\n").getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException | IllegalStateException e) {
                // the client is gone: nothing to tell it
            } finally {
                try {
                    async.complete();
                } catch (IllegalStateException e) {
                    // completed by the container already
                }
            }
            return true;
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            if (refuse("waited " + waitMillis + " ms for one of the " + permits + " permits of personality "
                    + personality + " for requests that walk a folder or a tree; retry in "
                    + retryAfterSeconds + " s")) {
                String line;
                synchronized (CostlyRequests.this) {
                    line = refused("one waited " + waitMillis + " ms");
                }
                report(line);
            }
        }

        @Override
        public void onError(AsyncEvent event) {
            ended();
        }

        @Override
        public void onComplete(AsyncEvent event) {
            ended();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // not started again
        }

        private void ended() {
            if (state.compareAndSet(WAITING, ENDED)) {
                leave(this);
            }
        }
    }
}
