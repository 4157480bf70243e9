package org.hasm.spi.peer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: told by the link, on a link thread, whenever its connection to the peer on a channel
 * changes. The status monitor registers one: a peer whose kernel closed or refused every link
 * connection is asked about at once (is its process gone?) instead of waiting for the status
 * counters to run out. Implementations must return quickly.
 *
 * @since package 1.1.0, hasm 1.0.0
 */
@ConsumerType
public interface LinkListener {

    /**
     * @param channel the link channel's configured name
     * @param state what became of its connection to the peer
     */
    void linkChanged(String channel, LinkState state);
}
