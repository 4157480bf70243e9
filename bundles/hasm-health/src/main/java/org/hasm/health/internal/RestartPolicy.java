package org.hasm.health.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * What to do when a module fails, as a pure function of its failures in the window: a service is
 * restarted with a delay that doubles with each failure in the window (from the first delay, at most
 * the longest), and disabled at the N-th; a module of the {@code hasm} tier makes the SCM reboot. Not
 * thread-safe: the health monitor's thread alone uses it.
 */
final class RestartPolicy {

    sealed interface Decision {
        /** Restart the service after {@code delayMs}; it is its {@code failures}-th failure in the window. */
        record Restart(long delayMs, int failures) implements Decision { }

        /** Disable the service, for the reason given. */
        record Disable(String reason) implements Decision { }

        /** Reboot the SCM (RESET: the peer takes its personality over meanwhile), for the reason given. */
        record Reboot(String reason) implements Decision { }
    }

    private final Limits limits;
    // failure times by module, oldest first, only those within the window
    private final Map<String, Deque<Long>> failures = new HashMap<>();

    RestartPolicy(Limits limits) {
        this.limits = limits;
    }

    /**
     * @param module the module that failed
     * @param hasm whether it is of the {@code hasm} tier
     * @param what what failed, for the reasons
     * @param now the time, in ms
     */
    Decision failed(String module, boolean hasm, String what, long now) {
        if (hasm) {
            return new Decision.Reboot("HASM module " + module + " failed: " + what);
        }
        Deque<Long> times = failures.computeIfAbsent(module, m -> new ArrayDeque<>());
        times.addLast(now);
        while (!times.isEmpty() && times.peekFirst() <= now - limits.restartWindowMs()) {
            times.pollFirst();
        }
        int n = times.size();
        if (n >= limits.restartFailuresMax()) {
            times.clear(); // an operator's restart starts it afresh
            return new Decision.Disable("failed " + n + " times within " + limits.restartWindowMs() / 1000
                    + " s; last: " + what);
        }
        return new Decision.Restart(delay(n), n);
    }

    /** @return the back-off before the restart that follows the {@code n}-th failure in the window */
    long delay(int n) {
        long d = limits.restartDelayMs();
        for (int i = 1; i < n && d < limits.restartDelayMaxMs(); i++) {
            d = d == 0 ? 0 : d * 2;
        }
        return Math.min(d, limits.restartDelayMaxMs());
    }

    /** @return the failures of {@code module} still in the window at {@code now} */
    int failures(String module, long now) {
        Deque<Long> times = failures.get(module);
        if (times == null) {
            return 0;
        }
        return (int) times.stream().filter(t -> t > now - limits.restartWindowMs()).count();
    }

    /** The module left (or was registered again): its history goes with it. */
    void forget(String module) {
        failures.remove(module);
    }
}
