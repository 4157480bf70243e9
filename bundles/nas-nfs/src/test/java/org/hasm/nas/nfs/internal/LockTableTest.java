package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LockTableTest {
    private static final long F = 7;
    private final LockTable t = new LockTable();

    private static LockTable.Owner owner(String host, int svid) {
        return new LockTable.Owner(host, svid, (host + svid).getBytes(StandardCharsets.UTF_8));
    }

    private static final LockTable.Owner A = owner("a", 1);
    private static final LockTable.Owner B = owner("b", 1);

    @Test
    void exclusiveConflictsWithEveryOtherOwnerSharedOnlyWithExclusive() {
        assertNull(t.lock(F, A, false, 0, 99));
        assertNull(t.lock(F, B, false, 50, 149), "shared locks of two owners coexist");
        assertNotNull(t.lock(F, B, true, 0, 9), "exclusive over another's shared");
        assertNull(t.lock(F, B, true, 150, 199), "exclusive beside it");
        LockTable.Lock in = t.lock(F, A, true, 190, 190);
        assertNotNull(in);
        assertEquals(B, in.owner());
        assertNull(t.lock(F + 1, B, true, 0, 99), "another file");
    }

    @Test
    void theSameOwnerNeverConflictsWithItselfAndItsNewLockReplacesTheOldKind() {
        assertNull(t.lock(F, A, false, 0, 99));
        assertNull(t.lock(F, A, true, 10, 19), "an owner upgrades part of its own range");
        assertEquals(3, t.size(), "shared 0-9, exclusive 10-19, shared 20-99:\n" + t.describe());
        assertNull(t.lock(F, B, false, 0, 9));
        assertNotNull(t.lock(F, B, false, 10, 10));
    }

    @Test
    void ownersDifferBySvidAndByOwnerHandle() {
        assertNull(t.lock(F, A, true, 0, 0));
        assertNotNull(t.lock(F, owner("a", 2), true, 0, 0), "another process of the same host");
        assertNotNull(t.lock(F, new LockTable.Owner("a", 1, new byte[] {9}), true, 0, 0), "another owner handle");
        assertNull(t.lock(F, new LockTable.Owner("a", 1, "a1".getBytes(StandardCharsets.UTF_8)), true, 0, 0),
                "the same (caller_name, svid, oh), equal by content");
    }

    @Test
    void unlockInTheMiddleSplitsAndTouchingLocksMerge() {
        assertNull(t.lock(F, A, true, 0, 99));
        assertTrue(t.unlock(F, A, 40, 59));
        assertEquals(2, t.size());
        assertNull(t.lock(F, B, true, 40, 59), "the hole is free");
        assertNotNull(t.lock(F, B, true, 39, 39));
        assertNotNull(t.lock(F, B, true, 60, 60));
        assertTrue(t.unlock(F, B, 40, 59));
        assertNull(t.lock(F, A, true, 40, 59));
        assertEquals(1, t.size(), "0-39, 40-59 and 60-99 of one owner and kind merge:\n" + t.describe());
        assertNull(t.lock(F, A, true, 100, 199));
        assertEquals(1, t.size(), "touching at the edge merges too");
        assertFalse(t.unlock(F, B, 0, LockTable.TO_END), "another owner's unlock changes nothing");
        assertTrue(t.unlock(F, A, 0, LockTable.TO_END));
        assertEquals(0, t.size());
        assertTrue(t.locks().isEmpty());
    }

    @Test
    void rangesAre64BitUnsignedAndLengthZeroReachesTheEnd() {
        assertEquals(LockTable.TO_END, LockTable.end(5, 0));
        assertEquals(LockTable.TO_END, LockTable.end(-10L, 100), "past 2^64 is the end of the file");
        assertEquals(0x1_0000_0000L + 9, LockTable.end(0x1_0000_0000L, 10));
        long high = 0x8000_0000_0000_0000L; // 2^63: negative as a signed long
        assertNull(t.lock(F, A, true, high, LockTable.end(high, 0)));
        assertNull(t.lock(F, B, true, 0, high - 1), "below 2^63 is free");
        assertNotNull(t.lock(F, B, true, -2L, -2L), "2^64 - 2 is taken");
        assertNotNull(t.lock(F, B, false, high, high));
        assertTrue(t.unlock(F, A, high + 100, LockTable.TO_END));
        assertNull(t.lock(F, B, true, high + 100, LockTable.TO_END));
        LockTable.Lock l = t.holders(F).stream().filter(x -> x.owner().equals(A)).findFirst().orElseThrow();
        assertEquals(high, l.start());
        assertEquals(100, l.length());
        assertEquals(0, t.holders(F).stream().filter(x -> x.owner().equals(B) && x.last() == LockTable.TO_END)
                .findFirst().orElseThrow().length(), "to the end is length 0 again");
    }

    @Test
    void freeAllDropsEveryLockAndShareOfAHostOnly() {
        assertNull(t.lock(F, A, true, 0, 9));
        assertNull(t.lock(F + 1, owner("a", 2), false, 0, 0));
        assertNull(t.lock(F, B, true, 10, 19));
        assertTrue(t.share(F + 2, "a", new byte[] {1}, Nlm4.FSM_DRW, Nlm4.FSA_RW));
        assertEquals(Set.of(F, F + 1, F + 2), t.freeAll("a"));
        assertEquals(1, t.size());
        assertEquals(List.of(B), t.holders(F).stream().map(LockTable.Lock::owner).toList());
        assertTrue(t.freeAll("nobody").isEmpty());
    }

    @Test
    void sharesDenyWhatOthersUseAndUseWhatOthersDoNotDeny() {
        assertTrue(t.share(F, "a", new byte[] {1}, 2 /* deny write */, 1 /* read */));
        assertTrue(t.share(F, "b", new byte[] {1}, 0, 1), "another reader");
        assertFalse(t.share(F, "b", new byte[] {2}, 0, 2), "a writer is denied");
        assertFalse(t.share(F, "c", new byte[] {1}, 1 /* deny read */, 1), "denying what others use");
        assertTrue(t.share(F, "a", new byte[] {1}, 0, 3), "an owner replaces its own reservation");
        assertTrue(t.share(F, "b", new byte[] {2}, 0, 2), "now writing is not denied");
        assertTrue(t.unshare(F, "a", new byte[] {1}));
        assertFalse(t.unshare(F, "a", new byte[] {1}));
        assertEquals(2, t.size());
    }
}
