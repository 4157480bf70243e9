package org.hasm.nas.smb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** smbd's log while it runs: appended to by smbd, kept under its bound by the supervisor. */
class SmbdLogTest {

    @Test
    void aLogOverTheBoundIsCopiedAsideAndCutAndSmbdsNextLineStartsItAgain(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("smbd.log");
        // smbd's output, as the process builder opens it: appending
        try (FileOutputStream smbd = new FileOutputStream(log.toFile(), true)) {
            byte[] line = "a line smbd wrote\n".getBytes(StandardCharsets.US_ASCII);
            long written = 0;
            while (written <= Smbd.LOG_ROTATE_BYTES) {
                smbd.write(line);
                written += line.length;
            }
            Smbd.keepBounded(log);
            assertEquals(written, Files.size(dir.resolve("smbd.log.1")), "copied aside");
            assertEquals(0, Files.size(log), "cut in place");
            smbd.write("the next line\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals("the next line\n", Files.readString(log), "written at the start again, no hole before it");
        Smbd.keepBounded(log);
        assertEquals("the next line\n", Files.readString(log), "under the bound: left as it is");
    }
}
