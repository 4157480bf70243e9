package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
            try {
                Files.createDirectory(dir.resolve("f").resolve("sub"));
            } catch (IOException e) {
                assertEquals(Nfs3.ERR_NOTDIR, NfsErrors.status(e), e.toString());
            }
            try {
                Files.createFile(dir.resolve("f"));
            } catch (IOException e) {
                assertEquals(Nfs3.ERR_EXIST, NfsErrors.status(e), e.toString());
            }
        } finally {
            Fixture.deleteTree(dir);
        }
    }
}
