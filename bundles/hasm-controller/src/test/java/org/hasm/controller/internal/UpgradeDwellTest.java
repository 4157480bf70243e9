package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The dwell of a handed-over personality before its rejoin, against the clocks of the two SCMs. */
class UpgradeDwellTest {
    private static final Duration DWELL = Duration.ofSeconds(5);
    private static final Instant HANDED_OVER = Instant.parse("2026-12-05T03:00:00Z");

    @Test
    void aRejoinWaitsTheDwellAfterTheHandoverAndNoLonger() {
        assertTrue(Upgrader.dwelling(HANDED_OVER, HANDED_OVER.plusSeconds(1), DWELL));
        assertFalse(Upgrader.dwelling(HANDED_OVER, HANDED_OVER.plusSeconds(5), DWELL));
        // the peer's clock a little behind the SCM that wrote the handover: it still waits
        assertTrue(Upgrader.dwelling(HANDED_OVER, HANDED_OVER.minusMillis(300), DWELL));
    }

    @Test
    void aClockSteppedBackHoldsNoRejoinForItsStep() {
        // an hour back: on the plan's time alone the rejoin would wait an hour, the pair without a standby
        assertFalse(Upgrader.dwelling(HANDED_OVER, HANDED_OVER.minusSeconds(3600), DWELL));
    }
}
