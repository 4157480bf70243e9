package org.hasm.spi.peer;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The status monitor (SM): sends a status message on every channel every interval and judges the
 * peer by what arrives and by what its fence agent can tell. The peer is dead only on evidence (see
 * {@link Verdict}); one channel lost is an event, never a failover, and so is a network outage while
 * the peer's storage heartbeat goes on, or a flood. Implemented by hasm.
 */
@ProviderType
public interface StatusMonitor {

    /** Event topic of a channel's change: properties {@code scm}, {@code channel}, {@code status}. */
    String TOPIC_CHANNEL = "org/hasm/status/CHANNEL";
    /** Event topic of a change of the peer: properties {@code scm}, {@code peer}, {@code alive}, {@code state}. */
    String TOPIC_PEER = "org/hasm/status/PEER";

    /** @return every configured channel, in configuration order */
    List<ChannelView> channels();

    /** @return the peer as seen now */
    PeerView peer();
}
