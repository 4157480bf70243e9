package org.hasm.spi.peer;

import java.util.List;

/**
 * The fencing of this SCM's peer as configured and registered now: what {@code hasmctl fence} shows
 * beside the fence events of the event log (the history of what the agent did).
 *
 * @param scm this SCM
 * @param peer the peer the agent would fence, {@code null} on a standalone SCM
 * @param agent the agent {@code fence.agent} names ({@code none}: nobody is fenced, the storage lease decides)
 * @param timeoutMs how long a fence may take ({@code fence.timeout.ms})
 * @param delayMs how long an outage of the networks alone lasts before the peer is fenced ({@code fence.delay.ms})
 * @param registered every fence agent registered on this SCM
 * @param problem why this SCM cannot fence with the configured agent, or {@code null}
 * @since 1.2 (package org.hasm.spi.peer)
 */
public record FenceView(String scm, String peer, String agent, long timeoutMs, long delayMs,
        List<RegisteredAgent> registered, String problem) {

    /**
     * A registered agent.
     *
     * @param name the name it is registered under
     * @param implementation its class, to tell a third party's agent from hasm's
     * @param missing the configuration keys it requires that are not set
     */
    public record RegisteredAgent(String name, String implementation, List<String> missing) {
    }
}
