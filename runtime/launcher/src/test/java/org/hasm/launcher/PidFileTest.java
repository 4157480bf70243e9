package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {

    @TempDir
    Path node;

    @Test
    void aStaleFileIsOverwrittenAndRemovedAtTheEnd() throws Exception {
        Files.writeString(node.resolve(PidFile.NAME), "999999999\n");
        PidFile file = PidFile.write(node);
        assertEquals(ProcessHandle.current().pid(), PidFile.read(node));
        file.remove();
        assertFalse(Files.exists(node.resolve(PidFile.NAME)));
        assertEquals(-1, PidFile.read(node));
    }

    @Test
    void aFileRewrittenByAnotherProcessIsLeftAlone() throws Exception {
        PidFile file = PidFile.write(node);
        Files.writeString(node.resolve(PidFile.NAME), "12345\n");
        file.remove();
        assertEquals(12345, PidFile.read(node));
    }
}
