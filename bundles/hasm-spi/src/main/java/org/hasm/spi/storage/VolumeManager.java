package org.hasm.spi.storage;

import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** The volumes this SCM serves now. Registered by hasm's storage module. */
@ProviderType
public interface VolumeManager {

    /** Event topic of ownership changes: properties {@code scm}, {@code volume}, {@code epoch}, {@code owner}, {@code step}. */
    String TOPIC_VOLUME = "org/hasm/storage/VOLUME";

    /**
     * @param name a volume name
     * @return the volume if this SCM owns it now, or should own it and waits for the storage to acquire
     *     it (a full or failing storage, an ownership record being settled with the peer: then
     *     {@link Volume#owned()} is {@code false} and {@link Volume#fence()} fails until it is acquired);
     *     else {@code null}
     */
    Volume volume(String name);

    /** @return every volume this SCM owns now (not those still waiting to be acquired) */
    List<Volume> volumes();

    /**
     * The shared storage's root folder, as the storage module validated it ({@code shared.dir} of
     * {@code org.hasm.storage}): the folder both SCMs see, where modules keep what the pair shares (the
     * configuration's replica, the rolling upgrade's plan, the connection lists of the addresses). Modules
     * take it from here rather than reading the storage's configuration themselves.
     *
     * @return an absolute, normalised path, or {@code null} when no shared storage is configured (or its
     *     configuration is invalid: the storage module reports that)
     * @since 1.5
     */
    Path sharedFolder();
}
