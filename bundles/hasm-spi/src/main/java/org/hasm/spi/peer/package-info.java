/**
 * The peer: how this SCM watches the other one (the status monitor) and talks to it (the link).
 *
 * <p>{@link org.hasm.spi.peer.StatusMonitor} and {@link org.hasm.spi.peer.PeerLink} are provided by
 * hasm; {@link org.hasm.spi.peer.PeerListener} and {@link org.hasm.spi.peer.LinkHandler} are
 * whiteboard services that modules register to be told of the peer and to answer its requests.
 */
@Export
@Version("1.0.0")
package org.hasm.spi.peer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
