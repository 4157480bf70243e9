/**
 * Volumes on the shared storage: who owns which, at which epoch, and how a writer proves it still
 * owns a volume before it acknowledges a write; what keeps a volume from being served fully; and
 * the fencing agents that stop a peer for good.
 *
 * <p>{@link org.hasm.spi.storage.VolumeManager} is provided by hasm's storage module;
 * {@link org.hasm.spi.storage.FenceAgent} and {@link org.hasm.spi.storage.StorageListener} are
 * whiteboards that hasm and appliance makers implement.
 *
 * <p>1.2.0: {@link org.hasm.spi.storage.Volume#writeFailed}, {@link org.hasm.spi.storage.VolumeProblem},
 * {@link org.hasm.spi.storage.StorageListener}; a volume waiting to be acquired is returned by
 * {@link org.hasm.spi.storage.VolumeManager#volume}, not owned.
 *
 * <p>1.3.0: {@link org.hasm.spi.storage.DurableFiles}: a module's private folder on a volume, which no
 * export reaches, and the durable write (temporary file, force, fence, atomic rename, folder sync) that
 * services call; {@link org.hasm.spi.storage.DurableWriteException}.
 *
 * <p>1.4.0: {@link org.hasm.spi.storage.FenceAgent#check}: whether the agent could fence the peer now,
 * asked without fencing it (the operator's test of the agent).
 *
 * <p>1.5.0: {@link org.hasm.spi.storage.VolumeManager#sharedFolder}: the shared storage's root, validated
 * once by the storage module, for the modules that keep files there.
 */
@Export
@Version("1.5.0")
package org.hasm.spi.storage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
