package org.hasm.nas.nfs.internal;

import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;

/**
 * The volumes this SCM serves, as the NFS core asks for them: one by name, every time. In the
 * framework it is the storage module's {@link VolumeManager}, looked up at each call because that
 * service may come and go.
 */
@FunctionalInterface
interface Volumes {

    /** @return the volume as {@link VolumeManager#volume} gives it, or {@code null} if this SCM does not own it */
    Volume volume(String name);
}
