package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.peer.Verdict;
import org.hasm.status.internal.Policy.Action;
import org.hasm.status.internal.Policy.Answer;
import org.hasm.status.internal.Policy.Answered;
import org.hasm.status.internal.Policy.Call;
import org.hasm.status.internal.Policy.Evidence;
import org.hasm.status.internal.Policy.Heartbeat;
import org.hasm.status.internal.Policy.Input;
import org.hasm.status.internal.Policy.NewLife;
import org.hasm.status.internal.Policy.Observation;
import org.hasm.status.internal.Policy.Observed;
import org.hasm.status.internal.Policy.State;
import org.hasm.status.internal.Policy.Step;
import org.junit.jupiter.api.Test;

/**
 * The status monitor's judgement as a pure function: every state of a large set against every input,
 * checked against the invariants of the fence policy, then the stories behind them one by one.
 */
class PolicyTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long NETWORK_ONLY = 5000 * MS;
    private static final long FENCE_TIMEOUT = 2000 * MS;
    private static final long PROBE_EVERY = 200 * MS;
    private static final Policy.Config C = new Policy.Config("scm-b", "process", NETWORK_ONLY, FENCE_TIMEOUT,
            PROBE_EVERY, 1600 * MS);
    private static final long T = 1_000_000 * MS; // an arbitrary "now"

    // ---- observations ----

    private static Observation obs(boolean networkGood, boolean heard, Heartbeat heartbeat, boolean flood,
            boolean fault) {
        return obs(networkGood, heard, heartbeat, flood, fault, heard && !fault);
    }

    private static Observation obs(boolean networkGood, boolean heard, Heartbeat heartbeat, boolean flood,
            boolean fault, boolean serving) {
        return new Observation(networkGood, heard, heartbeat, flood, fault, serving);
    }

    private static final Observation HEARD = obs(true, true, Heartbeat.BEATING, false, false);
    private static final Observation OUTAGE = obs(false, true, Heartbeat.BEATING, false, false);
    private static final Observation FLOODED = obs(false, true, Heartbeat.BEATING, true, false);
    private static final Observation SILENT = obs(false, true, Heartbeat.STOPPED, false, false);
    private static final Observation EXPIRED = obs(false, true, Heartbeat.EXPIRED, false, false);
    private static final Observation UNHEARD_SILENT = obs(false, false, Heartbeat.UNHEARD, false, false);

    static List<Observation> everyObservation() {
        List<Observation> all = new ArrayList<>();
        for (boolean networkGood : new boolean[] {false, true}) {
            for (boolean heard : new boolean[] {false, true}) {
                for (Heartbeat h : Heartbeat.values()) {
                    for (boolean flood : new boolean[] {false, true}) {
                        for (boolean fault : new boolean[] {false, true}) {
                            for (boolean serving : heard ? new boolean[] {false, true} : new boolean[] {false}) {
                                all.add(obs(networkGood, heard, h, flood, fault, serving));
                            }
                        }
                    }
                }
            }
        }
        return all;
    }

    /** A run of inputs from a state; the last step. */
    private static final class Run {
        State state;
        Step last;
        final List<Action> actions = new ArrayList<>();

        Run(State s) {
            state = s;
        }

        Run(Observation o) {
            this(Policy.next(C, Policy.initial(C), new Observed(T, o)).state());
        }

        Run in(Input input) {
            last = Policy.next(C, state, input);
            state = last.state();
            actions.addAll(last.actions());
            return this;
        }

        Run at(long now, Observation o) {
            return in(new Observed(now, o));
        }

        Run answer(long now, Answer a) {
            Call c = state.call();
            assertTrue(c != null, "no call in progress: " + state);
            return in(new Answered(now, c.id(), a, a == Answer.FAILED ? "boom" : null));
        }

        Verdict verdict() {
            return state.verdict();
        }

        long fences() {
            return actions.stream().filter(Policy.Fence.class::isInstance).count();
        }

        long probes() {
            return actions.stream().filter(Policy.Probe.class::isInstance).count();
        }
    }

    // ---- every (state, input) pair ----

    /**
     * Every state worth telling apart: each consistent observation (a heartbeat of this life means it
     * was heard), dead or not and why, seen running or not, no outage or a fresh or a long one (fence
     * asked or not), a silence fenced or not, no call or each kind in progress with a probe or a fence
     * waiting behind it, and no probe answer yet or a "cannot say" with the next question due.
     */
    static List<State> everyState() {
        List<State> all = new ArrayList<>();
        long[][] outages = {{Policy.NONE, Policy.NONE, 0}, {T - MS, T - MS, 0}, {T - 2 * NETWORK_ONLY, T - 2 * NETWORK_ONLY, 0},
            {T - 2 * NETWORK_ONLY, T - 2 * NETWORK_ONLY, 1}};
        for (Observation o : everyObservation()) {
            if (!o.heard() && o.heartbeat() != Heartbeat.UNHEARD && o.heartbeat() != Heartbeat.NONE) {
                continue; // a heartbeat of this life was a frame of it: heard
            }
            for (int dead = 0; dead < 4; dead++) { // alive, alive and seen running, stopped, fenced
                for (long[] outage : outages) {
                    for (boolean silenceFenced : new boolean[] {false, true}) {
                        for (Call call : calls()) {
                            for (int wanted = 0; wanted < (call == null || call.life() == 0 || call.overdue() ? 1 : 3);
                                    wanted++) {
                                for (Answer last : new Answer[] {null, Answer.NOT_STOPPED}) {
                                    boolean stopped = dead == 2;
                                    boolean fenced = dead == 3;
                                    all.add(new State(o, 1, stopped, fenced, dead == 1, outage[0], outage[1],
                                            outage[2] == 1, silenceFenced, call, 10, wanted == 1, wanted == 2,
                                            last == null ? Policy.NONE : T - MS, PROBE_EVERY, last,
                                            Policy.verdict(o, fenced, stopped)));
                                }
                            }
                        }
                    }
                }
            }
        }
        return all;
    }

    private static List<Call> calls() {
        List<Call> calls = new ArrayList<>();
        calls.add(null);
        calls.add(new Call(9, false, 1, T + FENCE_TIMEOUT, false));
        calls.add(new Call(9, true, 1, T + FENCE_TIMEOUT, false));
        calls.add(new Call(9, true, 0, T + FENCE_TIMEOUT, false)); // aimed at the peer's earlier life
        calls.add(new Call(9, true, 1, T - MS, true)); // overdue, still awaited
        return calls;
    }

    static List<Input> everyInput(State s) {
        List<Input> all = new ArrayList<>();
        Observation o = s.seen();
        // every observation one change away, now and once a network-only time has passed
        for (Observation n : List.of(o,
                obs(!o.networkGood(), o.heard(), o.heartbeat(), o.flood(), o.reportedFault(), o.serving()),
                obs(o.networkGood(), !o.heard(), o.heartbeat(), o.flood(), o.reportedFault(), o.serving()),
                obs(o.networkGood(), o.heard(), o.heartbeat(), !o.flood(), o.reportedFault(), o.serving()),
                obs(o.networkGood(), o.heard(), o.heartbeat(), o.flood(), !o.reportedFault(), o.serving()),
                obs(o.networkGood(), o.heard(), o.heartbeat(), o.flood(), o.reportedFault(), !o.serving()))) {
            all.add(new Observed(T, n));
        }
        for (Heartbeat h : Heartbeat.values()) {
            if (h != o.heartbeat()) {
                all.add(new Observed(T, obs(o.networkGood(), o.heard(), h, o.flood(), o.reportedFault(), o.serving())));
            }
        }
        all.add(new Observed(T + NETWORK_ONLY, o));
        all.add(new Observed(T + FENCE_TIMEOUT, o));
        all.add(new Evidence(T, "its kernel closed every link connection"));
        all.add(new NewLife(T, o));
        all.add(new NewLife(T, HEARD));
        for (Answer a : Answer.values()) {
            all.add(new Answered(T, 9, a, null));
        }
        all.add(new Answered(T, 8, Answer.STOPPED, null)); // a call not in progress
        return all;
    }

    @Test
    void everyStateAndInputKeepsTheFencePolicysInvariants() {
        long pairs = 0;
        for (State s : everyState()) {
            for (Input in : everyInput(s)) {
                Step step = Policy.next(C, s, in);
                pairs++;
                check(s, in, step);
            }
        }
        assertTrue(pairs > 300_000, pairs + " pairs");
    }

    private static void check(State s, Input in, Step step) {
        State n = step.state();
        java.util.function.Supplier<String> where = () -> s + "\n + " + in + "\n -> " + step;
        Observation o = n.seen();
        List<Action> calls = step.actions().stream().filter(a -> a instanceof Policy.Probe || a instanceof Policy.Fence)
                .toList();
        boolean answersCall = in instanceof Answered a && s.call() != null && s.call().id() == a.call();
        check(step.verdict() == n.verdict(), "the step's verdict is the state's", where);
        // one call at a time: a new one only when none is in progress (or it has just answered)
        check(calls.size() <= 1, "at most one agent call per step", where);
        check(calls.isEmpty() || s.call() == null || answersCall, "no call beside one in progress", where);
        if (!calls.isEmpty()) {
            long id = calls.get(0) instanceof Policy.Probe p ? p.call() : ((Policy.Fence) calls.get(0)).call();
            check(n.call() != null && n.call().id() == id && n.call().life() == n.life(), "the call is in progress",
                    where);
        }
        if (s.call() != null && !answersCall) {
            check(n.call() != null && n.call().id() == s.call().id(), "a call in progress stays so until it answers",
                    where);
        }
        // a fence only with no evidence of life, or after a whole network-only time without a flood
        if (calls.stream().anyMatch(Policy.Fence.class::isInstance)) {
            boolean silent = !o.networkGood() && o.heartbeat() == Heartbeat.STOPPED && o.serving();
            boolean longOutage = !o.networkGood() && o.heartbeat() == Heartbeat.BEATING && !o.flood()
                    && n.outageSince() != Policy.NONE && in.now() - n.outageSince() >= NETWORK_ONLY;
            check(silent || longOutage, "a fence only for silence or a network-only outage that lasted", where);
            check(!o.reportedFault() && !n.fenced() && !n.stopped(), "no fence of a peer already dead", where);
        }
        if (!o.networkGood() && o.heartbeat() == Heartbeat.BEATING && o.flood()) {
            check(calls.stream().noneMatch(Policy.Fence.class::isInstance), "a flood is no reason to fence", where);
        }
        // dead only on evidence
        if (!step.verdict().alive()) {
            boolean evidence = o.reportedFault() || n.fenced() || n.stopped()
                    || !o.networkGood() && (o.heartbeat() == Heartbeat.EXPIRED || o.heartbeat() == Heartbeat.NONE);
            check(evidence, "dead only on evidence", where);
        }
        if (!o.reportedFault() && !n.fenced() && !n.stopped() && (o.networkGood() || o.heartbeat() == Heartbeat.BEATING
                || o.heartbeat() == Heartbeat.STOPPED || o.heartbeat() == Heartbeat.UNHEARD)) {
            check(step.verdict().alive(), "alive while anything says it may be", where);
        }
        // what the agent said sticks for the life it was about, and for no other
        if (!(in instanceof NewLife)) {
            check(!s.fenced() || n.fenced(), "a fence is not undone", where);
            check(!s.stopped() || n.stopped(), "a stopped peer stays stopped", where);
            check(n.life() == s.life(), "the life changes only with a new life", where);
        } else {
            check(!n.fenced() && !n.stopped() && n.life() == s.life() + 1, "a new life starts afresh", where);
        }
        if (n.fenced() && !s.fenced()) {
            check(answersCall && s.call().fence() && s.call().life() == s.life()
                    && ((Answered) in).answer() == Answer.STOPPED, "fenced only by a fence of this life", where);
        }
        if (n.stopped() && !s.stopped()) {
            check(answersCall && !s.call().fence() && s.call().life() == s.life()
                    && ((Answered) in).answer() == Answer.STOPPED && (o.heard() || s.seenRunning()),
                    "stopped only by a probe of this life, of a peer heard or seen running", where);
        }
        check(step.actions().stream().noneMatch(a -> a instanceof Policy.Outcome out && out.outcome().equals(Fencing.FENCED))
                || n.fenced() && !s.fenced(), "the fenced event only when it is fenced", where);
    }

    private static void check(boolean ok, String invariant, java.util.function.Supplier<String> where) {
        if (!ok) {
            fail(invariant + ":\n" + where.get());
        }
    }

    // ---- the stories ----

    @Test
    void aNetworkOnlyOutageIsAnEventUntilItLastsItsDelayThenOneFence() {
        Run r = new Run(HEARD).at(T, OUTAGE);
        assertEquals(Verdict.NETWORK_OUTAGE, r.verdict());
        assertEquals(1, r.probes(), "asked once whether it is gone");
        r.answer(T + MS, Answer.NOT_STOPPED);
        r.at(T + NETWORK_ONLY - MS, OUTAGE);
        assertEquals(0, r.fences(), "not before its delay");
        r.at(T + NETWORK_ONLY, OUTAGE);
        assertEquals(1, r.fences());
        assertTrue(r.verdict().alive(), "alive until the fence completes");
        r.answer(T + NETWORK_ONLY + MS, Answer.STOPPED);
        assertEquals(Verdict.FENCED, r.verdict());
        r.at(T + 2 * NETWORK_ONLY, OUTAGE);
        assertEquals(1, r.fences(), "once");
    }

    @Test
    void aClockWhoseReadingsAreNegativeCountsTheSameTimes() {
        long n = -T; // System.nanoTime() has an arbitrary origin and may be negative
        Run r = new Run(Policy.next(C, Policy.initial(C), new Observed(n, HEARD)).state()).at(n, OUTAGE);
        assertEquals(Verdict.NETWORK_OUTAGE, r.verdict());
        r.answer(n + MS, Answer.NOT_STOPPED);
        r.at(n + NETWORK_ONLY - MS, OUTAGE);
        assertEquals(0, r.fences(), "not before its delay");
        r.at(n + NETWORK_ONLY, OUTAGE);
        assertEquals(1, r.fences(), "the outage's time counted from its start, not restarted at every step");
    }

    @Test
    void anOutageThatEndsBeforeItsDelayIsForgotten() {
        Run r = new Run(HEARD).at(T, OUTAGE).answer(T, Answer.NOT_STOPPED);
        r.at(T + NETWORK_ONLY / 2, HEARD);
        assertEquals(Verdict.HEARD, r.verdict());
        r.at(T + NETWORK_ONLY, OUTAGE).answer(T + NETWORK_ONLY, Answer.NOT_STOPPED);
        r.at(T + NETWORK_ONLY + NETWORK_ONLY / 2, OUTAGE);
        assertEquals(0, r.fences(), "each outage counts its own time");
    }

    @Test
    void aFloodRestartsTheNetworkOnlyTimeAndIsNeverFenced() {
        Run r = new Run(HEARD).at(T, FLOODED).answer(T, Answer.NOT_STOPPED);
        assertEquals(Verdict.FLOOD, r.verdict());
        for (long t = T; t <= T + 3 * NETWORK_ONLY; t += NETWORK_ONLY / 4) {
            r.at(t, FLOODED);
        }
        assertEquals(0, r.fences(), "no fence during a flood, however long");
        long over = T + 3 * NETWORK_ONLY;
        r.at(over + NETWORK_ONLY - MS, OUTAGE);
        assertEquals(0, r.fences(), "the outage's time starts again when the flood ends");
        r.at(over + NETWORK_ONLY, OUTAGE);
        assertEquals(1, r.fences());
    }

    @Test
    void silentOnTheNetworksAndTheStorageIsFencedAtOnceAndDeadOnlyOnceTheFenceCompletes() {
        Run r = new Run(HEARD).at(T, SILENT);
        assertEquals(1, r.fences(), "no network-only delay: nothing says it lives");
        assertEquals(Verdict.UNCONFIRMED, r.verdict());
        r.at(T + FENCE_TIMEOUT / 2, SILENT);
        assertTrue(r.verdict().alive(), "not dead before the fence completes");
        r.answer(T + FENCE_TIMEOUT / 2, Answer.STOPPED);
        assertEquals(Verdict.FENCED, r.verdict());
    }

    @Test
    void aLineThatFencesAfterANoTakeoverLineSaysWhatChanged() {
        Run r = new Run(HEARD).at(T, OUTAGE).answer(T + MS, Answer.NOT_STOPPED);
        assertTrue(logs(r).stream().anyMatch(l -> l.contains("no takeover")), logs(r)::toString);
        r.at(T + 30 * MS, SILENT);
        assertEquals(1, r.fences());
        List<String> fenced = logs(r).stream().filter(l -> l.contains("fenced at once")).toList();
        assertEquals(1, fenced.size(), logs(r)::toString);
        assertTrue(fenced.get(0).startsWith("the storage heartbeat of scm-b stopped too, 30 ms after its networks went"
                + " silent: "), fenced::toString);

        // silent everywhere at once: nothing was said before, nothing to explain
        Run once = new Run(HEARD).at(T, SILENT);
        assertTrue(logs(once).stream().anyMatch(l -> l.startsWith("the peer scm-b is silent on every network and its"
                + " storage heartbeat stopped: ")), logs(once)::toString);
    }

    private static List<String> logs(Run r) {
        return r.actions.stream().filter(Policy.Log.class::isInstance).map(a -> ((Policy.Log) a).message()).toList();
    }

    @Test
    void aPeerStartingUpThatGoesSilentIsLeftToItsLeaseNotFencedAtOnce() {
        Observation booting = obs(true, true, Heartbeat.BEATING, false, false, false);
        Observation stalled = obs(false, true, Heartbeat.STOPPED, false, false, false);
        Run r = new Run(booting).at(T, stalled);
        assertEquals(0, r.fences(), "it holds nothing: a JVM that stalls while it starts is not killed");
        assertEquals(Verdict.UNCONFIRMED, r.verdict());
        r.at(T + 100 * MS, booting);
        assertEquals(Verdict.HEARD, r.verdict());
        r.at(T + 200 * MS, stalled).at(T + 300 * MS, obs(false, true, Heartbeat.EXPIRED, false, false, false));
        assertEquals(Verdict.LEASE_EXPIRED, r.verdict(), "its lease decides");
        assertEquals(0, r.fences());
    }

    @Test
    void aFenceThatCannotSayLeavesItToTheLease() {
        Run r = new Run(HEARD).at(T, SILENT).answer(T + MS, Answer.NOT_STOPPED);
        assertEquals(Verdict.UNCONFIRMED, r.verdict());
        r.at(T + 2 * MS, EXPIRED);
        assertEquals(Verdict.LEASE_EXPIRED, r.verdict());
    }

    @Test
    void overlappingOutagesNeverStartASecondCallBesideTheFirst() {
        Run r = new Run(HEARD).at(T, OUTAGE).answer(T, Answer.NOT_STOPPED).at(T + NETWORK_ONLY, OUTAGE);
        assertEquals(1, r.fences());
        long fence = r.state.call().id();
        r.at(T + NETWORK_ONLY + 100 * MS, HEARD); // the first outage ends while the kill runs
        r.at(T + NETWORK_ONLY + 400 * MS, OUTAGE); // a second one, 300 ms later
        r.in(new Evidence(T + NETWORK_ONLY + 450 * MS, "its kernel closed every link connection"));
        r.at(T + NETWORK_ONLY + FENCE_TIMEOUT + MS, SILENT); // overdue, and silent now
        assertEquals(1, r.fences());
        assertEquals(1, r.probes());
        assertEquals(fence, r.state.call().id(), "the first attempt is still awaited");
        assertTrue(r.verdict().alive(), "no verdict before the kill returned");
        r.in(new Answered(T + NETWORK_ONLY + FENCE_TIMEOUT + 2 * MS, fence, Answer.STOPPED, null));
        assertEquals(Verdict.FENCED, r.verdict(), "a fence that completed for this life counts, late or not");
        assertEquals(1, r.fences());
        assertEquals(1, r.probes(), "nothing more to ask");
    }

    @Test
    void aFenceAimedAtAnEarlierLifeDoesNotKillTheVerdictOfTheNextOne() {
        Run r = new Run(HEARD).at(T, SILENT);
        long fence = r.state.call().id();
        r.in(new NewLife(T + MS, HEARD));
        r.in(new Answered(T + 2 * MS, fence, Answer.STOPPED, null));
        assertEquals(Verdict.HEARD, r.verdict());
        assertNull(r.state.call());
    }

    @Test
    void evidenceAsksAtOnceAndACertainAnswerIsDeathBeforeAnyCounterRunsOut() {
        Run r = new Run(HEARD).in(new Evidence(T, "its kernel closed every link connection"));
        assertEquals(1, r.probes());
        r.answer(T + MS, Answer.STOPPED);
        assertEquals(Verdict.STOPPED, r.verdict());
        assertFalse(r.verdict().alive());
        assertEquals(0, r.fences(), "nothing was killed");
    }

    @Test
    void aPeerNeverHeardIsStoppedOnlyIfItWasSeenRunningFirst() {
        // never started: the agent finds nothing, again and again; no death was witnessed
        Run never = new Run(Observation.START).at(T, UNHEARD_SILENT).answer(T, Answer.STOPPED);
        for (long t = T; t < T + 20 * PROBE_EVERY; t += PROBE_EVERY) {
            never.at(t, UNHEARD_SILENT);
            if (never.state.call() != null) {
                never.answer(t, Answer.STOPPED);
            }
        }
        assertEquals(Verdict.STARTING, never.verdict());
        // started, never heard, then gone: asked again and again while silent, it is seen to die
        Run died = new Run(Observation.START).at(T, UNHEARD_SILENT).answer(T, Answer.NOT_STOPPED);
        long t = T;
        for (int i = 0; i < 10 && died.state.call() == null; i++) {
            t += PROBE_EVERY;
            died.at(t, UNHEARD_SILENT);
        }
        died.answer(t, Answer.STOPPED);
        assertEquals(Verdict.STOPPED, died.verdict());
    }

    @Test
    void aPeerThatSaysItFaultedIsDeadWithoutAFence() {
        Run r = new Run(HEARD).at(T, obs(false, true, Heartbeat.STOPPED, false, true));
        assertEquals(Verdict.REPORTED_FAULT, r.verdict());
        assertEquals(0, r.fences());
        assertEquals(0, r.probes());
    }

    @Test
    void theVerdictOfEveryObservation() {
        assertEquals(Verdict.STARTING, Policy.verdict(Observation.START, false, false));
        assertEquals(Verdict.HEARD, Policy.verdict(HEARD, false, false));
        assertEquals(Verdict.NETWORK_OUTAGE, Policy.verdict(OUTAGE, false, false));
        assertEquals(Verdict.FLOOD, Policy.verdict(FLOODED, false, false));
        assertEquals(Verdict.UNCONFIRMED, Policy.verdict(SILENT, false, false));
        assertEquals(Verdict.LEASE_EXPIRED, Policy.verdict(EXPIRED, false, false));
        assertEquals(Verdict.SILENT, Policy.verdict(obs(false, true, Heartbeat.NONE, false, false), false, false));
        assertEquals(Verdict.FENCED, Policy.verdict(HEARD, true, false));
        assertEquals(Verdict.STOPPED, Policy.verdict(HEARD, false, true));
        assertEquals(Verdict.REPORTED_FAULT, Policy.verdict(obs(true, true, Heartbeat.BEATING, false, true), true, true));
    }
}
