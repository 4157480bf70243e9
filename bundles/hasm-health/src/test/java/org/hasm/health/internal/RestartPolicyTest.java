package org.hasm.health.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hasm.health.internal.RestartPolicy.Decision;
import org.junit.jupiter.api.Test;

class RestartPolicyTest {

    static Limits limits(long delay, long max, int failures, long window) {
        return new Limits(delay, max, failures, window, 3, 3_600_000, 1000, 1000, 0, 90, 64, 2);
    }

    @Test
    void restartDelayDoublesWithEachFailureInTheWindowUpToTheLongest() {
        RestartPolicy p = new RestartPolicy(limits(100, 350, 10, 60_000));
        assertEquals(new Decision.Restart(100, 1), p.failed("svc", false, "OPMODE FAILED", 0));
        assertEquals(new Decision.Restart(200, 2), p.failed("svc", false, "OPMODE FAILED", 10));
        assertEquals(new Decision.Restart(350, 3), p.failed("svc", false, "OPMODE FAILED", 20));
        assertEquals(new Decision.Restart(350, 4), p.failed("svc", false, "OPMODE FAILED", 30));
    }

    @Test
    void theNthFailureInTheWindowDisablesWithTheCountAndTheLastFailure() {
        RestartPolicy p = new RestartPolicy(limits(100, 1000, 3, 60_000));
        p.failed("svc", false, "INIT FAILED", 0);
        p.failed("svc", false, "TEST FAILED", 1_000);
        Decision d = p.failed("svc", false, "panic: thread died", 2_000);
        assertEquals(new Decision.Disable("failed 3 times within 60 s; last: panic: thread died"), d);
        // the history is cleared: an operator's restart starts afresh
        assertEquals(new Decision.Restart(100, 1), p.failed("svc", false, "again", 3_000));
    }

    @Test
    void failuresOlderThanTheWindowAreForgottenAndModulesAreCountedApart() {
        RestartPolicy p = new RestartPolicy(limits(100, 1000, 3, 60_000));
        p.failed("svc", false, "x", 0);
        p.failed("svc", false, "x", 1_000);
        p.failed("other", false, "x", 1_500);
        assertEquals(new Decision.Restart(200, 2), p.failed("svc", false, "x", 60_500));
        assertEquals(2, p.failures("svc", 60_500));
        assertEquals(1, p.failures("other", 60_500));
        p.forget("svc");
        assertEquals(0, p.failures("svc", 60_500));
    }

    @Test
    void aHasmModuleFailureRebootsAtOnce() {
        RestartPolicy p = new RestartPolicy(limits(100, 1000, 3, 60_000));
        Decision d = p.failed("storage", true, "OPMODE(MASTER, DAC) FAILED: disk gone", 0);
        assertInstanceOf(Decision.Reboot.class, d);
        assertEquals("HASM module storage failed: OPMODE(MASTER, DAC) FAILED: disk gone", ((Decision.Reboot) d).reason());
    }

    @Test
    void aZeroDelayStaysZero() {
        RestartPolicy p = new RestartPolicy(limits(0, 0, 5, 60_000));
        assertEquals(new Decision.Restart(0, 1), p.failed("svc", false, "x", 0));
        assertEquals(new Decision.Restart(0, 2), p.failed("svc", false, "x", 1));
    }

    @Test
    void configurationOutOfRangeIsRefusedNamingEveryKey() {
        HealthConfig bad = new HealthConfig() {
            public Class<? extends java.lang.annotation.Annotation> annotationType() { return HealthConfig.class; }
            public long restart_delay_ms() { return 500; }
            public long restart_delay_max_ms() { return 100; }
            public int restart_failures_max() { return 0; }
            public long restart_window_ms() { return 60_000; }
            public int reboot_max() { return 3; }
            public long reboot_window_ms() { return 3_600_000; }
            public long check_interval_ms() { return 10; }
            public long probe_deadline_ms() { return 100; }
            public long wellness_interval_ms() { return 0; }
            public int heap_max_percent() { return 90; }
            public long disk_free_min_mb() { return 64; }
            public int disk_free_min_percent() { return 2; }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Limits.of(bad));
        assertTrue(e.getMessage().startsWith("org.hasm.health: "), e.getMessage());
        assertTrue(e.getMessage().contains("restart.delay.max.ms=100 is below restart.delay.ms=500"), e.getMessage());
        assertTrue(e.getMessage().contains("restart.failures.max=0 is out of range [1, 1000]"), e.getMessage());
        assertTrue(e.getMessage().contains("check.interval.ms=10 is out of range [50, 3600000]"), e.getMessage());
    }
}
