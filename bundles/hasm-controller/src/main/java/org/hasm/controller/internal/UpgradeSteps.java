package org.hasm.controller.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.hasm.controller.internal.UpgradePlan.Kind;
import org.hasm.controller.internal.UpgradePlan.Status;
import org.hasm.controller.internal.UpgradePlan.Step;

/**
 * The rolling upgrade's step machine: (plan, event) → (plan, the step to carry out now), with no I/O,
 * so that every step × event, and a resume or an abort from each, is tested. The conductor observes
 * the pair, turns what it sees into events and carries the steps out; every plan this returns is
 * persisted before its step is.
 *
 * <p>A failure (the new version fails {@code test()}, does not reach DAC in time, a service reports
 * FAILED after it) and an abort both undo: the steps that undo what was done are appended, and the
 * SCMs that got the new version get the exact previous jar back, one at a time, through the same
 * cooperative handover, so the pair serves throughout and ends in DAC on the old version.
 */
final class UpgradeSteps {

    private UpgradeSteps() {
    }

    /** What happened. */
    sealed interface Event {
    }

    /** The upgrade starts, or is resumed (after a crash, by the operator, by a new MASTER): the current step is (re)done. */
    record Resume() implements Event {
    }

    /** What the current step waits for is seen: the next one starts. */
    record Done() implements Event {
    }

    /** The current step failed (or overran its deadline): undo. */
    record Failed(String cause) implements Event {
    }

    /** The operator aborts: undo what was done. */
    record Abort(String reason) implements Event {
    }

    /**
     * @param plan the plan after the event
     * @param step the step to carry out now, {@code null} for nothing (the upgrade ended, or an event that changes nothing)
     */
    record Result(UpgradePlan plan, Step step) {
    }

    static Result next(UpgradePlan plan, Event event, Instant now) {
        if (plan.status().ended) {
            return new Result(plan, null);
        }
        if (event instanceof Resume) {
            return startCurrent(plan, now);
        }
        if (event instanceof Done) {
            List<Step> steps = new ArrayList<>(plan.steps());
            steps.set(plan.current(), plan.step().end(now, "done"));
            return startCurrent(plan.with(steps, plan.current() + 1, plan.status(), plan.cause()), now);
        }
        if (event instanceof Failed f) {
            if (plan.status() != Status.RUNNING) {
                // an undo that fails cannot be undone in turn: stop where it is, say what, and let the operator look
                List<Step> steps = new ArrayList<>(plan.steps());
                steps.set(plan.current(), plan.step().end(now, f.cause()));
                return new Result(plan.with(steps, plan.current(), Status.FAILED, "undoing after '" + plan.cause()
                        + "', " + plan.step().describe() + " failed: " + f.cause()), null);
            }
            return undo(plan, f.cause(), Status.ROLLING_BACK, now);
        }
        if (event instanceof Abort a) {
            if (plan.status() != Status.RUNNING) {
                return new Result(plan, null); // already undoing: an abort adds nothing
            }
            return undo(plan, "aborted: " + a.reason(), Status.ABORTING, now);
        }
        throw new IllegalArgumentException(String.valueOf(event));
    }

    private static Result startCurrent(UpgradePlan plan, Instant now) {
        Step step = plan.step();
        if (step == null) {
            Status end = switch (plan.status()) {
                case RUNNING -> Status.DONE;
                case ROLLING_BACK -> Status.ROLLED_BACK;
                case ABORTING -> Status.ABORTED;
                default -> plan.status();
            };
            return new Result(plan.with(plan.steps(), plan.current(), end, plan.cause()), null);
        }
        if (step.started() == null) {
            List<Step> steps = new ArrayList<>(plan.steps());
            step = step.start(now);
            steps.set(plan.current(), step);
            plan = plan.with(steps, plan.current(), plan.status(), plan.cause());
        }
        return new Result(plan, step);
    }

    /** Ends the current step with {@code cause}, appends what undoes the steps so far, and starts the first. */
    private static Result undo(UpgradePlan plan, String cause, Status status, Instant now) {
        List<Step> steps = new ArrayList<>(plan.steps());
        int upTo = plan.current();
        Step current = plan.step();
        if (current != null) {
            steps.set(upTo, current.end(now, cause));
        }
        // what was done, the current step included once it started: an install cut short may have happened
        String out = null;
        LinkedHashSet<String> installed = new LinkedHashSet<>();
        for (int i = 0; i < steps.size() && i <= upTo; i++) {
            Step s = steps.get(i);
            if (s.started() == null) {
                break;
            }
            switch (s.kind()) {
                case HANDOVER -> out = s.scm();
                case INSTALL -> {
                    if (s.version().equals(plan.to())) {
                        installed.add(s.scm());
                    } else {
                        installed.remove(s.scm());
                    }
                }
                case REJOIN -> {
                    if (s.scm().equals(out)) {
                        out = null;
                    }
                }
                default -> throw new IllegalStateException(String.valueOf(s.kind()));
            }
        }
        List<Step> undo = new ArrayList<>();
        if (out != null) {
            if (installed.remove(out)) {
                undo.add(Step.of(Kind.INSTALL, out, plan.from()));
            }
            undo.add(Step.of(Kind.REJOIN, out, plan.from()));
        }
        List<String> back = new ArrayList<>(installed);
        for (int i = back.size() - 1; i >= 0; i--) {
            String scm = back.get(i);
            undo.add(Step.of(Kind.HANDOVER, scm, plan.to()));
            undo.add(Step.of(Kind.INSTALL, scm, plan.from()));
            undo.add(Step.of(Kind.REJOIN, scm, plan.from()));
        }
        // the planned steps not started yet are dropped: the undo replaces them
        List<Step> kept = new ArrayList<>(steps.subList(0, Math.min(steps.size(), upTo + (current == null ? 0 : 1))));
        kept.addAll(undo);
        return startCurrent(plan.with(kept, upTo + (current == null ? 0 : 1), status, cause), now);
    }
}
