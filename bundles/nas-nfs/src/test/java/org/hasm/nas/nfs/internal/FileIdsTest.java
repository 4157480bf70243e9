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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    private static long count(Path folder) throws IOException {
        try (var s = Files.list(folder)) {
            return s.count();
        }
    }
}
