package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.hasm.controller.internal.UpgradePlan.Kind;
import org.hasm.controller.internal.UpgradePlan.Status;
import org.hasm.controller.internal.UpgradePlan.Step;
import org.hasm.controller.internal.UpgradeSteps.Abort;
import org.hasm.controller.internal.UpgradeSteps.Done;
import org.hasm.controller.internal.UpgradeSteps.Event;
import org.hasm.controller.internal.UpgradeSteps.Failed;
import org.hasm.controller.internal.UpgradeSteps.Result;
import org.hasm.controller.internal.UpgradeSteps.Resume;
import org.junit.jupiter.api.Test;

/** The upgrade's step machine over every step and event: forward, failure, abort, resume, and an undo that fails. */
class UpgradeStepsTest {
    private static final Instant T = Instant.parse("2026-12-03T08:00:00Z");
    private static final String OLD = "1.0.0";
    private static final String NEW = "1.0.1";

    private static UpgradePlan plan() {
        return UpgradePlan.of("u1", "org.hasm.example", OLD, NEW, "u1-org.hasm.example-1.0.1.jar", "ab",
                "org.hasm.example-1.0.0.jar", "cd", "scm-b", "scm-a");
    }

    private static String d(Step s) {
        return s.kind() + " " + s.scm() + " " + s.version();
    }

    private static final List<String> FORWARD = List.of("HANDOVER scm-b 1.0.0", "INSTALL scm-b 1.0.1",
            "REJOIN scm-b 1.0.1", "HANDOVER scm-a 1.0.0", "INSTALL scm-a 1.0.1", "REJOIN scm-a 1.0.1");

    /** What undoes the steps up to and including step i, as the machine must append it. */
    private static final List<List<String>> UNDO = List.of(
            List.of("REJOIN scm-b 1.0.0"),
            List.of("INSTALL scm-b 1.0.0", "REJOIN scm-b 1.0.0"),
            List.of("HANDOVER scm-b 1.0.1", "INSTALL scm-b 1.0.0", "REJOIN scm-b 1.0.0"),
            List.of("REJOIN scm-a 1.0.0", "HANDOVER scm-b 1.0.1", "INSTALL scm-b 1.0.0", "REJOIN scm-b 1.0.0"),
            List.of("INSTALL scm-a 1.0.0", "REJOIN scm-a 1.0.0", "HANDOVER scm-b 1.0.1", "INSTALL scm-b 1.0.0",
                    "REJOIN scm-b 1.0.0"),
            List.of("HANDOVER scm-a 1.0.1", "INSTALL scm-a 1.0.0", "REJOIN scm-a 1.0.0", "HANDOVER scm-b 1.0.1",
                    "INSTALL scm-b 1.0.0", "REJOIN scm-b 1.0.0"));

    /** Each result goes through the store's encoding, as the conductor persists it before it acts. */
    private static Result step(UpgradePlan p, Event e, int second) {
        Result r = UpgradeSteps.next(p, e, T.plusSeconds(second));
        UpgradePlan again = UpgradePlan.decode(r.plan().encode(), "test");
        assertEquals(r.plan(), again, "the plan reads back as written");
        return new Result(again, r.step());
    }

    /** The plan with steps 0..i-1 done and step i started. */
    private static UpgradePlan at(int i) {
        Result r = step(plan(), new Resume(), 0);
        for (int k = 0; k < i; k++) {
            r = step(r.plan(), new Done(), k + 1);
        }
        assertEquals(FORWARD.get(i), d(r.step()));
        return r.plan();
    }

    @Test
    void forwardEveryStepInTurnThenDoneWithTheTimeOfEach() {
        Result r = step(plan(), new Resume(), 0);
        List<String> carried = new ArrayList<>();
        int second = 0;
        while (r.step() != null) {
            carried.add(d(r.step()));
            r = step(r.plan(), new Done(), ++second);
        }
        assertEquals(FORWARD, carried);
        assertEquals(Status.DONE, r.plan().status());
        assertNull(r.plan().cause());
        for (int i = 0; i < FORWARD.size(); i++) {
            Step s = r.plan().steps().get(i);
            assertEquals(T.plusSeconds(i), s.started());
            assertEquals(T.plusSeconds(i + 1), s.ended());
            assertEquals("done", s.outcome());
        }
    }

    @Test
    void aFailureAtEachStepRollsBackWhatWasDoneAndEndsOnTheOldVersion() {
        for (int i = 0; i < FORWARD.size(); i++) {
            Result r = step(at(i), new Failed("test() failed: port in use"), 50);
            assertEquals(Status.ROLLING_BACK, r.plan().status(), "at " + i);
            assertEquals("test() failed: port in use", r.plan().cause());
            assertEquals("test() failed: port in use", r.plan().steps().get(i).outcome(), "the failed step says why");
            List<String> undone = new ArrayList<>();
            int second = 50;
            while (r.step() != null) {
                undone.add(d(r.step()));
                r = step(r.plan(), new Done(), ++second);
            }
            assertEquals(UNDO.get(i), undone, "undo after a failure at step " + i);
            assertEquals(Status.ROLLED_BACK, r.plan().status());
            List<Step> installs = r.plan().steps().stream().filter(s -> s.kind() == Kind.INSTALL).toList();
            assertTrue(installs.isEmpty() || installs.get(installs.size() - 1).version().equals(OLD),
                    "the last install is the old jar");
            assertEquals(i + 1 + UNDO.get(i).size(), r.plan().steps().size(), "the steps not started are dropped");
        }
    }

    @Test
    void anAbortAtEachStepUndoesTheSameWayAndSaysWho() {
        for (int i = 0; i < FORWARD.size(); i++) {
            Result r = step(at(i), new Abort("by credential 'ops'"), 50);
            assertEquals(Status.ABORTING, r.plan().status());
            assertEquals("aborted: by credential 'ops'", r.plan().cause());
            List<String> undone = new ArrayList<>();
            while (r.step() != null) {
                undone.add(d(r.step()));
                assertSame(Status.ABORTING, step(r.plan(), new Abort("again"), 60).plan().status(),
                        "an abort while undoing changes nothing");
                assertNull(step(r.plan(), new Abort("again"), 60).step());
                r = step(r.plan(), new Done(), 61);
            }
            assertEquals(UNDO.get(i), undone, "undo after an abort at step " + i);
            assertEquals(Status.ABORTED, r.plan().status());
        }
    }

    @Test
    void aResumeAtEachStepCarriesTheSameStepOutAgainWithItsFirstStartKept() {
        for (int i = 0; i < FORWARD.size(); i++) {
            UpgradePlan p = at(i);
            Result r = step(p, new Resume(), 99);
            assertEquals(FORWARD.get(i), d(r.step()));
            assertEquals(p, r.plan(), "a resume changes nothing but does the step again");
            assertEquals(T.plusSeconds(i), r.step().started());
        }
        // and while undoing
        Result undoing = step(at(4), new Failed("x"), 50);
        Result again = step(undoing.plan(), new Resume(), 70);
        assertEquals(undoing.step(), again.step());
    }

    @Test
    void anUndoStepThatFailsStopsTheUpgradeSayingWhatFailedAndWhy() {
        for (int i = 0; i < FORWARD.size(); i++) {
            Result r = step(at(i), new Failed("test() failed"), 50);
            Step undoing = r.step();
            Result f = step(r.plan(), new Failed("the old jar does not resolve"), 51);
            assertNull(f.step());
            assertEquals(Status.FAILED, f.plan().status());
            assertEquals("undoing after 'test() failed', " + undoing.describe() + " failed: the old jar does not resolve",
                    f.plan().cause());
        }
    }

    @Test
    void anEndedUpgradeIgnoresEveryEvent() {
        Result done = step(plan(), new Resume(), 0);
        while (done.step() != null) {
            done = step(done.plan(), new Done(), 1);
        }
        UpgradePlan rolledBack = step(at(0), new Failed("x"), 1).plan();
        rolledBack = step(rolledBack, new Done(), 2).plan();
        assertEquals(Status.ROLLED_BACK, rolledBack.status());
        for (UpgradePlan ended : List.of(done.plan(), rolledBack)) {
            for (Event e : List.of(new Resume(), new Done(), new Failed("y"), new Abort("z"))) {
                Result r = UpgradeSteps.next(ended, e, T);
                assertSame(ended, r.plan());
                assertNull(r.step());
            }
        }
    }

    @Test
    void theStepsSayWhatTheyDo() {
        UpgradePlan p = at(1);
        assertNotNull(p.step());
        assertEquals("install 1.0.1 on scm-b", p.step().describe());
        assertEquals("scm-a hands over", Step.of(Kind.HANDOVER, "scm-a", OLD).describe());
        assertEquals("scm-a rejoins on 1.0.0", Step.of(Kind.REJOIN, "scm-a", OLD).describe());
    }
}
