package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import org.hasm.testkit.Forces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a CREATE or MKDIR forces, in what order, seen by the JVM's own flight recorder ({@link Forces}): the
 * new inode, through the descriptor
 * opened on its staged name, before the folder that holds its name. A folder's force alone does not write
 * the inode of a file made in it (ext2, ext4 without a journal), so a name answered as made could lead to
 * nothing after a power cut. The power cut itself cannot be made here; the order of the forces can be seen.
 */
class DurableNamesTest {
    private TestServer server;
    private NfsClient nfs;
    private byte[] root;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        nfs = server.client();
        root = nfs.mount("/data");
    }

    @AfterEach
    void stop() throws Exception {
        if (nfs != null) {
            nfs.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aCreatedFileIsForcedBeforeItsFolder() throws Exception {
        List<String> forced = Forces.during(() -> nfs.create(root, "made.txt"));
        assertNewThenFolder(forced);
        assertTrue(Files.isRegularFile(server.folder.resolve("made.txt")));
    }

    @Test
    void aMadeFolderIsForcedBeforeItsParent() throws Exception {
        List<String> forced = Forces.during(() -> nfs.mkdirHandle(root, "sub"));
        assertNewThenFolder(forced);
        assertTrue(Files.isDirectory(server.folder.resolve("sub")));
    }

    /** The forces of the call: one on a staged name (the new inode), then one on the export's folder. */
    private void assertNewThenFolder(List<String> forced) {
        String staging = server.root.resolve(FileIds.META).resolve(Namespace.STAGING).toString();
        String folder = server.folder.toString();
        int inode = -1;
        int name = -1;
        for (int i = 0; i < forced.size(); i++) {
            if (inode < 0 && forced.get(i).startsWith(staging + "/")) {
                inode = i;
            }
            if (forced.get(i).equals(folder)) {
                name = i;
            }
        }
        assertTrue(inode >= 0, "no force of the new inode (a path under " + staging + ") in " + forced);
        assertTrue(name >= 0, "no force of the folder " + folder + " in " + forced);
        assertTrue(inode < name, "the folder was forced before the new inode: " + forced);
        assertEquals(1, forced.stream().filter(p -> p.startsWith(staging + "/")).count(),
                "one force of the new inode: " + forced);
    }
}
