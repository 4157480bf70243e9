package org.hasm.controller.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.CallRecord.Outcome;
import org.hasm.spi.HaController;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;

/**
 * The controller's core, free of OSGi: the module registry and the sequences that drive modules
 * through their lifecycle. Every sequence runs on one thread ("hasm-controller"), so sequences
 * never interleave and a module is never called twice at once; whiteboard callbacks and commands
 * only queue work for it.
 *
 * <p>This SCM runs standalone: BOOT, INIT, then DAC as MASTER. The pair's state machine drives
 * the same sequences once a peer is configured.
 */
final class Scm {

    /** State, role and system configuration change together: one immutable snapshot. */
    record Snapshot(ScmState state, OpMode opMode, SysConfig sysConfig, String reason) {
    }

    private final Sink sink;
    private final java.util.function.Supplier<Settings> reload;
    private final ModuleRegistry registry = new ModuleRegistry();
    private final Journal journal;
    private final Invoker invoker;
    private final ExecutorService executor;
    private volatile Thread controllerThread;
    private volatile Settings settings;
    private volatile Snapshot snapshot = new Snapshot(ScmState.OFF, null, null, null);
    private volatile List<Personality> serving = List.of();
    private volatile boolean started;
    private volatile boolean closing;

    /**
     * @param settings the configuration to boot with
     * @param sink the log and the event bus
     * @param reload reads the configuration again; a RESET boots with what it returns
     */
    Scm(Settings settings, Sink sink, java.util.function.Supplier<Settings> reload) {
        this.settings = settings;
        this.sink = sink;
        this.reload = reload;
        this.journal = new Journal(settings.journalSize());
        this.invoker = new Invoker(settings.scm(), journal, sink);
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hasm-controller");
            t.setDaemon(true);
            controllerThread = t;
            return t;
        });
    }

    // ---- views ----

    Settings settings() {
        return settings;
    }

    Sink sink() {
        return sink;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    List<Personality> personalities() {
        return serving;
    }

    List<ModuleInfo> modules() {
        return registry.forward().stream().map(ModuleEntry::snapshot).toList();
    }

    List<CallRecord> journal(long after) {
        return journal.after(after);
    }

    // ---- lifecycle of the core ----

    /** Starts the controller thread with a BOOT. */
    void start() {
        started = true;
        submit("BOOT", this::boot);
    }

    /**
     * Runs SHUTDOWN (unless already HALTED) and stops the controller thread; waits at most until
     * every module could have used its stop and shutDown deadlines.
     */
    void close() {
        if (!started || closing) {
            return;
        }
        Future<?> done = submit("SHUTDOWN", () -> shutdown("the controller is stopping"));
        closing = true;
        Settings s = settings;
        long bound = (s.deadline(Call.STOP).toMillis() + s.deadline(Call.SHUTDOWN).toMillis())
                * Math.max(1, registry.forward().size()) + 5_000;
        await(done, bound, "SHUTDOWN");
        executor.shutdownNow();
        invoker.close();
    }

    void updateDeadlines(Map<Call, Duration> deadlines) {
        settings = settings.withDeadlines(deadlines);
    }

    // ---- whiteboard ----

    void added(ModuleEntry entry) {
        registry.add(entry);
        if (entry.status == ModuleStatus.INVALID) {
            sink.warn("module registration " + entry + " is invalid and will not be called: " + entry.lastError);
        } else if (entry.status == ModuleStatus.CONFLICT) {
            sink.warn("module " + entry + " waits: " + entry.lastError);
        } else {
            sink.debug("module " + entry + " registered");
        }
        if (started && !closing) {
            submit("bring up " + entry.name(), () -> bringUp(entry));
        }
    }

    void modified(long serviceId, ModuleProperties properties) {
        ModuleEntry entry = registry.get(serviceId);
        if (entry == null) {
            return;
        }
        boolean sameIdentity = properties.error() == null && entry.status != ModuleStatus.INVALID
                && properties.name().equals(entry.name());
        if (sameIdentity) {
            registry.update(entry, properties);
            sink.info("module " + entry + ": tier and rank apply from the next transition");
            return;
        }
        // A new name or a broken registration is a different module: the old one leaves first.
        Runnable rename = () -> {
            leave(entry);
            entry.properties = properties;
            entry.status(properties.error() == null ? ModuleStatus.REGISTERED : ModuleStatus.INVALID, null,
                    properties.error());
            added(entry);
        };
        if (started && !closing) {
            runAndWait("re-register " + entry.name(), rename);
        } else {
            registry.remove(serviceId);
            entry.properties = properties;
            entry.status(properties.error() == null ? ModuleStatus.REGISTERED : ModuleStatus.INVALID, null,
                    properties.error());
            registry.add(entry);
        }
    }

    /** A module's service goes away: stop and shut it down while it is still usable. */
    void removed(long serviceId) {
        ModuleEntry entry = registry.get(serviceId);
        if (entry == null) {
            return;
        }
        if (started && !closing) {
            runAndWait("remove " + entry.name(), () -> leave(entry));
        } else {
            registry.remove(serviceId);
        }
    }

    // ---- commands ----

    void reset(String reason) {
        submit("RESET", () -> {
            sink.info("RESET: " + reason);
            release();
            Settings fresh = reload.get();
            // the journal keeps its size and the SCM its name until the controller restarts
            settings = new Settings(settings.scm(), fresh.role(), fresh.deadlines(), settings.journalSize(),
                    fresh.personalities(), fresh.problems());
            boot();
        });
    }

    void requestShutdown(String reason) {
        submit("SHUTDOWN", () -> shutdown(reason));
    }

    void panic(ModuleEntry entry, ModuleContext context, String reason) {
        sink.error("module " + entry.name() + " panicked: " + reason, null);
        submit("panic of " + entry.name(), () -> {
            if (entry.context != context) {
                return; // an earlier incarnation's late panic
            }
            entry.status(ModuleStatus.FAILED, entry.lastCall, "panic: " + reason);
            Map<String, Object> props = new HashMap<>();
            props.put("scm", settings.scm());
            props.put("module", entry.name());
            props.put("reason", reason);
            sink.post("org/hasm/controller/PANIC", props);
            ScmState s = snapshot.state;
            if (entry.tier() == Tier.HASM && (s == ScmState.INIT || s == ScmState.DAC || s == ScmState.DEGRADED)) {
                fault("HASM module " + entry.name() + " panicked: " + reason);
            }
        });
    }

    // ---- sequences (controller thread only) ----

    private void boot() {
        long t0 = System.nanoTime();
        Settings s = settings;
        serving = List.of();
        if (!s.problems().isEmpty()) {
            enter(ScmState.MONITOR, null, null, "configuration: " + String.join("; ", s.problems()));
            return;
        }
        enter(ScmState.BOOT, null, null, null);
        List<ModuleEntry> order = registry.forward();
        List<ModuleEntry> failed = new ArrayList<>();
        for (ModuleEntry e : order) {
            if (e.callable() && !e.initialized && e.status != ModuleStatus.FAILED) {
                call(e, Call.INIT, null, null, failed);
            }
        }
        for (ModuleEntry e : order) {
            if (e.status == ModuleStatus.INITIALIZED && e.callable()) {
                call(e, Call.TEST, null, null, failed);
            }
        }
        if (faultOnHasm(failed, "boot")) {
            return;
        }
        enter(ScmState.INIT, OpMode.MASTER, null, null);
        sink.info("SCM " + s.scm() + " (configured " + s.role() + "): no peer configured, continuing alone as MASTER");
        serving = s.own();
        for (ModuleEntry e : order) {
            if (e.status == ModuleStatus.TESTED && e.callable()) {
                call(e, Call.OPMODE, OpMode.MASTER, SysConfig.DAC, failed);
            }
        }
        if (faultOnHasm(failed, "READY")) {
            return;
        }
        enter(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, null);
        sink.info("SCM " + s.scm() + " state=DAC opMode=MASTER sysConfig=DAC modules=" + activeCount() + " active in "
                + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms" + (failed.isEmpty() ? ""
                : "; failed: " + failed.stream().map(e -> e.name() + " (" + e.lastError + ")").toList()));
    }

    /** Brings a module that registered while the SCM runs up to the current state. */
    private void bringUp(ModuleEntry e) {
        Snapshot now = snapshot;
        boolean running = now.state == ScmState.INIT || now.state == ScmState.DAC || now.state == ScmState.DEGRADED;
        if (e.status != ModuleStatus.REGISTERED || !e.callable() || e.initialized || !running
                || registry.get(e.serviceId) != e) {
            return; // booted with the rest, waiting, invalid, gone, or nothing runs now
        }
        List<ModuleEntry> failed = new ArrayList<>();
        if (call(e, Call.INIT, null, null, failed) == Outcome.PASSED
                && call(e, Call.TEST, null, null, failed) == Outcome.PASSED
                && now.opMode != null && now.sysConfig != null) {
            call(e, Call.OPMODE, now.opMode, now.sysConfig, failed);
        }
        sink.info("module " + e + " joined the running SCM: " + e.status);
        faultOnHasm(failed, "a late start");
    }

    private void leave(ModuleEntry e) {
        if (e.initialized && e.callable()) {
            call(e, Call.STOP, null, null, null);
            if (e.callable()) {
                call(e, Call.SHUTDOWN, null, null, null);
            }
        } else if (e.busy) {
            sink.warn("module " + e + " leaves while its " + e.lastCall + " call still runs: it was not stopped");
        }
        if (e.context != null) {
            e.context.invalidate();
        }
        registry.remove(e.serviceId);
        sink.info("module " + e + " left");
        ModuleEntry next = registry.promote(e.name());
        if (next != null) {
            sink.info("module " + next + " takes the name " + e.name() + " over");
            bringUp(next);
        }
    }

    private void shutdown(String reason) {
        if (snapshot.state == ScmState.HALTED) {
            return;
        }
        sink.info("SHUTDOWN: " + reason);
        release();
        enter(ScmState.HALTED, null, null, null);
    }

    /** stop, then shutDown, for every module that was initialised, in reverse order. */
    private void release() {
        serving = List.of();
        for (ModuleEntry e : registry.reverse()) {
            if (e.initialized && e.callable()) {
                call(e, Call.STOP, null, null, null);
            }
        }
        for (ModuleEntry e : registry.reverse()) {
            if (e.initialized && e.callable()) {
                call(e, Call.SHUTDOWN, null, null, null);
            } else if (e.initialized) {
                sink.warn("module " + e + " is not shut down: its " + e.lastCall + " call is still running");
            }
        }
    }

    /** FAULT: stop every module (reverse order) and serve nothing; only administration stays up. */
    private void fault(String why) {
        sink.error("FAULT: " + why, null);
        serving = List.of();
        for (ModuleEntry e : registry.reverse()) {
            if (e.initialized && e.callable() && e.status != ModuleStatus.STOPPED) {
                call(e, Call.STOP, null, null, null);
            }
        }
        enter(ScmState.MONITOR, null, null, why);
    }

    private boolean faultOnHasm(List<ModuleEntry> failed, String when) {
        List<String> hasm = failed.stream().filter(e -> e.tier() == Tier.HASM)
                .map(e -> e.name() + " (" + e.lastError + ")").toList();
        if (hasm.isEmpty()) {
            return false;
        }
        fault("HASM module " + String.join(", ", hasm) + " failed during " + when);
        return true;
    }

    private Outcome call(ModuleEntry e, Call call, OpMode mode, SysConfig config, List<ModuleEntry> failed) {
        if (call == Call.INIT) {
            e.context = new ModuleContext(this, e);
            e.initialized = true;
        }
        Outcome outcome = invoker.call(e, call, mode, config, settings.deadline(call));
        switch (outcome) {
            case PASSED -> e.status(passed(call), call, null);
            case FAILED -> e.status(ModuleStatus.FAILED, call, e.lastError);
            case TIMED_OUT -> e.status(ModuleStatus.TIMED_OUT, call, e.lastError);
            default -> throw new IllegalStateException(String.valueOf(outcome));
        }
        if (call == Call.SHUTDOWN && outcome != Outcome.TIMED_OUT) {
            e.initialized = false;
            e.context.invalidate();
        }
        if (outcome != Outcome.PASSED && failed != null) {
            failed.add(e);
        }
        return outcome;
    }

    private static ModuleStatus passed(Call call) {
        return switch (call) {
            case INIT -> ModuleStatus.INITIALIZED;
            case TEST -> ModuleStatus.TESTED;
            case OPMODE -> ModuleStatus.ACTIVE;
            case STOP -> ModuleStatus.STOPPED;
            case SHUTDOWN -> ModuleStatus.SHUT_DOWN;
        };
    }

    private String activeCount() {
        List<ModuleEntry> all = registry.forward();
        long active = all.stream().filter(e -> e.status == ModuleStatus.ACTIVE).count();
        return active + "/" + all.size();
    }

    private void enter(ScmState state, OpMode mode, SysConfig config, String reason) {
        snapshot = new Snapshot(state, mode, config, reason);
        Map<String, Object> props = new HashMap<>();
        props.put("scm", settings.scm());
        props.put("state", state.name());
        if (mode != null) {
            props.put("opMode", mode.name());
        }
        if (config != null) {
            props.put("sysConfig", config.name());
        }
        if (reason != null) {
            props.put("reason", reason);
            sink.error("SCM " + settings.scm() + " state=" + state + " reason=" + reason, null);
        } else {
            sink.debug("SCM " + settings.scm() + " state=" + state);
        }
        sink.post(HaController.TOPIC_STATE, props);
    }

    // ---- the controller thread ----

    private Future<?> submit(String what, Runnable task) {
        try {
            return executor.submit(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    // A bug in a sequence must not kill the one thread that runs them all.
                    sink.error("controller task '" + what + "' failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            sink.debug("controller stopped; '" + what + "' dropped");
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
    }

    private void runAndWait(String what, Runnable task) {
        if (Thread.currentThread() == controllerThread) {
            task.run(); // a module left from inside one of its own calls
            return;
        }
        Settings s = settings;
        long bound = s.deadline(Call.STOP).toMillis() + s.deadline(Call.SHUTDOWN).toMillis() + 5_000;
        await(submit(what, task), bound, what);
    }

    private void await(Future<?> future, long millis, String what) {
        try {
            future.get(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            sink.error("controller task '" + what + "' failed", e.getCause());
        } catch (TimeoutException e) {
            sink.warn("controller task '" + what + "' did not finish within " + millis + " ms; going on without it");
        }
    }
}
