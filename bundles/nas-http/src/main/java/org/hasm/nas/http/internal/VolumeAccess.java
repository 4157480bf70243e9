package org.hasm.nas.http.internal;

import java.io.IOException;
import java.nio.file.Path;
import org.hasm.spi.storage.DurableWriteException;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeProblem;

/**
 * The live view of the volume one export lives on. Every request asks again instead of keeping the
 * {@link Volume} it started with: the instant this SCM loses the volume (lease lapsed, taken over,
 * handed back) the export answers 503, reads included, so that a volume is never served by two SCMs
 * even before the next {@code opMode} closes the export. An export may be opened on a volume still
 * waiting to be acquired: it answers 503 until the volume is owned.
 */
final class VolumeAccess {
    private final Volumes volumes;
    private final String name;
    private final Path root;

    VolumeAccess(Volumes volumes, String name, Path root) {
        this.volumes = volumes;
        this.name = name;
        this.root = root;
    }

    String name() {
        return name;
    }

    /** @return the root of the volume as the export was opened on it */
    Path root() {
        return root;
    }

    /** @return the volume if this SCM owns it now at the root the export was opened on, else {@code null} */
    Volume current() {
        Volume v = volumes.volume(name);
        if (v == null || !v.owned() || !root.equals(v.root())) {
            return null;
        }
        return v;
    }

    /**
     * A write failed on the storage: tells the storage module, which knows whether the storage is
     * full (507: the peer shares it, so retrying elsewhere does not help), read-only or failing here
     * (503: the client retries, and the peer takes the volume over if it can write it), and reports
     * that once per change.
     *
     * @param what what was being done, for the answer
     * @return the failure to throw; {@link WriteFailure#reported()} when the storage module reports it
     */
    WriteFailure failed(String what, IOException error) {
        Volume v = volumes.volume(name);
        VolumeProblem.Kind kind = v == null ? null : v.writeFailed(error);
        if (kind == null) {
            return DurableWrite.storageFailure(what, error);
        }
        int status = kind == VolumeProblem.Kind.FULL ? WriteFailure.INSUFFICIENT_STORAGE : 503;
        return new WriteFailure(status, "volume " + name + ": " + what + ": " + error.getMessage(), error, true);
    }

    /**
     * A durable write failed on the storage, which hasm's write has told the volume already: the same
     * answers as {@link #failed(String, IOException)}, without telling the volume twice.
     */
    WriteFailure failed(DurableWriteException e) {
        String what = DurableWrite.what(e.step());
        IOException error = e.getCause() instanceof IOException cause ? cause : e;
        VolumeProblem.Kind kind = e.problem();
        if (kind == null) {
            return DurableWrite.storageFailure(what, error);
        }
        int status = kind == VolumeProblem.Kind.FULL ? WriteFailure.INSUFFICIENT_STORAGE : 503;
        return new WriteFailure(status, "volume " + name + ": " + what + ": " + error.getMessage(), error, true);
    }
}
