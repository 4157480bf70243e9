package org.hasm.controller.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
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
 * Makes one lifecycle call with a deadline. The call runs on a pooled thread so that a module
 * that overruns can be abandoned: it is marked busy, the sequence goes on without it, and when it
 * finally returns that is logged. Only the controller thread calls {@link #call}, so a module never
 * sees two calls at once.
 */
final class Invoker {
    private final Journal journal;
    private final Sink sink;
    private final String scm;
    private final AtomicInteger threads = new AtomicInteger();
    private final ExecutorService pool;

    Invoker(String scm, Journal journal, Sink sink) {
        this.scm = scm;
        this.journal = journal;
        this.sink = sink;
        // No queue: every call gets a thread; idle ones die after 30 s, so a pool that only ever
        // runs one call at a time holds one thread, plus one per call still stuck in a module.
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "hasm-call-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    Outcome call(ModuleEntry entry, Call call, OpMode mode, SysConfig config, Duration deadline) {
        long sequence = journal.nextSequence();
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        entry.lastCall = call;
        Future<?> future = pool.submit(() -> {
            try {
                invoke(entry.module, call, mode, config, entry.context);
            } finally {
                if (entry.busy) {
                    entry.busy = false;
                    sink.warn("module " + entry.name() + " returned from " + call + " after "
                            + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms, past its deadline of "
                            + deadline.toMillis() + " ms");
                }
            }
            return null;
        });
        Outcome outcome;
        String error = null;
        try {
            future.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
            outcome = Outcome.PASSED;
        } catch (TimeoutException e) {
            entry.busy = true;
            if (future.isDone()) {
                // it returned in the instant between the deadline and the flag: not busy after all
                entry.busy = false;
            }
            outcome = Outcome.TIMED_OUT;
            error = call + " did not return within its deadline of " + deadline.toMillis() + " ms";
        } catch (ExecutionException e) {
            outcome = Outcome.FAILED;
            Throwable cause = e.getCause();
            error = cause.getClass().getSimpleName() + ": " + cause.getMessage();
            sink.error("module " + entry.name() + " failed " + call, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            outcome = Outcome.FAILED;
            error = call + " interrupted: the controller is stopping";
        }
        long millis = outcome == Outcome.TIMED_OUT ? deadline.toMillis()
                : Duration.ofNanos(System.nanoTime() - t0).toMillis();
        CallRecord record = new Journal.Entry(sequence, entry.name(), call, mode, config, outcome, error, started, millis);
        journal.add(record);
        post(record);
        if (outcome == Outcome.PASSED) {
            sink.debug("module " + entry.name() + " passed " + describe(call, mode, config) + " in " + millis + " ms");
        } else if (outcome == Outcome.TIMED_OUT) {
            sink.warn("module " + entry.name() + ": " + error);
        }
        entry.lastError = error == null ? entry.lastError : error;
        return outcome;
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
        if (r.opMode() != null) {
            props.put("opMode", r.opMode().name());
            props.put("sysConfig", r.sysConfig().name());
        }
        if (r.error() != null) {
            props.put("error", r.error());
        }
        sink.post(HaController.TOPIC_CALL_PREFIX + r.outcome().name(), props);
    }

    /** Stops taking calls; calls stuck in modules keep their (daemon) threads until they return. */
    void close() {
        pool.shutdownNow();
    }
}
