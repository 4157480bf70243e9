/**
 * Authenticated, versioned frames between the SCMs of a pair: the codec, the cluster key, the
 * replay window and the incarnation. One implementation for every bundle that talks to the peer:
 * the node bundle holds the cluster key and exports this package; the status monitor and the link
 * import it and ask the node's {@link org.hasm.wire.Keyring} for a codec of their own purpose.
 *
 * <p>1.3.0: {@link org.hasm.wire.ReplayFloorFile}, where the link and the status monitor keep the newest
 * frame they accepted across restarts; {@link org.hasm.wire.Incarnation#firstSequence()}, where a sender
 * started again within one incarnation begins numbering.
 */
@Version("1.3.0")
package org.hasm.wire;

import org.osgi.annotation.versioning.Version;
