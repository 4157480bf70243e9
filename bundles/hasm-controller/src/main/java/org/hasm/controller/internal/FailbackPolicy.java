package org.hasm.controller.internal;

import java.time.Duration;
import java.util.Locale;

/**
 * When a MASTER serving both personalities gives the peer's back once the peer says READY again: at
 * once ({@code automatic}, the patent's FAILBACK), when the operator says ({@code manual}: the peer
 * waits in INIT(slave) until {@code hasmctl failback}), or after the peer has been READY for a while
 * ({@code delay}: a peer that flaps does not take its personality back at every return).
 *
 * @param kind which
 * @param delay with {@code DELAY}: how long the peer must wait; zero otherwise
 */
record FailbackPolicy(Kind kind, Duration delay) {

    enum Kind { AUTOMATIC, MANUAL, DELAY }

    static final FailbackPolicy AUTOMATIC = new FailbackPolicy(Kind.AUTOMATIC, Duration.ZERO);

    /** @return {@code automatic}, {@code manual} or {@code delay 30 s}, as the status shows it */
    String describe() {
        if (kind != Kind.DELAY) {
            return kind.name().toLowerCase(Locale.ROOT);
        }
        long ms = delay.toMillis();
        return "delay " + (ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms");
    }
}
