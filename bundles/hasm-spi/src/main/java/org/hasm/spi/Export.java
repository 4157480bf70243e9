package org.hasm.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One export of a personality: a folder of one of its volumes, offered over one protocol under a
 * name. Configured as {@code export.<protocol>.<name>=<volume>:<path>[:ro]}. Implemented by hasm.
 */
@ProviderType
public interface Export {

    /** @return the export's name, unique per protocol in the personality (the URL path, the share name) */
    String name();

    /** @return the protocol: {@code http}, {@code nfs}, {@code smb}, ... */
    String protocol();

    /** @return the volume the export lives on; one of {@link Personality#volumes()} */
    String volume();

    /** @return the folder inside the volume, relative, {@code ""} for the volume's root; never escapes it */
    String path();

    /** @return {@code true} if clients may only read */
    boolean readOnly();
}
