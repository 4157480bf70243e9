package org.hasm.wire;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What a module that talks to the peer needs before it opens a socket: the cluster key and this
 * boot's incarnation.
 *
 * @param key the cluster key
 * @param incarnation a number greater than any this SCM used before
 */
public record Credentials(ClusterKey key, long incarnation) {

    /**
     * @param keyFile the cluster key file
     * @param dataDir {@code hasm.data.dir}, where the incarnation counter lives
     * @return the key and a fresh incarnation
     * @throws IOException with a message that names the file and what is wrong with it
     */
    public static Credentials load(Path keyFile, Path dataDir) throws IOException {
        ClusterKey key = ClusterKey.load(keyFile);
        long incarnation;
        try {
            incarnation = Incarnation.next(dataDir.resolve(Incarnation.FILE));
        } catch (IOException e) {
            throw new IOException("incarnation: " + e.getMessage(), e);
        }
        return new Credentials(key, incarnation);
    }
}
