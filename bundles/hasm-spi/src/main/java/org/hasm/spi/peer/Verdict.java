package org.hasm.spi.peer;

/**
 * Why the status monitor holds its peer alive or dead: the evidence behind {@link PeerView#alive()}.
 * A peer is dead only on evidence that it no longer serves (it said so, it was fenced, its fence
 * agent found it stopped, its storage lease ran out) or, where no storage channel can tell a
 * partition from a death, when every channel is BAD. A network outage or a flood is never a death.
 *
 * @since package 1.1.0, hasm 1.0.0
 */
public enum Verdict {
    /** Alive: a network channel carries its status messages. */
    HEARD(true),
    /** Alive by the benefit of the doubt: nothing of it arrived yet, and no channel ran out. */
    STARTING(true),
    /**
     * Alive: every network channel is BAD, but its storage heartbeat goes on. A partition, reported
     * as one; it is fenced only if it lasts the configured network-only time.
     */
    NETWORK_OUTAGE(true),
    /**
     * Alive: every network channel is BAD while strangers flood this SCM's status ports, and its
     * storage heartbeat goes on. A flood is never a reason to fence.
     */
    FLOOD(true),
    /**
     * Alive until proven otherwise: silent on every channel, its storage lease not run out yet and no
     * fence completed. Nothing of its is taken over in this state.
     */
    UNCONFIRMED(true),
    /** Dead: it reported MONITOR or HALTED. */
    REPORTED_FAULT(false),
    /** Dead: the fence agent stopped it (for the incarnation it was aimed at). */
    FENCED(false),
    /** Dead: the fence agent found it certainly stopped (its process gone), without fencing it. */
    STOPPED(false),
    /** Dead: its storage heartbeat, heard in its current life, stopped for a whole lease. */
    LEASE_EXPIRED(false),
    /**
     * Dead: every channel ran out and nothing proves a partition (no storage channel, or none ever
     * carried its heartbeat): the patent's rule. Also a peer that was never heard at all.
     */
    SILENT(false);

    private final boolean alive;

    Verdict(boolean alive) {
        this.alive = alive;
    }

    /** @return whether a peer with this verdict is alive */
    public boolean alive() {
        return alive;
    }

    /**
     * @return whether this verdict says the peer's process is certainly not running any more (fenced,
     *     or found stopped), as opposed to silent or reporting a fault
     */
    public boolean stopped() {
        return this == FENCED || this == STOPPED;
    }
}
