package org.hasm.wire;

import java.net.InetSocketAddress;

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
}
