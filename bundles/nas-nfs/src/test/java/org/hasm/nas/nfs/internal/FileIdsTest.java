package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.hasm.testkit.Forces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file ids' index on a volume: where a removed file's handle ends, and how long its tombstone lives. */
class FileIdsTest {

    private static long id(FileIds ids, Path f) throws IOException {
        return ids.idOf(f, Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aRemovedFileIsStaleAtOnceAndItsTombstoneIsDeletedAfterAnHour(@TempDir Path volume) throws Exception {
        Path export = Files.createDirectories(volume.resolve("files"));
        AtomicInteger asked = new AtomicInteger();
        AtomicBoolean owned = new AtomicBoolean(true);
        FileIds ids = new FileIds(volume, 1000, r -> asked.incrementAndGet(), owned::get, System::currentTimeMillis);
        long rootId = id(ids, export);
        Path f = Files.writeString(export.resolve("a"), "x");
        long fid = id(ids, f);
        long inode = FileIds.inode(Files.readAttributes(f, BasicFileAttributes.class));
        ids.placed(fid, rootId, f);
        assertEquals(f, ids.resolve(fid, inode, export, rootId));

        Files.delete(f);
        ids.removed(fid);
        Path tombstone = volume.resolve(FileIds.META).resolve(FileIds.TOMBSTONES).resolve(FileIds.hex(fid));
        assertTrue(Files.exists(tombstone), "a tombstone");
        assertFalse(Files.exists(volume.resolve(FileIds.META).resolve("ids").resolve(FileIds.hex(fid))),
                "the entry is deleted, not kept as a tombstone in the index");
        FileIds.Stale s = assertThrows(FileIds.Stale.class, () -> ids.resolve(fid, inode, export, rootId));
        assertEquals("file " + FileIds.hex(fid) + " was removed", s.getMessage(), "known removed, no search");

        long now = System.currentTimeMillis();
        assertEquals(0, ids.prune(now - FileIds.TOMBSTONE_MS), "a fresh tombstone stays");
        Files.setLastModifiedTime(tombstone, FileTime.fromMillis(now - FileIds.TOMBSTONE_MS - 1000));
        owned.set(false);
        assertEquals(0, ids.prune(now - FileIds.TOMBSTONE_MS), "a volume this SCM lost is not pruned");
        owned.set(true);
        assertEquals(1, ids.prune(now - FileIds.TOMBSTONE_MS), "one older than an hour goes");
        assertFalse(Files.exists(tombstone));
        // its handle is STALE all the same, after a search that finds no file with the id
        s = assertThrows(FileIds.Stale.class, () -> ids.resolve(fid, inode, export, rootId));
        assertEquals("file " + FileIds.hex(fid) + " is not in the export", s.getMessage());
        assertEquals(0, asked.get(), "no prune asked of the pruner for one removal");

        // a tombstone of an earlier release: an entry "-" in the index
        Path g = Files.writeString(export.resolve("g"), "y");
        long gid = id(ids, g);
        Files.delete(g);
        Files.writeString(volume.resolve(FileIds.META).resolve("ids").resolve(FileIds.hex(gid)), "-");
        s = assertThrows(FileIds.Stale.class, () -> ids.resolve(gid, 0, export, rootId));
        assertEquals("file " + FileIds.hex(gid) + " was removed", s.getMessage());
    }

    // An id is written into a file the first time a handle names it; a handle a client holds must still lead to
    // the file after a power cut, so the new attribute is forced then (the JVM's flight recorder sees the forces).
    // An id already there is only read.

    @Test
    void aFirstIdIsForcedAndAnIdAlreadyThereCostsNoForce(@TempDir Path volume) throws Exception {
        Path export = Files.createDirectories(volume.resolve("files"));
        Path f = Files.writeString(export.resolve("made-by-another-protocol"), "x");
        FileIds ids = new FileIds(volume, 1000, Runnable::run, () -> true, System::currentTimeMillis);
        long[] first = new long[2];
        List<String> forced = Forces.during(() -> {
            first[0] = id(ids, export);
            first[1] = id(ids, f);
        });
        assertEquals(List.of(export.toString(), f.toString()), forced, "each new id forced with its file");
        forced = Forces.during(() -> {
            assertEquals(first[0], id(ids, export));
            assertEquals(first[1], id(ids, f));
        });
        assertEquals(List.of(), forced, "an id already there is read, not forced again");
    }

    @Test
    void theExportsFolderGetsItsIdForcedWhenTheExportIsOpened(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("v1"));
        Path folder = Files.createDirectories(root.resolve("exported"));
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        volumes.owned.put("v1", new Fixture.TestVolume("v1", root));
        try (VolumeState v = new VolumeState(volumes, "v1", root, NfsSettings.DEFAULTS, new Fixture.RecordingEvents())) {
            ExportState e = new ExportState("A", "data", v, folder, false, ExportAccess.DEFAULT);
            List<String> forced = Forces.during(e::open);
            assertTrue(forced.contains(folder.toString()), "the export's folder was not forced: " + forced);
        }
    }

    @Test
    void everyPruneEveryRemovalsAPruneRunsInTheBackgroundAndTheTombstonesStayBounded(@TempDir Path volume)
            throws Exception {
        AtomicInteger ran = new AtomicInteger();
        // runs the prune where it is asked
        FileIds ids = new FileIds(volume, 1000, r -> {
            ran.incrementAndGet();
            r.run();
        }, () -> true, System::currentTimeMillis);
        Path gone = volume.resolve(FileIds.META).resolve(FileIds.TOMBSTONES);
        for (int i = 1; i < FileIds.PRUNE_EVERY; i++) {
            ids.removed(i);
        }
        assertEquals(0, ran.get());
        assertEquals(FileIds.PRUNE_EVERY - 1, count(gone));
        // those removed two hours ago
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 2 * FileIds.TOMBSTONE_MS);
        try (var all = Files.newDirectoryStream(gone)) {
            for (Path p : all) {
                Files.setLastModifiedTime(p, old);
            }
        }
        ids.removed(FileIds.PRUNE_EVERY);
        assertEquals(1, ran.get(), "one prune asked");
        assertEquals(1, count(gone), "only the newest tombstone left");
        ids.removed(FileIds.INODE_ID | 7);
        assertEquals(1, count(gone), "a file known by its inode leaves no tombstone");
    }

    @Test
    void aColdServerFindsAFileThroughTheIndexWithoutASearch(@TempDir Path volume) throws Exception {
        Path export = Files.createDirectories(volume.resolve("files"));
        Path sub = Files.createDirectories(export.resolve("a").resolve("b"));
        FileIds warm = new FileIds(volume, 1000, Runnable::run, () -> true, System::currentTimeMillis);
        long rootId = id(warm, export);
        long aId = id(warm, sub.getParent());
        long bId = id(warm, sub);
        Path f = Files.writeString(sub.resolve("f"), "x");
        long fid = id(warm, f);
        warm.placed(aId, rootId, sub.getParent());
        warm.placed(bId, aId, sub);
        warm.placed(fid, bId, f);
        // the next owner (an empty cache) with no inode to search for: only the index can lead to the file
        FileIds cold = new FileIds(volume, 1000, Runnable::run, () -> true, System::currentTimeMillis);
        assertEquals(f, cold.resolve(fid, 0, export, rootId));
        // renamed over NFS, the folder above it too: the entries of the folder and of the file lead there
        Files.move(sub.getParent(), export.resolve("c"));
        cold.placed(aId, rootId, export.resolve("c"));
        FileIds colder = new FileIds(volume, 1000, Runnable::run, () -> true, System::currentTimeMillis);
        assertEquals(export.resolve("c").resolve("b").resolve("f"), colder.resolve(fid, 0, export, rootId));
    }

    @Test
    void aSweepDeletesOldEntriesThatProvablyLeadNowhereAndKeepsTheRest(@TempDir Path volume) throws Exception {
        Path export = Files.createDirectories(volume.resolve("files"));
        Path sub = Files.createDirectories(export.resolve("d"));
        FileIds ids = new FileIds(volume, 1000, Runnable::run, () -> true, System::currentTimeMillis);
        long rootId = id(ids, export);
        long subId = id(ids, sub);
        ids.placed(subId, rootId, sub);
        Path kept = Files.writeString(sub.resolve("kept"), "1");
        Path removed = Files.writeString(sub.resolve("removed"), "2");
        Path moved = Files.writeString(sub.resolve("moved"), "3");
        Path replaced = Files.writeString(export.resolve("replaced"), "4");
        Path fresh = Files.writeString(export.resolve("fresh"), "5");
        long keptId = id(ids, kept);
        long removedId = id(ids, removed);
        long movedId = id(ids, moved);
        long replacedId = id(ids, replaced);
        long freshId = id(ids, fresh);
        ids.placed(keptId, subId, kept);
        ids.placed(removedId, subId, removed);
        ids.placed(movedId, subId, moved);
        ids.placed(replacedId, rootId, replaced);
        ids.placed(freshId, rootId, fresh);
        // an entry under a folder the index cannot find now (its own entry lost in a crash)
        long orphanId = 0x1234_5678_9abcL;
        Path index = volume.resolve(FileIds.META).resolve("ids");
        Files.writeString(index.resolve(FileIds.hex(orphanId)), FileIds.hex(0x7777L) + "\nx");
        // an earlier release's tombstone, and a crash's temporary file
        Files.writeString(index.resolve(FileIds.hex(0x4242L)), "-");
        Files.writeString(index.resolve("." + FileIds.hex(keptId) + ".7.tmp"), "left");

        // behind this service's back: removed, moved to another folder, replaced by another file
        Files.delete(removed);
        Files.move(moved, export.resolve("moved"));
        Files.delete(replaced);
        Files.writeString(replaced, "another");
        Files.delete(fresh);
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 2 * FileIds.TOMBSTONE_MS);
        try (var all = Files.newDirectoryStream(index)) {
            for (Path p : all) {
                if (!p.getFileName().toString().equals(FileIds.hex(freshId))) {
                    Files.setLastModifiedTime(p, old);
                }
            }
        }

        FileIds.Swept swept = ids.sweep(List.of(export), System.currentTimeMillis() - FileIds.TOMBSTONE_MS);
        assertEquals(new FileIds.Swept(9, 5, true), swept);
        try (var left = Files.list(index)) {
            assertEquals(Set.of(FileIds.hex(subId), FileIds.hex(keptId), FileIds.hex(freshId), FileIds.hex(orphanId)),
                    left.map(p -> p.getFileName().toString()).collect(Collectors.toSet()),
                    "kept: the folder's and the file's, the one younger than an hour, the one whose folder is not found");
        }
        assertFalse(Files.exists(index.resolve(FileIds.hex(removedId))), "a removed file's entry goes");
        assertFalse(Files.exists(index.resolve(FileIds.hex(movedId))), "a moved file's (wrong) entry goes");
        assertFalse(Files.exists(index.resolve(FileIds.hex(replacedId))), "a replaced file's entry goes");
        // the handles answer as before: the kept file directly, the moved one by a search
        long inode = FileIds.inode(Files.readAttributes(export.resolve("moved"), BasicFileAttributes.class));
        assertEquals(kept, ids.resolve(keptId, 0, export, rootId));
        assertEquals(export.resolve("moved"), ids.resolve(movedId, inode, export, rootId));
        assertThrows(FileIds.Stale.class, () -> ids.resolve(removedId, 1, export, rootId));
    }

    private static long count(Path folder) throws IOException {
        try (var s = Files.list(folder)) {
            return s.count();
        }
    }
}
