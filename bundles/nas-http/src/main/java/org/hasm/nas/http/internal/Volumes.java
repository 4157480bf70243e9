package org.hasm.nas.http.internal;

import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;

/**
 * The volumes this SCM serves, as the HTTP core asks for them: one by name, every time (see
 * {@link VolumeAccess}). In the framework it is the storage module's {@link VolumeManager}, looked
 * up at each call because that service may come and go; the core only uses it, so the bundle
 * imports the storage SPI as a consumer.
 */
@FunctionalInterface
interface Volumes {

    /** @return the volume as {@link VolumeManager#volume} gives it, or {@code null} if this SCM does not own it */
    Volume volume(String name);
}
