package org.hasm.spi.peer;

import java.time.Duration;
import java.util.List;
import org.hasm.spi.storage.FenceAgent;
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

    /**
     * @return the fence agent this SCM would use against its peer, the agents registered and what
     *     keeps it from fencing, as configured now (also before the monitor runs)
     * @since 1.2 (package org.hasm.spi.peer)
     */
    FenceView fence();

    /**
     * Asks the configured agent whether it could fence the peer now, without fencing it
     * ({@link FenceAgent#check}); on a thread of its own, so that an agent that hangs is abandoned
     * after the timeout (an agent that serialises its calls answers after a fence in progress).
     *
     * @param timeout how long the check may take
     * @return what the agent found; not ready if no agent is configured or registered, if it failed
     *     or did not answer in time
     * @since 1.2 (package org.hasm.spi.peer)
     */
    FenceAgent.Readiness testFence(Duration timeout);
}
