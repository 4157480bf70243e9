package org.hasm.controller.internal;

import java.time.Instant;
import java.util.List;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord.Outcome;
import org.hasm.spi.HaModule;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.Personality;
import org.hasm.spi.Tier;

/**
 * One registered module. Identity (service id, bundle) is fixed; the properties, the status and
 * the lifecycle bookkeeping change. Every field below is written under this object's monitor: by
 * the controller thread when it starts a call or handles the whiteboard, and by a call's own
 * thread (or the deadline timer) when the call ends or overruns. Fields are volatile for readers
 * without the lock; a {@link #snapshot()} may mix two updates, which a status view tolerates.
 */
final class ModuleEntry {
    final long serviceId;
    final HaModule module;
    final String bundle;
    final String version;

    /** Service properties, replaced when the registration is modified. */
    volatile ModuleProperties properties;

    volatile ModuleStatus status;
    volatile Call lastCall;
    volatile String lastError;
    volatile Instant since;
    /** init was called and shutDown not yet: the module may hold resources. */
    volatile boolean initialized;
    /** stop was called in this incarnation (since its init). */
    volatile boolean stopCalled;
    /** The boot its init belongs to. */
    volatile long boot;
    /** The target of the last opMode it was given, so that a failed one is not repeated for the same transition. */
    volatile long opModeTarget = -1;
    /** The call running in the module now, on time or overrun; {@code null} between calls. */
    volatile Flight inCall;
    /** It panicked since its last init: a call that returns afterwards does not make it look healthy. */
    volatile boolean panicked;
    /** The context handed to the current incarnation, invalidated at shutDown. */
    volatile ModuleContext context;
    /** The personalities of the SCM's mode in the module's current or last call. */
    volatile List<Personality> personalities = List.of();
    /** Bumped when the registration leaves or is renamed: an older call's late outcome is then only journaled. */
    volatile int incarnation;
    /**
     * Its last call returned after its deadline: the transitions it missed meanwhile are not replayed,
     * it is brought to the current one. A module that is only slow gets every transition in turn.
     */
    volatile boolean behind;

    ModuleEntry(long serviceId, HaModule module, String bundle, String version, ModuleProperties properties) {
        this.serviceId = serviceId;
        this.module = module;
        this.bundle = bundle;
        this.version = version;
        this.properties = properties;
        this.status = properties.error() == null ? ModuleStatus.REGISTERED : ModuleStatus.INVALID;
        this.lastError = properties.error();
        this.since = Instant.now();
    }

    String name() {
        return properties.name();
    }

    Tier tier() {
        return properties.tier();
    }

    int rank() {
        return properties.rank();
    }

    synchronized void properties(ModuleProperties newProperties) {
        properties = newProperties;
    }

    /**
     * The module panicked through its context: FAILED until its next {@code init} (a restart) or its
     * teardown, whatever an {@code opMode} or {@code test} in flight at that moment answers afterwards.
     */
    synchronized void panicked(String reason) {
        panicked = true;
        status(ModuleStatus.FAILED, lastCall, "panic: " + reason);
    }

    synchronized void status(ModuleStatus newStatus, Call call, String error) {
        status = newStatus;
        lastCall = call;
        if (error != null || newStatus != ModuleStatus.FAILED) {
            lastError = error;
        }
        since = Instant.now();
    }

    /**
     * A call begins: the bookkeeping that must hold even if it never returns.
     *
     * @param flight the call
     * @param target what the SCM asked of its modules when the call was decided
     * @param newContext the context of a new incarnation, for {@code init}; otherwise ignored
     */
    synchronized void begin(Flight flight, Target target, ModuleContext newContext) {
        inCall = flight;
        lastCall = flight.call;
        behind = false;
        personalities = target.personalities();
        switch (flight.call) {
            case INIT -> {
                panicked = false;
                context = newContext;
                initialized = true;
                stopCalled = false;
                boot = target.boot();
                opModeTarget = -1;
            }
            case OPMODE -> opModeTarget = target.id();
            case STOP -> stopCalled = true;
            default -> {
            }
        }
    }

    /**
     * Records how a call ended (or that it overran), unless the registration left or was renamed
     * since it began: then the outcome belongs to nobody's status.
     */
    synchronized void outcome(Flight flight, Outcome outcome, String error) {
        if (flight.incarnation != incarnation) {
            return;
        }
        switch (outcome) {
            case PASSED -> {
                // a module that panicked stays FAILED until a restart; only its teardown is recorded as it goes
                if (!panicked || flight.call == Call.STOP || flight.call == Call.SHUTDOWN) {
                    status(passed(flight.call), flight.call, null);
                }
            }
            case FAILED -> status(ModuleStatus.FAILED, flight.call, error);
            case TIMED_OUT -> status(ModuleStatus.TIMED_OUT, flight.call, error);
            default -> throw new IllegalStateException(String.valueOf(outcome));
        }
        if (flight.call == Call.SHUTDOWN && outcome != Outcome.TIMED_OUT) {
            initialized = false;
            ModuleContext c = context;
            if (c != null) {
                c.invalidate();
            }
        }
    }

    /**
     * The call ended: the module may be called again.
     *
     * @param late it ended after its deadline
     */
    synchronized void ended(Flight flight, boolean late) {
        if (inCall == flight) {
            inCall = null;
            behind = late;
        }
    }

    /** The registration leaves or becomes another module: whatever still runs in it belongs to the old one. */
    synchronized void retire() {
        incarnation++;
        ModuleContext c = context;
        if (c != null) {
            c.invalidate();
        }
    }

    /** May this module be called now (not a duplicate, not invalid, no call running in it)? */
    boolean callable() {
        return status != ModuleStatus.CONFLICT && status != ModuleStatus.INVALID && inCall == null;
    }

    /** @return the call that overran its deadline and still runs, or {@code null} */
    Flight overrun() {
        Flight f = inCall;
        return f != null && f.expired() ? f : null;
    }

    /** One consistent view: a call's outcome and its end are recorded under this entry's lock together. */
    synchronized ModuleInfo snapshot() {
        Flight f = inCall;
        return new Info(name(), tier(), rank(), bundle, version, status, lastCall, lastError, since,
                f == null ? null : f.started);
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

    @Override
    public String toString() {
        return name() + "[" + tier().value() + "/" + rank() + ", " + bundle + " " + version + ", service.id=" + serviceId + "]";
    }

    record Info(String name, Tier tier, int rank, String bundle, String version, ModuleStatus status,
            Call lastCall, String lastError, Instant since, Instant inCallSince) implements ModuleInfo {
    }
}
