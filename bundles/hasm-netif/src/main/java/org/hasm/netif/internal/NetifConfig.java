package org.hasm.netif.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The configuration, for metatype. The component reads its properties as a map and validates them
 * itself ({@link Settings}), so that a bad value is reported naming the property rather than
 * silently coerced.
 */
@ObjectClassDefinition(id = NetifComponent.PID, name = "hasm virtual addresses",
        description = "How the service addresses of the personalities this SCM serves are brought up.")
@interface NetifConfig {

    @AttributeDefinition(name = "mode", description = "loopback: every personality has its own 127.x address and"
            + " taking one over is bookkeeping (no root needed); linux: ip addr on a device, duplicate address"
            + " detection and gratuitous ARP (needs root or CAP_NET_ADMIN + CAP_NET_RAW).")
    String mode() default "loopback";

    @AttributeDefinition(name = "device", description = "linux mode: the device the service addresses go on (eth0).")
    String device() default "";

    @AttributeDefinition(name = "prefix", description = "linux mode: prefix length of the service addresses.",
            min = "1", max = "32")
    int prefix() default Settings.DEFAULT_PREFIX;

    @AttributeDefinition(name = "arping", description = "linux mode: the iputils arping to run (path or name on PATH).")
    String arping() default Settings.DEFAULT_ARPING;

    @AttributeDefinition(name = "command prefix", description = "Prepended to every command, split at blanks:"
            + " 'ip netns exec NS' when the SCM runs outside the data namespace. Empty: none.")
    String command_prefix() default "";

    @AttributeDefinition(name = "duplicate detection (ms)", description = "linux mode: how long to wait for another"
            + " host to answer for an address before bringing it up (rounded up to whole seconds).",
            min = "100", max = "60000")
    long dad_timeout_ms() default Settings.DEFAULT_DAD_TIMEOUT_MS;

    @AttributeDefinition(name = "command timeout (ms)", description = "How long one ip or arping command may run"
            + " before it is killed and the step fails.", min = "100", max = "600000")
    long command_timeout_ms() default Settings.DEFAULT_COMMAND_TIMEOUT_MS;

    @AttributeDefinition(name = "TCP tickles", description = "linux mode: keep the list of this SCM's client TCP"
            + " connections on the shared storage, and when an address comes up here send each client of the"
            + " other SCM's list a TCP ACK it answers, so it gets a reset and reconnects at once instead of"
            + " after its retransmission timeouts (needs CAP_NET_RAW; without it they stay off).")
    boolean tickle_enabled() default true;

    @AttributeDefinition(name = "connection list interval (ms)", description = "linux mode, tickles on: how often"
            + " the connections are read from the kernel and, when they changed, the list is written. A"
            + " connection younger than this may be missing from the list after a crash.", min = "100", max = "60000")
    long tickle_interval_ms() default Settings.DEFAULT_TICKLE_INTERVAL_MS;

    @AttributeDefinition(name = "connection list bound", description = "linux mode, tickles on: the most client"
            + " connections the list holds; more are counted and left out.", min = "1", max = "65536")
    int tickle_max_connections() default Settings.DEFAULT_TICKLE_MAX;
}
