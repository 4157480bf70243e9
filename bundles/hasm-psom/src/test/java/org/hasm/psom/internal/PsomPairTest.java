package org.hasm.psom.internal;

import static org.hasm.psom.internal.Cores.bytes;
import static org.hasm.psom.internal.Cores.put;
import static org.hasm.psom.internal.Cores.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.hasm.psom.internal.Cores.Killed;
import org.hasm.psom.internal.Cores.Scm;
import org.hasm.spi.shared.Persistence;
import org.hasm.spi.shared.SharedObjectException;
import org.hasm.spi.shared.SharedObjectException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two PSOM cores talking to each other directly (the bytes each would send over the link), each on
 * a data folder of its own: what one writes the other holds, locks come from the MASTER, and a
 * restart of either (or a "kill" at a step of a write) leaves the old or the new value on both.
 */
class PsomPairTest {
    @TempDir
    Path data;

    private final Cores cores = new Cores(Duration.ofDays(1));
    private final AtomicReference<String> killAt = cores.killAt;

    @AfterEach
    void close() {
        cores.close();
    }

    private Scm[] pair() throws Exception {
        return pairIn(data);
    }

    private Scm[] pairIn(Path base) throws Exception {
        return cores.pair(base);
    }

    @Test
    void aWriteOnTheMasterIsOnTheSlaveWhenItReturns() throws Exception {
        Scm[] s = pair();
        assertTrue(s[0].core.create("o", Persistence.PERSISTENT));
        assertTrue(s[1].core.exists("o"));
        put(s[0].core, "o", "one");
        assertEquals("one", value(s[1].core, "o"));
        put(s[1].core, "o", "two"); // the SLAVE's lock comes from the MASTER, its write goes there first
        assertEquals("two", value(s[0].core, "o"));
        assertFalse(s[0].core.create("o", Persistence.PERSISTENT));
        SharedObjectException e = assertThrows(SharedObjectException.class, () -> s[1].core.create("o", Persistence.VOLATILE));
        assertEquals(Reason.CONFLICT, e.reason());
        assertTrue(e.getMessage().contains("o"), e.getMessage());
    }

    @Test
    void theSlavesLockExcludesTheMastersUntilTheSlaveDies() throws Exception {
        Scm[] s = pair();
        s[0].core.create("o", Persistence.PERSISTENT);
        Psom.Handle held = s[1].core.lock("o", Duration.ZERO, "http#2");
        SharedObjectException busy = assertThrows(SharedObjectException.class,
                () -> s[0].core.lock("o", Duration.ofMillis(10), "http#1"));
        assertEquals(Reason.LOCK_TIMEOUT, busy.reason());
        assertTrue(busy.getMessage().contains("http#2") && busy.getMessage().contains("scm-b"), busy.getMessage());
        s[0].core.peerGone("test: scm-b dead");
        Psom.Handle mine = s[0].core.lock("o", Duration.ZERO, "http#1");
        s[0].core.write(mine, bytes("after"));
        assertEquals(Reason.NOT_HELD,
                assertThrows(SharedObjectException.class, () -> s[1].core.write(held, bytes("late"))).reason(),
                "the dead SCM's lock is gone on the MASTER");
    }

    @Test
    void aStoppedBundlesLocksAreReleased() throws Exception {
        Scm[] s = pair();
        s[0].core.create("o", Persistence.PERSISTENT);
        s[0].core.create("p", Persistence.PERSISTENT);
        s[1].core.lock("o", Duration.ZERO, "http#2");
        s[0].core.lock("p", Duration.ZERO, "http#1");
        s[1].core.releaseHolder("http#2");
        s[0].core.releaseHolder("http#1");
        s[0].core.unlock(s[0].core.lock("o", Duration.ZERO, "nfs#3"));
        s[1].core.unlock(s[1].core.lock("p", Duration.ZERO, "nfs#4"));
    }

    @Test
    void aReturningSlaveTakesWhatTheMasterWroteAloneAndPersistentObjectsSurviveBoth() throws Exception {
        Scm[] s = pair();
        s[0].core.create("kept", Persistence.PERSISTENT);
        s[0].core.create("gone", Persistence.PERSISTENT);
        s[0].core.create("memory", Persistence.VOLATILE);
        put(s[0].core, "memory", "v");
        // scm-b dies; scm-a goes on alone
        s[1].peer = null;
        s[0].peer = null;
        s[0].core.master(true);
        put(s[0].core, "kept", "written alone");
        Psom.Handle h = s[0].core.lock("gone", Duration.ZERO, "t");
        s[0].core.delete(h);
        s[0].core.create("new", Persistence.PERSISTENT);
        // scm-b boots again and resynchronises
        s[1].boot("scm-a");
        assertEquals(Optional.empty(), s[1].core.read("memory"), "volatile objects do not outlive a boot");
        s[0].peer = s[1];
        s[1].peer = s[0];
        s[1].core.slave();
        assertEquals("written alone", value(s[1].core, "kept"));
        assertFalse(s[1].core.exists("gone"));
        assertTrue(s[1].core.exists("new"));
        assertEquals("v", value(s[1].core, "memory"), "the peer gives volatile objects back");
        assertEquals(s[0].core.term(), s[1].core.term());
        // both power-cycled: persistent objects stay, volatile ones are gone
        s[0].boot("scm-b");
        s[1].boot("scm-a");
        s[0].peer = s[1];
        s[1].peer = s[0];
        s[0].core.master(false);
        s[1].core.slave();
        assertEquals("written alone", value(s[0].core, "kept"));
        assertEquals("written alone", value(s[1].core, "kept"));
        assertFalse(s[0].core.exists("memory"));
        assertFalse(s[1].core.exists("memory"));
    }

    @Test
    void whatTheSurvivorWroteInItsTermWinsOverAWriteTheDeadOneNeverHadConfirmed() throws Exception {
        Scm[] s = pair();
        s[0].core.create("x", Persistence.PERSISTENT);
        put(s[0].core, "x", "agreed");
        // scm-a (MASTER) writes twice while the peer does not answer: never confirmed
        s[0].peer = null;
        for (String v : List.of("unconfirmed 1", "unconfirmed 2")) {
            SharedObjectException e = assertThrows(SharedObjectException.class, () -> put(s[0].core, "x", v));
            assertEquals(Reason.PEER, e.reason(), e.getMessage());
        }
        // scm-a dies; scm-b takes over (IMPERSONATE, FAILOVER) and writes once
        s[1].peer = null;
        s[1].core.master(false);
        s[1].core.master(true);
        put(s[1].core, "x", "survivor");
        // scm-a returns as SLAVE: the survivor's later term wins over scm-a's higher version
        s[0].boot("scm-b");
        s[0].peer = s[1];
        s[1].peer = s[0];
        s[0].core.slave();
        assertEquals("survivor", value(s[0].core, "x"));
        assertEquals("survivor", value(s[1].core, "x"));
    }

    @Test
    void aDeleteThatFailsReleasesTheLockAllTheSame() throws Exception {
        Scm[] s = pair();
        s[0].core.create("o", Persistence.PERSISTENT);
        Psom.Handle h = s[0].core.lock("o", Duration.ZERO, "http#1");
        killAt.set("scm-a:write-" + ObjectStore.STEP_SLOT_WRITTEN); // the MASTER's own store fails the write
        assertThrows(SharedObjectException.class, () -> s[0].core.delete(h));
        killAt.set(null);
        // the caller holds no handle it could unlock with: the lock must be free again
        Psom.Handle again = s[0].core.lock("o", Duration.ZERO, "http#2");
        s[0].core.delete(again);
        assertFalse(s[1].core.exists("o"));
    }

    @Test
    void aWriteKilledAtEveryStepLeavesTheOldOrTheNewValueOnBoth() throws Exception {
        List<String> steps = new ArrayList<>();
        for (String side : List.of("scm-a:write-", "scm-b:replica-")) {
            // "old" was an update too (after the create): "new" goes into the slot the create filled
            for (String step : List.of(ObjectStore.STEP_SLOT_WRITTEN, ObjectStore.STEP_SLOT_FORCED)) {
                steps.add(side + step);
            }
        }
        for (String step : steps) {
            Path base = data.resolve("k" + steps.indexOf(step));
            killAt.set(null);
            Scm[] s = pairIn(base);
            s[0].core.create("x", Persistence.PERSISTENT);
            put(s[0].core, "x", "old");
            killAt.set(step);
            try {
                put(s[0].core, "x", "new");
            } catch (Killed | SharedObjectException e) {
                // the process ends here (or the peer's does, and the write is not confirmed)
            }
            killAt.set(null);
            // both restart from their folders and resynchronise
            s[0].boot("scm-b");
            s[1].boot("scm-a");
            s[0].peer = s[1];
            s[1].peer = s[0];
            s[0].core.master(false);
            s[1].core.slave();
            String va = value(s[0].core, "x");
            String vb = value(s[1].core, "x");
            assertTrue(va.equals("old") || va.equals("new"), step + ": scm-a has " + va);
            assertEquals(va, vb, step + ": both hold the same value after the resynchronisation");
        }
    }

    @Test
    void aSlaveTheMasterAnswersBeforeItKnowsItsRoleWaitsForIt() throws Exception {
        // at READY the SLAVE's opMode may come a little before the MASTER's
        Scm a = cores.scm(data, "scm-a", "scm-b");
        Scm b = cores.scm(data, "scm-b", "scm-a");
        a.peer = b;
        b.peer = a;
        java.util.concurrent.CompletableFuture<Void> slave = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                b.core.slave();
            } catch (SharedObjectException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (b.sent.get() < 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // until scm-a refused at least once: it is not the MASTER yet
        }
        assertTrue(b.sent.get() >= 2, "scm-b asked scm-a again after it was refused");
        a.core.master(false);
        slave.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(a.core.peerReplica());
    }

    @Test
    void badNamesAndLargeValuesAreRefusedNamingThem() throws Exception {
        Scm[] s = pair();
        SharedObjectException e = assertThrows(SharedObjectException.class, () -> s[0].core.create("a b", Persistence.PERSISTENT));
        assertEquals(Reason.INVALID_NAME, e.reason());
        assertTrue(e.getMessage().contains("'a b'"), e.getMessage());
        s[0].core.create("big", Persistence.PERSISTENT);
        Psom.Handle h = s[0].core.lock("big", Duration.ZERO, "t");
        e = assertThrows(SharedObjectException.class, () -> s[0].core.write(h, new byte[40_000]));
        assertEquals(Reason.TOO_LARGE, e.reason());
        assertEquals(Reason.NOT_FOUND, assertThrows(SharedObjectException.class,
                () -> s[1].core.lock("missing", Duration.ZERO, "t")).reason());
        assertArrayEquals(new byte[0], s[1].core.read("big").orElseThrow(), "created, never written: empty");
    }
}
