package org.hasm.ctcm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoreTest {

    @TempDir
    Path dir;

    @Test
    void storedFileReadsBackWithVersionAndChecksum() throws IOException {
        FileStore s = new FileStore(dir, "scm-a");
        byte[] content = "users: alice\n".getBytes(StandardCharsets.UTF_8);
        s.put(new FileStore.Entry("users.txt", 3, FileStore.sha256(content), content));
        FileStore.Entry e = s.read("users.txt");
        assertEquals(3, e.version());
        assertArrayEquals(content, e.content());
        assertEquals(1, s.list((name, problem) -> { }).size());
        assertNull(s.read("other"));
    }

    @Test
    void contentThatDoesNotMatchItsChecksumIsRefused() {
        FileStore s = new FileStore(dir, "scm-a");
        byte[] content = "x".getBytes(StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class,
                () -> s.put(new FileStore.Entry("f", 1, FileStore.sha256("y".getBytes(StandardCharsets.UTF_8)), content)));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    }

    @Test
    void aFileCutShortIsRefusedNeverReadAsContent() throws IOException {
        byte[] content = "0123456789".getBytes(StandardCharsets.UTF_8);
        byte[] whole = FileStore.encode(new FileStore.Entry("f", 1, FileStore.sha256(content), content));
        for (int cut = 0; cut < whole.length; cut++) {
            Files.write(dir.resolve("f"), Arrays.copyOf(whole, cut));
            assertThrows(IOException.class, () -> new FileStore(dir, "scm-a").read("f"), "cut " + cut);
        }
    }

    @Test
    void badNamesAreRefusedNamingThem() {
        for (String bad : new String[] {".hidden", "a/b", "", "x.tmp", "a b"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileStore.check(bad, null));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void listLeavesOutAnUnreadableFileNamingItAndKeepsTheOthers() throws IOException {
        FileStore s = new FileStore(dir, "scm-a");
        byte[] content = "ok".getBytes(StandardCharsets.UTF_8);
        s.put(new FileStore.Entry("good", 2, FileStore.sha256(content), content));
        Files.writeString(dir.resolve("bad"), "hasm-file 1 0000\ncut");
        List<String> unreadable = new ArrayList<>();
        SortedMap<String, FileStore.Entry> all = s.list((name, e) -> unreadable.add(name + ": " + e.getMessage()));
        assertEquals(List.of("good"), List.copyOf(all.keySet()));
        assertEquals(1, unreadable.size(), unreadable.toString());
        assertTrue(unreadable.get(0).startsWith("bad: "), unreadable.toString());
    }
}
