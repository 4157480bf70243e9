package org.hasm.spi.storage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Something that keeps this SCM from serving one volume fully, as the storage module sees it: the
 * storage is full, read-only or failing here, or the volume's ownership is not settled yet. A
 * problem lasts until its cause is gone; {@link StorageListener}s are told of every change.
 *
 * @since org.hasm.spi.storage 1.2.0, hasm 1.0.0
 */
@ProviderType
public interface VolumeProblem {

    /** What is wrong. */
    enum Kind {
        /**
         * No space left (or the quota is used up): writes answer 507. The peer shares the storage, so
         * the volume does not move.
         */
        FULL,
        /** The storage is read-only for this SCM: writes answer 503 and the peer may take the volume over. */
        READ_ONLY,
        /** The storage answers I/O errors to this SCM: writes answer 503 and the peer may take the volume over. */
        IO_ERROR,
        /**
         * The volume's ownership record cannot be read (damaged, torn). It is settled with the peer over
         * the link, or by the fence and lease rules when the peer is unreachable; until then the volume is
         * not served.
         */
        RECORD_UNREADABLE,
        /** The volume should be served here but could not be acquired yet: it is retried until it is. */
        NOT_ACQUIRED
    }

    /** @return the volume's name */
    String volume();

    /** @return what is wrong */
    Kind kind();

    /** @return the cause for the operator, naming the file or folder and the error */
    String reason();

    /**
     * @return {@code true} only for {@link Kind#READ_ONLY} and {@link Kind#IO_ERROR}, once the peer
     *     answered that it can write the volume: this SCM's personality is better served by the peer
     */
    boolean peerCanWrite();
}
