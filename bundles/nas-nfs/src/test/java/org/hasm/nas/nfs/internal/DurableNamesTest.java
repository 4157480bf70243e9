package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a CREATE or MKDIR forces, in what order, seen by the JVM's own flight recorder ({@code jdk.FileForce},
 * every force of a file channel with the path it was opened on): the new inode, through the descriptor
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
        List<String> forced = forcedWhile(() -> nfs.create(root, "made.txt"));
        assertNewThenFolder(forced);
        assertTrue(Files.isRegularFile(server.folder.resolve("made.txt")));
    }

    @Test
    void aMadeFolderIsForcedBeforeItsParent() throws Exception {
        List<String> forced = forcedWhile(() -> nfs.mkdirHandle(root, "sub"));
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

    private interface Call {
        void run() throws Exception;
    }

    /** @return the paths the NFS core forced while {@code call} ran, in the order of the forces */
    private static List<String> forcedWhile(Call call) throws Exception {
        Path dump = Files.createTempFile("hasm-forces-", ".jfr");
        try {
            List<RecordedEvent> events = new ArrayList<>();
            try (Recording r = new Recording()) {
                r.enable("jdk.FileForce").withThreshold(java.time.Duration.ZERO).withoutStackTrace();
                r.start();
                call.run();
                r.stop();
                r.dump(dump);
            }
            for (RecordedEvent e : RecordingFile.readAllEvents(dump)) {
                if (e.getEventType().getName().equals("jdk.FileForce")) {
                    events.add(e);
                }
            }
            events.sort(Comparator.comparing(RecordedEvent::getStartTime));
            List<String> paths = new ArrayList<>();
            for (RecordedEvent e : events) {
                paths.add(e.getString("path"));
            }
            return paths;
        } finally {
            Files.deleteIfExists(dump);
        }
    }
}
