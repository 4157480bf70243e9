package org.hasm.spi.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DurableFilesTest {
    private Path root;
    private FolderVolume volume;

    /** A volume on a folder whose ownership a test takes away, as a takeover by the peer does. */
    static final class FolderVolume implements Volume {
        final Path root;
        volatile boolean owned = true;
        final List<IOException> failures = new ArrayList<>();

        FolderVolume(Path root) {
            this.root = root;
        }

        @Override
        public String name() {
            return "v1";
        }

        @Override
        public Path root() {
            return root;
        }

        @Override
        public long epoch() {
            return 1;
        }

        @Override
        public boolean owned() {
            return owned;
        }

        @Override
        public void fence() throws FencedException {
            if (!owned) {
                throw new FencedException("volume v1 is owned by scm-b at epoch 2");
            }
        }

        @Override
        public synchronized VolumeProblem.Kind writeFailed(IOException cause) {
            failures.add(cause);
            return null;
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory("hasm-spi-durable-");
        volume = new FolderVolume(root);
    }

    @AfterEach
    void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aWriteReplacesTheFileWholeAndLeavesNoTemporaryFile() throws IOException {
        Path f = root.resolve("state");
        Files.writeString(f, "old");
        DurableFiles.write(volume, f, "new".getBytes(StandardCharsets.UTF_8));
        assertEquals("new", Files.readString(f));
        assertEquals(List.of("state"), names(root));
    }

    @Test
    void aWriteOnAFencedVolumeIsRefusedAndLeavesTheOldContent() throws IOException {
        Path f = root.resolve("state");
        Files.writeString(f, "old");
        volume.owned = false;
        assertThrows(FencedException.class, () -> DurableFiles.write(volume, f, "new".getBytes(StandardCharsets.UTF_8)));
        assertEquals("old", Files.readString(f));
        assertEquals(List.of("state"), names(root), "the temporary file is gone");
    }

    @Test
    void theCallersOwnFailureReachesItUnchangedAndNothingAppears() throws IOException {
        Path f = root.resolve("state");
        IllegalStateException own = new IllegalStateException("the client went away");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> DurableFiles.write(volume, f, out -> {
            out.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2}));
            throw own;
        }));
        assertEquals(own, thrown);
        assertEquals(List.of(), names(root));
        assertEquals(List.of(), volume.failures, "not the storage's failure");
    }

    @Test
    void aStorageFailureNamesItsStepAndIsToldToTheVolume() {
        Path f = root.resolve("no-such-folder/state");
        DurableWriteException e = assertThrows(DurableWriteException.class,
                () -> DurableFiles.write(volume, f, new byte[] {1}));
        assertEquals(DurableWriteException.Step.CREATE, e.step());
        assertNull(e.problem());
        assertTrue(e.getMessage().startsWith("volume v1: cannot create a temporary file in "), e.getMessage());
        assertEquals(1, volume.failures.size());
    }

    @Test
    void aTargetOutsideTheVolumeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DurableFiles.write(volume, root.resolve("../elsewhere"), new byte[] {1}));
        assertTrue(e.getMessage().contains("does not lie on volume v1"), e.getMessage());
    }

    @Test
    void aModulesPrivateFolderIsUnderTheReservedFolderAndCreatedOnlyWhileOwned() throws IOException {
        Path own = DurableFiles.privateFolder(volume, "kv");
        assertEquals(root.resolve(".hasm-private/kv"), own);
        assertTrue(Files.isDirectory(own));
        assertTrue(DurableFiles.reserved(root.relativize(own).getName(0).toString()));
        assertEquals(own, DurableFiles.privateFolder(volume, "kv"), "the same folder again");
        volume.owned = false;
        assertThrows(FencedException.class, () -> DurableFiles.privateFolder(volume, "other"));
        assertEquals(List.of("kv"), names(root.resolve(".hasm-private")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DurableFiles.privateFolder(volume, "../x"));
        assertTrue(e.getMessage().contains("'../x' is not a module name"), e.getMessage());
    }
}
