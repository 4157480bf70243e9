package org.hasm.health.internal;

/** The topics the health monitor posts on, and the controller's it listens to. Every event carries {@code scm}. */
final class Topics {
    /** The controller: a module panicked ({@code module}, {@code reason}). */
    static final String PANIC = "org/hasm/controller/PANIC";
    /** The figures of the JVM and the host, the state, the problems open now; every wellness interval. */
    static final String WELLNESS = "org/hasm/health/WELLNESS";
    /** A check found a problem ({@code check}: heap, disk.data, disk.shared, deadlock, probe.MODULE; {@code problem}). */
    static final String PROBLEM = "org/hasm/health/PROBLEM";
    /** A check is fine again ({@code check}, {@code was}). */
    static final String RECOVERED = "org/hasm/health/RECOVERED";
    /** A service failed and is restarted ({@code module}, {@code reason}, {@code delayMs}, {@code failures}). */
    static final String RESTART = "org/hasm/health/RESTART";
    /** A service failed too often and is disabled ({@code module}, {@code reason}). */
    static final String DISABLE = "org/hasm/health/DISABLE";
    /** A HASM module failed: the SCM reboots ({@code reason}). */
    static final String REBOOT = "org/hasm/health/REBOOT";
    /** The failure repeated across reboots: the SCM stays in MONITOR until an operator resets it ({@code reason}). */
    static final String SCM_DISABLED = "org/hasm/health/SCM_DISABLED";
    /** An operator's reset enabled a disabled SCM again ({@code reason}). */
    static final String SCM_ENABLED = "org/hasm/health/SCM_ENABLED";

    private Topics() {
    }
}
