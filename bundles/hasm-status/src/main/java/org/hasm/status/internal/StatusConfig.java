package org.hasm.status.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The fixed part of the configuration, for metatype. Each channel adds
 * {@code channel.<name>.local} and {@code channel.<name>.peer} ({@code IP:port}, UDP), and the
 * test-only fault switch {@code fault.drop.<name>} (0..100 percent, honoured only when the framework
 * property {@code hasm.faults.enabled} is {@code true}); those keys are dynamic, so the component
 * reads its properties as a map.
 */
@ObjectClassDefinition(id = StatusComponent.PID, name = "hasm status monitor",
        description = "Status messages to the peer on every channel, and how long silence is tolerated.")
@interface StatusConfig {

    @AttributeDefinition(name = "interval (ms)", description = "How often a status message is sent on every channel,"
            + " and how often every channel's counter drops by one. Both SCMs must use the same.", min = "20")
    long interval_ms() default Settings.DEFAULT_INTERVAL_MS;

    @AttributeDefinition(name = "counter start", description = "A channel's counter starts here and is capped here;"
            + " a channel is BAD after this many intervals without a message.", min = "1")
    int counter_start() default Settings.DEFAULT_COUNTER_START;

    @AttributeDefinition(name = "channels", description = "Comma separated channel names; each needs"
            + " channel.<name>.local and channel.<name>.peer (IP:port). Empty: no peer is watched.")
    String channels() default "";
}
