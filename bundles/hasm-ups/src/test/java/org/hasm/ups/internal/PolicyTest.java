package org.hasm.ups.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.hasm.ups.internal.Policy.Decision;
import org.hasm.ups.internal.Policy.Effect;
import org.hasm.ups.internal.Policy.Input;
import org.hasm.ups.internal.Policy.Phase;
import org.hasm.ups.internal.Policy.Reaction;
import org.hasm.ups.internal.Policy.Role;
import org.hasm.ups.internal.Policy.Rules;
import org.hasm.ups.internal.Policy.State;
import org.junit.jupiter.api.Test;

class PolicyTest {

    private static final Instant T0 = Instant.parse("2026-12-03T08:00:00Z");
    private static final Rules RULES = new Rules("ups@127.0.0.1:3493", Duration.ofSeconds(60), Duration.ofSeconds(30),
            Duration.ofSeconds(15), Reaction.GRACE, Reaction.GRACE, Reaction.EVENT);

    private static final Reading OL = Reading.of("OL", null, "100");
    private static final Reading OB = Reading.of("OB DISCHRG", null, "90");
    private static final Reading OB_LB = Reading.of("OB DISCHRG LB", null, "9");
    private static final Reading OL_LB = Reading.of("OL CHRG LB", null, "8");
    private static final Reading FSD = Reading.of("FSD OB LB", null, "5");

    /** Feeds inputs one after another and keeps every decision. */
    private static final class Run {
        final Rules rules;
        State state = State.initial();
        final List<Decision> decisions = new ArrayList<>();

        Run(Rules rules) {
            this.rules = rules;
        }

        Decision at(long seconds, Reading r, Role role, boolean peerAlive) {
            return at(seconds, r, null, role, peerAlive);
        }

        Decision at(long seconds, Reading r, String lost, Role role, boolean peerAlive) {
            Decision d = Policy.next(state, new Input(T0.plusSeconds(seconds), r, lost, role, peerAlive, "scm-b"), rules);
            state = d.next();
            decisions.add(d);
            return d;
        }
    }

    private static List<String> topics(Decision d) {
        return d.effects().stream().filter(e -> e instanceof Effect.Event).map(e -> ((Effect.Event) e).topic()).toList();
    }

    private static List<Effect> actions(Decision d) {
        return d.effects().stream().filter(e -> !(e instanceof Effect.Event)).toList();
    }

    @Test
    void onLineNothingHappensButTheFirstReadingIsReported() {
        Run run = new Run(RULES);
        Decision d = run.at(0, OL, Role.MASTER, true);
        assertEquals(List.of("CONNECTED"), topics(d));
        assertEquals(List.of(), actions(d));
        assertEquals(Phase.NORMAL, d.next().phase());
        assertEquals("UPS ups@127.0.0.1:3493: OL, battery 100%", d.line());
        assertEquals(List.of(), run.at(2, OL, Role.MASTER, true).effects());
    }

    @Test
    void masterOnBatteryPastTheGraceOrdersTheSlaveFirstThenHaltsOnceItIsGone() {
        Run run = new Run(RULES);
        run.at(0, OL, Role.MASTER, true);
        Decision d = run.at(10, OB, Role.MASTER, true);
        assertEquals(List.of("ON_BATTERY", "GRACE"), topics(d));
        assertEquals(List.of(), actions(d));
        assertEquals(T0.plusSeconds(70), d.wakeBy());
        assertTrue(d.line().contains("the pair shuts down in 60 s unless it clears"), d.line());

        assertEquals(List.of(), run.at(69, OB, Role.MASTER, true).effects());
        d = run.at(70, OB, Role.MASTER, true);
        assertEquals(List.of("SHUTDOWN_PEER"), topics(d));
        assertEquals(List.of(new Effect.OrderPeer("scm-b", "UPS ups@127.0.0.1:3493: on battery (OB) for 60 s")),
                actions(d));
        assertEquals(Phase.WAIT_PEER, d.next().phase());

        // the peer still serves: nothing more, it is looked at again soon
        d = run.at(71, OB, Role.MASTER, true);
        assertEquals(List.of(), d.effects());
        assertEquals(T0.plusSeconds(71).plus(Policy.PEER_LOOK), d.wakeBy());
        // the peer halted (no longer alive): now this SCM
        d = run.at(72, OB, Role.MASTER, false);
        assertEquals(List.of("SHUTDOWN"), topics(d));
        assertEquals(List.of(new Effect.HaltSelf("UPS ups@127.0.0.1:3493: on battery (OB) for 60 s; scm-b halted"
                + " first")), actions(d));
        assertEquals(Phase.HALTING, d.next().phase());
        // and nothing more, whatever comes
        assertEquals(List.of(), run.at(80, OL, Role.MASTER, true).effects());
    }

    @Test
    void powerRestoredWithinTheGraceIsAnEventAndNothingElse() {
        Run run = new Run(RULES);
        run.at(0, OL, Role.MASTER, true);
        run.at(1, OB, Role.MASTER, true);
        Decision d = run.at(31, OL, Role.MASTER, true);
        assertEquals(List.of("POWER_RESTORED"), topics(d));
        assertEquals(List.of(), actions(d));
        assertEquals(Phase.NORMAL, d.next().phase());
        assertTrue(((Effect.Event) d.effects().get(0)).message().contains("cleared after 30 s of the 60 s grace: no"
                + " action"), d.effects().toString());
        // past where the grace would have ended: nothing
        assertEquals(List.of(), run.at(100, OL, Role.MASTER, true).effects());
        // a new outage starts a whole new grace
        run.at(101, OB, Role.MASTER, true);
        assertEquals(List.of(), actions(run.at(160, OB, Role.MASTER, true)));
        assertEquals(1, actions(run.at(161, OB, Role.MASTER, true)).size());
    }

    @Test
    void lowBatteryOnBatteryShutsThePairDownAtOnce() {
        Run run = new Run(RULES);
        run.at(0, OB, Role.MASTER, true);
        Decision d = run.at(2, OB_LB, Role.MASTER, true);
        assertEquals(List.of("LOW_BATTERY", "SHUTDOWN_PEER"), topics(d));
        assertEquals(List.of(new Effect.OrderPeer("scm-b", "UPS ups@127.0.0.1:3493: low battery (LB) and not on line")),
                actions(d));
    }

    @Test
    void lowBatteryWhileOnLineIsARechargeNotAShutdown() {
        Run run = new Run(RULES);
        Decision d = run.at(0, OL_LB, Role.MASTER, true);
        assertEquals(List.of(), actions(d));
        assertEquals(Phase.NORMAL, d.next().phase());
    }

    @Test
    void forcedShutdownActsAtOnceEvenAsTheFirstReading() {
        Run run = new Run(RULES);
        Decision d = run.at(0, FSD, Role.MASTER, true);
        assertEquals(1, actions(d).size());
        assertTrue(actions(d).get(0) instanceof Effect.OrderPeer);
        assertTrue(((Effect.OrderPeer) actions(d).get(0)).reason().contains("forced shutdown (FSD)"));
    }

    @Test
    void aMasterWithoutALivePeerShutsItselfDown() {
        Run run = new Run(RULES);
        Decision d = run.at(0, OB_LB, Role.MASTER, false);
        assertEquals(List.of(new Effect.HaltSelf("UPS ups@127.0.0.1:3493: low battery (LB) and not on line; its peer"
                + " scm-b is not alive")), actions(d));
    }

    @Test
    void aMasterWhosePeerDoesNotHaltShutsDownAtTheEndOfThePeerWait() {
        Run run = new Run(RULES);
        run.at(0, OB_LB, Role.MASTER, true);
        assertEquals(List.of(), actions(run.at(29, OB_LB, Role.MASTER, true)));
        Decision d = run.at(30, OB_LB, Role.MASTER, true);
        assertEquals(List.of(new Effect.HaltSelf("UPS ups@127.0.0.1:3493: low battery (LB) and not on line; scm-b did"
                + " not halt within 30 s")), actions(d));
    }

    @Test
    void onceThePeerIsOrderedTheShutdownGoesOnWhenThePowerReturns() {
        Run run = new Run(RULES);
        run.at(0, OB_LB, Role.MASTER, true);
        Decision d = run.at(1, OL, Role.MASTER, true);
        assertEquals(List.of(), actions(d));
        assertTrue(topics(d).contains("POWER_RESTORED"));
        assertEquals(Phase.WAIT_PEER, d.next().phase());
        assertEquals(List.of(new Effect.HaltSelf("UPS ups@127.0.0.1:3493: low battery (LB) and not on line; scm-b"
                + " halted first")), actions(run.at(2, OL, Role.MASTER, false)));
    }

    @Test
    void aFailedOrderIsGivenAgainWhileThePeerLivesAtMostOncePerSecond() {
        Run run = new Run(RULES);
        run.at(0, OB_LB, Role.MASTER, true);
        Decision f = Policy.orderFailed(run.state, new Input(T0, OB_LB, null, Role.MASTER, true, "scm-b"), RULES,
                "the peer scm-b cannot be told (timeout)");
        run.state = f.next();
        assertEquals(List.of("ORDER_FAILED"), topics(f));
        assertEquals(List.of(), actions(run.at(0, OB_LB, Role.MASTER, true)), "not again within a second");
        assertEquals(List.of(new Effect.OrderPeer("scm-b", "UPS ups@127.0.0.1:3493: low battery (LB) and not on"
                + " line")), actions(run.at(1, OB_LB, Role.MASTER, true)));
        assertEquals(List.of(), actions(run.at(2, OB_LB, Role.MASTER, true)), "ordered: it waits");
    }

    @Test
    void aSlaveWithALiveMasterWaitsForItsOrderThenActsAlone() {
        Run run = new Run(RULES);
        run.at(0, OB, Role.FOLLOWER, true);
        Decision d = run.at(60, OB, Role.FOLLOWER, true);
        assertEquals(List.of("AWAIT_ORDER"), topics(d));
        assertEquals(List.of(), actions(d));
        assertEquals(T0.plusSeconds(75), d.wakeBy());
        assertEquals(List.of(), actions(run.at(74, OB, Role.FOLLOWER, true)));
        assertEquals(List.of(new Effect.HaltSelf("UPS ups@127.0.0.1:3493: on battery (OB) for 60 s; no order from the"
                + " MASTER scm-b within 15 s")), actions(run.at(75, OB, Role.FOLLOWER, true)));
    }

    @Test
    void aSlaveThatCannotReachItsMasterShutsItselfDownAfterTheGrace() {
        Run run = new Run(RULES);
        run.at(0, OB, Role.FOLLOWER, false);
        assertEquals(List.of(), actions(run.at(59, OB, Role.FOLLOWER, false)));
        assertEquals(List.of(new Effect.HaltSelf("UPS ups@127.0.0.1:3493: on battery (OB) for 60 s; the MASTER scm-b"
                + " cannot be reached")), actions(run.at(60, OB, Role.FOLLOWER, false)));
    }

    @Test
    void aSlaveWaitingForTheOrderActsWhenItsMasterDisappears() {
        Run run = new Run(RULES);
        run.at(0, OB_LB, Role.FOLLOWER, true);
        assertEquals(Phase.AWAIT_ORDER, run.state.phase());
        assertEquals(List.of(new Effect.HaltSelf("UPS ups@127.0.0.1:3493: low battery (LB) and not on line; the MASTER"
                + " scm-b can no longer be reached")), actions(run.at(3, OB_LB, Role.FOLLOWER, false)));
    }

    @Test
    void aSlaveThatBecomesMasterWhileWaitingDecidesItself() {
        Run run = new Run(RULES);
        run.at(0, OB_LB, Role.FOLLOWER, true);
        // its MASTER faulted, it impersonated the MASTER: it orders its (alive) peer now
        Decision d = run.at(3, OB_LB, Role.MASTER, true);
        assertEquals(List.of(new Effect.OrderPeer("scm-b", "UPS ups@127.0.0.1:3493: low battery (LB) and not on line")),
                actions(d));
    }

    @Test
    void aSlaveWaitingForTheOrderGoesBackToNormalWhenThePowerReturns() {
        Run run = new Run(RULES);
        run.at(0, OB, Role.FOLLOWER, true);
        run.at(60, OB, Role.FOLLOWER, true);
        Decision d = run.at(62, OL, Role.FOLLOWER, true);
        assertEquals(List.of("POWER_RESTORED"), topics(d));
        assertEquals(Phase.NORMAL, d.next().phase());
        assertEquals(List.of(), actions(run.at(100, OL, Role.FOLLOWER, true)));
    }

    @Test
    void aSlaveWithNoOrderWaitActsAtTheEndOfItsGrace() {
        Rules rules = new Rules(RULES.ups(), RULES.grace(), RULES.peerWait(), Duration.ZERO, Reaction.GRACE,
                Reaction.GRACE, Reaction.EVENT);
        Run run = new Run(rules);
        run.at(0, OB, Role.FOLLOWER, true);
        assertEquals(1, actions(run.at(60, OB, Role.FOLLOWER, true)).size());
    }

    @Test
    void aLostConnectionIsReportedOnceAndNeverTakenForAPowerFailure() {
        Run run = new Run(RULES);
        run.at(0, OL, Role.MASTER, true);
        Decision d = run.at(2, null, "Connection refused", Role.MASTER, true);
        assertEquals(List.of("CONNECTION_LOST"), topics(d));
        assertEquals(List.of(), actions(d));
        assertTrue(d.line().contains("NO DATA from upsd since 0 s ago (Connection refused)"), d.line());
        for (int s = 4; s < 400; s += 2) {
            assertEquals(List.of(), run.at(s, null, "Connection refused", Role.MASTER, true).effects(), "at " + s);
        }
        d = run.at(400, OL, Role.MASTER, true);
        assertEquals(List.of("CONNECTED"), topics(d));
        assertTrue(((Effect.Event) d.effects().get(0)).message().contains("upsd answers again after 398 s"));
    }

    @Test
    void aLostConnectionBeforeAnyReadingNeverStartsAGrace() {
        Run run = new Run(RULES);
        run.at(0, null, "upsd's data of ups is stale: its driver stopped answering", Role.FOLLOWER, false);
        for (int s = 2; s < 200; s += 2) {
            assertEquals(List.of(), run.at(s, null, "stale", Role.FOLLOWER, false).effects());
        }
        assertEquals(Phase.NORMAL, run.state.phase());
    }

    @Test
    void aGraceThatStartedGoesOnWhenUpsdStopsAnsweringTheLastReadingStands() {
        Run run = new Run(RULES);
        run.at(0, OB, Role.MASTER, false);
        run.at(20, null, "upsd closed the connection", Role.MASTER, false);
        Decision d = run.at(60, null, "Connection refused", Role.MASTER, false);
        assertEquals(1, actions(d).size());
        assertTrue(actions(d).get(0) instanceof Effect.HaltSelf);
    }

    @Test
    void anAlarmTakesTheConfiguredPath() {
        Reading hot = Reading.of("OL ALARM", "Temperature too high", "100");
        // default: the on-battery path
        Run grace = new Run(RULES);
        Decision d = grace.at(0, hot, Role.MASTER, true);
        assertEquals(List.of("CONNECTED", "ALARM", "GRACE"), topics(d));
        assertTrue(((Effect.Event) d.effects().get(2)).message().contains("alarm 'Temperature too high'"));
        assertEquals(List.of(), actions(grace.at(59, hot, Role.MASTER, true)));
        assertEquals(1, actions(grace.at(60, hot, Role.MASTER, true)).size());
        // the alarm clearing within the grace
        Run cleared = new Run(RULES);
        cleared.at(0, hot, Role.MASTER, true);
        d = cleared.at(5, OL, Role.MASTER, true);
        assertEquals(List.of("CLEARED", "GRACE_ENDED"), topics(d));
        assertEquals(List.of(), actions(d));
        // now
        Run now = new Run(new Rules(RULES.ups(), RULES.grace(), RULES.peerWait(), RULES.orderWait(), Reaction.NOW,
                Reaction.GRACE, Reaction.EVENT));
        assertEquals(1, actions(now.at(0, hot, Role.MASTER, true)).size());
        // event only
        Run event = new Run(new Rules(RULES.ups(), RULES.grace(), RULES.peerWait(), RULES.orderWait(), Reaction.EVENT,
                Reaction.GRACE, Reaction.EVENT));
        d = event.at(0, hot, Role.MASTER, true);
        assertEquals(List.of("CONNECTED", "ALARM"), topics(d));
        assertEquals(List.of(), actions(event.at(1000, hot, Role.MASTER, true)));
        assertTrue(event.state.phase() == Phase.NORMAL);
        assertTrue(event.decisions.get(1).line().endsWith("reported only: alarm 'Temperature too high'"),
                event.decisions.get(1).line());
    }

    @Test
    void theAlarmFlagAloneAndAnOverloadAreAlarmsToo() {
        Run run = new Run(RULES);
        assertEquals(List.of("CONNECTED", "ALARM", "GRACE"), topics(run.at(0, Reading.of("OL ALARM", null, null),
                Role.MASTER, true)));
        Run over = new Run(RULES);
        assertEquals(List.of("CONNECTED", "OVERLOAD", "GRACE"), topics(over.at(0, Reading.of("OL OVER", null, null),
                Role.MASTER, true)));
    }

    @Test
    void aBatteryToReplaceIsReportedOnlyByDefault() {
        Run run = new Run(RULES);
        Decision d = run.at(0, Reading.of("OL RB", null, "100"), Role.MASTER, true);
        assertEquals(List.of("CONNECTED", "REPLACE_BATTERY"), topics(d));
        assertEquals(List.of(), actions(d));
        assertEquals(List.of("CLEARED"), topics(run.at(5, OL, Role.MASTER, true)));
    }

    @Test
    void aZeroGraceActsOnTheFirstReadingOnBattery() {
        Rules rules = new Rules(RULES.ups(), Duration.ZERO, RULES.peerWait(), RULES.orderWait(), Reaction.GRACE,
                Reaction.GRACE, Reaction.EVENT);
        Run run = new Run(rules);
        run.at(0, OL, Role.MASTER, false);
        assertEquals(1, actions(run.at(1, OB, Role.MASTER, false)).size());
    }

    /**
     * Every sequence of readings, roles and peer states over a few steps: the policy never orders the
     * peer except as MASTER with a live peer, never halts itself more than once, never acts on no
     * reading at all, and a HALTING SCM never acts again.
     */
    @Test
    void exhaustivelyOverShortSequencesTheRulesHold() {
        Reading[] readings = {OL, OB, OB_LB, OL_LB, FSD, null};
        Role[] roles = Role.values();
        boolean[] alive = {true, false};
        int inputs = readings.length * roles.length * alive.length;
        // three steps reach every phase: a grace that runs out (61 s > 60 s), then a wait for the peer (30 s)
        // or the MASTER's order (15 s) that runs out too (95 - 61 = 34 s)
        int steps = 3;
        int total = (int) Math.pow(inputs, steps);
        long[] times = {0, 61, 95};
        for (int seq = 0; seq < total; seq++) {
            State s = State.initial();
            int halts = 0;
            int code = seq;
            boolean everRead = false;
            List<String> trace = new ArrayList<>();
            for (int step = 0; step < steps; step++) {
                int i = code % inputs;
                code /= inputs;
                Reading r = readings[i % readings.length];
                Role role = roles[(i / readings.length) % roles.length];
                boolean peer = alive[i / (readings.length * roles.length)];
                everRead |= r != null;
                Phase before = s.phase();
                Decision d = Policy.next(s, new Input(T0.plusSeconds(times[step]), r, r == null ? "lost" : null, role,
                        peer, "scm-b"), RULES);
                trace.add((r == null ? "none" : r.describe()) + "/" + role + "/" + peer + " -> " + d.next().phase()
                        + " " + actions(d));
                for (Effect e : actions(d)) {
                    if (e instanceof Effect.OrderPeer) {
                        assertEquals(Role.MASTER, role, "ordered as " + role + ": " + trace);
                        assertTrue(peer, "ordered a dead peer: " + trace);
                    } else {
                        halts++;
                    }
                }
                if (before == Phase.HALTING) {
                    assertEquals(List.of(), d.effects(), "acted after HALTING: " + trace);
                }
                if (!everRead) {
                    assertEquals(List.of(), actions(d), "acted without any reading: " + trace);
                }
                assertTrue(halts <= 1, "halted twice: " + trace);
                if (d.next().phase() == Phase.HALTING) {
                    assertEquals(1, halts, "HALTING without a halt: " + trace);
                }
                s = d.next();
            }
        }
    }
}
