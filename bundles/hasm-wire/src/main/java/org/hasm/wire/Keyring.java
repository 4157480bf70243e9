package org.hasm.wire;

/**
 * Hands out frame codecs keyed for one purpose each, derived from the cluster key ({@link
 * ClusterKey#derive}), so that the key itself never leaves the bundle that read it: a genuine frame
 * of one purpose (a link request) can never be replayed into another (a status channel). A service
 * of the node bundle, registered once the node's configuration names the key.
 */
public interface Keyring {

    /**
     * @param purpose {@code status}, {@code link}, ...: letters, digits and {@code -}
     * @return a codec authenticating with the key derived for that purpose
     * @throws IllegalStateException if the node has no cluster key (a standalone SCM needs none)
     */
    FrameCodec codec(String purpose);
}
