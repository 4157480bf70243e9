package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared folder the upgrade needs, while the storage module is away, in this process and after a restart. */
class SharedFolderTest {
    @TempDir
    Path data;

    private final List<String> warnings = new ArrayList<>();

    @Test
    void aProcessRestartedWhileTheStorageModuleIsAwayFindsTheFolderItLastNamed() {
        Path shared = data.resolveSibling("shared-" + data.getFileName()).toAbsolutePath();
        SharedFolder first = new SharedFolder(data, warnings::add);
        assertNull(first.current(null), "nothing named yet");
        assertEquals(shared, first.current(shared));
        assertEquals(shared, first.current(null), "the storage module away: the last folder it named");

        SharedFolder restarted = new SharedFolder(data, warnings::add);
        assertEquals(shared, restarted.current(null));
        assertEquals(List.of(), warnings);
    }

    @Test
    void aFolderThatChangesIsKeptAgain() {
        Path one = Path.of("/srv/one");
        Path two = Path.of("/srv/two");
        SharedFolder f = new SharedFolder(data, warnings::add);
        f.current(one);
        f.current(two);
        assertEquals(two, new SharedFolder(data, warnings::add).current(null));
        try (var names = Files.list(data.resolve(SharedFolder.RECORD).getParent())) {
            assertEquals(List.of("shared-folder"), names.map(p -> p.getFileName().toString()).toList(),
                    "no temporary file left");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aDamagedRecordIsIgnoredWithAWarningNamingIt() throws IOException {
        Path record = data.resolve(SharedFolder.RECORD);
        Files.createDirectories(record.getParent());
        for (String bad : new String[] {"", "relative/folder", "/a\n/b", "/a\0b"}) {
            warnings.clear();
            Files.writeString(record, bad, StandardCharsets.UTF_8);
            assertNull(new SharedFolder(data, warnings::add).current(null), bad);
            assertEquals(1, warnings.size(), bad);
            assertTrue(warnings.get(0).contains(record.toString()), warnings.get(0));
        }
        Path now = Path.of("/srv/shared");
        assertEquals(now, new SharedFolder(data, warnings::add).current(now), "the storage module's word wins");
        assertEquals(now, new SharedFolder(data, warnings::add).current(null), "and replaces the damaged record");
    }

    @Test
    void aDataFolderThatCannotBeWrittenIsAWarningNotAFailure() throws IOException {
        Path blocked = data.resolve("blocked");
        Files.writeString(blocked, "a file where the data folder should be", StandardCharsets.UTF_8);
        SharedFolder f = new SharedFolder(blocked, warnings::add);
        Path shared = Path.of("/srv/shared");
        assertEquals(shared, f.current(shared));
        assertEquals(shared, f.current(null), "still known in this process");
        assertEquals(2, warnings.size(), "the record cannot be read, nor written: " + warnings);
        assertTrue(warnings.get(0).contains("cannot be read"), warnings.get(0));
        assertTrue(warnings.get(1).contains("not kept"), warnings.get(1));
    }
}
