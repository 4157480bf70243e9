package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServiceManagerTest {
    private final List<String> sent = new CopyOnWriteArrayList<>();
    private final AtomicLong clock = new AtomicLong();
    private final EventLoop loop = new EventLoop("test-controller", new Sink() {
        @Override
        public void debug(String message) {
        }

        @Override
        public void info(String message) {
        }

        @Override
        public void warn(String message) {
        }

        @Override
        public void error(String message, Throwable t) {
        }

        @Override
        public void post(String topic, Map<String, Object> properties) {
        }
    });

    @AfterEach
    void close() {
        loop.close();
    }

    private static StatePublisher.Snapshot at(ScmState state, OpMode role, SysConfig config, String reason) {
        return new StatePublisher.Snapshot(state, role, config, reason, Instant.EPOCH);
    }

    @Test
    void readyOnceTheScmSettlesAndTheStatusAtEveryChange() {
        ServiceManager sm = new ServiceManager(sent::add, 0);
        sm.published("scm-a", at(ScmState.BOOT, null, null, null), List.of());
        sm.published("scm-a", at(ScmState.INIT, OpMode.MASTER, null, null), List.of());
        sm.published("scm-a", at(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, null), List.of(new TestPersonality("A", "scm-a", List.of(), Map.of())));
        sm.published("scm-a", at(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, null), List.of(new TestPersonality("A", "scm-a", List.of(), Map.of())));
        sm.published("scm-a", at(ScmState.DEGRADED, OpMode.MASTER, SysConfig.DEGRADED, "peer scm-b lost\non all channels"),
                List.of(new TestPersonality("A", "scm-a", List.of(), Map.of()), new TestPersonality("B", "scm-a", List.of(), Map.of())));
        sm.published("scm-a", at(ScmState.MONITOR, null, null, "fault"), List.of());
        assertEquals(List.of("STATUS=scm-a BOOT", "STATUS=scm-a INIT MASTER",
                "READY=1\nSTATUS=scm-a DAC MASTER DAC, serving A",
                "STATUS=scm-a DEGRADED MASTER DEGRADED, serving A B: peer scm-b lost on all channels",
                "STATUS=scm-a MONITOR: fault"), sent);
    }

    @Test
    void aScmThatStartsInMonitorIsReadyToo() {
        ServiceManager sm = new ServiceManager(sent::add, 0);
        sm.published("scm-a", at(ScmState.MONITOR, null, null, "configuration: bad"), List.of());
        assertEquals(List.of("READY=1\nSTATUS=scm-a MONITOR: configuration: bad"), sent);
    }

    @Test
    void theWatchdogIsPingedOnlyWhileTheControllerThreadRunsItsProbes() throws Exception {
        // a period of 100 ms (pings every 50 ms); a transition may hold the thread 1 s
        ServiceManager sm = new ServiceManager(sent::add, 100_000, clock::get);
        assertTrue(sm.tick(loop, 1_000));
        await(sm);
        assertEquals(List.of("WATCHDOG=1"), sent);

        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        loop.submit("a stuck transition", () -> {
            holding.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(holding.await(10, TimeUnit.SECONDS));
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(1_000)); // within the allowance: still pinged
        assertTrue(sm.tick(loop, 1_000));
        assertTrue(sm.probing(), "the probe waits behind the stuck task");
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(51)); // past the allowance and half a period
        assertFalse(sm.tick(loop, 1_000), "a controller thread stuck beyond any deadline is not vouched for");
        assertFalse(sm.tick(loop, 1_000));
        assertEquals(2, sent.size(), sent.toString());

        release.countDown();
        await(sm);
        assertTrue(sm.tick(loop, 1_000), "the thread ran the probe again: pinged again");
    }

    /* Waits, bounded, until the probe queued on the controller thread has run. */
    private static void await(ServiceManager sm) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sm.probing()) {
            assertTrue(System.nanoTime() < deadline, "the probe ran within 10 s");
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }
}
