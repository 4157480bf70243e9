package org.hasm.controller.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord.Outcome;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;

/**
 * The sequences of lifecycle calls over all modules, in the documented order (HaModule's javadoc).
 * Controller thread only. Each returns the HASM-tier modules that failed, which the caller turns
 * into a FAULT; a failed service is only reported.
 */
final class Lifecycle {
    private final ModuleRegistry registry;
    private final Invoker invoker;
    private final Supplier<Settings> settings;
    private final Scm scm;

    Lifecycle(Scm scm, ModuleRegistry registry, Invoker invoker, Supplier<Settings> settings) {
        this.scm = scm;
        this.registry = registry;
        this.invoker = invoker;
        this.settings = settings;
    }

    /** init on every module, then test on every module that passed init; forward order. */
    List<ModuleEntry> initAndTest() {
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
        return hasm(failed);
    }

    /**
     * opMode on every module that is tested or active, forward or in reverse. A module whose last
     * opMode failed gets the next one too: it passed init and test, and what failed (a port still
     * held by the peer, say) may be gone by the next transition.
     */
    List<ModuleEntry> opMode(OpMode mode, SysConfig config, boolean reverse) {
        List<ModuleEntry> failed = new ArrayList<>();
        for (ModuleEntry e : reverse ? registry.reverse() : registry.forward()) {
            boolean opModeFailed = (e.status == ModuleStatus.FAILED || e.status == ModuleStatus.TIMED_OUT)
                    && e.lastCall == Call.OPMODE;
            if ((e.status == ModuleStatus.TESTED || e.status == ModuleStatus.ACTIVE || opModeFailed) && e.callable()) {
                call(e, Call.OPMODE, mode, config, failed);
            }
        }
        return hasm(failed);
    }

    /** stop on every initialised module not stopped yet, reverse order. */
    void stopAll() {
        for (ModuleEntry e : registry.reverse()) {
            if (e.initialized && e.callable() && e.status != ModuleStatus.STOPPED) {
                call(e, Call.STOP, null, null, null);
            }
        }
    }

    /** shutDown on every initialised module, reverse order. */
    void shutDownAll() {
        for (ModuleEntry e : registry.reverse()) {
            if (e.initialized && e.callable()) {
                call(e, Call.SHUTDOWN, null, null, null);
            } else if (e.initialized) {
                scm.sink().warn("module " + e + " is not shut down: its " + e.lastCall + " call is still running");
            }
        }
    }

    /**
     * Brings a module that registered while the SCM runs up to the current state: init, test, and
     * the current opMode if there is one.
     */
    List<ModuleEntry> bringUp(ModuleEntry e, OpMode mode, SysConfig config) {
        List<ModuleEntry> failed = new ArrayList<>();
        if (call(e, Call.INIT, null, null, failed) == Outcome.PASSED
                && call(e, Call.TEST, null, null, failed) == Outcome.PASSED && mode != null && config != null) {
            call(e, Call.OPMODE, mode, config, failed);
        }
        return hasm(failed);
    }

    /** A module that leaves: stop and shutDown while it is still usable. */
    void leave(ModuleEntry e) {
        if (e.initialized && e.callable()) {
            call(e, Call.STOP, null, null, null);
            if (e.callable()) {
                call(e, Call.SHUTDOWN, null, null, null);
            }
        } else if (e.busy) {
            scm.sink().warn("module " + e + " leaves while its " + e.lastCall + " call still runs: it was not stopped");
        }
        if (e.context != null) {
            e.context.invalidate();
        }
    }

    private Outcome call(ModuleEntry e, Call call, OpMode mode, SysConfig config, List<ModuleEntry> failed) {
        if (call == Call.INIT) {
            e.context = new ModuleContext(scm, e);
            e.initialized = true;
        }
        Outcome outcome = invoker.call(e, call, mode, config, settings.get().deadline(call));
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

    private static List<ModuleEntry> hasm(List<ModuleEntry> failed) {
        return failed.stream().filter(e -> e.tier() == Tier.HASM).toList();
    }

    static String describe(List<ModuleEntry> failed) {
        return String.join(", ", failed.stream().map(e -> e.name() + " (" + e.lastError + ")").toList());
    }
}
