package org.hasm.itests.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition by polling it until a deadline: tests never sleep for a fixed time, so
 * they are as fast as the machine allows and only fail when the deadline really passed.
 */
public final class Await {

    /** Long enough for a slow CI machine, short enough that a hang fails the test visibly. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);
    private static final long INTERVAL_MS = 20;

    private Await() {
    }

    /**
     * Polls {@code condition} every {@value #INTERVAL_MS} ms until it holds.
     *
     * @param what what is awaited, for the failure message
     * @param condition the condition
     * @throws AssertionError naming {@code what} if it did not hold by {@link #DEFAULT_TIMEOUT}
     */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT_TIMEOUT, condition, () -> "");
    }

    /**
     * Polls {@code condition} until it holds or {@code timeout} passed.
     *
     * @param what what is awaited, for the failure message
     * @param timeout how long to wait at most
     * @param condition the condition
     * @param state describes the current state when the wait failed (a journal, a status list)
     * @throws AssertionError naming {@code what} and the state if the deadline passed
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<?> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        // bounded: the deadline ends the loop; the condition is always checked once more after it
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: " + what
                        + describe(state));
            }
            pause();
        }
    }

    /**
     * Polls {@code supplier} until it returns non-null.
     *
     * @param what what is awaited, for the failure message
     * @param supplier returns the value, or {@code null} while it is not there yet
     * @param <T> the value's type
     * @return the first non-null value
     */
    public static <T> T value(String what, Supplier<T> supplier) {
        Object[] box = new Object[1];
        until(what, DEFAULT_TIMEOUT, () -> (box[0] = supplier.get()) != null, () -> "");
        @SuppressWarnings("unchecked")
        T t = (T) box[0];
        return t;
    }

    private static String describe(Supplier<?> state) {
        Object s = state.get();
        String text = s == null ? "" : String.valueOf(s);
        return text.isEmpty() ? "" : "\n  state: " + text;
    }

    /**
     * The one wait between two polls. Not a bare sleep: it is the interval of a deadline-bounded
     * poll, and an interrupt ends the wait with a failure instead of being swallowed.
     */
    private static void pause() {
        java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS));
        if (Thread.currentThread().isInterrupted()) {
            throw new AssertionError("interrupted while waiting");
        }
    }
}
