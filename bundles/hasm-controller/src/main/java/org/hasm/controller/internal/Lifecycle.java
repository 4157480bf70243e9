package org.hasm.controller.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hasm.controller.internal.Target.Stage;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord.Outcome;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;

/**
 * The sequences of lifecycle calls over all modules, in the documented order (HaModule's javadoc).
 * Each sequence sets a {@link Target}; HASM modules are called one after another in rank order and
 * waited for, services are started together (in rank order) and run in parallel, except that a
 * service waits for the services it declares it follows ({@code hasm.module.after}). A forward
 * sequence (taking work on) calls HASM modules first and does not wait for the services of an
 * opMode; a reverse one (giving work away) waits until every service has returned or overrun its
 * deadline, then calls the HASM modules. A module still in an overrun call is never waited for:
 * {@link #reconcile()} brings it to the target when it returns.
 *
 * <p>Controller thread only, except the invoker's callbacks, which only wake it and ask for a
 * {@link #reconcile()}. The methods that call modules return the HASM-tier modules that failed,
 * which the caller turns into a FAULT; a failed service is only reported.
 */
final class Lifecycle {
    /** A module needs at most STOP, SHUTDOWN, INIT, TEST, OPMODE to reach any target. */
    private static final int MAX_CHAIN = 5;
    /** More opMode targets than a boot sees in a burst of transitions; older ones are dropped. */
    private static final int MAX_MODES = 16;

    private final ModuleRegistry registry;
    private final Invoker invoker;
    private final Supplier<Settings> settings;
    private final ContextHost host;
    private final Sink sink;
    private final Signal settled = new Signal();
    // controller thread only
    private Target target;
    // controller thread only
    private long nextTargetId;
    // controller thread only
    private long boot;
    /**
     * The opMode targets since the SCM last stopped, oldest first: a service still in a call (on
     * time) when the next transition comes gets each mode in turn, as the documented sequence says
     * (IMPERSONATE then FAILOVER: MASTER/DAC, then MASTER/DEGRADED). Controller thread only.
     */
    private final List<Target> modes = new ArrayList<>();

    /**
     * @param reconcileLater asks the controller thread to run {@link #reconcile()} soon; called when a
     *     service's call settles and when any call returns late; must not block
     */
    Lifecycle(ModuleRegistry registry, Journal journal, ScheduledExecutorService timer, Supplier<Settings> settings,
            ContextHost host, Sink sink, Runnable reconcileLater) {
        this.registry = registry;
        this.settings = settings;
        this.host = host;
        this.sink = sink;
        this.invoker = new Invoker(settings.get().scm(), journal, sink, timer, new Invoker.Listener() {
            @Override
            public void settled(Flight flight) {
                settled.bump();
                if (flight.entry.tier() == Tier.SERVICE) {
                    reconcileLater.run(); // a service that waited for this one may go now
                }
            }

            @Override
            public void returnedLate(Flight flight) {
                settled.bump();
                reconcileLater.run();
            }
        });
    }

    /** BOOT: every module's init, then every module's test, forward; each phase waits for all. */
    List<ModuleEntry> initAndTest(List<Personality> serving) {
        boot++;
        List<ModuleEntry> failed = new ArrayList<>();
        sequence(next(Stage.INIT, null, null, false, serving), true, failed);
        sequence(next(Stage.TEST, null, null, false, serving), true, failed);
        target = next(Stage.RUNNING, null, null, false, serving);
        return hasm(failed);
    }

    /**
     * opMode on every module that is tested or active (or failed its last opMode: what failed, a port
     * still held by the peer, say, may be gone by now), forward or in reverse.
     */
    List<ModuleEntry> opMode(OpMode mode, SysConfig config, boolean reverse, List<Personality> serving) {
        List<ModuleEntry> failed = new ArrayList<>();
        sequence(next(Stage.RUNNING, mode, config, reverse, serving), reverse, failed);
        return hasm(failed);
    }

    /**
     * opMode again in the current mode, forward, with personalities whose parameters changed; nothing
     * when the SCM is not in a mode (booting, stopped): its next opMode takes them.
     */
    List<ModuleEntry> reapply(List<Personality> serving) {
        if (!hasMode()) {
            return List.of();
        }
        return opMode(target.mode(), target.config(), false, serving);
    }

    /** @return whether the modules were last given a mode (the SCM runs in one) */
    boolean hasMode() {
        Target t = target;
        return t != null && t.hasMode();
    }

    /** stop on every initialised module not stopped yet, reverse order. */
    void stopAll(List<Personality> serving) {
        sequence(next(Stage.STOPPED, null, null, true, serving), true, null);
    }

    /** shutDown on every initialised module, reverse order (stop first where it is missing). */
    void shutDownAll(List<Personality> serving) {
        sequence(next(Stage.SHUT_DOWN, null, null, true, serving), true, null);
        for (ModuleEntry e : registry.reverse()) {
            if (e.initialized && e.overrun() != null) {
                sink.warn("module " + e + " is not shut down: its " + e.lastCall + " call is still running");
            }
        }
    }

    /**
     * Brings every module that lags behind the target to it: one registered while the SCM runs, one
     * whose overrun call returned, one that waited for another. HASM modules are called here and
     * waited for; services are started.
     */
    List<ModuleEntry> reconcile() {
        Target t = target;
        if (t == null) {
            return List.of(); // not booted yet: the boot calls everyone
        }
        List<ModuleEntry> failed = new ArrayList<>();
        for (ModuleEntry e : t.reverse() ? registry.reverse() : registry.forward()) {
            if (e.tier() == Tier.HASM) {
                chain(e, t, failed);
            }
        }
        kick(t);
        return hasm(failed);
    }

    /** A module that leaves: stop and shutDown while it is still usable (after its running call, within its deadline). */
    void leave(ModuleEntry e) {
        Flight running = e.inCall;
        if (running != null && !running.isSettled()) {
            invoker.await(running);
        }
        if (e.initialized && e.callable()) {
            Target down = new Target(-1, boot, Stage.SHUT_DOWN, null, null, true, List.of());
            if (!e.stopCalled) {
                invoker.await(start(e, Call.STOP, down));
            }
            if (e.callable()) {
                invoker.await(start(e, Call.SHUTDOWN, down));
            }
        } else if (e.inCall != null) {
            sink.warn("module " + e + " leaves while its " + e.lastCall + " call still runs: it was not stopped");
        }
        e.retire();
    }

    void close() {
        invoker.close();
    }

    // ---- sequences ----

    private Target next(Stage stage, OpMode mode, SysConfig config, boolean reverse, List<Personality> serving) {
        Target t = new Target(nextTargetId++, boot, stage, mode, config, reverse, serving);
        if (t.hasMode()) {
            modes.add(t);
            if (modes.size() > MAX_MODES) {
                modes.remove(0);
            }
        } else if (stage != Stage.RUNNING) {
            modes.clear();
        }
        return t;
    }

    /**
     * The target a module's next call belongs to: for an opMode, the mode that followed the last one
     * it was given in this period, so that a slow module sees every transition in turn. A module
     * that is behind (its last call overran) or new to the period gets the current one.
     */
    private Target step(ModuleEntry e, Call call, Target t) {
        if (call != Call.OPMODE || e.behind) {
            return t;
        }
        for (int i = 0; i + 1 < modes.size(); i++) {
            if (modes.get(i).id() == e.opModeTarget) {
                return modes.get(i + 1);
            }
        }
        return t;
    }

    private void sequence(Target t, boolean waitForServices, List<ModuleEntry> failed) {
        target = t;
        if (!t.reverse()) {
            for (ModuleEntry e : registry.forward()) {
                if (e.tier() == Tier.HASM) {
                    chain(e, t, failed);
                }
            }
            kick(t);
            if (waitForServices) {
                awaitServices(t);
            }
        } else {
            awaitServices(t);
            for (ModuleEntry e : registry.reverse()) {
                if (e.tier() == Tier.HASM) {
                    chain(e, t, failed);
                }
            }
        }
    }

    /** Calls one module until it has reached the target, waiting for each call. */
    private void chain(ModuleEntry e, Target t, List<ModuleEntry> failed) {
        Flight running = e.inCall;
        if (running != null && !running.isSettled()) {
            invoker.await(running); // one started outside a sequence; within its deadline
        }
        for (int i = 0; i < MAX_CHAIN; i++) {
            Call call = needed(e, t);
            if (call == null) {
                return;
            }
            Outcome outcome = invoker.await(start(e, call, step(e, call, t)));
            if (outcome != Outcome.PASSED && failed != null && call != Call.STOP && call != Call.SHUTDOWN
                    && !failed.contains(e)) {
                failed.add(e);
            }
            if (outcome == Outcome.TIMED_OUT) {
                return; // still in that call: it is brought on when it returns
            }
        }
    }

    /**
     * Starts every service that needs a call and whose predecessors are done with theirs; in rank
     * order (reverse rank order for a reverse target), so that calls started together are journaled
     * in that order.
     */
    private void kick(Target t) {
        List<ModuleEntry> services = services(t);
        boolean started = false;
        boolean running = false;
        List<ModuleEntry> waiting = new ArrayList<>();
        for (ModuleEntry s : services) {
            Flight f = s.inCall;
            if (f != null) {
                running |= !f.isSettled();
                continue;
            }
            Call call = needed(s, t);
            if (call == null) {
                continue;
            }
            Target step = step(s, call, t);
            if (!predecessorsDone(s, call, step, services, t)) {
                waiting.add(s);
                continue;
            }
            start(s, call, step);
            started = true;
        }
        if (!started && !running && !waiting.isEmpty()) {
            // Each of them waits for another: the declarations form a cycle. Rank order breaks it.
            ModuleEntry first = waiting.get(0);
            sink.warn("services " + waiting.stream().map(ModuleEntry::name).toList() + " wait for each other ("
                    + org.hasm.spi.HaModule.MODULE_AFTER + " forms a cycle): " + first.name() + " is called first");
            Call call = needed(first, t);
            start(first, call, step(first, call, t));
        }
    }

    /** Waits until every service has reached the target or is stuck in an overrun call. */
    private void awaitServices(Target t) {
        List<ModuleEntry> services = services(t);
        Duration max = settings.get().maxDeadline();
        // Each service needs at most a few calls, and followers wait for their predecessors: this bound
        // is only reached if a call outlives its deadline without the timer noticing.
        long bound = max.toMillis() * (services.size() + 2) + Invoker.grace().toMillis();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(bound);
        while (true) {
            long seen = settled.count();
            kick(t);
            if (services.stream().allMatch(s -> done(s, t))) {
                return;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                sink.warn("services still in a call after " + bound + " ms: " + services.stream()
                        .filter(s -> !done(s, t)).map(ModuleEntry::name).toList() + "; going on without them");
                return;
            }
            if (!settled.awaitChange(seen, Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 1_000))) {
                return; // interrupted: the controller is stopping
            }
        }
    }

    private List<ModuleEntry> services(Target t) {
        return (t.reverse() ? registry.reverse() : registry.forward()).stream()
                .filter(e -> e.tier() == Tier.SERVICE).toList();
    }

    /**
     * Forward, a service follows those it names in {@code hasm.module.after}; in reverse, those that
     * name it go first. A predecessor is done with {@code step} when it is not in a call (or stuck in
     * an overrun one) and needs nothing more for it: for an opMode, when it was given that mode or a
     * later one, or gets none.
     */
    private static boolean predecessorsDone(ModuleEntry s, Call call, Target step, List<ModuleEntry> services,
            Target t) {
        for (ModuleEntry o : services) {
            if (o == s || !(step.reverse() ? o.properties.after().contains(s.name())
                    : s.properties.after().contains(o.name()))) {
                continue;
            }
            Flight f = o.inCall;
            if (f != null) {
                if (!f.isSettled()) {
                    return false;
                }
            } else if (call == Call.OPMODE) {
                if (o.opModeTarget < step.id() && needed(o, t) == Call.OPMODE) {
                    return false;
                }
            } else if (needed(o, t) != null) {
                return false;
            }
        }
        return true;
    }

    /** @return whether a module has nothing more to do for {@code t}: it reached it, or it is stuck in an overrun call */
    private static boolean done(ModuleEntry e, Target t) {
        Flight f = e.inCall;
        return f != null ? f.isSettled() : needed(e, t) == null;
    }

    private Flight start(ModuleEntry e, Call call, Target t) {
        ModuleContext context = call == Call.INIT ? new ModuleContext(host, e) : null;
        OpMode mode = call == Call.OPMODE ? t.mode() : null;
        SysConfig config = call == Call.OPMODE ? t.config() : null;
        return invoker.start(e, call, mode, config, settings.get().deadline(e.properties, call), t, context);
    }

    /**
     * The next call a module needs to reach a target, or {@code null} if it has reached it or may not
     * be called (invalid, waiting for its name, in a call). The sequences and {@link #reconcile()}
     * both decide by this, so a module that missed a sequence gets exactly what the others got.
     */
    static Call needed(ModuleEntry e, Target t) {
        if (t == null || !e.callable()) {
            return null;
        }
        boolean initialized = e.initialized;
        if (t.stage() == Stage.SHUT_DOWN) {
            return !initialized ? null : e.stopCalled ? Call.SHUTDOWN : Call.STOP;
        }
        if (t.stage() == Stage.STOPPED) {
            return initialized && !e.stopCalled ? Call.STOP : null;
        }
        if (initialized && e.boot != t.boot()) {
            // an incarnation of an earlier boot, left behind in an overrun call: down first, then up again
            return e.stopCalled ? Call.SHUTDOWN : Call.STOP;
        }
        if (!initialized) {
            // one whose shutDown failed is not trusted with another life until it registers again
            return e.status == ModuleStatus.FAILED ? null : Call.INIT;
        }
        if (t.stage() == Stage.INIT) {
            return null;
        }
        if (e.status == ModuleStatus.INITIALIZED) {
            return Call.TEST;
        }
        if (t.stage() == Stage.TEST || !t.hasMode()) {
            return null;
        }
        boolean opModeFailed = (e.status == ModuleStatus.FAILED || e.status == ModuleStatus.TIMED_OUT)
                && e.lastCall == Call.OPMODE;
        boolean serving = e.status == ModuleStatus.TESTED || e.status == ModuleStatus.ACTIVE || opModeFailed;
        return serving && e.opModeTarget != t.id() ? Call.OPMODE : null;
    }

    private static List<ModuleEntry> hasm(List<ModuleEntry> failed) {
        return failed.stream().filter(e -> e.tier() == Tier.HASM).toList();
    }

    static String describe(List<ModuleEntry> failed) {
        return String.join(", ", failed.stream().map(e -> e.name() + " (" + e.lastError + ")").toList());
    }

    /** Counts settled calls, so that the controller thread can wait for the next one without missing it. */
    private static final class Signal {
        // guarded by this
        private long count;

        synchronized void bump() {
            count++;
            notifyAll();
        }

        synchronized long count() {
            return count;
        }

        /** @return {@code false} if interrupted */
        synchronized boolean awaitChange(long seen, long millis) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            try {
                // bounded by the deadline; spurious wake-ups loop
                while (count == seen) {
                    long left = end - System.nanoTime();
                    if (left <= 0) {
                        return true;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
