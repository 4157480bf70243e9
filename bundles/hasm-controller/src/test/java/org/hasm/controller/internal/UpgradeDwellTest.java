package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

    @Test
    void aDwellOfHalfTheStepTimeoutOrMoreIsAConfigurationProblem() {
        List<String> problems = new ArrayList<>();
        ControllerComponent.upgradeTiming(60_000, 1_500, problems);
        ControllerComponent.upgradeTiming(20_000, 0, problems);
        ControllerComponent.upgradeTiming(20_000, 9_999, problems);
        assertEquals(List.of(), problems, "the defaults, no dwell, and just below half");
        ControllerComponent.upgradeTiming(20_000, 10_000, problems);
        ControllerComponent.upgradeTiming(1_000, 5_000, problems);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("org.hasm.controller: upgrade.dwell.ms=10000 must be below half of"
                + " upgrade.step.timeout.ms=20000"), problems.get(0));
    }
}
