package org.hasm.spi.peer;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The redundant link to the peer (RSCM + RLM): requests and one-way messages over the best working
 * channel. When a channel fails the message goes over the next one without the caller noticing;
 * every message is authenticated with the cluster key. Implemented by hasm.
 */
@ProviderType
public interface PeerLink {

    /**
     * Sends a request to the peer's {@link LinkHandler} for {@code service} and waits for its answer.
     *
     * @param service the link service at the peer
     * @param payload the request
     * @param timeout how long to wait for the answer, over all channels tried
     * @return the answer
     * @throws IOException when no channel delivered an answer in time, or the peer's handler failed
     *     (the message says which)
     */
    byte[] request(String service, byte[] payload, Duration timeout) throws IOException;

    /**
     * Sends a one-way message; returns once one channel accepted it.
     *
     * @param service the link service at the peer
     * @param payload the message
     * @throws IOException when no channel accepted it
     */
    void send(String service, byte[] payload) throws IOException;

    /** @return every link channel with its error statistics, best first */
    List<ChannelView> channels();
}
