package org.hasm.health.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The health monitor's configuration ({@value HealthMonitor#PID}); validated at activation by {@link Limits#of}. */
@ObjectClassDefinition(id = HealthMonitor.PID, name = "hasm health monitor",
        description = "Restart of failed services, escalation, checks of the JVM and the host, the wellness event.")
@interface HealthConfig {

    @AttributeDefinition(name = "first restart delay (ms)", description = "How long after a service's failure it is"
            + " restarted the first time; each further failure in the window doubles it.", min = "0", max = "600000")
    long restart_delay_ms() default 100;

    @AttributeDefinition(name = "longest restart delay (ms)", description = "The back-off never waits longer.",
            min = "0", max = "3600000")
    long restart_delay_max_ms() default 30_000;

    @AttributeDefinition(name = "failures before disabling", description = "A service that fails this many times"
            + " within the window is disabled, with the reason in the status, instead of restarted.",
            min = "1", max = "1000")
    int restart_failures_max() default 3;

    @AttributeDefinition(name = "failure window (ms)", description = "Failures older than this are forgotten.",
            min = "1000", max = "86400000")
    long restart_window_ms() default 600_000;

    @AttributeDefinition(name = "reboots before disabling the SCM", description = "When a HASM module's failure"
            + " made this SCM reboot this many times within the reboot window (counted in the data folder, across"
            + " reboots and process restarts), the next one leaves it in MONITOR until an operator resets it.",
            min = "1", max = "1000")
    int reboot_max() default 3;

    @AttributeDefinition(name = "reboot window (ms)", description = "Reboots older than this are forgotten.",
            min = "1000", max = "604800000")
    long reboot_window_ms() default 3_600_000;

    @AttributeDefinition(name = "check interval (ms)", description = "How often the JVM, the host and every"
            + " module's health probe are checked.", min = "50", max = "3600000")
    long check_interval_ms() default 5_000;

    @AttributeDefinition(name = "probe deadline (ms)", description = "A module's health probe that does not answer"
            + " within this counts as a failure of the module.", min = "10", max = "600000")
    long probe_deadline_ms() default 2_000;

    @AttributeDefinition(name = "wellness interval (ms)", description = "How often the wellness event"
            + " (org/hasm/health/WELLNESS) is published; 0: never.", min = "0", max = "86400000")
    long wellness_interval_ms() default 30_000;

    @AttributeDefinition(name = "heap limit (%)", description = "Heap in use after the last collection above this"
            + " share of the maximum is a problem.", min = "1", max = "100")
    int heap_max_percent() default 90;

    @AttributeDefinition(name = "free disk (MiB)", description = "Less free space than this in the data folder or"
            + " the shared folder is a problem.", min = "0", max = "1048576")
    long disk_free_min_mb() default 64;

    @AttributeDefinition(name = "free disk (%)", description = "Less free space than this share of the data"
            + " folder's or the shared folder's file system is a problem.", min = "0", max = "100")
    int disk_free_min_percent() default 2;
}
