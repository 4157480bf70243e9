package org.hasm.controller.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = ControllerComponent.PID, name = "hasm controller",
        description = "Deadlines of the lifecycle calls and the size of the call journal.")
@interface ControllerConfig {

    @AttributeDefinition(name = "init deadline (ms)", description = "How long a module's init may take.", min = "1")
    long deadline_init_ms() default 10_000;

    @AttributeDefinition(name = "test deadline (ms)", description = "How long a module's test may take.", min = "1")
    long deadline_test_ms() default 10_000;

    @AttributeDefinition(name = "opMode deadline (ms)", description = "How long a module's opMode may take.", min = "1")
    long deadline_opmode_ms() default 10_000;

    @AttributeDefinition(name = "stop deadline (ms)", description = "How long a module's stop may take.", min = "1")
    long deadline_stop_ms() default 10_000;

    @AttributeDefinition(name = "shutDown deadline (ms)", description = "How long a module's shutDown may take.", min = "1")
    long deadline_shutdown_ms() default 10_000;

    @AttributeDefinition(name = "journal size", description = "How many lifecycle calls the journal keeps.", min = "10")
    int journal_size() default 1000;
}
