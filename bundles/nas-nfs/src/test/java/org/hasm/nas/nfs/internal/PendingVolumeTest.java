package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An export is opened on a volume this SCM is still acquiring (the storage module hands it out
 * before it is owned): nothing is written to the volume, not even the service's own state, until
 * it is owned; until then every request is JUKEBOX.
 */
class PendingVolumeTest {

    @Test
    void nothingIsWrittenToAVolumeBeforeItIsOwned() throws Exception {
        try (TestServer server = new TestServer(Files.createTempDirectory("hasm-nfs-pending"), false, false)) {
            Files.writeString(server.folder.resolve("f.txt"), "x");
            try (NfsClient nfs = server.client()) {
                Xdr3.MountArgs a = new Xdr3.MountArgs();
                a.path = "/data".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                assertEquals(Nfs3.MNT_ERR_SERVERFAULT,
                        nfs.rpc.call(Nfs3.MOUNT_PROGRAM, 3, Nfs3.MOUNTPROC_MNT, a).xdrDecodeInt());
                assertFalse(Files.exists(server.root.resolve(FileIds.META)), "the NFS state on a volume not owned");
                assertFalse(Files.getFileAttributeView(server.folder, java.nio.file.attribute.UserDefinedFileAttributeView.class)
                        .list().contains(FileIds.XATTR), "the export's folder got an id before the volume was owned");
                server.volume.owned.set(true);
                byte[] root = nfs.mount("/data");
                assertEquals(Nfs3.OK, nfs.getattrStatus(root));
                assertTrue(Files.isDirectory(server.root.resolve(FileIds.META)));
                server.volume.owned.set(false);
                assertEquals(Nfs3.ERR_JUKEBOX, nfs.getattrStatus(root));
            }
        }
    }
}
