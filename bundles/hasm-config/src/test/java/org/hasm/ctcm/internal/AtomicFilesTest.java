package org.hasm.ctcm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both SCMs write the replica's folder on the shared storage, possibly with the same process id. */
class AtomicFilesTest {

    @TempDir
    Path shared;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(shared)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void temporaryNamesSayWhichScmWritesAndDifferAtEveryWrite() {
        Path db = shared.resolve("db");
        String a1 = AtomicFiles.temporary(db, "scm-a").getFileName().toString();
        String a2 = AtomicFiles.temporary(db, "scm-a").getFileName().toString();
        String b = AtomicFiles.temporary(db, "scm-b").getFileName().toString();
        assertTrue(a1.startsWith(".db.scm-a.") && a1.endsWith(AtomicFiles.TEMP_SUFFIX), a1);
        assertNotEquals(a1, a2);
        assertTrue(AtomicFiles.writtenBy(a1, "scm-a"));
        assertFalse(AtomicFiles.writtenBy(b, "scm-a"));
        assertEquals(shared, AtomicFiles.temporary(db, "node/../x").getParent(), "a writer's name is never a path");
    }

    @Test
    void aWriteLeavesNoTemporaryAndNeverTouchesTheOtherScms() throws IOException {
        Path theirs = Files.writeString(shared.resolve(".db.scm-b.5d.tmp"), "being written");
        AtomicFiles.write(shared.resolve("db"), "new".getBytes(StandardCharsets.UTF_8), "scm-a");
        assertEquals(List.of(".db.scm-b.5d.tmp", "db"), names());
        // a write that fails (a folder where the file should be) removes its own temporary file only
        Files.createDirectories(shared.resolve("sub/inner"));
        assertThrows(IOException.class, () -> AtomicFiles.write(shared.resolve("sub"), new byte[1], "scm-a"));
        assertEquals(List.of(".db.scm-b.5d.tmp", "db", "sub"), names());
        assertArrayEquals("being written".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(theirs));
    }

    @Test
    void aStartRemovesOnlyItsOwnLeftoverTemporaries() throws IOException {
        for (String n : List.of(".db.scm-a.1.tmp", ".db.scm-b.1.tmp", ".org.hasm.personality~a.cfg.scm-a.ff.tmp",
                ".db.scm-ab.2.tmp", "db")) {
            Files.writeString(shared.resolve(n), n);
        }
        assertEquals(2, AtomicFiles.removeTemporaries(shared, "scm-a"));
        assertEquals(List.of(".db.scm-ab.2.tmp", ".db.scm-b.1.tmp", "db"), names());
    }
}
