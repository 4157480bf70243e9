package org.hasm.wire;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One network channel to the peer: where this SCM binds and where the peer listens. The status
 * monitor and the link each read their channels from factory configurations of their own
 * ({@code org.hasm.status.channel~NAME}, {@code org.hasm.link.channel~NAME}).
 *
 * @param name the channel's name
 * @param local the address to bind
 * @param peer the peer's address
 */
public record ChannelConfig(String name, InetSocketAddress local, InetSocketAddress peer) {

    /**
     * What keeps this channel from working beside {@code others} (the same kind of channel of the same
     * SCM), found when the configuration is checked rather than when the second socket fails to bind.
     *
     * @return {@code "local"} or {@code "peer"} and the reason, as {@code key=reason}; {@code null} if nothing
     */
    public String conflict(List<ChannelConfig> others) {
        for (ChannelConfig o : others) {
            if (binds(local, o.local)) {
                return "local='" + text(local) + "' is also where channel " + o.name + " listens: only one of them can";
            }
        }
        if (local.equals(peer)) {
            return "peer='" + text(peer) + "' is this channel's own local address: the SCM would talk to itself";
        }
        return null;
    }

    /** Whether two sockets of one protocol would take the same port: the same address, or either the wildcard. */
    private static boolean binds(InetSocketAddress a, InetSocketAddress b) {
        return a.getPort() == b.getPort()
                && (a.getAddress().equals(b.getAddress()) || a.getAddress().isAnyLocalAddress()
                        || b.getAddress().isAnyLocalAddress());
    }

    private static String text(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
