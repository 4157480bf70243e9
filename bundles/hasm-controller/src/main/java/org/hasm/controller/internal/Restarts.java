package org.hasm.controller.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.Tier;
import org.hasm.spi.health.ModuleControl;

/**
 * Restart and disable of one service ({@link ModuleControl}), queued to the controller thread so that
 * they never race a transition: there the module is stopped and shut down (each call waited for
 * within its deadline), then {@link Lifecycle#reconcile()} brings a restarted one to the current target
 * as it does any module registered while the SCM runs (init, test, the current opMode). A disabled one
 * is left FAILED and not initialised, which {@link Lifecycle#needed} never calls again.
 */
final class Restarts {
    private final ModuleRegistry registry;
    private final Lifecycle lifecycle;
    private final EventLoop loop;
    private final Sink sink;
    private final Supplier<String> scm;
    private final BooleanSupplier running;
    private final Runnable reconcile;

    /**
     * @param running whether the controller takes commands (started, not closing)
     * @param reconcile runs on the controller thread: brings lagging modules to the target
     */
    Restarts(ModuleRegistry registry, Lifecycle lifecycle, EventLoop loop, Sink sink, Supplier<String> scm,
            BooleanSupplier running, Runnable reconcile) {
        this.registry = registry;
        this.lifecycle = lifecycle;
        this.loop = loop;
        this.sink = sink;
        this.scm = scm;
        this.running = running;
        this.reconcile = reconcile;
    }

    void restart(String name, String reason) {
        ModuleEntry e = checked(name, "restarted");
        loop.submit("restart of " + name, () -> {
            if (!stillCallable(e, name, "restart", reason)) {
                return;
            }
            sink.warn("module " + name + " restarted: " + reason);
            lifecycle.leave(e);
            // a module whose shutDown failed is not called again by itself; a restart asks for one
            e.status(ModuleStatus.REGISTERED, e.lastCall, null);
            post(ModuleControl.TOPIC_RESTARTED, name, reason);
            reconcile.run();
        });
    }

    void disable(String name, String reason) {
        ModuleEntry e = checked(name, "disabled");
        loop.submit("disable of " + name, () -> {
            if (!stillCallable(e, name, "disable", reason)) {
                return;
            }
            sink.error("module " + name + " disabled: " + reason, null);
            lifecycle.leave(e);
            e.status(ModuleStatus.FAILED, e.lastCall, ModuleControl.DISABLED + reason);
            post(ModuleControl.TOPIC_DISABLED, name, reason);
        });
    }

    private ModuleEntry checked(String name, String what) {
        if (!running.getAsBoolean()) {
            throw new IllegalStateException("the controller is not running: " + name + " cannot be " + what);
        }
        ModuleEntry e = registry.forward().stream()
                .filter(m -> m.name().equals(name) && m.status != ModuleStatus.CONFLICT
                        && m.status != ModuleStatus.INVALID)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no module named '" + name + "' is registered"));
        if (e.tier() == Tier.HASM) {
            throw new IllegalStateException("module " + name + " is of the hasm tier: it is not " + what
                    + " on its own (the SCM resets instead)");
        }
        if (e.inCall != null) {
            throw new IllegalStateException("module " + name + " is in its " + e.lastCall + " call since "
                    + e.inCall.started + ": it is not called twice at once");
        }
        return e;
    }

    /* Judged again on the controller thread: the module may have left or entered a call since. */
    private boolean stillCallable(ModuleEntry e, String name, String what, String reason) {
        String refused = registry.get(e.serviceId) != e ? "it left"
                : e.inCall != null ? "it is in its " + e.lastCall + " call" : null;
        if (refused == null) {
            return true;
        }
        sink.warn("module " + name + ": " + what + " (" + reason + ") not done: " + refused);
        Map<String, Object> props = props(name, reason);
        props.put("operation", what);
        props.put("refused", refused);
        sink.post(ModuleControl.TOPIC_REFUSED, props);
        return false;
    }

    private void post(String topic, String name, String reason) {
        sink.post(topic, props(name, reason));
    }

    private Map<String, Object> props(String name, String reason) {
        Map<String, Object> props = new HashMap<>();
        props.put("scm", scm.get());
        props.put("module", name);
        props.put("reason", reason == null ? "" : reason);
        return props;
    }
}
