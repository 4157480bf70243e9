package org.hasm.psom.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, polling: never a bare sleep. (Same shape as the other bundles' Await.) */
final class Await {
    static final Duration DEFAULT = Duration.ofSeconds(20);

    private Await() {
    }

    static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<?> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + timeout + ": " + what + "; now " + state.get());
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    static void until(String what, BooleanSupplier condition, Supplier<?> state) {
        until(what, DEFAULT, condition, state);
    }
}
