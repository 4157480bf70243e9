package org.hasm.status.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The status monitor's configuration; its channels are factory configurations of their own
 * ({@link ChannelDefinition}). The defaults are the tuned timing: a status message every 50 ms, a
 * channel BAD after 4 silent intervals (200 ms). The patent's timing is {@code interval.ms=1000},
 * {@code counter.start=10}. Both SCMs of a pair must use the same: the controllers compare them.
 */
@ObjectClassDefinition(id = StatusComponent.PID, name = "hasm status monitor",
        description = "Status messages to the peer on every channel, and how long silence is tolerated.")
@interface StatusConfig {

    @AttributeDefinition(name = "interval (ms)", description = "How often a status message is sent on every channel,"
            + " and how often every channel's counter drops by one. Both SCMs must use the same.", min = "20",
            max = "3600000")
    long interval_ms() default Settings.DEFAULT_INTERVAL_MS;

    @AttributeDefinition(name = "counter start", description = "A channel's counter starts here and is capped here;"
            + " a channel is BAD after this many intervals without a message. Both SCMs must use the same.",
            min = "1", max = "1000000")
    int counter_start() default Settings.DEFAULT_COUNTER_START;

    @AttributeDefinition(name = "fence agent", description = "The FenceAgent (service property hasm.fence.agent)"
            + " asked whether the peer is certainly stopped when there is evidence that it may be (its link"
            + " connections reset or refused, its status ports unreachable, every network silent), and to fence it"
            + " when it is silent on every network and its storage heartbeat stopped, or when a network-only outage"
            + " lasted the fence delay; its 'true' declares the peer dead before its storage lease runs out."
            + " hasm's are none, process and netns.")
    String fence_agent() default Settings.DEFAULT_FENCE_AGENT;

    @AttributeDefinition(name = "fence timeout (ms)", description = "How long the fence agent may take; no answer"
            + " by then and the storage lease decides (the call is still awaited: never two at once).",
            min = "100", max = "600000")
    long fence_timeout_ms() default Settings.DEFAULT_FENCE_TIMEOUT_MS;

    @AttributeDefinition(name = "fence delay (ms)", description = "How long a network-only outage (every network"
            + " channel BAD while the peer's storage heartbeat goes on) must last before the peer is fenced; a flood"
            + " at this SCM's status ports restarts it. The configured SLAVE waits twice as long (and at least this plus fence.timeout.ms), so that in a"
            + " partition only one SCM fences the other. -1: the default, " + Settings.DEFAULT_FENCE_DELAY_MS
            + " ms. A peer silent on the storage too is fenced at once.", min = "-1", max = "3600000")
    long fence_delay_ms() default -1;
}
