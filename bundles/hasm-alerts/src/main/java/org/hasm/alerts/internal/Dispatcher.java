package org.hasm.alerts.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The queue of alerts and the thread that delivers them. {@link #offer} (Event Admin's thread) numbers an
 * alert and queues it, or drops it when the queue is full; it never waits. The thread
 * {@code hasm-alerts-deliver} delivers each alert to each recipient in order, one at a time.
 *
 * <p>Locking: {@code this} guards the sequence, the counts of dropped alerts and {@link #pending}, so that
 * the queue's order is the sequence's. The delivery itself runs outside the lock.
 */
final class Dispatcher {

    /** What the dispatcher delivers with, read afresh for each alert (a reconfiguration replaces it). */
    record Roster(List<Receiver> recipients, Duration timeout, int retries, int queueMax) {
        Roster {
            recipients = List.copyOf(recipients);
        }
    }

    /** Where the dispatcher reports. Called on the delivery thread or the offering one; must not block. */
    interface Host {
        /** A recipient did not receive an alert. */
        void failed(Alert alert, Receiver recipient, Outcome outcome);

        /** Alerts were dropped: {@code count} since the last call, {@code total} in all. At most once a second. */
        void dropped(long count, long total);

        /** Something for the log at INFO. */
        void info(String message);
    }

    static final long DROP_REPORT_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final String THREAD = "hasm-alerts-deliver";

    private final Supplier<Roster> roster;
    private final Host host;
    private final LinkedBlockingQueue<Alert> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    // guarded by this
    private boolean closed;
    private long incarnation = Long.MIN_VALUE;
    private long sequence;
    /** Alerts queued and not yet done with (delivered, failed or dropped). */
    private long pending;
    private long droppedTotal;
    private long droppedUnreported;
    private long droppedReportedAt = System.nanoTime() - DROP_REPORT_NANOS;

    Dispatcher(Supplier<Roster> roster, Host host) {
        this.roster = roster;
        this.host = host;
        this.thread = new Thread(this::deliver, THREAD);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    boolean alive() {
        return thread.isAlive();
    }

    /**
     * Numbers an alert and queues it; when the queue is full the alert is dropped and counted (its number is
     * used all the same, so that receivers see the gap). Never blocks.
     *
     * @param incarnation this SCM's incarnation now: a new one starts the numbering again at 1
     * @return the alert queued, or {@code null} if it was dropped (or the dispatcher is closed)
     */
    Alert offer(String kind, String topic, String scm, long incarnation, Instant time, String desc,
            SortedMap<String, Object> properties) {
        Roster r = roster.get();
        Alert alert;
        synchronized (this) {
            if (closed) {
                return null;
            }
            if (incarnation != this.incarnation) {
                this.incarnation = incarnation;
                sequence = 0;
            }
            alert = new Alert(kind, topic, scm, incarnation, ++sequence, time, desc, properties);
            if (queue.size() >= r.queueMax()) {
                droppedTotal++;
                droppedUnreported++;
                alert = null;
            } else {
                queue.add(alert);
                pending++;
            }
        }
        if (alert == null) {
            r.recipients().forEach(x -> x.dropped(1));
            reportDrops();
        }
        return alert;
    }

    synchronized long dropped() {
        return droppedTotal;
    }

    /** Tells the host of alerts dropped since it was last told, at most once a second. */
    private void reportDrops() {
        long count;
        long total;
        synchronized (this) {
            long now = System.nanoTime();
            if (droppedUnreported == 0 || now - droppedReportedAt < DROP_REPORT_NANOS) {
                return;
            }
            count = droppedUnreported;
            total = droppedTotal;
            droppedUnreported = 0;
            droppedReportedAt = now;
        }
        host.dropped(count, total);
    }

    /* hasm-alerts-deliver */
    private void deliver() {
        while (running) {
            Alert alert;
            try {
                alert = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return; // closing: close() counts what is left
            }
            reportDrops();
            if (alert == null) {
                continue;
            }
            Roster r = roster.get();
            List<Receiver> recipients = r.recipients();
            try {
                for (int i = 0; i < recipients.size(); i++) {
                    Receiver recipient = recipients.get(i);
                    Outcome o;
                    try {
                        o = recipient.deliver(alert, r.timeout(), r.retries());
                    } catch (InterruptedException e) {
                        // stopping: this recipient and those after it never got the alert
                        recipients.subList(i, recipients.size()).forEach(x -> x.dropped(1));
                        return;
                    } catch (RuntimeException e) {
                        o = new Outcome(false, 0, "failed: " + e);
                    }
                    if (!o.ok()) {
                        host.failed(alert, recipient, o);
                    }
                }
            } finally {
                synchronized (this) {
                    pending--;
                    notifyAll();
                }
            }
        }
    }

    /**
     * Closes: no alert is taken any more; those queued are still delivered for up to {@code drain} (the
     * SHUTDOWN's own alerts, when the bundle stops with the SCM); then the thread is interrupted, every
     * script still running is killed by the caller's {@code kill}, and the thread is joined for at most
     * {@code join}. Alerts left are counted as dropped for every recipient.
     *
     * @param kill kills what runs now (the bundle's scripts), so that the thread's wait ends
     * @return how many queued alerts were not delivered
     */
    int close(Duration drain, Duration join, Runnable kill) {
        long deadline = System.nanoTime() + drain.toNanos();
        boolean interrupted = false;
        synchronized (this) {
            closed = true;
            while (pending > 0 && thread.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
        }
        running = false;
        thread.interrupt();
        kill.run();
        try {
            thread.join(join.toMillis());
            if (thread.isAlive()) {
                host.info("thread " + THREAD + " did not end within " + join.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        List<Alert> left = new ArrayList<>();
        queue.drainTo(left);
        if (!left.isEmpty()) {
            roster.get().recipients().forEach(r -> r.dropped(left.size()));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return left.size();
    }
}
