package org.hasm.storage.internal;

import java.io.IOException;
import java.nio.file.Path;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeProblem;

/**
 * A volume this SCM should serve but has not acquired yet: the storage refused the record's write,
 * or the record is unreadable and being settled with the peer. A service can set up its export on
 * it (the root is where the volume will be) and answers 503 until the acquisition succeeds; then
 * {@link org.hasm.spi.storage.VolumeManager#volume} returns the {@link OwnedVolume} instead.
 *
 * @param knownEpoch the highest epoch this SCM has seen for the volume
 * @param kind {@link VolumeProblem.Kind#NOT_ACQUIRED} or {@link VolumeProblem.Kind#RECORD_UNREADABLE}
 * @param reason why it is not acquired, for the operator
 */
record PendingVolume(VolumeStore store, String name, Path root, long knownEpoch, VolumeProblem.Kind kind,
        String reason) implements Volume {

    @Override
    public long epoch() {
        return knownEpoch;
    }

    @Override
    public boolean owned() {
        return false;
    }

    @Override
    public void fence() throws FencedException {
        throw new FencedException("volume " + name + " is not acquired yet: " + reason);
    }

    @Override
    public VolumeProblem.Kind writeFailed(IOException cause) {
        return store.writeFailed(name, cause);
    }

    @Override
    public String toString() {
        return "volume " + name + " (not acquired: " + reason + ")";
    }
}
