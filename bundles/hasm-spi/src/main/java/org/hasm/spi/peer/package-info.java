/**
 * The peer: how this SCM watches the other one (the status monitor) and talks to it (the link).
 *
 * <p>{@link org.hasm.spi.peer.StatusMonitor} and {@link org.hasm.spi.peer.PeerLink} are provided by
 * hasm; {@link org.hasm.spi.peer.PeerListener} and {@link org.hasm.spi.peer.LinkHandler} are
 * whiteboard services that modules register to be told of the peer and to answer its requests, and
 * {@link org.hasm.spi.peer.LinkListener} the one through which the link tells the status monitor
 * what became of its connections. 1.1: the verdict ({@link org.hasm.spi.peer.Verdict}), the
 * channels' kernel drops, the link's connection states, a channel's note (why it is BAD or IDLE)
 * and the IDLE status. 1.2: the fencing as configured ({@link org.hasm.spi.peer.StatusMonitor#fence},
 * {@link org.hasm.spi.peer.FenceView}) and the operator's test of the fence agent
 * ({@link org.hasm.spi.peer.StatusMonitor#testFence}).
 */
@Export
@Version("1.2.0")
package org.hasm.spi.peer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
