package org.hasm.controller.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord.Outcome;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;

/**
 * One lifecycle call to one module, from its start until it returns - which may be long after its
 * deadline. It is <em>settled</em> once its outcome for the controller is known: it returned, or
 * its deadline passed ({@link Outcome#TIMED_OUT}); a call that returns after that is recorded a
 * second time, as a late return. {@link #returned} and {@link #expired} are guarded by the
 * module's entry, which also guards the status both outcomes write.
 */
final class Flight {
    final ModuleEntry entry;
    final Call call;
    final OpMode mode;
    final SysConfig config;
    final Duration deadline;
    final long sequence;
    final Instant started;
    final long startNanos;
    /** The entry's incarnation when the call began. */
    final int incarnation;

    private final CompletableFuture<Outcome> settled = new CompletableFuture<>();
    // guarded by entry
    private boolean returned;
    // guarded by entry
    private boolean expired;
    // guarded by entry
    private ScheduledFuture<?> expiry;

    Flight(ModuleEntry entry, Call call, OpMode mode, SysConfig config, Duration deadline, long sequence) {
        this.entry = entry;
        this.call = call;
        this.mode = mode;
        this.config = config;
        this.deadline = deadline;
        this.sequence = sequence;
        this.started = Instant.now();
        this.startNanos = System.nanoTime();
        this.incarnation = entry.incarnation;
    }

    /** @return completes with the call's outcome as the controller sees it: on return, or TIMED_OUT at the deadline */
    CompletableFuture<Outcome> whenSettled() {
        return settled;
    }

    boolean isSettled() {
        return settled.isDone();
    }

    /** @return whether the deadline passed before the call returned */
    boolean expired() {
        synchronized (entry) {
            return expired;
        }
    }

    /** Called under the entry's lock by the invoker. */
    void expiry(ScheduledFuture<?> timer) {
        expiry = timer;
    }

    /**
     * The call returned; under the entry's lock.
     *
     * @return {@code true} if it was late: the deadline had passed and the controller went on without it
     */
    boolean markReturned() {
        returned = true;
        if (expiry != null) {
            expiry.cancel(false);
        }
        return expired;
    }

    /**
     * The deadline passed; under the entry's lock.
     *
     * @return {@code false} if the call had returned already (or was marked before): nothing to do
     */
    boolean markExpired() {
        if (returned || expired) {
            return false;
        }
        expired = true;
        return true;
    }

    void settle(Outcome outcome) {
        settled.complete(outcome);
    }

    long elapsedMillis() {
        return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
    }

    /** @return {@code OPMODE(MASTER, DAC)} or the call's name */
    String describe() {
        return Invoker.describe(call, mode, config);
    }

    @Override
    public String toString() {
        return entry.name() + ":" + describe();
    }
}
