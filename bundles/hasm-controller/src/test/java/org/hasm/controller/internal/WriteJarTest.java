package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kept jars of upgrades and deploys: replaced whole, and no temporary file left to fill the disk. */
class WriteJarTest {
    @TempDir
    Path folder;

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aJarIsReplacedWholeAndTheLeftoversOfAnEarlierProcessGo() throws IOException {
        // what a process of this SCM killed mid-write left, under the names of this release and the one before
        Files.write(folder.resolve(".org.hasm.example.jar.1.tmp"), new byte[] {1});
        Files.write(folder.resolve(".org.hasm.example.jar.1-7.tmp"), new byte[] {1});
        Files.write(folder.resolve(".org.hasm.other.jar.1-7.tmp"), new byte[] {1});
        Upgrader.writeJar(folder, "org.hasm.example", new byte[] {4, 2}, true);
        Upgrader.writeJar(folder, "org.hasm.example", new byte[] {4, 3}, false);
        assertArrayEquals(new byte[] {4, 3}, Files.readAllBytes(folder.resolve("org.hasm.example.jar")));
        assertEquals(List.of(".org.hasm.other.jar.1-7.tmp", "org.hasm.example.jar"), names(), "another bundle's is its own");
    }

    @Test
    void aWriteThatFailsLeavesNoTemporaryFile() throws IOException {
        // the rename fails: a folder holds the jar's name
        Files.createDirectories(folder.resolve("org.hasm.example.jar").resolve("inside"));
        assertThrows(IOException.class, () -> Upgrader.writeJar(folder, "org.hasm.example", new byte[] {4, 2}, true));
        assertEquals(List.of("org.hasm.example.jar"), names());
    }
}
