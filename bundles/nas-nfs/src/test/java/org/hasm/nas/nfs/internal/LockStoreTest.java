package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockStoreTest {
    private static LockTable.Owner owner(String host, int svid) {
        return new LockTable.Owner(host, svid, (host + "-" + svid).getBytes(StandardCharsets.UTF_8));
    }

    /** A log of every kind of change, with the state (as described) and the log's size after each. */
    private record History(List<Long> sizes, List<String> states) {
    }

    private static History write(Path dir) throws Exception {
        List<Long> sizes = new ArrayList<>();
        List<String> states = new ArrayList<>();
        Path log = dir.resolve(LockStore.FILE);
        try (LockStore s = new LockStore(dir, 1)) {
            sizes.add(Files.size(log));
            states.add(s.table().describe());
            for (int step = 0; step < 9; step++) {
                switch (step) {
                    case 0 -> assertNull(s.lock(1, owner("a", 1), true, 0, 99));
                    case 1 -> assertNull(s.lock(1, owner("b", 2), false, 200, LockTable.TO_END));
                    case 2 -> s.unlock(1, owner("a", 1), 40, 59);
                    case 3 -> assertTrue(s.share(2, "a", new byte[] {1, 2}, 2, 1));
                    case 4 -> assertNull(s.lock(3, owner("a", 7), false, 0x8000_0000_0000_0000L, LockTable.TO_END));
                    case 5 -> s.unshare(2, "a", new byte[] {1, 2});
                    case 6 -> s.freeAll("b");
                    case 7 -> assertNotNull(s.lock(1, owner("c", 1), true, 0, 0), "a refused lock writes nothing");
                    default -> assertNull(s.lock(1, owner("c", 1), true, 40, 49));
                }
                s.force();
                sizes.add(Files.size(log));
                states.add(s.table().describe());
            }
        }
        return new History(sizes, states);
    }

    @Test
    void aLogCutAtEveryByteReadsAsTheOldOrTheNewStateNeverAnotherAndIsNotLost(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("meta");
        History h = write(folder);
        byte[] whole = Files.readAllBytes(folder.resolve(LockStore.FILE));
        assertEquals(whole.length, h.sizes().get(h.sizes().size() - 1));
        try (LockStore s = new LockStore(folder, 1)) {
            assertNull(s.lost());
            assertEquals(h.states().get(h.states().size() - 1), s.table().describe(), "read back whole");
        }
        for (int cut = 0; cut <= whole.length; cut++) {
            Path d = dir.resolve("cut-" + cut);
            Files.createDirectories(d);
            Files.write(d.resolve(LockStore.FILE), Arrays.copyOf(whole, cut));
            int complete = 0;
            for (int i = 0; i < h.sizes().size(); i++) {
                if (h.sizes().get(i) <= cut) {
                    complete = i;
                }
            }
            try (LockStore s = new LockStore(d, 1)) {
                assertNull(s.lost(), "cut at " + cut + " is a crash, not a loss");
                assertEquals(h.states().get(complete), s.table().describe(), "cut at byte " + cut);
                // it goes on from there: a new change after the cut reads back too
                assertNull(s.lock(99, owner("z", 1), true, 0, 0));
                s.force();
            }
            try (LockStore s = new LockStore(d, 1)) {
                assertTrue(s.table().describe().contains("L 99 "), "cut at " + cut + ": " + s.table().describe());
            }
            Fixture.deleteTree(d);
        }
    }

    @Test
    void aTailOfZerosIsACrashToo(@TempDir Path dir) throws Exception {
        History h = write(dir);
        Path log = dir.resolve(LockStore.FILE);
        Files.write(log, new byte[4096], java.nio.file.StandardOpenOption.APPEND);
        try (LockStore s = new LockStore(dir, 1)) {
            assertNull(s.lost());
            assertEquals(h.states().get(h.states().size() - 1), s.table().describe());
        }
        assertEquals(h.sizes().get(h.sizes().size() - 1), Files.size(log), "the zeros were cut off");
    }

    /** Damages a byte inside the second change's payload. @return the damaged log's bytes */
    private static byte[] damage(Path dir, History h) throws Exception {
        Path log = dir.resolve(LockStore.FILE);
        byte[] whole = Files.readAllBytes(log);
        whole[(int) (h.sizes().get(1) + 20)] ^= 0x40;
        Files.write(log, whole);
        return whole;
    }

    @Test
    void aDamagedRecordIsALossSetAsideNeverAWrongLock(@TempDir Path dir) throws Exception {
        byte[] damaged = damage(dir, write(dir));
        Path log = dir.resolve(LockStore.FILE);
        try (LockStore s = new LockStore(dir, 1)) {
            assertNotNull(s.lost());
            assertTrue(s.lost().contains("CRC"), s.lost());
            assertEquals("", s.table().describe(), "nothing of a damaged log is served");
            assertArrayEquals(damaged, Files.readAllBytes(log), "the damaged log stays in place: the loss's mark");
            assertThrows(java.io.IOException.class, s::force, "no change is kept before the loss is handled");
            s.setAside(); // the service raised the NSM state: clients reclaim
            assertNull(s.lock(1, owner("q", 1), true, 0, 0), "then it serves from an empty table");
            s.force();
        }
        assertArrayEquals(damaged, Files.readAllBytes(dir.resolve(LockStore.FILE + ".damaged")), "set aside as it was");
        try (LockStore s = new LockStore(dir, 1)) {
            assertNull(s.lost(), "the new log reads");
            assertTrue(s.table().describe().startsWith("L 1 q/1/"), s.table().describe());
        }
    }

    @Test
    void aSetAsideThatFailedIsTriedAgainAndKeepsTheDamagedLog(@TempDir Path dir) throws Exception {
        byte[] damaged = damage(dir, write(dir));
        Path aside = dir.resolve(LockStore.FILE + ".damaged");
        Files.createDirectories(aside.resolve("in-the-way")); // the rename fails, as on a volume mounted read-only
        try (LockStore s = new LockStore(dir, 1)) {
            assertThrows(java.io.IOException.class, s::setAside);
            assertTrue(s.setAsidePending(), "still in place: nothing can be recorded");
            assertArrayEquals(damaged, Files.readAllBytes(dir.resolve(LockStore.FILE)));
            assertThrows(java.io.IOException.class, s::force);
            Fixture.deleteTree(aside);
            s.setAside();
            assertFalse(s.setAsidePending());
            assertNull(s.lock(1, owner("q", 1), true, 0, 0));
            s.force();
        }
        assertArrayEquals(damaged, Files.readAllBytes(aside), "set aside as it was");
        try (LockStore s = new LockStore(dir, 1)) {
            assertNull(s.lost());
            assertTrue(s.table().describe().startsWith("L 1 q/1/"), s.table().describe());
        }
    }

    @Test
    void aLossNotHandledBeforeTheScmDiedIsReportedAgain(@TempDir Path dir) throws Exception {
        byte[] damaged = damage(dir, write(dir));
        try (LockStore s = new LockStore(dir, 1)) {
            assertNotNull(s.lost());
            // killed here, before the service raised the NSM state and set the log aside
        }
        try (LockStore s = new LockStore(dir, 2)) { // the peer takes the volume over
            assertNotNull(s.lost(), "the loss is found again, never a clean log");
            assertTrue(s.lost().contains("CRC"), s.lost());
            assertEquals("", s.table().describe());
            s.setAside();
        }
        assertArrayEquals(damaged, Files.readAllBytes(dir.resolve(LockStore.FILE + ".damaged")));
        try (LockStore s = new LockStore(dir, 2)) {
            assertNull(s.lost(), "handled once, and set aside");
        }
    }

    @Test
    void aFileOfSomethingElseIsALoss(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(LockStore.FILE), "this is not a lock log at all, and long enough to hold a record");
        try (LockStore s = new LockStore(dir, 1)) {
            assertNotNull(s.lost());
            assertEquals(0, s.table().size());
        }
    }

    @Test
    void compactionKeepsTheTableAndBoundsTheLog(@TempDir Path dir) throws Exception {
        LockTable.Owner o = owner("a", 1);
        try (LockStore s = new LockStore(dir, 1)) {
            for (int i = 0; i < 5_000; i++) {
                assertNull(s.lock(i % 10, o, true, i, i));
                s.unlock(i % 10, o, i, i);
            }
            assertNull(s.lock(3, o, false, 10, 20));
            s.force();
        }
        assertTrue(Files.size(dir.resolve(LockStore.FILE)) < 200_000, "rewritten: " + Files.size(dir.resolve(LockStore.FILE)));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(dir.resolve(LockStore.FILE)), left.toList(), "no temporary file left");
        }
        try (LockStore s = new LockStore(dir, 1)) {
            assertNull(s.lost());
            assertEquals(1, s.table().size(), s.table().describe());
            assertNotNull(s.table().conflict(3, owner("b", 1), true, 15, 15));
        }
    }

    @Test
    void whatAStaleOwnerAppendsAfterATakeoverIsNeverReplayed(@TempDir Path dir) throws Exception {
        LockTable.Owner a = owner("a", 1);
        LockTable.Owner b = owner("b", 1);
        LockTable.Owner c = owner("c", 1);
        try (LockStore old = new LockStore(dir, 4)) {
            assertNull(old.lock(1, a, true, 0, 9));
            old.force();
            try (LockStore taker = new LockStore(dir, 5)) {
                assertTrue(taker.table().describe().contains("a/1/"), "the new owner reads what the old one kept");
                // the old owner wakes from a pause and appends one change before its fence fails
                assertNull(old.lock(1, b, true, 20, 29));
                old.force();
                assertNull(taker.lock(1, c, true, 20, 29));
                taker.force();
            }
        }
        try (LockStore next = new LockStore(dir, 6)) {
            assertNull(next.lost());
            String state = next.table().describe();
            assertTrue(state.contains("a/1/") && state.contains("c/1/") && !state.contains("b/1/"), state);
        }
        assertThrows(java.io.IOException.class, () -> new LockStore(dir, 5), "an SCM of an older epoch is the stale one");
    }

    @Test
    void aStaleOwnerNeverRewritesTheLogOverTheNewOwners(@TempDir Path dir) throws Exception {
        LockTable.Owner a = owner("a", 1);
        LockTable.Owner c = owner("c", 1);
        try (LockStore old = new LockStore(dir, 4)) {
            assertNull(old.lock(1, a, true, 0, 9));
            old.force();
            try (LockStore taker = new LockStore(dir, 5)) {
                assertNull(taker.lock(1, c, true, 20, 29));
                taker.force();
                // the old owner wakes from a pause in the middle of changes that fill its log to a rewrite
                java.io.IOException refused = assertThrows(java.io.IOException.class, () -> {
                    for (int i = 0; i < 5_000; i++) {
                        old.lock(2, a, true, i, i);
                        old.unlock(2, a, i, i);
                    }
                });
                assertTrue(refused.getMessage().contains("after this SCM's 4: not rewritten"), refused.getMessage());
                assertNull(taker.lock(1, c, true, 40, 49));
                taker.force();
            }
        }
        try (LockStore next = new LockStore(dir, 6)) {
            assertNull(next.lost());
            String state = next.table().describe();
            assertTrue(state.contains("c/1/"), "the new owner's locks are there: " + state);
            assertNotNull(next.table().conflict(1, owner("d", 1), true, 45, 45), "the last one too: " + state);
        }
        try (var left = Files.list(dir)) {
            assertEquals(List.of(dir.resolve(LockStore.FILE)), left.toList(), "no temporary file left");
        }
    }

    @Test
    void clearEmptiesTheLogDurably(@TempDir Path dir) throws Exception {
        try (LockStore s = new LockStore(dir, 1)) {
            assertNull(s.lock(1, owner("a", 1), true, 0, 0));
            s.clear();
        }
        try (LockStore s = new LockStore(dir, 1)) {
            assertNull(s.lost());
            assertEquals(0, s.table().size());
        }
    }
}
