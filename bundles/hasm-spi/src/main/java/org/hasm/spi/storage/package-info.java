/**
 * Volumes on the shared storage: who owns which, at which epoch, and how a writer proves it still
 * owns a volume before it acknowledges a write; and the fencing agents that stop a peer for good.
 *
 * <p>{@link org.hasm.spi.storage.VolumeManager} is provided by hasm's storage module;
 * {@link org.hasm.spi.storage.FenceAgent} is a whiteboard that hasm and appliance makers implement.
 */
@Export
@Version("1.1.0")
package org.hasm.spi.storage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
