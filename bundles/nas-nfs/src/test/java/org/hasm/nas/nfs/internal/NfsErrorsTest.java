package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NfsErrorsTest {

    @Test
    void whatTheFileSystemSaysBecomesTheStatusAClientUnderstands() throws IOException {
        assertEquals(Nfs3.ERR_NOENT, NfsErrors.status(new NoSuchFileException("/x")));
        assertEquals(Nfs3.ERR_NOSPC, NfsErrors.status(new FileSystemException("/x", null, "No space left on device")));
        assertEquals(Nfs3.ERR_ROFS, NfsErrors.status(new FileSystemException("/x", null, "Read-only file system")));
        assertEquals(Nfs3.ERR_IO, NfsErrors.status(new IOException("Input/output error")));
        Path dir = Files.createTempDirectory("hasm-nfs-errors");
        try {
            Files.writeString(dir.resolve("f"), "x");
            IOException notDir = assertThrows(IOException.class, () -> Files.createDirectory(dir.resolve("f").resolve("sub")));
            assertEquals(Nfs3.ERR_NOTDIR, NfsErrors.status(notDir), notDir.toString());
            IOException exists = assertThrows(IOException.class, () -> Files.createFile(dir.resolve("f")));
            assertEquals(Nfs3.ERR_EXIST, NfsErrors.status(exists), exists.toString());
        } finally {
            Fixture.deleteTree(dir);
        }
    }
}
