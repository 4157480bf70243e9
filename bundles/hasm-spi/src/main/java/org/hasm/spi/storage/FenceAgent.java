package org.hasm.spi.storage;

import java.time.Duration;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: stops the peer for good, so that its volumes can be taken over before its storage
 * lease runs out. Registered with the service property {@value #NAME}; the status monitor uses the
 * agent its configuration names ({@code process}, {@code netns}, {@code none}, or a third party's).
 */
@ConsumerType
public interface FenceAgent {

    /** Service property: the agent's name. */
    String NAME = "hasm.fence.agent";

    /**
     * Service property ({@code String} or {@code String[]}): the keys of the agent's own configuration
     * without which it cannot fence. Declarative Services puts a component's configuration in its
     * service properties; the status monitor checks that each of these keys is there, not blank, and
     * refuses to start with an agent that lacks one (the SCM stays in MONITOR, naming the key)
     * rather than find out at the first outage.
     *
     * @since 1.1 (package org.hasm.spi.storage; SPI bundle 1.0.0)
     */
    String REQUIRES = "hasm.fence.requires";

    /**
     * Fences the peer. Must be idempotent; may block up to {@code timeout}.
     *
     * @param peer the peer SCM's name
     * @param timeout how long it may take
     * @return {@code true} only if the peer is certainly stopped (or cut off from the storage);
     *     {@code false} if that cannot be known, in which case the lease decides
     * @throws Exception if the agent failed; treated as {@code false}
     */
    boolean fence(String peer, Duration timeout) throws Exception;

    /**
     * Says, without doing anything to it, whether the peer is certainly stopped already (its
     * process is gone, its host is off). Asked as soon as the peer is unreachable on every network,
     * before the fence delay: a peer that is certainly gone is taken over at once, without waiting
     * for its storage lease or killing anything. Must return quickly.
     *
     * @param peer the peer SCM's name
     * @return {@code true} only if certain; the default says it cannot tell
     * @throws Exception if the agent failed; treated as {@code false}
     */
    default boolean stopped(String peer) throws Exception {
        return false;
    }

    /**
     * Says, without doing anything to the peer, whether the agent could fence it now: what it would
     * act on (a process, a command, a device) and whether that is there and within its reach. The
     * operator's test of the agent ({@code hasmctl fence --test}, like Pacemaker's
     * {@code stonith_admin} monitor), asked in every state; must return within a few seconds.
     *
     * @param peer the peer SCM's name
     * @return what the agent found; the default says it has no check
     * @throws Exception if the agent failed; reported as not ready
     * @since 1.4 (package org.hasm.spi.storage)
     */
    default Readiness check(String peer) throws Exception {
        return new Readiness(false, "this agent has no check of its own: only a real fence would tell");
    }

    /**
     * What {@link #check} found.
     *
     * @param ready whether a fence now would act on the peer
     * @param detail what was checked and found, in a line or a few, naming what is missing if not ready
     * @since 1.4 (package org.hasm.spi.storage)
     */
    record Readiness(boolean ready, String detail) {
    }
}
