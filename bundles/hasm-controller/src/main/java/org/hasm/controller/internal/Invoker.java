package org.hasm.controller.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.CallRecord.Outcome;
import org.hasm.spi.HaController;
import org.hasm.spi.HaModule;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;

/**
 * Makes lifecycle calls, each on a pooled thread of its own and with a deadline, so that several
 * services run at once and a module that overruns can be left behind: at its deadline the call is
 * recorded TIMED_OUT (by the timer, whoever waits), and when it finally returns its real outcome
 * is recorded as a late return. Only the controller thread starts calls, and never one to a
 * module that is still in a call, so a module never sees two calls at once.
 */
final class Invoker {

    /** Told when a call settles and when one returns late; must not block. */
    interface Listener {
        void settled(Flight flight);

        void returnedLate(Flight flight);
    }

    /** Past a call's deadline, how long a waiter gives the timer to mark it before marking it itself. */
    private static final long TIMER_GRACE_MS = 2_000;

    private final Journal journal;
    private final Sink sink;
    private final String scm;
    private final ScheduledExecutorService timer;
    private final Listener listener;
    private final AtomicInteger threads = new AtomicInteger();
    private final ExecutorService pool;

    Invoker(String scm, Journal journal, Sink sink, ScheduledExecutorService timer, Listener listener) {
        this.scm = scm;
        this.journal = journal;
        this.sink = sink;
        this.timer = timer;
        this.listener = listener;
        // No queue: every call gets a thread at once (services run in parallel); idle threads die
        // after 30 s, so a quiet SCM holds none, plus one per call still stuck in a module.
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "hasm-call-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts a call. The caller (the controller thread) has checked that the module is callable.
     *
     * @param target what the SCM asks of its modules, for the entry's bookkeeping
     * @param newContext the context of the new incarnation, for {@code init}
     */
    Flight start(ModuleEntry entry, Call call, OpMode mode, SysConfig config, Duration deadline,
            Target target, ModuleContext newContext) {
        Flight flight = new Flight(entry, call, mode, config, deadline, journal.nextSequence());
        synchronized (entry) {
            entry.begin(flight, target, newContext);
            flight.expiry(schedule(flight));
        }
        try {
            pool.execute(() -> run(flight));
        } catch (RejectedExecutionException e) {
            returned(flight, new IllegalStateException("the controller is stopping"));
        }
        return flight;
    }

    /**
     * Waits until the call settles: it returned, or its deadline passed.
     *
     * @return PASSED, FAILED or TIMED_OUT
     */
    Outcome await(Flight flight) {
        long bound = flight.deadline.toMillis() + TIMER_GRACE_MS;
        try {
            return flight.whenSettled().get(Math.max(0, bound - flight.elapsedMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            expire(flight); // the timer is gone (the controller is closing): mark it here
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            expire(flight);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a call's outcome completed exceptionally", e.getCause());
        }
        return flight.whenSettled().getNow(Outcome.TIMED_OUT);
    }

    private java.util.concurrent.ScheduledFuture<?> schedule(Flight flight) {
        try {
            return timer.schedule(() -> expire(flight), flight.deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null; // closing: a waiter marks the overrun itself
        }
    }

    private void run(Flight flight) {
        Thread t = Thread.currentThread();
        String name = t.getName();
        // a thread dump names the module and the call a stuck thread is in
        t.setName("hasm-call-" + flight.entry.name() + "-" + flight.call);
        Throwable failure = null;
        try {
            invoke(flight.entry.module, flight.call, flight.mode, flight.config, flight.entry.context);
        } catch (Throwable x) {
            // whatever a module throws is its failure, never the controller's
            failure = x;
        } finally {
            t.setName(name);
        }
        returned(flight, failure);
    }

    private void returned(Flight flight, Throwable failure) {
        long millis = flight.elapsedMillis();
        Outcome outcome = failure == null ? Outcome.PASSED : Outcome.FAILED;
        String error = failure == null ? null : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        ModuleEntry entry = flight.entry;
        boolean late;
        CallRecord record;
        synchronized (entry) {
            late = flight.markReturned();
            record = new Journal.Entry(late ? journal.nextSequence() : flight.sequence, entry.name(), flight.call,
                    flight.mode, flight.config, outcome, error, flight.started, millis, late, entry.bundle, entry.version);
            journal.add(record);
            entry.outcome(flight, outcome, error);
            entry.ended(flight, late);
        }
        post(record);
        if (late) {
            sink.warn("module " + entry.name() + " returned from " + flight.describe() + " after " + millis
                    + " ms, past its deadline of " + flight.deadline.toMillis() + " ms: " + outcome
                    + (error == null ? "" : " (" + error + ")"));
            listener.returnedLate(flight);
            return;
        }
        if (failure != null) {
            sink.error("module " + entry.name() + " failed " + flight.describe(), failure);
        } else {
            sink.debug("module " + entry.name() + " passed " + flight.describe() + " in " + millis + " ms");
        }
        flight.settle(outcome);
        listener.settled(flight);
    }

    private void expire(Flight flight) {
        ModuleEntry entry = flight.entry;
        String error = flight.describe() + " did not return within its deadline of " + flight.deadline.toMillis() + " ms";
        CallRecord record;
        synchronized (entry) {
            if (!flight.markExpired()) {
                return;
            }
            record = new Journal.Entry(flight.sequence, entry.name(), flight.call, flight.mode, flight.config,
                    Outcome.TIMED_OUT, error, flight.started, flight.deadline.toMillis(), false, entry.bundle,
                    entry.version);
            journal.add(record);
            entry.outcome(flight, Outcome.TIMED_OUT, error);
        }
        post(record);
        sink.warn("module " + entry.name() + ": " + error + "; it is not called again until it returns");
        flight.settle(Outcome.TIMED_OUT);
        listener.settled(flight);
    }

    private static void invoke(HaModule module, Call call, OpMode mode, SysConfig config, ModuleContext context)
            throws Exception {
        switch (call) {
            case INIT -> module.init(context);
            case TEST -> module.test();
            case OPMODE -> module.opMode(mode, config);
            case STOP -> module.stop();
            case SHUTDOWN -> module.shutDown();
            default -> throw new IllegalArgumentException(String.valueOf(call));
        }
    }

    static String describe(Call call, OpMode mode, SysConfig config) {
        return call == Call.OPMODE ? "OPMODE(" + mode + ", " + config + ")" : call.name();
    }

    private void post(CallRecord r) {
        Map<String, Object> props = new HashMap<>();
        props.put("scm", scm);
        props.put("module", r.module());
        props.put("call", r.call().name());
        props.put("sequence", r.sequence());
        props.put("millis", r.millis());
        props.put("late", r.late());
        if (r.opMode() != null) {
            props.put("opMode", r.opMode().name());
            props.put("sysConfig", r.sysConfig().name());
        }
        if (r.error() != null) {
            props.put("error", r.error());
        }
        // which build of the module was called: an event log that spans an upgrade tells the old from the new
        if (r.bundle() != null) {
            props.put("bundle", r.bundle());
        }
        if (r.version() != null) {
            props.put("version", r.version());
        }
        sink.post(HaController.TOPIC_CALL_PREFIX + r.outcome().name(), props);
    }

    /** Stops taking calls; calls stuck in modules keep their (daemon) threads until they return. */
    void close() {
        pool.shutdownNow();
    }

    /** @return the deadline that bounds a wait for {@code flight}, for callers that wait on several */
    static long remainingMillis(Flight flight) {
        return Math.max(0, flight.deadline.toMillis() + TIMER_GRACE_MS - flight.elapsedMillis());
    }

    static Duration grace() {
        return Duration.ofMillis(TIMER_GRACE_MS);
    }
}
