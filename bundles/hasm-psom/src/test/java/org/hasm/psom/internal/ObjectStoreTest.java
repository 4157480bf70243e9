package org.hasm.psom.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import org.hasm.spi.shared.Persistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectStoreTest {
    private static final String NAME = "http/A/lock/1";

    @TempDir
    Path data;

    private static final class Killed extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private static Entry entry(String value, long version) {
        return new Entry(NAME, Persistence.PERSISTENT, 1, version, false, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String only(List<Entry> entries) {
        assertEquals(1, entries.size(), "objects: " + entries);
        return new String(entries.get(0).value(), StandardCharsets.UTF_8);
    }

    private static ObjectStore killingAt(Path dir, String step) {
        return new ObjectStore(dir, s -> {
            if (s.equals(step)) {
                throw new Killed();
            }
        });
    }

    private ObjectStore loaded(Path dir) throws IOException {
        ObjectStore store = new ObjectStore(dir, s -> { });
        store.load();
        return store;
    }

    @Test
    void aStoreIsItsSCMsOwnAndOneCopiedFromThePeerIsRefusedNamingWhatToDo() throws IOException {
        Path a = data.resolve("scm-a");
        ObjectStore store = new ObjectStore(a, s -> { });
        store.claim("scm-a"); // the first load writes the owner
        store.load();
        store.write(entry("v", 1), "write-");
        assertEquals("scm-a", Files.readString(a.resolve("psom/owner")).strip());
        new ObjectStore(a, s -> { }).claim("scm-a"); // its own again: nothing said

        // scm-b rebuilt from a copy of scm-a's data folder
        Path b = data.resolve("scm-b");
        Files.createDirectories(b.resolve("psom/objects"));
        try (var files = Files.walk(a.resolve("psom"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path to = b.resolve(a.relativize(f));
                Files.createDirectories(to.getParent());
                Files.copy(f, to);
            }
        }
        IOException e = assertThrows(IOException.class, () -> new ObjectStore(b, s -> { }).claim("scm-b"));
        assertTrue(e.getMessage().contains("is SCM scm-a's, not scm-b's") && e.getMessage().contains("Move "
                + b.resolve("psom") + " away"), e.getMessage());
        assertEquals("v", only(loaded(b).load()), "nothing of the copy removed: the operator decides");
    }

    @Test
    void temporaryFilesAKilledProcessLeftBesideTheObjectsAreRemovedAndNeverCollide() throws IOException {
        Path dir = data.resolve("leftovers");
        loaded(dir).writeTerm(3);
        Path psom = dir.resolve("psom");
        // what a kill -9 between the temporary file and its rename leaves: the names an earlier release
        // used, and the name this process's first write of the term takes
        List<Path> leftovers = List.of(psom.resolve("term.tmp-1"), psom.resolve("pruned.tmp-1"),
                psom.resolve("term.tmp-" + ProcessHandle.current().pid() + "-1"));
        for (Path p : leftovers) {
            Files.write(p, new byte[] {1, 2, 3});
        }
        ObjectStore store = loaded(dir);
        for (Path p : leftovers) {
            assertFalse(Files.exists(p), p + " removed at load");
        }
        store.writeTerm(4); // a failover's first write: it failed with FileAlreadyExistsException
        assertTrue(Files.exists(psom.resolve("term")));
    }

    @Test
    void anUpdateKilledAtEveryStepLeavesTheNewValueInPlaceWithNoNewFile() throws IOException {
        for (String step : List.of(ObjectStore.STEP_SLOT_WRITTEN, ObjectStore.STEP_SLOT_FORCED)) {
            Path dir = data.resolve(step);
            ObjectStore store = loaded(dir);
            store.write(entry("created", 1), "write-");
            store.write(entry("old", 2), "write-");
            List<String> reached = new ArrayList<>();
            ObjectStore killing = new ObjectStore(dir, s -> {
                reached.add(s);
                if (s.equals("write-" + step)) {
                    throw new Killed();
                }
            });
            killing.load();
            assertThrows(Killed.class, () -> killing.write(entry("new", 3), "write-"));
            // a process killed after its write() keeps what it wrote: the kernel has it
            assertEquals("new", only(loaded(dir).load()), "killed at " + step);
            assertTrue(reached.stream().noneMatch(s -> s.endsWith(ObjectStore.STEP_TEMP_FORCED)),
                    "an update goes in place, with no new file: " + reached);
            // and the store goes on from there: the next update lands, the one before is kept until it does
            ObjectStore again = loaded(dir);
            again.write(entry("after", 4), "write-");
            assertEquals("after", only(loaded(dir).load()), "written after a kill at " + step);
            try (var files = Files.list(dir.resolve("psom/objects"))) {
                assertEquals(1, files.count(), "one file for the object (" + step + ")");
            }
        }
    }

    @Test
    void aCreationKilledAtEveryStepLeavesNoObjectOrTheNewOne() throws IOException {
        for (String step : List.of(ObjectStore.STEP_TEMP_FORCED, ObjectStore.STEP_RENAMED,
                ObjectStore.STEP_FOLDER_FORCED)) {
            Path dir = data.resolve(step);
            loaded(dir);
            ObjectStore killing = killingAt(dir, "write-" + step);
            assertThrows(Killed.class, () -> killing.write(entry("created", 1), "write-"));
            List<Entry> after = loaded(dir).load();
            if (step.equals(ObjectStore.STEP_TEMP_FORCED)) {
                assertEquals(List.of(), after, "killed before the rename");
            } else {
                assertEquals("created", only(after), "killed at " + step);
            }
            try (var files = Files.list(dir.resolve("psom/objects"))) {
                assertEquals(after.size(), files.count(), "the temporary file of the killed creation is gone (" + step + ")");
            }
        }
    }

    /**
     * A power loss in the middle of an update leaves any mix of the file's earlier bytes and those
     * the store wrote: cut after every byte, and with every single byte not written.
     */
    @Test
    void anUpdateTornInsideItsSlotLeavesTheOldValue() throws IOException {
        ObjectStore store = loaded(data);
        store.write(entry("the value before the old one", 1), "write-");
        store.write(entry("old", 2), "write-");
        Path file = store.fileOf(NAME);
        byte[] before = Files.readAllBytes(file);
        store.write(entry("the new value", 3), "write-");
        byte[] after = Files.readAllBytes(file);
        int from = 0;
        while (from < before.length && before[from] == after[from]) {
            from++;
        }
        int to = after.length;
        while (to > from && to <= before.length && before[to - 1] == after[to - 1]) {
            to--;
        }
        assertTrue(to > from, "the update changed the file");
        for (int cut = from; cut < to; cut++) {
            byte[] torn = Arrays.copyOf(before, after.length);
            System.arraycopy(after, from, torn, from, cut - from);
            Files.write(file, torn);
            assertEquals("old", only(new ObjectStore(data, s -> { }).load()), "update cut at byte " + cut);
        }
        for (int hole = from; hole < to; hole++) {
            byte[] torn = after.clone();
            torn[hole] = hole < before.length ? before[hole] : 0;
            Files.write(file, torn);
            // where the old byte equals the new one, nothing is missing
            assertEquals(Arrays.equals(torn, after) ? "the new value" : "old",
                    only(new ObjectStore(data, s -> { }).load()), "update without its byte " + hole);
        }
        Files.write(file, after);
        assertEquals("the new value", only(new ObjectStore(data, s -> { }).load()));
    }

    @Test
    void anUpdateNeverTouchesTheSlotHoldingTheCurrentValue() throws IOException {
        Path file = loaded(data).fileOf(NAME);
        byte[][] kept = new byte[1][];
        int[] slot = new int[1];
        ObjectStore store = new ObjectStore(data, s -> {
            if (s.endsWith(ObjectStore.STEP_SLOT_WRITTEN)) {
                // the new record is in, not yet forced: the current slot must be as it was
                assertArrayEquals(kept[0], slotBytes(Files.readAllBytes(file), slot[0]), "current slot " + slot[0]);
            }
        });
        store.load();
        store.write(entry("created", 1), "write-");
        for (int version = 2; version < 10; version++) {
            byte[] before = Files.readAllBytes(file);
            ObjectStore.Stored current = ObjectStore.decode(before, file);
            slot[0] = current.slot();
            kept[0] = slotBytes(before, slot[0]);
            // values of changing length, so that a write into the wrong slot shows in its CRC
            store.write(entry("v".repeat(version * 37 % 200), version), "write-");
            byte[] after = Files.readAllBytes(file);
            assertArrayEquals(kept[0], slotBytes(after, slot[0]), "slot " + slot[0] + " after version " + version);
            ObjectStore.Stored now = ObjectStore.decode(after, file);
            assertNotEquals(slot[0], now.slot(), "version " + version + " went into the other slot");
            assertEquals(version, now.entry().version());
        }
    }

    @Test
    void aPso1FileIsReadAndRewrittenAsTwoSlotsAtItsNextWrite() throws IOException {
        for (String step : List.of(ObjectStore.STEP_TEMP_FORCED, ObjectStore.STEP_RENAMED,
                ObjectStore.STEP_FOLDER_FORCED, "")) {
            Path dir = data.resolve("v1-" + step);
            Path file = loaded(dir).fileOf(NAME);
            byte[] v1 = pso1(entry("from the previous release", 5));
            Files.write(file, v1);
            assertEquals("from the previous release", only(loaded(dir).load()));
            ObjectStore upgrading = killingAt(dir, "write-" + step);
            upgrading.load();
            if (step.isEmpty()) {
                upgrading.write(entry("new", 6), "write-");
            } else {
                assertThrows(Killed.class, () -> upgrading.write(entry("new", 6), "write-"));
            }
            ObjectStore after = new ObjectStore(dir, s -> { });
            String value = only(after.load());
            assertEquals(List.of(), after.problems());
            if (step.equals(ObjectStore.STEP_TEMP_FORCED)) {
                // not renamed yet: the PSO1 file stands whole
                assertEquals("from the previous release", value);
                assertArrayEquals(v1, Files.readAllBytes(file));
            } else {
                assertEquals("new", value, "killed at " + step);
                assertEquals(0x50534f32, ByteBuffer.wrap(Files.readAllBytes(file)).getInt(), "a PSO2 file now");
                after.write(entry("newer", 7), "write-");
                assertEquals(1, ObjectStore.decode(Files.readAllBytes(file), file).slot(), "updated in place");
                assertEquals("newer", only(loaded(dir).load()));
            }
        }
    }

    @Test
    void aFileWithNoIntactSlotIsMovedAsideNeverReadAsAValue() throws IOException {
        ObjectStore store = loaded(data);
        store.write(entry("a value", 3), "write-");
        Path file = store.fileOf(NAME);
        byte[] whole = Files.readAllBytes(file);
        int record = ObjectStore.encode(entry("a value", 3), 1).length;
        for (int cut = 0; cut < record; cut++) {
            Files.write(file, Arrays.copyOf(whole, cut));
            ObjectStore after = new ObjectStore(data, s -> { });
            assertEquals(List.of(), after.load(), "file cut at " + cut);
            assertEquals(1, after.problems().size());
            assertTrue(after.problems().get(0).contains(file.toString()), after.problems().get(0));
            assertTrue(Files.exists(file.resolveSibling(file.getFileName() + ".corrupt")));
        }
        Files.write(file, whole);
        Entry back = loaded(data).load().get(0);
        assertArrayEquals("a value".getBytes(StandardCharsets.UTF_8), back.value());
        assertEquals(3, back.version());
    }

    @Test
    void aFlippedBitIsFoundByTheChecksumAndTheOtherSlotIsRead() throws IOException {
        ObjectStore store = loaded(data);
        store.write(entry("older", 1), "write-");
        store.write(entry("current", 2), "write-");
        Path file = store.fileOf(NAME);
        byte[] b = Files.readAllBytes(file);
        int current = ObjectStore.decode(b, file).slot();
        int length = ObjectStore.encode(entry("current", 2), 2).length;
        for (int slot = 0; slot < 2; slot++) {
            for (int i = 0; i < length; i++) {
                byte[] flipped = b.clone();
                flipped[slot * ObjectStore.SLOT_BYTES + i] ^= 0x10;
                Files.write(file, flipped);
                ObjectStore after = new ObjectStore(data, s -> { });
                // a damaged current slot falls back to the older value, which the peer's later stamp replaces
                assertEquals(slot == current ? "older" : "current", only(after.load()), "bit flipped in byte " + i
                        + " of slot " + slot);
            }
        }
    }

    @Test
    void aDeletionIsATombstoneInASlotAndARecreationUpdatesTheSameFile() throws IOException {
        ObjectStore store = loaded(data);
        store.write(entry("live", 1), "write-");
        store.write(new Entry(NAME, Persistence.PERSISTENT, 1, 2, true, null), "write-");
        Entry gone = loaded(data).load().get(0);
        assertTrue(gone.deleted(), "kept as a tombstone: " + gone);
        assertEquals(2, gone.version());
        List<String> reached = new ArrayList<>();
        ObjectStore again = new ObjectStore(data, reached::add);
        again.load();
        again.write(entry("back", 3), "write-");
        assertEquals(List.of("write-" + ObjectStore.STEP_SLOT_WRITTEN, "write-" + ObjectStore.STEP_SLOT_FORCED), reached);
        assertEquals("back", only(loaded(data).load()));
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

    private static byte[] slotBytes(byte[] file, int slot) {
        int at = slot * ObjectStore.SLOT_BYTES;
        return Arrays.copyOfRange(file, at, at + ObjectStore.SLOT_BYTES); // zeros past the end of the file
    }

    /** The previous release's file, as its README gives it: mark, name, term, version, deleted, value, CRC-32. */
    private static byte[] pso1(Entry e) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x50534f31);
        out.writeUTF(e.name());
        out.writeLong(e.term());
        out.writeLong(e.version());
        out.writeBoolean(e.deleted());
        out.writeInt(e.value().length);
        out.write(e.value());
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        out.flush();
        return bytes.toByteArray();
    }

    @Test
    void thePruningStateIsKeptAndADamagedOneIsRefusedNamingIt() throws IOException {
        ObjectStore store = loaded(data);
        assertEquals(ObjectStore.Pruned.NONE, store.loadPruned(), "never pruned");
        store.writePruned(new ObjectStore.Pruned(7, 6, 42));
        assertEquals(new ObjectStore.Pruned(7, 6, 42), loaded(data).loadPruned());
        Path file = data.resolve("psom").resolve("pruned");
        byte[] b = Files.readAllBytes(file);
        b[3] ^= 1;
        Files.write(file, b);
        IOException e = assertThrows(IOException.class, () -> loaded(data).loadPruned());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void removedFilesStayRemovedAndOthersStay() throws IOException {
        ObjectStore store = loaded(data);
        store.write(entry("a", 1), "write-");
        Entry other = new Entry("other", Persistence.PERSISTENT, 1, 1, false, "b".getBytes(StandardCharsets.UTF_8));
        store.write(other, "write-");
        store.removeAll(List.of(NAME, "never-there"));
        assertEquals(List.of(other), loaded(data).load());
    }
}
