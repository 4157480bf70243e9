package org.hasm.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForcesTest {

    @Test
    void theForcesOfAnyThreadInTheOrderTheyBegan(@TempDir Path dir) throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "a");
        Path b = Files.writeString(dir.resolve("b"), "b");
        List<String> forced = Forces.during(() -> {
            force(a);
            Thread other = new Thread(() -> force(b));
            other.start();
            other.join();
            force(dir);
        });
        assertEquals(List.of(a.toString(), b.toString(), dir.toString()), forced);
        assertEquals(List.of(), Forces.during(() -> Files.writeString(a, "not forced")));
    }

    @Test
    void whatTheActionThrowsComesOut() {
        IOException e = assertThrows(IOException.class, () -> Forces.during(() -> {
            throw new IOException("disk gone");
        }));
        assertEquals("disk gone", e.getMessage());
    }

    private static void force(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
