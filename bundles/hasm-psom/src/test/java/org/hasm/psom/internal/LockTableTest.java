package org.hasm.psom.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LockTableTest {

    @Test
    void oneHolderAtATimeNotReentrant() {
        LockTable t = new LockTable();
        LockTable.Grant g = t.tryAcquire("x", "scm-a", "http#1");
        assertNotNull(g);
        assertNull(t.tryAcquire("x", "scm-a", "http#1"), "a second lock by the same holder waits too");
        assertNull(t.tryAcquire("x", "scm-b", "nfs#2"));
        assertNotNull(t.tryAcquire("y", "scm-b", "nfs#2"), "other objects are independent");
        assertTrue(t.holds("x", g.token()));
        assertFalse(t.holds("y", g.token()));
        assertTrue(t.release(g.token()));
        assertFalse(t.release(g.token()), "a second unlock does nothing");
        assertNotNull(t.tryAcquire("x", "scm-b", "nfs#2"));
    }

    @Test
    void aDeadScmsLocksAreReleasedAndOnlyThose() {
        LockTable t = new LockTable();
        t.tryAcquire("a", "scm-a", "http#1");
        t.tryAcquire("b", "scm-b", "http#7");
        t.tryAcquire("c", "scm-b", "nfs#8");
        List<LockTable.Grant> gone = t.releaseScm("scm-b");
        assertEquals(2, gone.size());
        assertNotNull(t.holder("a"));
        assertNull(t.holder("b"));
        assertNull(t.holder("c"));
    }

    @Test
    void aStoppedBundlesLocksAreReleasedAndOnlyThose() {
        LockTable t = new LockTable();
        t.tryAcquire("a", "scm-a", "http#1");
        t.tryAcquire("b", "scm-a", "nfs#2");
        t.tryAcquire("c", "scm-b", "http#1"); // same holder name on the other SCM
        assertEquals(1, t.releaseHolder("scm-a", "http#1").size());
        assertNull(t.holder("a"));
        assertNotNull(t.holder("b"));
        assertNotNull(t.holder("c"));
    }

    @Test
    void aWaiterGetsTheLockWhenItIsReleasedAndAWaitEnds() throws Exception {
        LockTable t = new LockTable();
        LockTable.Grant first = t.tryAcquire("x", "scm-a", "h1");
        assertNull(t.acquire("x", "scm-a", "h2", TimeUnit.MILLISECONDS.toNanos(20)), "not free within the wait");
        CompletableFuture<LockTable.Grant> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return t.acquire("x", "scm-b", "h3", TimeUnit.SECONDS.toNanos(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        t.release(first.token());
        LockTable.Grant second = waiting.get(30, TimeUnit.SECONDS);
        assertNotNull(second);
        assertNotEquals(first.token(), second.token());
        assertEquals("h3", t.holder("x").holder());
    }

    @Test
    void aNewMasterKeepsTheLocksItsHoldersHad() {
        LockTable t = new LockTable();
        t.tryAcquire("other", "scm-a", "h1");
        t.reset(List.of(new LockTable.Grant("mine", 42, "scm-b", "h2")));
        assertNull(t.holder("other"));
        assertTrue(t.holds("mine", 42));
    }
}
