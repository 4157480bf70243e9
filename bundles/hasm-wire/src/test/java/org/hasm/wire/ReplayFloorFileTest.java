package org.hasm.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hasm.wire.AntiReplay.Floor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayFloorFileTest {
    @TempDir
    Path dir;

    @Test
    void keptForItsPeerAndReadBackNoneForAnotherOrWithoutAFile() throws IOException {
        ReplayFloorFile file = new ReplayFloorFile(dir.resolve("link"), "scm-b");
        assertNull(file.read(), "no file yet");
        file.write(new Floor(1764900000123L, 48211));
        assertEquals(new Floor(1764900000123L, 48211), file.read());
        assertEquals("peer=scm-b\nincarnation=1764900000123\nsequence=48211\n", Files.readString(file.file()),
                "three lines, one value each");
        assertNull(new ReplayFloorFile(dir.resolve("link"), "scm-c").read(), "another peer's floor is none of this one's");
        try (var files = Files.list(dir.resolve("link"))) {
            assertEquals(1, files.count(), "no temporary file left");
        }
    }

    @Test
    void aFileThatIsNoFloorIsAnErrorNamingIt() throws IOException {
        ReplayFloorFile file = new ReplayFloorFile(dir, "scm-b");
        Files.writeString(file.file(), "peer=scm-b\nincarnation=x\n");
        IOException e = assertThrows(IOException.class, file::read);
        assertTrue(e.getMessage().startsWith(file.file() + " is not a replay floor"), e.getMessage());

        Files.write(file.file(), new byte[] {'p', 'e', 'e', 'r', '=', (byte) 0xff, (byte) 0xfe, '\n'});
        e = assertThrows(IOException.class, file::read);
        assertTrue(e.getMessage().startsWith(file.file() + " is not a replay floor"), e.getMessage());

        Files.writeString(file.file(), "peer=scm-b\nincarnation=5\nsequence=-1\n");
        e = assertThrows(IOException.class, file::read);
        assertTrue(e.getMessage().startsWith(file.file() + " is not a replay floor"), e.getMessage());

        Files.writeString(file.file(), "peer=scm-b\nincarnation=5\nsequence=1\n" + "#".repeat(10_000));
        e = assertThrows(IOException.class, file::read);
        assertTrue(e.getMessage().startsWith(file.file() + " is not a replay floor"), e.getMessage());
    }

    @Test
    void theNewerFloorIsTheLaterIncarnationThenTheHigherSequence() {
        assertEquals(new Floor(2, 1), ReplayFloorFile.newer(new Floor(1, 900), new Floor(2, 1)));
        assertEquals(new Floor(2, 7), ReplayFloorFile.newer(new Floor(2, 7), new Floor(2, 5)));
        assertEquals(new Floor(2, 7), ReplayFloorFile.newer(null, new Floor(2, 7)));
        assertNull(ReplayFloorFile.newer(null, null));
    }
}
