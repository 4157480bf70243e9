package org.hasm.storage.internal.fence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A process's {@code /proc/<pid>/stat} as the kernel writes it: its name is bytes, not text. */
class CommandLinesTest {

    @Test
    void aNameCutInsideACharacterIsReadAndTheStateAfterIt(@TempDir Path proc) throws IOException {
        Path dir = Files.createDirectories(proc.resolve("4242"));
        Files.createDirectories(dir.resolve("task").resolve("4242"));
        // "serveur-résumé" cut at 15 bytes by the kernel: the last 'é' (0xC3 0xA9) loses its second byte
        byte[] cut = Arrays.copyOf("serveur-résumé".getBytes(StandardCharsets.UTF_8), 15);
        assertEquals((byte) 0xC3, cut[14], "cut inside a character");
        byte[] line = concat("4242 (".getBytes(StandardCharsets.US_ASCII), cut,
                ") Z 1 4242 4242 0 -1 4194308 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n".getBytes(StandardCharsets.US_ASCII));
        Files.write(dir.resolve("stat"), line);
        CommandLines.Stat s = CommandLines.stat(dir);
        assertEquals(new CommandLines.Stat(true, true, false, 1), s, "a zombie, exiting, one thread left");
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
