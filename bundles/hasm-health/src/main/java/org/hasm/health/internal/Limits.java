package org.hasm.health.internal;

import java.util.ArrayList;
import java.util.List;

/** The health monitor's configuration, validated: {@link #of} names every key that is wrong. */
record Limits(long restartDelayMs, long restartDelayMaxMs, int restartFailuresMax, long restartWindowMs,
        int rebootMax, long rebootWindowMs, long checkIntervalMs, long probeDeadlineMs, long wellnessIntervalMs,
        int heapMaxPercent, long diskFreeMinMb, int diskFreeMinPercent) {

    /** A key that is wrong, and why. */
    record Problem(String key, String reason) { }

    static Limits of(HealthConfig c) {
        List<Problem> problems = problems(c);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(HealthMonitor.PID + ": " + String.join("; ",
                    problems.stream().map(p -> p.key() + "=" + p.reason()).toList()));
        }
        return new Limits(c.restart_delay_ms(), c.restart_delay_max_ms(), c.restart_failures_max(),
                c.restart_window_ms(), c.reboot_max(), c.reboot_window_ms(), c.check_interval_ms(),
                c.probe_deadline_ms(), c.wellness_interval_ms(), c.heap_max_percent(), c.disk_free_min_mb(),
                c.disk_free_min_percent());
    }

    /** @return every key of {@code c} that is wrong, with why (its value first) */
    static List<Problem> problems(HealthConfig c) {
        List<Problem> wrong = new ArrayList<>();
        range(wrong, "restart.delay.ms", c.restart_delay_ms(), 0, 600_000);
        range(wrong, "restart.delay.max.ms", c.restart_delay_max_ms(), 0, 3_600_000);
        if (c.restart_delay_max_ms() < c.restart_delay_ms()) {
            wrong.add(new Problem("restart.delay.max.ms", c.restart_delay_max_ms() + " is below restart.delay.ms="
                    + c.restart_delay_ms()));
        }
        range(wrong, "restart.failures.max", c.restart_failures_max(), 1, 1000);
        range(wrong, "restart.window.ms", c.restart_window_ms(), 1000, 86_400_000);
        range(wrong, "reboot.max", c.reboot_max(), 1, 1000);
        range(wrong, "reboot.window.ms", c.reboot_window_ms(), 1000, 604_800_000);
        range(wrong, "check.interval.ms", c.check_interval_ms(), 50, 3_600_000);
        range(wrong, "probe.deadline.ms", c.probe_deadline_ms(), 10, 600_000);
        range(wrong, "wellness.interval.ms", c.wellness_interval_ms(), 0, 86_400_000);
        range(wrong, "heap.max.percent", c.heap_max_percent(), 1, 100);
        range(wrong, "disk.free.min.mb", c.disk_free_min_mb(), 0, 1_048_576);
        range(wrong, "disk.free.min.percent", c.disk_free_min_percent(), 0, 100);
        return wrong;
    }

    private static void range(List<Problem> wrong, String key, long value, long min, long max) {
        if (value < min || value > max) {
            wrong.add(new Problem(key, value + " is out of range [" + min + ", " + max + "]"));
        }
    }
}
