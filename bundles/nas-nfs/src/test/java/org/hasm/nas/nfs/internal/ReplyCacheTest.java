package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.hasm.spi.storage.FencedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        return new ReplyCache(dir, entries, ageMs, clock::get, 1);
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
    void ofAnOriginalAndItsRetransmissionsTakenUpAtOnceExactlyOneIsCarriedOut() throws Exception {
        try (ReplyCache c = open(16, 60_000)) {
            for (int round = 0; round < 50; round++) {
                ReplyCache.Key k = key(100 + round);
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.atomic.AtomicInteger carriedOut = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.atomic.AtomicInteger dropped = new java.util.concurrent.atomic.AtomicInteger();
                List<Thread> workers = new java.util.ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    Thread t = new Thread(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        byte[] earlier = c.lookupOrStart(k);
                        (earlier == null ? carriedOut : dropped).incrementAndGet();
                    });
                    t.start();
                    workers.add(t);
                }
                go.countDown();
                for (Thread t : workers) {
                    t.join(10_000);
                }
                assertEquals(1, carriedOut.get(), "round " + round + ": carried out once");
                assertEquals(3, dropped.get(), "round " + round + ": the others wait for its reply");
                c.done(k, new byte[] {1, 2, 3, 4});
                assertArrayEquals(new byte[] {1, 2, 3, 4}, c.lookupOrStart(k), "then the reply is replayed");
            }
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

    /** Keeps replies 1 to 3. @return the log's size before each of them and after the last */
    private long[] threeReplies() throws IOException {
        Path log = dir.resolve(ReplyCache.FILE);
        long[] sizes = new long[4];
        try (ReplyCache c = open(16, 60_000)) {
            for (int i = 1; i <= 3; i++) {
                sizes[i - 1] = Files.size(log);
                c.done(key(i), new byte[] {(byte) i, (byte) i, (byte) i, (byte) i});
            }
            sizes[3] = Files.size(log);
        }
        return sizes;
    }

    @Test
    void aDamagedRecordBetweenWholeOnesIsSkippedAndTheRepliesAfterItAreKept() throws Exception {
        long[] sizes = threeReplies();
        Path log = dir.resolve(ReplyCache.FILE);
        byte[] all = Files.readAllBytes(log);
        all[(int) sizes[1] + 20] ^= 0x40; // one bit of the second reply flipped on the disk
        Files.write(log, all);
        try (ReplyCache c = open(16, 60_000)) {
            assertArrayEquals(new byte[] {1, 1, 1, 1}, c.lookup(key(1)));
            assertNull(c.lookup(key(2)), "a damaged reply is never replayed");
            assertArrayEquals(new byte[] {3, 3, 3, 3}, c.lookup(key(3)), "the reply after the damage is kept");
            assertEquals(List.of(log + ": bytes " + sizes[1] + " to " + sizes[2] + " hold no record that reads"
                    + " (damaged on the disk): skipped, the replies after them kept"), c.damaged());
            c.done(key(4), new byte[] {4, 4, 4, 4});
        }
        assertEquals(sizes[3] + (sizes[3] - sizes[2]), Files.size(log), "nothing cut, one reply appended");
        try (ReplyCache c = open(16, 60_000)) {
            assertArrayEquals(new byte[] {3, 3, 3, 3}, c.lookup(key(3)));
            assertArrayEquals(new byte[] {4, 4, 4, 4}, c.lookup(key(4)));
        }
    }

    @Test
    void aRecordWhoseHeaderIsDamagedIsSkippedToTheNextWholeOne() throws Exception {
        long[] sizes = threeReplies();
        Path log = dir.resolve(ReplyCache.FILE);
        byte[] all = Files.readAllBytes(log);
        all[(int) sizes[1] + 5] ^= 0x10; // the length of the second record: where it ends is unknown
        Files.write(log, all);
        try (ReplyCache c = open(16, 60_000)) {
            assertArrayEquals(new byte[] {1, 1, 1, 1}, c.lookup(key(1)));
            assertNull(c.lookup(key(2)));
            assertArrayEquals(new byte[] {3, 3, 3, 3}, c.lookup(key(3)), "found again after the damaged record");
            assertEquals(1, c.damaged().size(), c.damaged().toString());
        }
        assertEquals(sizes[3], Files.size(log), "nothing cut");
    }

    @Test
    void theOwnerOfTheVolumeWarnsOfADamagedRecordNamingTheFileAndWhere(@TempDir Path root) throws Exception {
        Path meta = root.resolve(FileIds.META);
        try (ReplyCache c = new ReplyCache(meta, 16, 60_000, System::currentTimeMillis, 1)) { // the clock it reads with
            c.done(key(1), new byte[] {1, 1, 1, 1});
            c.done(key(2), new byte[] {2, 2, 2, 2});
        }
        Path log = meta.resolve(ReplyCache.FILE);
        byte[] all = Files.readAllBytes(log);
        int at = 9 + 12 + 12; // the first reply, after the epoch record (12 bytes of header, 9 of payload)
        all[at] ^= 1;
        Files.write(log, all);
        Fixture.RecordingEvents events = new Fixture.RecordingEvents();
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        volumes.owned.put("v1", new Fixture.TestVolume("v1", root));
        try (VolumeState v = new VolumeState(volumes, "v1", root, NfsSettings.DEFAULTS, events)) {
            v.open();
            assertArrayEquals(new byte[] {2, 2, 2, 2}, v.replies.lookup(key(2)));
        }
        assertEquals(1, events.warnings.size(), events.warnings.toString());
        assertTrue(events.warnings.get(0).startsWith("volume v1: the duplicate request cache " + log + ": bytes 21 to "),
                events.warnings.get(0));
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

    @Test
    void whatAStaleOwnerAppendsAfterATakeoverNeitherOverwritesNorReplays() throws Exception {
        try (ReplyCache old = new ReplyCache(dir, 16, 60_000, clock::get, 4)) {
            old.done(key(1), new byte[] {1, 1, 1, 1});
            try (ReplyCache taker = new ReplyCache(dir, 16, 60_000, clock::get, 5)) {
                assertArrayEquals(new byte[] {1, 1, 1, 1}, taker.lookup(key(1)), "the new owner reads the old one's reply");
                taker.done(key(2), new byte[] {2, 2, 2, 2});
                // the old owner wakes from a pause and keeps one reply before its fence fails
                old.done(key(3), new byte[] {3, 3, 3, 3});
                taker.done(key(4), new byte[] {4, 4, 4, 4});
            }
        }
        try (ReplyCache next = new ReplyCache(dir, 16, 60_000, clock::get, 6)) {
            assertArrayEquals(new byte[] {1, 1, 1, 1}, next.lookup(key(1)));
            assertArrayEquals(new byte[] {2, 2, 2, 2}, next.lookup(key(2)), "not overwritten by the stale append");
            assertNull(next.lookup(key(3)), "a stale owner's reply is never replayed");
            assertArrayEquals(new byte[] {4, 4, 4, 4}, next.lookup(key(4)), "the new owner's records after it still read");
        }
        assertThrows(FencedException.class, () -> new ReplyCache(dir, 16, 60_000, clock::get, 5),
                "an SCM of an older epoch is the stale one");
    }

    @Test
    void aStaleOwnerNeverRewritesTheLog() throws Exception {
        try (ReplyCache old = new ReplyCache(dir, 16, 60_000, clock::get, 1)) {
            try (ReplyCache taker = new ReplyCache(dir, 16, 60_000, clock::get, 2)) {
                taker.done(key(1000), new byte[] {9, 9, 9, 9});
            }
            // enough stale replies to reach a compaction: refused, the new owner's reply stays
            assertThrows(FencedException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    old.done(key(i), new byte[] {(byte) i, 0, 0, 0});
                }
            });
        }
        try (ReplyCache next = new ReplyCache(dir, 16, 60_000, clock::get, 3)) {
            assertArrayEquals(new byte[] {9, 9, 9, 9}, next.lookup(key(1000)));
            assertNull(next.lookup(key(0)));
        }
    }

    @Test
    void recordsOfTheFirstVersionStillRead() throws Exception {
        // what the version before epochs wrote: magic DRC1, payload time, xid, procedure, crc, client, reply
        byte[] client = "10.0.0.1".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer p = java.nio.ByteBuffer.allocate(8 + 12 + 2 + client.length + 4 + 4);
        p.putLong(clock.get()).putInt(7).putInt(Nfs3.REMOVE).putInt(77).putShort((short) client.length).put(client)
                .putInt(4).put(new byte[] {7, 7, 7, 7});
        try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(dir.resolve(ReplyCache.FILE),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            Records.append(out, 0x44524331, p.array());
        }
        try (ReplyCache c = open(16, 60_000)) {
            assertArrayEquals(new byte[] {7, 7, 7, 7}, c.lookup(key(7)));
        }
    }

    @Test
    void aLaterReleasesRecordsAreSkippedKeptAndNeverCutAsATornTail() throws Exception {
        try (ReplyCache c = open(4, 60_000)) {
            c.done(key(1), new byte[] {1, 1, 1, 1});
        }
        // what a later release appended while it owned the volume: a new version, and a new record type
        try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(dir.resolve(ReplyCache.FILE),
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.APPEND)) {
            Records.append(out, 0x44524333, new byte[] {42, 0, 0, 0, 1}); // "DRC3"
            Records.append(out, 0x44524332, new byte[] {9, 0, 0, 0, 0, 0, 0, 0, 1}); // DRC2, type 9
        }
        try (ReplyCache c = open(4, 60_000)) {
            assertArrayEquals(new byte[] {1, 1, 1, 1}, c.lookup(key(1)));
            c.done(key(2), new byte[] {2, 2, 2, 2});
        }
        try (ReplyCache c = open(4, 60_000)) {
            assertArrayEquals(new byte[] {2, 2, 2, 2}, c.lookup(key(2)), "written after them, and read past them");
            for (int i = 3; i < 20; i++) { // enough for the log to be rewritten
                c.done(key(i), new byte[] {(byte) i, 0, 0, 0});
            }
            assertTrue(c.size() <= 4);
        }
        byte[] all = Files.readAllBytes(dir.resolve(ReplyCache.FILE));
        assertTrue(contains(all, new byte[] {0x44, 0x52, 0x43, 0x33, 0, 0, 0, 5}), "the DRC3 record is still there");
        assertTrue(contains(all, new byte[] {0x44, 0x52, 0x43, 0x32, 0, 0, 0, 9}), "the record of type 9 is still there");
        assertTrue(all.length < 2_000, "the rewrite kept the log small: " + all.length + " bytes");
        try (ReplyCache c = open(4, 60_000)) {
            assertArrayEquals(new byte[] {19, 0, 0, 0}, c.lookup(key(19)));
        }
    }

    private static boolean contains(byte[] all, byte[] part) {
        for (int i = 0; i + part.length <= all.length; i++) {
            if (java.util.Arrays.equals(all, i, i + part.length, part, 0, part.length)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void concurrentRepliesShareForcesAndAllOfThemAreKept() throws Exception {
        int threads = 8;
        int each = 50;
        try (ReplyCache c = open(4096, 60_000)) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            try {
                java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int base = t * each;
                    done.add(pool.submit(() -> {
                        for (int i = base; i < base + each; i++) {
                            c.done(key(i), new byte[] {(byte) i, (byte) (i >> 8), 0, 0});
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> f : done) {
                    f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
                pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        try (ReplyCache c = open(4096, 60_000)) {
            for (int i = 0; i < threads * each; i++) {
                assertArrayEquals(new byte[] {(byte) i, (byte) (i >> 8), 0, 0}, c.lookup(key(i)), "reply " + i);
            }
        }
    }
}
