package org.hasm.spi.peer;

/** Whether a channel to the peer works. */
public enum ChannelStatus {
    /** Messages from the peer arrive on it. */
    GOOD,
    /** Nothing has arrived on it for longer than its counter allows. */
    BAD
}
