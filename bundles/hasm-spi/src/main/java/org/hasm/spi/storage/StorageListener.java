package org.hasm.spi.storage;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: told of the storage problems of this SCM (the controller shows them in its status
 * and hands its personality to the peer when the peer can write what this SCM cannot). Called by the
 * storage module with the whole list whenever it changes, and once when the listener is bound.
 * Calls are serialised; implementations must return quickly (queue the work).
 *
 * @since org.hasm.spi.storage 1.2.0, hasm 1.0.0
 */
@ConsumerType
public interface StorageListener {

    /** @param problems every problem now, by volume; empty once none is left */
    void storageChanged(List<VolumeProblem> problems);
}
