package org.hasm.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterKeyTest {
    @TempDir
    Path dir;

    @Test
    void generatedKeyIsOwnerOnlyHexAndLoads() throws IOException {
        Path file = dir.resolve("etc/cluster.key");
        ClusterKey k = ClusterKey.generate(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(Files.readString(file).trim().matches("[0-9a-f]{64}"));
        assertArrayEquals(k.bytes(), ClusterKey.load(file).bytes());
        assertThrows(FileAlreadyExistsException.class, () -> ClusterKey.generate(file));
    }

    @Test
    void loadsBase64() throws IOException {
        byte[] raw = new byte[48];
        raw[3] = 9;
        Path file = dir.resolve("k");
        Files.writeString(file, Base64.getEncoder().encodeToString(raw) + "\n");
        assertArrayEquals(raw, ClusterKey.load(file).bytes());
    }

    @Test
    void badKeysNameTheFileAndTheProblem() throws IOException {
        Path missing = dir.resolve("nope");
        assertTrue(assertThrows(IOException.class, () -> ClusterKey.load(missing)).getMessage()
                .contains(missing + ": missing"));
        Path shortKey = dir.resolve("short");
        Files.writeString(shortKey, "00112233");
        assertTrue(assertThrows(IOException.class, () -> ClusterKey.load(shortKey)).getMessage()
                .contains(shortKey + ": 4 bytes of key, at least 32"));
        Path garbage = dir.resolve("garbage");
        Files.writeString(garbage, "this is not a key!");
        assertTrue(assertThrows(IOException.class, () -> ClusterKey.load(garbage)).getMessage()
                .contains("neither hex nor base64"));
        Path empty = dir.resolve("empty");
        Files.writeString(empty, " \n");
        assertTrue(assertThrows(IOException.class, () -> ClusterKey.load(empty)).getMessage().contains("empty"));
    }
}
