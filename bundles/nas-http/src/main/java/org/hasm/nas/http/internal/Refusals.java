package org.hasm.nas.http.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One kind of refusal of an export (a LOCK beyond {@code max.locks}, a PROPPATCH beyond the property
 * budget), logged at most once a minute with how many there were since the last line: a client that
 * retries in a loop must not fill the log, and an operator still learns that a limit is reached.
 */
final class Refusals {
    private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Consumer<String> log;
    // all guarded by this
    private long count;
    private long reported;
    private long loggedAt;
    private boolean logged;

    Refusals(Consumer<String> log) {
        this.log = log;
    }

    synchronized void refused(String why) {
        count++;
        long now = System.nanoTime();
        if (logged && now - loggedAt < EVERY_NANOS) {
            return;
        }
        logged = true;
        loggedAt = now;
        log.accept(why + " (" + (count - reported) + " refused since the last such line)");
        reported = count;
    }
}
