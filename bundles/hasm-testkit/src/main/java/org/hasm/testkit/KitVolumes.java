package org.hasm.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;

/**
 * The volumes of a kit run, as hasm's storage module offers them: a personality's volumes are acquired
 * before a module is told to serve it, and released only after the module's call that gave it away
 * returned. Each acquisition is a new {@link KitVolume} at a higher epoch.
 */
final class KitVolumes implements VolumeManager {
    private final Map<String, Path> roots;
    // Guarded by this: the current ownership of each volume this SCM holds, and the last epoch of each.
    private final Map<String, KitVolume> held = new HashMap<>();
    private final Map<String, Long> epochs = new HashMap<>();

    KitVolumes(Map<String, Path> roots) {
        this.roots = Map.copyOf(roots);
    }

    @Override
    public synchronized Volume volume(String name) {
        return held.get(name);
    }

    @Override
    public synchronized List<Volume> volumes() {
        return new ArrayList<>(held.values());
    }

    /** A kit run has volumes but no storage shared by two SCMs. */
    @Override
    public Path sharedFolder() {
        return null;
    }

    synchronized KitVolume acquire(String name) {
        KitVolume v = held.get(name);
        if (v == null || !v.owned()) {
            long epoch = epochs.merge(name, 1L, Long::sum);
            v = new KitVolume(name, roots.get(name), epoch);
            held.put(name, v);
        }
        return v;
    }

    synchronized void release(String name) {
        KitVolume v = held.remove(name);
        if (v != null) {
            v.release();
        }
    }

    synchronized void releaseAll() {
        held.values().forEach(KitVolume::release);
        held.clear();
    }

    Path root(String name) {
        return roots.get(name);
    }
}
