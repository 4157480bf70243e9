package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.hasm.controller.internal.UpgradePlan.Status;
import org.hasm.controller.internal.UpgradePlan.Step;
import org.hasm.controller.internal.UpgradePlan.Target;
import org.hasm.controller.internal.UpgradeSteps.Done;
import org.hasm.controller.internal.UpgradeSteps.Failed;
import org.hasm.controller.internal.UpgradeSteps.Result;
import org.hasm.controller.internal.UpgradeSteps.Resume;
import org.junit.jupiter.api.Test;

/** A distribution's plan and the swap back: what they add to the steps, and how they are kept. */
class UpgradePlanSwapBackTest {
    private static final Instant T = Instant.parse("2026-12-03T08:00:00Z");

    private static UpgradePlan distribution(boolean swapBack) {
        return UpgradePlan.of("u2", DistributionRelease.NAME, "1.0.0", "1.0.1", "/opt/hasm-1.0.1", "ab",
                "/opt/hasm-1.0.0", "cd", "scm-b", "scm-a", Target.DISTRIBUTION, swapBack);
    }

    private static String d(Step s) {
        return s.kind() + " " + s.scm() + " " + s.version();
    }

    private static Result step(UpgradePlan p, UpgradeSteps.Event e, int second) {
        Result r = UpgradeSteps.next(p, e, T.plusSeconds(second));
        assertEquals(r.plan(), UpgradePlan.decode(r.plan().encode(), "test"), "the plan reads back as written");
        return r;
    }

    @Test
    void aSwapBackEndsWithTheFirstScmHandingOverOnceMoreAndRejoining() {
        Result r = step(distribution(true), new Resume(), 0);
        List<String> carried = new ArrayList<>();
        int second = 0;
        while (r.step() != null) {
            carried.add(d(r.step()));
            r = step(r.plan(), new Done(), ++second);
        }
        assertEquals(List.of("HANDOVER scm-b 1.0.0", "INSTALL scm-b 1.0.1", "REJOIN scm-b 1.0.1", "HANDOVER scm-a 1.0.0",
                "INSTALL scm-a 1.0.1", "REJOIN scm-a 1.0.1", "HANDOVER scm-b 1.0.1", "REJOIN scm-b 1.0.1"), carried);
        assertEquals(Status.DONE, r.plan().status());
    }

    @Test
    void withoutASwapBackTheRolesStayAsThePatentLeavesThem() {
        assertEquals(6, distribution(false).steps().size());
        assertFalse(new String(distribution(false).encode(), StandardCharsets.UTF_8).contains("swapBack"));
    }

    @Test
    void aFailureInTheSwapBackUndoesBothScmsToThePreviousRelease() {
        Result r = step(distribution(true), new Resume(), 0);
        for (int k = 0; k < 6; k++) {
            r = step(r.plan(), new Done(), k + 1);
        }
        assertEquals("HANDOVER scm-b 1.0.1", d(r.step()));
        r = step(r.plan(), new Failed("scm-b did not stand by"), 10);
        assertEquals(Status.ROLLING_BACK, r.plan().status());
        List<String> undo = r.plan().steps().subList(7, r.plan().steps().size()).stream().map(UpgradePlanSwapBackTest::d)
                .toList();
        assertEquals(List.of("INSTALL scm-b 1.0.0", "REJOIN scm-b 1.0.0", "HANDOVER scm-a 1.0.1", "INSTALL scm-a 1.0.0",
                "REJOIN scm-a 1.0.0"), undo);
    }

    @Test
    void aDistributionPlanKeepsItsTargetAndItsFoldersAndAnOlderPlanReadsAsABundle() {
        UpgradePlan p = distribution(true);
        String text = new String(p.encode(), StandardCharsets.UTF_8);
        assertTrue(text.contains("\ntarget=DISTRIBUTION\n") && text.contains("\nswapBack=true\n"), text);
        UpgradePlan back = UpgradePlan.decode(p.encode(), "test");
        assertEquals(Target.DISTRIBUTION, back.target());
        assertTrue(back.swapBack());
        assertEquals("/opt/hasm-1.0.0", back.jarOf("1.0.0")[0]);
        assertEquals("/opt/hasm-1.0.1", back.jarOf("1.0.1")[0]);
        UpgradePlan bundle = UpgradePlan.of("u1", "org.hasm.example", "1.0.0", "1.0.1", "n.jar", "ab", "o.jar", "cd",
                "scm-b", "scm-a");
        assertEquals(Target.BUNDLE, UpgradePlan.decode(bundle.encode(), "test").target());
        assertFalse(UpgradePlan.decode(bundle.encode(), "test").swapBack());
    }
}
