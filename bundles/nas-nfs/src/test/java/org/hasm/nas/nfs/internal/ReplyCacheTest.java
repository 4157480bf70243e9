package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReplyCacheTest {
    private final Path dir;
    private final AtomicLong clock = new AtomicLong(1_000_000);

    ReplyCacheTest() throws IOException {
        dir = Files.createTempDirectory("hasm-nfs-drc");
    }

    @AfterEach
    void clean() {
        Fixture.deleteTree(dir);
    }

    private ReplyCache open(int entries, long ageMs) throws IOException {
        return new ReplyCache(dir, entries, ageMs, clock::get);
    }

    private static ReplyCache.Key key(int xid) {
        return new ReplyCache.Key("10.0.0.1", xid, Nfs3.REMOVE, 77);
    }

    @Test
    void aReplyIsThereForTheNextOwner() throws Exception {
        try (ReplyCache c = open(16, 60_000)) {
            c.start(key(1));
            assertEquals(0, c.lookup(key(1)).length, "in progress: the retransmission gets nothing");
            c.done(key(1), new byte[] {0, 0, 0, 0});
        }
        try (ReplyCache c = open(16, 60_000)) {
            assertArrayEquals(new byte[] {0, 0, 0, 0}, c.lookup(key(1)));
            assertNull(c.lookup(new ReplyCache.Key("10.0.0.1", 1, Nfs3.REMOVE, 78)), "other arguments, same XID");
            assertNull(c.lookup(new ReplyCache.Key("10.0.0.2", 1, Nfs3.REMOVE, 77)), "another client");
        }
    }

    @Test
    void aTornEntryIsIgnoredAndLaterOnesStillLand() throws Exception {
        try (ReplyCache c = open(16, 60_000)) {
            c.done(key(1), new byte[] {1, 1, 1, 1});
            c.done(key(2), new byte[] {2, 2, 2, 2});
        }
        Path log = dir.resolve(ReplyCache.FILE);
        byte[] all = Files.readAllBytes(log);
        // a crash in the middle of the second record's write
        Files.write(log, java.util.Arrays.copyOf(all, all.length - 3));
        try (ReplyCache c = open(16, 60_000)) {
            assertArrayEquals(new byte[] {1, 1, 1, 1}, c.lookup(key(1)));
            assertNull(c.lookup(key(2)), "a torn entry is never replayed");
            c.done(key(3), new byte[] {3, 3, 3, 3});
        }
        try (ReplyCache c = open(16, 60_000)) {
            assertArrayEquals(new byte[] {3, 3, 3, 3}, c.lookup(key(3)), "written after the torn tail was cut");
        }
    }

    @Test
    void aDamagedEntryIsNeverReplayed() throws Exception {
        try (ReplyCache c = open(16, 60_000)) {
            c.done(key(1), new byte[] {1, 1, 1, 1});
        }
        Path log = dir.resolve(ReplyCache.FILE);
        byte[] all = Files.readAllBytes(log);
        all[all.length - 1] ^= 0x40; // one bit of the reply flipped on the disk
        Files.write(log, all);
        try (ReplyCache c = open(16, 60_000)) {
            assertNull(c.lookup(key(1)));
        }
    }

    @Test
    void boundedInCountOnDiskAndInMemory() throws Exception {
        try (ReplyCache c = open(16, 60_000)) {
            for (int i = 0; i < 200; i++) {
                c.done(key(i), new byte[] {(byte) i, 0, 0, 0});
            }
            assertEquals(16, c.size());
            assertNull(c.lookup(key(0)));
            assertArrayEquals(new byte[] {(byte) 199, 0, 0, 0}, c.lookup(key(199)));
        }
        long bytes = Files.size(dir.resolve(ReplyCache.FILE));
        assertTrue(bytes < 2 * 16 * 100, "the log is compacted: " + bytes + " bytes");
        try (ReplyCache c = open(16, 60_000)) {
            assertEquals(16, c.size());
            assertArrayEquals(new byte[] {(byte) 199, 0, 0, 0}, c.lookup(key(199)));
        }
    }

    @Test
    void boundedInAge() throws Exception {
        try (ReplyCache c = open(16, 60_000)) {
            c.done(key(1), new byte[] {1, 1, 1, 1});
            clock.addAndGet(60_001);
            assertNull(c.lookup(key(1)));
        }
        try (ReplyCache c = open(16, 60_000)) {
            assertEquals(0, c.size(), "an old entry is not loaded");
        }
    }
}
