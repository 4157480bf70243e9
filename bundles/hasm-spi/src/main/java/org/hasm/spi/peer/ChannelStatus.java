package org.hasm.spi.peer;

/** Whether a channel to the peer works. */
public enum ChannelStatus {
    /** Messages from the peer arrive on it. */
    GOOD,
    /** Nothing has arrived on it for longer than its counter allows; {@link ChannelView#note()} says since when. */
    BAD,
    /**
     * Nothing is expected on it, so its silence says nothing about the network: the peer said it stops
     * (HALTED), or this SCM does not watch its peer now (its status monitor is stopped). {@link
     * ChannelView#note()} says which.
     *
     * @since package 1.1.0, hasm 1.0.0
     */
    IDLE
}
