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
}
