package org.hasm.spi.config;

import java.io.IOException;
import java.util.SortedMap;
import org.osgi.annotation.versioning.ProviderType;

/**
 * SFM: files kept identical on both SCMs. A file is written on the MASTER (or on an SCM running
 * alone); it replaces the old one atomically on this SCM, then on the peer, checked there against
 * its SHA-256. Each write gives the file the next version; an SCM that was away receives the files
 * whose versions it lacks when it rejoins. Implemented by hasm.
 */
@ProviderType
public interface SharedFiles {

    /**
     * @param name letters, digits, {@code .}, {@code _} and {@code -}, not starting with a dot
     * @param content the file's new content
     * @return the file's new version
     * @throws IllegalArgumentException naming the name when it is not valid, or the content too large
     * @throws IllegalStateException when this SCM is a SLAVE (only the MASTER writes)
     * @throws IOException when it could not be written here; the old content is then still in place
     */
    long write(String name, byte[] content) throws IOException;

    /**
     * @param name the file's name
     * @return its content, or {@code null} when there is no such file
     * @throws IOException when it cannot be read
     */
    byte[] read(String name) throws IOException;

    /** @return every file's version, by name */
    SortedMap<String, Long> versions();
}
