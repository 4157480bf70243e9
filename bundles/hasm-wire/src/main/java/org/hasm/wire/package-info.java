/**
 * Authenticated, versioned frames between the SCMs of a pair: the codec, the cluster key, the
 * replay window and the incarnation. One implementation for every bundle that talks to the peer:
 * the node bundle holds the cluster key and exports this package; the status monitor and the link
 * import it and ask the node's {@link org.hasm.wire.Keyring} for a codec of their own purpose.
 */
@Version("1.2.0")
package org.hasm.wire;

import org.osgi.annotation.versioning.Version;
