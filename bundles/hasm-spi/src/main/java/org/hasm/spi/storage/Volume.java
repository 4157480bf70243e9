package org.hasm.spi.storage;

import java.io.IOException;
import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A volume this SCM serves: a folder on the shared storage that it owns at an epoch. Implemented
 * by hasm; safe to use from any thread.
 */
@ProviderType
public interface Volume {

    /** @return the volume's name */
    String name();

    /** @return the volume's root folder; everything served from it lives below */
    Path root();

    /** @return the epoch at which this SCM took the volume; raised at every change of owner */
    long epoch();

    /**
     * A cheap check (no I/O) that a service makes before serving a request, reads included.
     *
     * @return {@code true} while this SCM owns the volume and its lease holds; {@code false} from the
     *     instant it found a higher epoch or let the volume go (then every {@link #fence()} fails), and
     *     while its lease has lapsed: the record has not been confirmed on the storage for the lease
     *     time (a pause of this SCM, a storage that hangs), so the peer may have taken the volume over
     *     meanwhile. It turns {@code true} again when the record is confirmed, and stays {@code false}
     *     when it shows another owner. A volume whose acquisition waits for the storage (see
     *     {@link VolumeManager#volume}) is not owned until it succeeds.
     */
    boolean owned();

    /**
     * Proves, against the ownership record on the shared storage and this SCM's lease, that this SCM
     * still owns the volume. A service calls it after its data is durable and before it
     * acknowledges the write; a write that fails it must be undone or left under a temporary name.
     *
     * @throws FencedException if another SCM owns the volume now or the lease lapsed
     */
    void fence() throws FencedException;

    /**
     * Tells the storage module that writing this volume failed on the storage itself (not a
     * {@link FencedException}, not the client's fault): it reports the condition once per change
     * instead of once per failed write, watches for its end, and lets the peer take the volume over
     * when the peer can write it and this SCM cannot. Cheap; safe from any thread.
     *
     * @param cause the error the file system gave
     * @return what the error says about the storage ({@link VolumeProblem.Kind#FULL},
     *     {@link VolumeProblem.Kind#READ_ONLY} or {@link VolumeProblem.Kind#IO_ERROR}: answer 507, 503,
     *     503), or {@code null} if it is none of those (the caller reports it itself)
     * @since org.hasm.spi.storage 1.2.0, hasm 1.0.0
     */
    default VolumeProblem.Kind writeFailed(IOException cause) {
        return null;
    }
}
