package org.hasm.spi.peer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: answers the peer's messages for one link service, named by the service property
 * {@value #SERVICE}. Called on a link thread; may be called concurrently.
 */
@ConsumerType
public interface LinkHandler {

    /** Service property: the link service this handler answers ({@code controller}, {@code pso}, ...). */
    String SERVICE = "hasm.link.service";

    /**
     * @param payload the message the peer sent
     * @return the answer to a request; ignored for a one-way message
     * @throws Exception the peer's {@link PeerLink#request} fails with this message
     */
    byte[] handle(byte[] payload) throws Exception;
}
