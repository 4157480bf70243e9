package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hasm.spi.HaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NfsSelfCheckTest {

    private final Handles handles = new Handles(HandleKeys.hmac(TestServer.KEY));
    private final Fixture.RecordingEvents events = new Fixture.RecordingEvents();

    @Test
    void aScratchExportAnswersEveryCallOfTheCheckAndNothingIsLeftBehind(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("selfcheck");
        Files.createDirectories(folder.resolve("left-over-from-a-crash"));
        String calls = NfsSelfCheck.run(folder, NfsSettings.DEFAULTS, handles, () -> 1, events);
        assertEquals("MNT, CREATE, WRITE, READ, READDIRPLUS, REMOVE, GETATTR", calls);
        assertFalse(Files.exists(folder), "the scratch folder is removed");
        assertEquals(List.of(), events.warnings, "no warning");
        // twice in a row, as a module restarted by the health monitor runs it again
        NfsSelfCheck.run(folder, NfsSettings.DEFAULTS, handles, () -> 2, events);
        assertFalse(Files.exists(folder));
    }

    @Test
    void aFolderThatCannotBeMadeFailsTheCheckNamingIt(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
        HaException e = assertThrows(HaException.class,
                () -> NfsSelfCheck.run(file.resolve("selfcheck"), NfsSettings.DEFAULTS, handles, () -> 1, events));
        assertTrue(e.getMessage().startsWith("NFS self-check: ") && e.getMessage().contains("a-file"), e.getMessage());
    }
}
