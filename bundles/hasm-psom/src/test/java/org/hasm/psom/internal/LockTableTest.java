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
    void aRetryGetsItsGrantAgainAndARequestOverTakesNothing() throws Exception {
        LockTable t = new LockTable();
        LockTable.Grant g = t.acquire("x", "scm-b", "http#2", 11, 0);
        assertNotNull(g);
        assertEquals(g, t.acquire("x", "scm-b", "http#2", 11, 0), "a retry of request 11");
        assertNull(t.acquire("x", "scm-b", "http#2", 12, 0), "another request of the same holder waits");
        assertNull(t.acquire("x", "scm-a", "http#2", 11, 0), "same id from another SCM: no retry");
        t.release(g.token());
        assertNull(t.acquire("x", "scm-b", "http#2", 11, 0), "a late copy of request 11 after its unlock");
        assertTrue(t.finished(11));
        assertNull(t.holder("x"));
        LockTable.Grant later = t.acquire("x", "scm-b", "http#2", 12, 0);
        assertNotNull(later);
        assertNull(t.abandon("x", "scm-b", "http#2", 13), "giving up request 13 leaves request 12's grant");
        assertTrue(t.holds("x", later.token()));
        assertNull(t.acquire("x", "scm-b", "http#2", 13, 0), "given up before it arrived: refused");
        assertEquals(later, t.abandon("x", "scm-b", "http#2", 12));
        assertNull(t.holder("x"));
    }

    @Test
    void aRequestGivenUpWhileItWaitsStopsWaiting() throws Exception {
        LockTable t = new LockTable();
        t.tryAcquire("x", "scm-a", "h1");
        CompletableFuture<LockTable.Grant> waiting = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                waiting.complete(t.acquire("x", "scm-b", "h2", 21, TimeUnit.SECONDS.toNanos(30)));
            } catch (InterruptedException e) {
                waiting.completeExceptionally(e);
            }
        }, "request-21");
        waiter.setDaemon(true);
        waiter.start();
        Await.until("request 21 waits for the lock", () -> waiter.getState() == Thread.State.TIMED_WAITING,
                waiter::getState);
        t.abandon("x", "scm-b", "h2", 21);
        assertNull(waiting.get(10, TimeUnit.SECONDS), "it stops waiting, without the lock");
        assertEquals("h1", t.holder("x").holder());
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
