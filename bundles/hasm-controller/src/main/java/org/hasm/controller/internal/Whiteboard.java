package org.hasm.controller.internal;

import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;
import org.hasm.spi.ModuleStatus;

/**
 * The {@code HaModule} whiteboard as the controller sees it: registrations arrive, change and leave
 * on the framework's threads; while the SCM runs, whatever that means for the modules is done on
 * the controller thread - a newcomer is brought up to the current target, a leaving module is
 * stopped and shut down before its service goes, and a module waiting for its name takes over.
 */
final class Whiteboard {
    private final ModuleRegistry registry;
    private final Lifecycle lifecycle;
    private final EventLoop loop;
    private final Sink sink;
    private final BooleanSupplier running;
    private final Runnable reconcile;
    private final ToLongFunction<ModuleEntry> leaveBound;

    /**
     * @param running whether the SCM runs (started and not closing): otherwise registrations are only noted
     * @param reconcile brings modules to the target, on the controller thread
     * @param leaveBound how long to wait for a module's stop and shutDown, in ms
     */
    Whiteboard(ModuleRegistry registry, Lifecycle lifecycle, EventLoop loop, Sink sink, BooleanSupplier running,
            Runnable reconcile, ToLongFunction<ModuleEntry> leaveBound) {
        this.registry = registry;
        this.lifecycle = lifecycle;
        this.loop = loop;
        this.sink = sink;
        this.running = running;
        this.reconcile = reconcile;
        this.leaveBound = leaveBound;
    }

    void added(ModuleEntry entry) {
        registry.add(entry);
        if (entry.status == ModuleStatus.INVALID) {
            sink.warn("module registration " + entry + " is invalid and will not be called: " + entry.lastError);
        } else if (entry.status == ModuleStatus.CONFLICT) {
            sink.warn("module " + entry + " waits: " + entry.lastError);
        } else {
            sink.debug("module " + entry + " registered");
        }
        if (running.getAsBoolean()) {
            loop.submit("bring up " + entry.name(), reconcile);
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
            sink.info("module " + entry + ": tier, rank, order and deadlines apply from the next call");
            return;
        }
        // A new name or a broken registration is a different module: the old one leaves first.
        boolean live = running.getAsBoolean();
        Runnable rename = () -> {
            if (live) {
                leave(entry);
            } else {
                registry.remove(serviceId);
                entry.retire();
            }
            entry.properties(properties);
            entry.status(properties.error() == null ? ModuleStatus.REGISTERED : ModuleStatus.INVALID, null,
                    properties.error());
            added(entry);
        };
        if (live) {
            loop.runAndWait("re-register " + entry.name(), rename, leaveBound.applyAsLong(entry));
        } else {
            rename.run();
        }
    }

    /** A module's service goes away: stop and shut it down while it is still usable. */
    void removed(long serviceId) {
        ModuleEntry entry = registry.get(serviceId);
        if (entry == null) {
            return;
        }
        if (running.getAsBoolean()) {
            loop.runAndWait("remove " + entry.name(), () -> leave(entry), leaveBound.applyAsLong(entry));
        } else {
            registry.remove(serviceId);
        }
    }

    /** Controller thread: the module leaves; the next one waiting for its name takes it. */
    private void leave(ModuleEntry e) {
        lifecycle.leave(e);
        registry.remove(e.serviceId);
        sink.info("module " + e + " left");
        ModuleEntry next = registry.promote(e.name());
        if (next != null) {
            sink.info("module " + next + " takes the name " + e.name() + " over");
            reconcile.run();
        }
    }
}
