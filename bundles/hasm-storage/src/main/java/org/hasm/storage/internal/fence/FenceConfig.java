package org.hasm.storage.internal.fence;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The fence agents' configuration ({@value FenceAgents#PID}), shared by the agents; each reads its own
 * keys. The status monitor's configuration says which agent is used.
 */
@ObjectClassDefinition(id = FenceAgents.PID, name = "hasm fence agents",
        description = "How the agents stop the peer for good before its volumes are taken over.")
@interface FenceConfig {

    @AttributeDefinition(name = "peer pid file (process agent)", description = "The peer's <node folder>/hasm.pid."
            + " The process it names is killed only if its command line shows the hasm launcher on that node folder.")
    String fence_process_pidfile() default "";

    @AttributeDefinition(name = "command (netns agent)", description = "A command that cuts the peer off, e.g."
            + " 'ip netns exec hasm-b ip link set veth-b down'; run without a shell, ${peer} is the peer's name."
            + " Exit status 0 within the timeout means fenced.")
    String fence_netns_command() default "";
}
