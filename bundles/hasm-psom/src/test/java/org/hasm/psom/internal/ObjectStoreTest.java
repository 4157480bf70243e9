package org.hasm.psom.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.hasm.spi.shared.Persistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectStoreTest {
    @TempDir
    Path data;

    private static final class Killed extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private static Entry entry(String value, long version) {
        return new Entry("http/A/lock/1", Persistence.PERSISTENT, 1, version, false,
                value.getBytes(StandardCharsets.UTF_8));
    }

    private static String only(List<Entry> entries) {
        assertEquals(1, entries.size(), "objects: " + entries);
        return new String(entries.get(0).value(), StandardCharsets.UTF_8);
    }

    @Test
    void aWriteKilledAtEveryStepLeavesTheOldOrTheNewValue() throws IOException {
        List<String> steps = List.of("write-" + ObjectStore.STEP_TEMP_FORCED, "write-" + ObjectStore.STEP_RENAMED,
                "write-" + ObjectStore.STEP_FOLDER_FORCED);
        for (String step : steps) {
            Path dir = data.resolve(step);
            new ObjectStore(dir, s -> { }).load();
            new ObjectStore(dir, s -> { }).write(entry("old", 1), "write-");
            ObjectStore killing = new ObjectStore(dir, s -> {
                if (s.equals(step)) {
                    throw new Killed();
                }
            });
            assertThrows(Killed.class, () -> killing.write(entry("new", 2), "write-"));
            ObjectStore after = new ObjectStore(dir, s -> { });
            String value = only(after.load());
            // before the rename the old file stands; from the rename on, the new one
            assertEquals(step.endsWith(ObjectStore.STEP_TEMP_FORCED) ? "old" : "new", value, "killed at " + step);
            try (var files = Files.list(dir.resolve("psom/objects"))) {
                assertEquals(1, files.count(), "the temporary file of the killed write is gone (" + step + ")");
            }
        }
    }

    @Test
    void aTemporaryFileCutAtEveryByteLeavesTheOldValue() throws IOException {
        ObjectStore store = new ObjectStore(data, s -> { });
        store.load();
        store.write(entry("old", 1), "write-");
        byte[] next = ObjectStore.encode(entry("the new value", 2));
        Path file = store.fileOf("http/A/lock/1");
        for (int cut = 0; cut <= next.length; cut++) {
            Files.write(file.resolveSibling(file.getFileName() + ".tmp-9"), Arrays.copyOf(next, cut));
            assertEquals("old", only(new ObjectStore(data, s -> { }).load()), "temporary file cut at " + cut);
        }
    }

    @Test
    void anObjectFileCutAtAnyByteIsFoundDamagedNeverReadAsAValue() throws IOException {
        ObjectStore store = new ObjectStore(data, s -> { });
        store.load();
        byte[] whole = ObjectStore.encode(entry("a value", 3));
        Path file = store.fileOf("http/A/lock/1");
        for (int cut = 0; cut < whole.length; cut++) {
            Files.write(file, Arrays.copyOf(whole, cut));
            ObjectStore after = new ObjectStore(data, s -> { });
            assertEquals(List.of(), after.load(), "file cut at " + cut);
            assertEquals(1, after.problems().size());
            assertTrue(after.problems().get(0).contains(file.toString()), after.problems().get(0));
            assertTrue(Files.exists(file.resolveSibling(file.getFileName() + ".corrupt")));
        }
        Files.write(file, whole);
        Entry back = new ObjectStore(data, s -> { }).load().get(0);
        assertArrayEquals("a value".getBytes(StandardCharsets.UTF_8), back.value());
        assertEquals(3, back.version());
    }

    @Test
    void aFlippedBitIsFoundByTheChecksum() throws IOException {
        ObjectStore store = new ObjectStore(data, s -> { });
        store.load();
        store.write(entry("value", 1), "write-");
        Path file = store.fileOf("http/A/lock/1");
        byte[] b = Files.readAllBytes(file);
        for (int i = 0; i < b.length; i++) {
            byte[] flipped = b.clone();
            flipped[i] ^= 0x10;
            Files.write(file, flipped);
            ObjectStore after = new ObjectStore(data, s -> { });
            assertEquals(List.of(), after.load(), "bit flipped in byte " + i);
            Files.delete(file.resolveSibling(file.getFileName() + ".corrupt"));
        }
    }

    @Test
    void theTermSurvivesAndADamagedTermFileIsNamed() throws IOException {
        ObjectStore store = new ObjectStore(data, s -> { });
        store.load();
        assertEquals(0, store.loadTerm());
        store.writeTerm(7);
        assertEquals(7, new ObjectStore(data, s -> { }).loadTerm());
        Files.write(data.resolve("psom/term"), new byte[] {1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> new ObjectStore(data, s -> { }).loadTerm());
        assertTrue(e.getMessage().contains(data.resolve("psom/term").toString()), e.getMessage());
    }
}
