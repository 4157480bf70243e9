package org.hasm.nas.http.internal;

import java.nio.file.Path;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;

/**
 * The live view of the volume one export lives on. Every request asks again instead of keeping the
 * {@link Volume} it started with: the instant this SCM loses the volume (lease lapsed, taken over,
 * handed back) the export answers 503, reads included, so that a volume is never served by two SCMs
 * even before the next {@code opMode} closes the export.
 */
final class VolumeAccess {
    private final VolumeManager volumes;
    private final String name;
    private final Path root;

    VolumeAccess(VolumeManager volumes, String name, Path root) {
        this.volumes = volumes;
        this.name = name;
        this.root = root;
    }

    String name() {
        return name;
    }

    /** @return the volume if this SCM owns it now at the root the export was opened on, else {@code null} */
    Volume current() {
        Volume v = volumes.volume(name);
        if (v == null || !v.owned() || !root.equals(v.root())) {
            return null;
        }
        return v;
    }
}
