package org.hasm.spi.health;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The controller's operations on one module of this SCM, for the health monitor and the operator.
 * Both run on the controller's own thread, between transitions, so they never race one; both return
 * once the operation is queued. Registered by the controller; implemented by hasm only.
 *
 * <p>Each posts an event: {@value #TOPIC_RESTARTED} once the module was stopped, shut down and started
 * again towards the current state (init, test, the current opMode follow as usual, each posting its
 * {@code org/hasm/controller/call/*} event), {@value #TOPIC_DISABLED} once a module is disabled, and
 * {@value #TOPIC_REFUSED} when the operation could not be carried out when its turn came (the module is
 * in a call, or left), with {@code scm}, {@code module} and {@code reason}.
 */
@ProviderType
public interface ModuleControl {

    /** Topic: a module was restarted (stop, shutDown, then init, test and the current opMode follow). */
    String TOPIC_RESTARTED = "org/hasm/controller/module/RESTARTED";
    /** Topic: a module was disabled; its status is FAILED with the reason, prefixed {@value #DISABLED}. */
    String TOPIC_DISABLED = "org/hasm/controller/module/DISABLED";
    /** Topic: a queued restart or disable found the module in a call or gone, and did nothing. */
    String TOPIC_REFUSED = "org/hasm/controller/module/REFUSED";
    /** How a disabled module's last error begins in the status. */
    String DISABLED = "disabled: ";

    /**
     * Restarts a service: {@code stop} and {@code shutDown} if it holds anything, then {@code init},
     * {@code test} and the SCM's current {@code opMode}, as for a module registered while the SCM runs.
     * A disabled module is enabled again this way.
     *
     * @param module the module's name
     * @param reason for the log, the event and the status
     * @throws IllegalArgumentException naming the module when no module of that name is registered
     * @throws IllegalStateException with why when it cannot be restarted: a module of the {@code hasm}
     *     tier (the SCM resets instead), a module in a call (it is not called twice at once)
     */
    void restart(String module, String reason);

    /**
     * Disables a service: {@code stop} and {@code shutDown} if it holds anything, and it is not called
     * again (not at the next transition nor after a RESET) until {@link #restart} or until its bundle
     * registers it again. The status shows it FAILED with {@value #DISABLED} and the reason.
     *
     * @param module the module's name
     * @param reason for the log, the event and the status
     * @throws IllegalArgumentException naming the module when no module of that name is registered
     * @throws IllegalStateException with why when it cannot be disabled (a module of the {@code hasm} tier,
     *     a module in a call)
     */
    void disable(String module, String reason);
}
