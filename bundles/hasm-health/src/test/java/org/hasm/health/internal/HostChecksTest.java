package org.hasm.health.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostChecksTest {
    @TempDir
    Path dir;

    private static Limits limits(int heapPercent, long diskMb) {
        return new Limits(100, 1000, 3, 60_000, 3, 3_600_000, 1000, 1000, 0, heapPercent, diskMb, 0);
    }

    @Test
    void aFolderWithLessFreeSpaceThanTheThresholdIsAProblemNamingIt() {
        HostChecks.Finding ok = new HostChecks(limits(100, 0)).disk("data", dir);
        assertNull(ok.problem());
        HostChecks.Finding full = new HostChecks(limits(100, 1_048_576)).disk("data", dir);
        assertEquals("disk.data", full.check());
        assertTrue(full.problem().startsWith("the data folder " + dir + " has "), full.problem());
        assertTrue(full.problem().endsWith("below disk.free.min.mb=1048576"), full.problem());
        assertNotNull(full.figures().get("dataFreeMb"));
    }

    @Test
    void aMissingFolderIsAProblem() {
        HostChecks.Finding f = new HostChecks(limits(100, 0)).disk("shared", dir.resolve("gone"));
        assertTrue(f.problem().contains("cannot be checked"), f.problem());
    }

    @Test
    void heapAboveTheLimitIsAProblem() {
        assertNull(new HostChecks(limits(100, 0)).heap().problem());
        assertNull(new HostChecks(limits(90, 0)).heap(900L << 20, 1000L << 20).problem());
        assertEquals("heap 91% in use after collection (910 of 1000 MiB), above heap.max.percent=90",
                new HostChecks(limits(90, 0)).heap(910L << 20, 1000L << 20).problem());
    }

    @Test
    void youngPoolsCountWhatTheLastCollectionLeftAndOldOnesWhatTheyHoldUntilMeasured() {
        // G1 after young collections only, as measured: eden 0 after, 134 MiB now (garbage); old gen 0 after
        // (not measured), 197 MiB now (promoted, live); survivors 8 and 8
        assertEquals(0, HostChecks.usedAfterCollection(true, 0L, 134));
        assertEquals(197, HostChecks.usedAfterCollection(false, 0L, 197));
        assertEquals(8, HostChecks.usedAfterCollection(true, 8L, 8));
        // after a mixed or full collection the old gen's measure counts, not its garbage since
        assertEquals(150, HostChecks.usedAfterCollection(false, 150L, 197));
        assertEquals(42, HostChecks.usedAfterCollection(false, null, 42));
    }

    @Test
    void deadlockedThreadsAreFoundAndNamed() throws Exception {
        HostChecks checks = new HostChecks(limits(100, 0));
        assertNull(checks.deadlocks().problem());
        ReentrantLock a = new ReentrantLock();
        ReentrantLock b = new ReentrantLock();
        CountDownLatch both = new CountDownLatch(2);
        Thread t1 = locker("deadlock-test-1", a, b, both);
        Thread t2 = locker("deadlock-test-2", b, a, both);
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String problem = null;
            while (problem == null && System.nanoTime() < end) {
                problem = checks.deadlocks().problem();
                Thread.onSpinWait();
            }
            assertNotNull(problem, "no deadlock found within 10 s");
            assertTrue(problem.startsWith("2 threads deadlocked"), problem);
            assertTrue(problem.contains("'deadlock-test-1'"), problem);
        } finally {
            t1.interrupt();
            t2.interrupt();
            t1.join(2000);
            t2.join(2000);
        }
    }

    private static Thread locker(String name, ReentrantLock first, ReentrantLock second, CountDownLatch both) {
        Thread t = new Thread(() -> {
            first.lock();
            try {
                both.countDown();
                both.await(5, TimeUnit.SECONDS);
                second.lockInterruptibly();
                second.unlock();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                first.unlock();
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
