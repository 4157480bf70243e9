package org.hasm.itests.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A run's faults come from its seed alone, and consecutive seeds go through every kind. */
class PlanIT {

    private static final long NETWORK_MS = 3000;

    @Test
    void aSeedReplaysTheSameFaultsWithTheSameParameters() {
        List<FaultKind> all = List.of(FaultKind.values());
        for (long seed = -50; seed < 50; seed++) {
            assertEquals(Plan.make(seed, all, NETWORK_MS), Plan.make(seed, all, NETWORK_MS));
        }
        assertNotEquals(Plan.make(7, all, NETWORK_MS).faults(), Plan.make(7 + all.size(), all, NETWORK_MS).faults());
    }

    @Test
    void consecutiveSeedsStartWithEveryKindInTurnAndNetworkOutagesStayBelowTheBound() {
        List<FaultKind> kinds = FaultKind.parse("all");
        Set<FaultKind> first = EnumSet.noneOf(FaultKind.class);
        int seconds = 0;
        for (long seed = 1_000_003; seed < 1_000_003 + 500; seed++) {
            Plan plan = Plan.make(seed, kinds, NETWORK_MS);
            if (seed < 1_000_003 + kinds.size()) {
                first.add(plan.faults().get(0).kind());
            }
            seconds += plan.faults().size() - 1;
            for (Fault f : plan.faults()) {
                if (f.kind() == FaultKind.CUT_ALL) {
                    assertTrue(f.holdMs() < NETWORK_MS, f.describe());
                }
                assertTrue(f.startMs() <= plan.faults().get(0).holdMs() + Plan.GAP_MS, plan.describe());
            }
            if (plan.faults().size() == 2 && plan.faults().get(0).kind().stopsProcess()
                    && plan.faults().get(1).kind().stopsProcess()) {
                assertNotEquals(plan.faults().get(0).target(), plan.faults().get(1).target(), plan.describe());
            }
        }
        assertEquals(EnumSet.allOf(FaultKind.class), first);
        assertTrue(seconds > 100 && seconds < 300, seconds + " second faults in 500 runs");
    }

    @Test
    void faultKindsAreParsedByNameAndAnUnknownOneIsNamed() {
        assertEquals(List.of(FaultKind.KILL, FaultKind.CUT_ALL), FaultKind.parse(" cut-all, kill ,kill"));
        assertEquals(FaultKind.values().length, FaultKind.parse("all").size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FaultKind.parse("kill,kil"));
        assertTrue(e.getMessage().contains("'kil'") && e.getMessage().contains("restart-in-transition"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FaultKind.parse(" , "));
        for (FaultKind kind : FaultKind.values()) {
            assertEquals(List.of(kind), FaultKind.parse(kind.id()));
        }
    }
}
