package org.hasm.nas.http.internal;

import static org.hasm.nas.http.internal.Fixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestThreadsTest {
    private static final String NAME = "hasm-http-test";

    private RequestThreads threads;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        if (threads != null) {
            threads.close(5_000);
        }
    }

    /** @return the names of the live threads of the pool under test, its watchdog included */
    static List<String> live(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix + "-")).sorted().toList();
    }

    private void slow() {
        threads.execute(() -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Test
    void theWatchdogSleepsWhileIdleAndWakesWithTheNextRequests() throws Exception {
        threads = new RequestThreads(NAME, 2, 16, 10, 5, 500);
        await("the looks asleep while nothing runs", Duration.ofSeconds(5), () -> !threads.looking());
        for (int i = 0; i < 3; i++) {
            slow(); // the third waits behind the two base threads
        }
        assertTrue(threads.looking(), "a request woke the watchdog: " + threads);
        await("the pool grown past the stalled base", Duration.ofSeconds(5), () -> threads.size() == 3);
        release.countDown();
        await("back at the base, and asleep again", Duration.ofSeconds(10),
                () -> threads.size() == 2 && !threads.looking());
    }

    @Test
    void aTaskQueuedBehindSlowOnesStillRunsBecauseThePoolGrows() throws Exception {
        threads = new RequestThreads(NAME, 2, 16, 10, 5, 500);
        for (int i = 0; i < 5; i++) {
            slow();
        }
        CountDownLatch ran = new CountDownLatch(1);
        long queued = System.nanoTime();
        threads.execute(ran::countDown);
        assertTrue(ran.await(2, TimeUnit.SECONDS), "a quick task waits for no slow one: " + threads);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - queued);
        System.out.println("[nas-http] quick task ran after " + waitedMs + " ms behind 5 slow ones, " + threads);
        assertEquals(6, threads.size(), "one thread per slow task and one for the quick one");
        assertTrue(live(NAME).contains(NAME + "-6"), live(NAME).toString());

        release.countDown();
        await("the pool back at its base", Duration.ofSeconds(10), () -> threads.size() == 2 && threads.threads() == 2);

        assertTrue(threads.close(5_000), threads.toString());
        await("no thread left", Duration.ofSeconds(5), () -> live(NAME).isEmpty());
    }

    @Test
    void aPoolShrunkWhileSlowTasksRunStillGrowsPastThem() throws Exception {
        threads = new RequestThreads(NAME, 2, 16, 10, 5, 100);
        for (int i = 0; i < 5; i++) {
            slow();
        }
        await("a thread for each slow task", Duration.ofSeconds(5), () -> threads.threads() == 5);
        // nothing waits any more: the size goes back to the base, the slow tasks keep their threads
        await("the size back at its base", Duration.ofSeconds(5), () -> threads.size() == 2);
        assertEquals(5, threads.threads(), threads.toString());
        CountDownLatch ran = new CountDownLatch(1);
        threads.execute(ran::countDown);
        assertTrue(ran.await(2, TimeUnit.SECONDS), "a quick task waits for no slow one: " + threads);
    }

    @Test
    void neverMoreThanMaxThreads() throws Exception {
        threads = new RequestThreads(NAME, 2, 3, 10, 5, 200);
        for (int i = 0; i < 6; i++) {
            slow();
        }
        await("the pool at its maximum", Duration.ofSeconds(5), () -> threads.threads() == 3);
        // several more looks of the watchdog find tasks waiting and add none
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        for (int i = 0; i < 1_000 && System.nanoTime() < deadline; i++) {
            assertTrue(threads.threads() <= 3 && threads.size() <= 3, threads.toString());
            Thread.onSpinWait();
        }
        release.countDown();
        CountDownLatch ran = new CountDownLatch(1);
        threads.execute(ran::countDown);
        assertTrue(ran.await(5, TimeUnit.SECONDS), "queued work runs once the slow tasks end");
    }

    @Test
    void closeEndsEveryThreadEvenWhileTasksRun() throws Exception {
        threads = new RequestThreads(NAME, 2, 8, 10, 5, 200);
        for (int i = 0; i < 4; i++) {
            slow();
        }
        await("the pool grown", Duration.ofSeconds(5), () -> threads.threads() == 4);
        assertTrue(threads.close(5_000), "running tasks are interrupted: " + threads);
        await("no thread left", Duration.ofSeconds(5), () -> live(NAME).isEmpty());
    }

    @Test
    void theBaseIsTwoThreadsPerProcessorAtLeastFourAtMostMax() {
        int cpus = Runtime.getRuntime().availableProcessors();
        assertEquals(Math.max(4, 2 * cpus), RequestThreads.defaultBase(1_000));
        assertEquals(3, RequestThreads.defaultBase(3));
    }
}
