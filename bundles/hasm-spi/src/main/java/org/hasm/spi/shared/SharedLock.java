package org.hasm.spi.shared;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The cluster-wide lock on one shared object, as {@link SharedObjects#lock} granted it. It gives
 * its holder the exclusive right to write or delete the object until {@link SharedObjects#unlock}
 * (or until the lock is lost: see {@link SharedObjects}). Implemented by hasm.
 */
@ProviderType
public interface SharedLock {

    /** @return the name of the locked object */
    String name();

    /** @return the lock's token, unique in the pair for as long as the lock is held */
    long token();
}
