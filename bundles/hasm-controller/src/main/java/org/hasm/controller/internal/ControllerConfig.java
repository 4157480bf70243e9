package org.hasm.controller.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = ControllerComponent.PID, name = "hasm controller",
        description = "Deadlines of the lifecycle calls, the INIT handshake with the peer, and the call journal.")
@interface ControllerConfig {

    @AttributeDefinition(name = "init deadline (ms)",
            description = "How long a module's init may take, unless it declares its own.", min = "1")
    long deadline_init_ms() default 10_000;

    @AttributeDefinition(name = "test deadline (ms)",
            description = "How long a module's test may take, unless it declares its own.", min = "1")
    long deadline_test_ms() default 10_000;

    @AttributeDefinition(name = "opMode deadline (ms)",
            description = "How long a module's opMode may take, unless it declares its own.", min = "1")
    long deadline_opmode_ms() default 10_000;

    @AttributeDefinition(name = "stop deadline (ms)",
            description = "How long a module's stop may take, unless it declares its own.", min = "1")
    long deadline_stop_ms() default 10_000;

    @AttributeDefinition(name = "shutDown deadline (ms)",
            description = "How long a module's shutDown may take, unless it declares its own.", min = "1")
    long deadline_shutdown_ms() default 10_000;

    @AttributeDefinition(name = "longest deadline (ms)",
            description = "The longest deadline a module may declare for itself (hasm.module.deadline.*.ms);"
                    + " a longer one is cut to this. The deadlines above may not exceed it.", min = "1")
    long deadline_max_ms() default 60_000;

    @AttributeDefinition(name = "INIT peer timeout (ms)",
            description = "How long INIT waits for the peer to answer before the boot goes on alone.", min = "1")
    long init_peer_timeout_ms() default 10_000;

    @AttributeDefinition(name = "READY retry (ms)",
            description = "How often an SCM waiting for the peer's PROCEED says READY again.", min = "10")
    long init_ready_retry_ms() default 1_000;

    @AttributeDefinition(name = "journal size", description = "How many lifecycle calls the journal keeps.", min = "10")
    int journal_size() default 1000;

    @AttributeDefinition(name = "failback policy",
            description = "When the MASTER serving both personalities gives the peer's back once the peer is READY"
                    + " again: automatic (at once), manual (when the operator says: hasmctl failback), or delay"
                    + " (after failback.delay.ms).",
            options = {@Option(label = "automatic", value = "automatic"), @Option(label = "manual", value = "manual"),
                @Option(label = "delay", value = "delay")})
    String failback_policy() default "automatic";

    @AttributeDefinition(name = "failback delay (ms)",
            description = "With failback.policy=delay: how long the peer must have been READY before it gets its"
                    + " personality back.", min = "1")
    long failback_delay_ms() default 30_000;

    @AttributeDefinition(name = "upgrade step timeout (ms)",
            description = "How long one step of a rolling upgrade (a handover, an install with its init and test, a"
                    + " rejoin into DAC) may take before it counts as failed and the upgrade rolls back.", min = "1000")
    long upgrade_step_timeout_ms() default 60_000;

    @AttributeDefinition(name = "upgrade dwell (ms)",
            description = "How long a personality a rolling upgrade handed to the peer stays served there, at least,"
                    + " before the upgrade gives it back. A client that met the handover's short gap and tries again"
                    + " a second later then finds it served, not in a second gap (a fast install would otherwise move"
                    + " it twice within that second).", min = "0")
    long upgrade_dwell_ms() default 1_500;
}
