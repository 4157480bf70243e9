package org.hasm.ctcm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDatabaseTest {

    @TempDir
    Path node;

    private LocalDatabase db() {
        return new LocalDatabase(node.resolve("data/config"), node.resolve("etc"),
                new PairFiles(List.of("org.hasm.personality~*", "org.hasm.controller", "org.hasm.empty")), "scm-a");
    }

    @Test
    void noDatabaseBeforeTheFirstCommit() throws IOException {
        assertNull(db().recover().committed());
        assertFalse(db().recover().completed());
    }

    @Test
    void commitWritesTheFilesAndTheDatabase() throws IOException {
        Files.createDirectories(node.resolve("etc"));
        Files.writeString(node.resolve("etc/org.hasm.status.channel~link.cfg"), "local=127.0.0.1:1\n");
        Snapshot s = SnapshotTest.sample(4, "12000");
        db().commit(s);
        assertEquals(s, db().recover().committed());
        assertEquals("# deadlines\ndeadline.opmode.ms=12000\n",
                Files.readString(node.resolve("etc/org.hasm.controller.cfg")));
        assertTrue(db().handEdits(s).isEmpty());
        // the node's own files are not the pair's: never listed, never touched
        assertFalse(db().files().containsKey("org.hasm.status.channel~link"));
        assertTrue(Files.exists(node.resolve("etc/org.hasm.status.channel~link.cfg")));
    }

    @Test
    void handEditNamesTheFileTheFieldAndBothValues() throws IOException {
        Snapshot s = SnapshotTest.sample(4, "12000");
        db().commit(s);
        Files.writeString(node.resolve("etc/org.hasm.controller.cfg"), "# deadlines\ndeadline.opmode.ms=99\n");
        List<String> edits = db().handEdits(s);
        assertEquals(1, edits.size(), edits.toString());
        assertTrue(edits.get(0).startsWith("org.hasm.controller: field deadline.opmode.ms is '12000' in the database"),
                edits.get(0));
        assertTrue(edits.get(0).contains("'99' in " + node.resolve("etc/org.hasm.controller.cfg")), edits.get(0));
    }

    @Test
    void databaseCutAtEveryByteIsNeverReadAsAnotherConfiguration() throws IOException {
        Snapshot s = SnapshotTest.sample(4, "12000");
        db().commit(s);
        byte[] whole = Files.readAllBytes(db().db());
        for (int cut = 0; cut < whole.length; cut++) {
            Files.write(db().db(), Arrays.copyOf(whole, cut));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db().recover(), "cut " + cut);
            assertTrue(e.getMessage().contains(db().db().toString()), e.getMessage());
        }
    }

    /** A commit killed at each of its steps: the next start has the old configuration or the new, files and database agreeing. */
    @Test
    void aCommitKilledAtEveryStepLeavesTheOldOrTheNew() throws IOException {
        Snapshot old = SnapshotTest.sample(4, "12000");
        Snapshot next = SnapshotTest.sample(5, "13000").with(5, "org.hasm.personality~b",
                "name=B\n".getBytes(StandardCharsets.UTF_8));
        Path dir = node.resolve("data/config");
        // 1: died while writing db.next: a temporary file is all there is
        db().commit(old);
        Files.write(dir.resolve(".db.next.1.1.tmp"), Arrays.copyOf(next.encode(), 40));
        assertEquals(old, db().recover().committed());
        assertTrue(db().handEdits(old).isEmpty());
        // 2: db.next in place, no file written yet
        AtomicFiles.write(dir.resolve(LocalDatabase.NEXT), next.encode(), "scm-a");
        assertEquals(next, db().recover().committed());
        assertTrue(db().handEdits(next).isEmpty());
        // 3: db.next in place, one of the files written
        db().commit(old);
        AtomicFiles.write(dir.resolve(LocalDatabase.NEXT), next.encode(), "scm-a");
        Files.write(node.resolve("etc/org.hasm.controller.cfg"), next.files().get("org.hasm.controller"));
        assertEquals(next, db().recover().committed());
        assertTrue(db().handEdits(next).isEmpty());
        assertArrayEquals(next.files().get("org.hasm.personality~b"),
                Files.readAllBytes(node.resolve("etc/org.hasm.personality~b.cfg")));
        // 4: renamed: done
        assertEquals(next, db().recover().committed());
        // back to the old one: the file it lacks is removed
        db().commit(old);
        assertTrue(Files.notExists(node.resolve("etc/org.hasm.personality~b.cfg")));
        assertTrue(db().handEdits(old).isEmpty());
    }

    @Test
    void recoverReportsTheCommitItCompletedAndTheFilesItChanged() throws IOException {
        Snapshot old = SnapshotTest.sample(4, "12000");
        Snapshot next = SnapshotTest.sample(5, "13000").with(5, "org.hasm.personality~b",
                "name=B\n".getBytes(StandardCharsets.UTF_8));
        db().commit(old);
        assertFalse(db().recover().completed());
        // killed after db.next was durable, one file written of two
        AtomicFiles.write(node.resolve("data/config").resolve(LocalDatabase.NEXT), next.encode(), "scm-a");
        Files.write(node.resolve("etc/org.hasm.personality~b.cfg"), next.files().get("org.hasm.personality~b"));
        LocalDatabase.Recovery r = db().recover();
        assertTrue(r.completed());
        assertEquals(next, r.committed());
        // what it replaced is the database before it, whatever the crash had already written
        assertEquals(old, r.replaced());
        assertEquals(List.of("org.hasm.controller", "org.hasm.personality~b"), List.copyOf(r.changed()));
        assertFalse(db().recover().completed());
    }

    @Test
    void aFileKeyThatIsNotAPlainFileNameIsRefusedAndNothingIsWritten() throws IOException {
        Files.createDirectories(node.resolve("etc"));
        for (String bad : List.of("../../outside/evil", "../evil", "sub/evil", "..", ".hidden", "a\\b")) {
            Snapshot s = SnapshotTest.sample(4, "12000").with(4, bad, "x=1\n".getBytes(StandardCharsets.UTF_8));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db().commit(s), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
            assertTrue(Files.notExists(node.resolve("data/config").resolve(LocalDatabase.NEXT)), bad);
            assertTrue(Files.notExists(node.resolve("outside")), bad);
            assertTrue(Files.notExists(node.resolve("evil.cfg")), bad);
            try (var files = Files.list(node.resolve("etc"))) {
                assertEquals(List.of(), files.toList(), bad);
            }
        }
    }
}
