package org.hasm.spi.peer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: told synchronously, on the status monitor's thread, whenever the peer's view
 * changes (alive/dead, reported state, role or incarnation) and whenever a channel changes status.
 * Implementations must return quickly (queue the work): the status monitor waits for them.
 */
@ConsumerType
public interface PeerListener {

    /** @param peer the new view of the peer */
    void peerChanged(PeerView peer);

    /** @param channel the channel whose status changed */
    default void channelChanged(ChannelView channel) {
    }
}
