package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hasm.controller.internal.Transitions.Action;
import org.hasm.controller.internal.Transitions.Action.OpModeCall;
import org.hasm.controller.internal.Transitions.Decision;
import org.hasm.controller.internal.Transitions.Event;
import org.hasm.controller.internal.Transitions.Message;
import org.hasm.controller.internal.Transitions.Scope;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.junit.jupiter.api.Test;

class TransitionsTest {
    private static final long PEER = 42;
    private static final FailbackPolicy MANUAL = new FailbackPolicy(FailbackPolicy.Kind.MANUAL, java.time.Duration.ZERO);
    private static final FailbackPolicy DELAY = new FailbackPolicy(FailbackPolicy.Kind.DELAY,
            java.time.Duration.ofSeconds(5));
    private static final StorageView FULL = new StorageView("storage: personality A, volume vol-a is full", false, false);
    private static final StorageView READ_ONLY = new StorageView("storage: personality A, volume vol-a is read-only here",
            true, false);
    private static final StorageView HAND_OVER = new StorageView(
            "storage: personality A, volume vol-a is read-only here (the peer can write it)", true, true);

    // ---- helpers ----

    private static Machine at(ScmState state, OpMode mode, SysConfig config, OpMode configured) {
        return new Machine(state, mode, config, configured, false, false, true, PEER, null);
    }

    private static Decision run(Machine m, Event... events) {
        Decision d = null;
        for (Event e : events) {
            d = Transitions.next(m, e);
            m = d.next();
        }
        return d;
    }

    private static List<OpModeCall> opModes(Decision d) {
        return d.actions().stream().filter(OpModeCall.class::isInstance).map(OpModeCall.class::cast).toList();
    }

    private static boolean sends(Decision d, Message message) {
        return d.actions().stream().anyMatch(a -> a instanceof Action.Send s && s.message() == message);
    }

    private static Event.PeerInfo peer(ScmState state, OpMode mode, OpMode configured) {
        return new Event.PeerInfo(true, state, mode, configured, PEER);
    }

    // ---- every (state, event) pair ----

    static List<Machine> everyMachine() {
        List<Machine> all = new ArrayList<>();
        for (ScmState s : ScmState.values()) {
            for (OpMode configured : OpMode.values()) {
                for (boolean standalone : new boolean[] {false, true}) {
                    for (boolean alive : new boolean[] {false, true}) {
                        List<Object[]> modes = new ArrayList<>();
                        switch (s) {
                            case INIT -> {
                                modes.add(new Object[] {OpMode.MASTER, null, false});
                                modes.add(new Object[] {OpMode.SLAVE, null, false});
                                modes.add(new Object[] {OpMode.SLAVE, SysConfig.ASSUMEDAC, true});
                                modes.add(new Object[] {OpMode.SLAVE, null, true});
                            }
                            case DAC -> {
                                modes.add(new Object[] {OpMode.MASTER, SysConfig.DAC, false});
                                modes.add(new Object[] {OpMode.SLAVE, SysConfig.DAC, false});
                            }
                            case DEGRADED -> modes.add(new Object[] {OpMode.MASTER, SysConfig.DEGRADED, false});
                            default -> modes.add(new Object[] {null, null, false});
                        }
                        for (Object[] mode : modes) {
                            if (standalone && (mode[0] == OpMode.SLAVE || (Boolean) mode[2])) {
                                continue; // unreachable: a standalone SCM only ever runs as MASTER
                            }
                            Machine m = new Machine(s, (OpMode) mode[0], (SysConfig) mode[1], configured, standalone,
                                    (Boolean) mode[2], alive, PEER, s == ScmState.MONITOR ? "why" : null);
                            all.add(m);
                            // what the operator set: maintenance, standing by, a peer waiting, a failback asked, a policy
                            all.add(m.maintenance(true));
                            all.add(m.policy(MANUAL));
                            all.add(m.policy(DELAY));
                            if (s == ScmState.INIT && !standalone && !(Boolean) mode[2] && mode[0] == OpMode.SLAVE) {
                                all.add(m.standingBy().because("STANDBY: test"));
                                all.add(m.standingBy().maintenance(true).because("STANDBY: test"));
                            }
                            if (s == ScmState.DEGRADED) {
                                all.add(m.because("serving").peerWaiting(true).policy(MANUAL));
                                all.add(m.because("serving").peerWaiting(true).policy(DELAY));
                                all.add(m.because("serving").peerWaiting(true).maintenance(true));
                                all.add(m.because("serving").givingBack());
                            }
                            // what the storage module may have said before
                            all.add(m.storage(FULL));
                            all.add(m.storage(HAND_OVER));
                            if (s == ScmState.MONITOR) {
                                all.add(m.storage(HAND_OVER).monitorUntilWritable("storage: why"));
                                all.add(m.storage(READ_ONLY).monitorUntilWritable("storage: why"));
                            }
                        }
                    }
                }
            }
        }
        return all;
    }

    static List<Event> everyEvent() {
        List<Event> all = new ArrayList<>(List.of(new Event.PowerOn(), new Event.Booted(true, null),
                new Event.Booted(false, "storage failed"), new Event.PeerSilent(), new Event.PeerDown("all channels BAD"),
                new Event.PeerReady(), new Event.Proceed(), new Event.Tick(), new Event.Fault("panic"),
                new Event.Surrender("upgrade"), new Event.Shutdown("operator"), new Event.Reset("operator"),
                new Event.Storage(StorageView.NONE), new Event.Storage(FULL), new Event.Storage(READ_ONLY),
                new Event.Storage(HAND_OVER), new Event.HandOver("standby"), new Event.PeerHandedOver("move A"),
                new Event.GiveBack("failback"), new Event.Unstandby("unstandby"), new Event.FailbackDue(),
                new Event.Maintenance(true, "op", false), new Event.Maintenance(false, "op", false),
                new Event.Maintenance(true, "the MASTER's word", true)));
        for (ScmState s : ScmState.values()) {
            for (OpMode configured : OpMode.values()) {
                for (long incarnation : new long[] {PEER, PEER + 1}) {
                    OpMode running = s == ScmState.DEGRADED ? OpMode.MASTER
                            : s == ScmState.DAC || s == ScmState.INIT ? configured : null;
                    all.add(new Event.PeerInfo(true, s, running, configured, incarnation));
                    all.add(new Event.PeerInfo(true, s, running, configured, incarnation, true));
                }
            }
        }
        all.add(new Event.PeerInfo(true, null, null, null, 0));
        all.add(new Event.PeerInfo(false, ScmState.DAC, OpMode.MASTER, OpMode.MASTER, PEER));
        all.add(new Event.PeerInfo(false, null, null, null, 0, false, true));
        return all;
    }

    @Test
    void everyStateAndEventHasAConsistentOutcome() {
        Set<String> allowed = Set.of("MASTER/DAC/fwd", "SLAVE/DAC/fwd", "MASTER/DEGRADED/fwd", "MASTER/DAC/rev",
                "SLAVE/ASSUMEDAC/rev");
        int pairs = 0;
        for (Machine m : everyMachine()) {
            for (Event e : everyEvent()) {
                Decision d = Transitions.next(m, e);
                pairs++;
                String where = m + " + " + e + " -> " + d;
                assertNotNull(d.next(), where);
                Machine n = d.next();
                // the state's invariants
                switch (n.state()) {
                    case DAC -> assertTrue(n.opMode() != null && n.sysConfig() == SysConfig.DAC, where);
                    case DEGRADED -> assertTrue(n.opMode() == OpMode.MASTER && n.sysConfig() == SysConfig.DEGRADED, where);
                    case MONITOR -> assertNotNull(n.reason(), where);
                    case INIT -> assertNotNull(n.opMode(), where);
                    default -> { }
                }
                assertEquals(m.configured(), n.configured(), where);
                // what the operator set survives every transition but the one that sets it
                if (!(e instanceof Event.Maintenance)) {
                    assertEquals(m.admin().maintenance(), n.admin().maintenance(), where);
                }
                assertEquals(m.admin().policy(), n.admin().policy(), where);
                // standing by, an SCM serves nothing: only INIT(slave)
                assertTrue(!n.admin().standby() || n.state() == ScmState.INIT && n.opMode() == OpMode.SLAVE
                        && !n.awaitingProceed(), where);
                // in maintenance, nothing is taken over from a peer that did not say it leaves, and nothing given back
                // that the operator did not ask for
                if (m.admin().maintenance() && !(e instanceof Event.Maintenance) && !(e instanceof Event.PeerDown)
                        && !(e instanceof Event.PeerHandedOver) && !(e instanceof Event.GiveBack)
                        && !m.admin().giveBack() && d.transition() != null) {
                    assertFalse(d.transition().contains("FAILOVER") || d.transition().contains("FAILBACK ("), where);
                    assertFalse(d.transition().equals("FAILBACK"), where);
                }
                // an operator's command the refusal lets through is never refused by the machine, and vice versa
                if (e instanceof Event.HandOver || e instanceof Event.GiveBack || e instanceof Event.Unstandby) {
                    assertEquals(Transitions.refusal(m, e), d.refused(), where);
                }
                assertEquals(m.standalone(), n.standalone(), where);
                if (n.standalone()) {
                    assertTrue(n.opMode() == null || n.opMode() == OpMode.MASTER, where);
                    assertFalse(d.actions().stream().anyMatch(Action.Send.class::isInstance)
                            && n.state() != ScmState.HALTED, where);
                }
                // opMode calls are only those of the DESIGN §3 table, in the documented direction
                for (OpModeCall c : opModes(d)) {
                    assertTrue(allowed.contains(c.mode() + "/" + c.config() + "/" + (c.reverse() ? "rev" : "fwd")), where);
                }
                // a transition into a steady state ends with the opMode of that state
                List<OpModeCall> calls = opModes(d);
                if (!calls.isEmpty() && (n.state() == ScmState.DAC || n.state() == ScmState.DEGRADED)) {
                    OpModeCall last = calls.get(calls.size() - 1);
                    assertEquals(n.opMode(), last.mode(), where);
                    assertEquals(n.sysConfig(), last.config(), where);
                }
                // leaving service releases the personalities before anything is stopped
                if ((n.state() == ScmState.MONITOR || n.state() == ScmState.HALTED) && n.state() != m.state()
                        && m.state() != ScmState.OFF && m.state() != ScmState.HALTED) {
                    assertEquals(new Action.Serve(Scope.NONE), d.actions().get(0), where);
                }
                // the storage: what it said last is kept; a MONITOR that waits for it exists only as MONITOR;
                // DAC never stays with a personality the live peer could serve better
                if (e instanceof Event.Storage st) {
                    assertEquals(st.view(), n.storage(), where);
                }
                assertTrue(!n.storageHold() || n.state() == ScmState.MONITOR, where);
                if (n.state() == ScmState.DAC && !n.standalone() && n.peerAlive() && d.refused() == null) {
                    // (a refused command leaves the machine as it was, whatever it was)
                    assertFalse(n.storage().handOver(), where);
                }
                if (e instanceof Event.Storage && d.transition() != null) {
                    assertTrue(d.transition().equals("FAULT (storage)") || d.transition().startsWith("RESET ("), where);
                }
                // nothing happens without a transition name, except the documented quiet replies
                if (d.transition() == null) {
                    assertTrue(d.actions().stream().allMatch(a -> a instanceof Action.Send || a instanceof Action.AskPeer),
                            where);
                }
            }
        }
        assertTrue(pairs > 1000, "pairs checked: " + pairs);
    }

    // ---- everyday operations: cooperative handover, standby, failback policy, maintenance ----

    private static Machine dac(OpMode role) {
        return at(ScmState.DAC, role, SysConfig.DAC, role);
    }

    private static Machine degraded() {
        return at(ScmState.DEGRADED, OpMode.MASTER, SysConfig.DEGRADED, OpMode.MASTER).because("serving the peer's");
    }

    private static Action.Send sent(Decision d) {
        return d.actions().stream().filter(Action.Send.class::isInstance).map(Action.Send.class::cast).findFirst()
                .orElseThrow(() -> new AssertionError("nothing sent: " + d));
    }

    @Test
    void aHandOverReleasesEverythingFirstThenTellsThePeerAndStandsByInInitSlave() {
        for (OpMode role : OpMode.values()) {
            Decision d = Transitions.next(dac(role), new Event.HandOver("standby of scm-a: disk swap"));
            assertEquals(List.of(new Action.Serve(Scope.NONE), new OpModeCall(OpMode.SLAVE, SysConfig.ASSUMEDAC, true),
                    new Action.Send(Message.HANDOVER, "standby of scm-a: disk swap")), d.actions(), role.name());
            Machine n = d.next();
            assertEquals("INIT(slave)", n.describe());
            assertTrue(n.admin().standby());
            assertFalse(n.awaitingProceed(), "a standby SCM says no READY by itself");
            assertEquals("STANDBY: standby of scm-a: disk swap; the peer serves this SCM's personality", n.reason());
            assertEquals("HANDOVER (standby of scm-a: disk swap)", d.transition());
        }
    }

    @Test
    void aHandOverIsRefusedWhereNobodyWouldTakeOverOrNothingIsServed() {
        assertEquals("the SCM serves its peer's personality too (serving the peer's): give that back first (failback)",
                Transitions.refusal(degraded(), new Event.HandOver("x")));
        assertEquals("the SCM's peer is not alive: nobody would take over",
                Transitions.refusal(dac(OpMode.SLAVE).peer(false, PEER), new Event.HandOver("x")));
        Machine standby = Transitions.next(dac(OpMode.SLAVE), new Event.HandOver("x")).next();
        assertEquals("the SCM stands by already: it serves nothing", Transitions.refusal(standby, new Event.HandOver("x")));
        assertEquals("the SCM is BOOT: it serves nothing to hand over",
                Transitions.refusal(at(ScmState.BOOT, null, null, OpMode.MASTER), new Event.HandOver("x")));
        Decision refused = Transitions.next(degraded(), new Event.HandOver("x"));
        assertEquals(degraded(), refused.next());
        assertEquals(List.of(), refused.actions());
    }

    @Test
    void theTakerTakesOverAtOnceAndKeepsThePeerAlive() {
        Decision slave = Transitions.next(dac(OpMode.SLAVE), new Event.PeerHandedOver("move A"));
        assertEquals(List.of(new OpModeCall(OpMode.MASTER, SysConfig.DAC, false), new Action.Serve(Scope.ALL),
                new OpModeCall(OpMode.MASTER, SysConfig.DEGRADED, false)), slave.actions());
        assertEquals("IMPERSONATE (slave → master) + TAKEOVER (handed over)", slave.transition());
        assertEquals(ScmState.DEGRADED, slave.next().state());
        assertTrue(slave.next().peerAlive(), "the giver is alive: it gets its personality back by FAILBACK");
        assertEquals("serving the peer's personality too: the peer handed it over (move A)", slave.next().reason());
        Decision master = Transitions.next(dac(OpMode.MASTER), new Event.PeerHandedOver("move B"));
        assertEquals(List.of(new Action.Serve(Scope.ALL), new OpModeCall(OpMode.MASTER, SysConfig.DEGRADED, false)),
                master.actions());
        // in maintenance too: the peer released it, nobody else would serve it
        assertEquals(ScmState.DEGRADED, Transitions.next(dac(OpMode.MASTER).maintenance(true),
                new Event.PeerHandedOver("move B")).next().state());
    }

    @Test
    void aStandbyScmWaitsWithoutReadyUntilUnstandbyThenTheMastersProceed() {
        Machine standby = Transitions.next(dac(OpMode.SLAVE), new Event.HandOver("standby")).next();
        assertEquals(List.of(), Transitions.next(standby, new Event.Tick()).actions(), "no READY on the tick");
        assertEquals(standby, Transitions.next(standby, peer(ScmState.DEGRADED, OpMode.MASTER, OpMode.MASTER)).next());
        Decision un = Transitions.next(standby, new Event.Unstandby("unstandby of scm-b"));
        assertEquals(List.of(new Action.Send(Message.READY, "unstandby")), un.actions());
        assertTrue(un.next().awaitingProceed() && !un.next().admin().standby());
        Decision back = Transitions.next(un.next(), new Event.Proceed());
        assertEquals("DAC(slave)", back.next().describe());
        assertEquals(new Action.Serve(Scope.OWN), back.actions().get(0));
        // the MASTER may give it back directly too (move back)
        assertEquals("DAC(slave)", Transitions.next(standby, new Event.Proceed()).next().describe());
        assertEquals("the SCM is DAC(slave) and does not stand by",
                Transitions.refusal(dac(OpMode.SLAVE), new Event.Unstandby("x")));
    }

    @Test
    void aStandbyScmWhosePeerDiesServesEverythingUnlessInMaintenance() {
        Machine standby = Transitions.next(dac(OpMode.SLAVE), new Event.HandOver("standby")).next();
        Decision d = Transitions.next(standby, new Event.PeerInfo(false, ScmState.DEGRADED, OpMode.MASTER,
                OpMode.MASTER, PEER));
        assertEquals(ScmState.DEGRADED, d.next().state(), d.toString());
        // a peer killed just after it rejoined may have said INIT last: dead is dead, not a restart to wait for
        Decision killedAfterRejoin = Transitions.next(standby, new Event.PeerInfo(false, ScmState.INIT, OpMode.SLAVE,
                OpMode.MASTER, PEER));
        assertEquals(ScmState.DEGRADED, killedAfterRejoin.next().state(), killedAfterRejoin.toString());
        Decision held = Transitions.next(standby.maintenance(true), new Event.PeerInfo(false, ScmState.DEGRADED,
                OpMode.MASTER, OpMode.MASTER, PEER));
        assertEquals("INIT(slave)", held.next().describe());
        assertEquals(List.of(), held.actions());
        assertTrue(held.next().reason().startsWith("STANDBY; MAINTENANCE: the peer is dead"), held.next().reason());
    }

    @Test
    void withAManualPolicyTheReadyPeerWaitsUntilTheOperatorSaysFailback() {
        Machine m = degraded().policy(MANUAL);
        Decision ready = Transitions.next(m, new Event.PeerReady());
        assertEquals(ScmState.DEGRADED, ready.next().state());
        assertEquals(List.of(), ready.actions());
        assertTrue(ready.next().peerWaiting());
        assertEquals("serving the peer's; the peer is READY and waits for hasmctl failback (failback policy manual)",
                ready.next().reason());
        assertEquals(ready.next(), Transitions.next(ready.next(), new Event.PeerReady()).next(), "READY again: waits");
        Decision failback = Transitions.next(ready.next(), new Event.GiveBack("failback"));
        assertEquals("FAILBACK (operator: failback)", failback.transition());
        assertEquals(List.of(new Action.Serve(Scope.OWN), new OpModeCall(OpMode.MASTER, SysConfig.DAC, true),
                new Action.Send(Message.PROCEED, null)), failback.actions());
        assertEquals("DAC(master)", failback.next().describe());
        assertFalse(failback.next().peerWaiting());
        assertEquals(MANUAL, failback.next().admin().policy(), "the policy stays");
    }

    @Test
    void withADelayPolicyTheFailbackComesWhenTheDelayIsDueAndThePeerStillWaits() {
        Decision ready = Transitions.next(degraded().policy(DELAY), new Event.PeerReady());
        assertEquals(List.of(new Action.Later(5000, new Event.FailbackDue())), ready.actions());
        assertEquals("serving the peer's; the peer is READY: failback in 5 s (failback policy delay 5 s)",
                ready.next().reason());
        assertEquals(List.of(), Transitions.next(ready.next(), new Event.PeerReady()).actions(), "scheduled once");
        Decision due = Transitions.next(ready.next(), new Event.FailbackDue());
        assertEquals("FAILBACK (policy delay 5 s)", due.transition());
        assertEquals("DAC(master)", due.next().describe());
        // the peer died meanwhile: nothing is given back to it
        Machine dead = Transitions.next(ready.next(), new Event.PeerInfo(false, ScmState.INIT, OpMode.SLAVE,
                OpMode.SLAVE, PEER)).next();
        assertFalse(dead.peerWaiting());
        assertEquals(dead, Transitions.next(dead, new Event.FailbackDue()).next());
        assertNull(Transitions.next(dead, new Event.FailbackDue()).transition());
    }

    @Test
    void aFailbackAskedBeforeThePeerIsReadyHappensAtItsReadyWhateverThePolicy() {
        Decision asked = Transitions.next(degraded().policy(MANUAL), new Event.GiveBack("unstandby of scm-b"));
        assertEquals(ScmState.DEGRADED, asked.next().state());
        assertTrue(asked.next().admin().giveBack());
        assertEquals("FAILBACK (asked by the operator)", Transitions.next(asked.next(), new Event.PeerReady()).transition());
        assertEquals("the SCM is DAC(master): it serves no personality of its peer's to give back",
                Transitions.refusal(dac(OpMode.MASTER), new Event.GiveBack("x")));
    }

    @Test
    void inMaintenanceADeadPeerIsNotTakenOverAndTheStatusSaysWhyUntilMaintenanceEnds() {
        Decision on = Transitions.next(dac(OpMode.SLAVE), new Event.Maintenance(true, "firmware", false));
        assertEquals(List.of(new Action.Send(Message.MAINTENANCE_ON, "firmware")), on.actions());
        assertEquals("MAINTENANCE on (firmware)", on.transition());
        Decision dead = Transitions.next(on.next(), new Event.PeerInfo(false, ScmState.DAC, OpMode.MASTER, OpMode.MASTER,
                PEER, false, true, "scm-a stopped (its process is gone)"));
        assertEquals("DAC(slave)", dead.next().describe());
        assertEquals(List.of(), dead.actions());
        assertEquals("MAINTENANCE: scm-a stopped (its process is gone); its personality is not taken over until"
                + " maintenance ends (a volume is never served twice: it stays unserved)", dead.next().reason());
        // a reset keeps maintenance on
        assertTrue(Transitions.next(dead.next(), new Event.Reset("x")).next().admin().maintenance());
        Decision off = Transitions.next(dead.next(), new Event.Maintenance(false, "done", false));
        assertEquals("MAINTENANCE off (done) + IMPERSONATE (slave → master) + FAILOVER", off.transition());
        assertEquals(ScmState.DEGRADED, off.next().state());
        assertEquals(new Action.Send(Message.MAINTENANCE_OFF, "done"), off.actions().get(0));
        // the peer's word is not said back to it
        assertEquals(List.of(), Transitions.next(dac(OpMode.SLAVE), new Event.Maintenance(true, "w", true)).actions());
        // a peer that says it leaves is taken over all the same
        assertEquals(ScmState.DEGRADED, Transitions.next(on.next(), new Event.PeerDown("the peer left: x")).next().state());
    }

    @Test
    void inMaintenanceAReadyPeerWaitsAndItsFailbackFollowsWhenMaintenanceEnds() {
        Machine m = degraded().maintenance(true);
        Decision ready = Transitions.next(m, new Event.PeerReady());
        assertEquals(ScmState.DEGRADED, ready.next().state());
        assertTrue(ready.next().peerWaiting());
        Decision off = Transitions.next(ready.next(), new Event.Maintenance(false, "done", false));
        assertEquals("MAINTENANCE off (done) + FAILBACK", off.transition());
        assertEquals("DAC(master)", off.next().describe());
        // with a manual policy it goes on waiting, its note now the policy's
        Decision manual = Transitions.next(ready.next().policy(MANUAL), new Event.Maintenance(false, "done", false));
        assertEquals(ScmState.DEGRADED, manual.next().state());
        assertEquals("serving the peer's; the peer is READY and waits for hasmctl failback (failback policy manual)",
                manual.next().reason());
    }

    @Test
    void inMaintenanceTheMastersProceedSaysSo() {
        // a SLAVE whose INIT a status message ended (before its GETSTATE) enters DAC knowing the maintenance
        Action saying = new Action.Send(Message.PROCEED, Transitions.IN_MAINTENANCE);
        assertEquals(List.of(saying), Transitions.next(dac(OpMode.MASTER).maintenance(true), new Event.PeerReady())
                .actions());
        // an operator's failback during maintenance says it too
        Decision failback = Transitions.next(degraded().maintenance(true).peerWaiting(true), new Event.GiveBack("now"));
        assertEquals(List.of(new Action.Serve(Scope.OWN), new OpModeCall(OpMode.MASTER, SysConfig.DAC, true), saying),
                failback.actions());
        // out of maintenance: PROCEED alone
        assertEquals(List.of(new Action.Send(Message.PROCEED, null)),
                Transitions.next(dac(OpMode.MASTER), new Event.PeerReady()).actions());
    }

    /** Two machines wired as the executor wires them: what one sends is the other's event. */
    @Test
    void movingAPersonalityAndBackBetweenTwoMachines() {
        Machine a = dac(OpMode.MASTER);
        Machine b = dac(OpMode.SLAVE);
        // move B (scm-b's own) to scm-a: the MASTER orders scm-b, which hands over
        Decision give = Transitions.next(b, new Event.HandOver("move B"));
        b = give.next();
        assertEquals(Message.HANDOVER, sent(give).message());
        Decision take = Transitions.next(a, new Event.PeerHandedOver(sent(give).detail()));
        a = take.next();
        assertEquals("DEGRADED", a.describe());
        assertEquals("INIT(slave)", b.describe());
        // and back: the MASTER gives it back; scm-b, standing by, takes the PROCEED
        Decision unstandby = Transitions.next(b, new Event.Unstandby("move B"));
        b = unstandby.next();
        Decision back = Transitions.next(a.policy(MANUAL), new Event.GiveBack("move B"));
        a = back.next();
        assertTrue(a.admin().giveBack());
        Decision failback = Transitions.next(a, new Event.PeerReady());
        a = failback.next();
        assertEquals(Message.PROCEED, sent(failback).message());
        b = Transitions.next(b, new Event.Proceed()).next();
        assertEquals("DAC(master)", a.describe());
        assertEquals("DAC(slave)", b.describe());
    }

    // ---- DESIGN §3, transition by transition ----

    @Test
    void powerOnBootsWithInitAndTest() {
        Decision d = Transitions.next(Machine.off(OpMode.MASTER, false), new Event.PowerOn());
        assertEquals(ScmState.BOOT, d.next().state());
        assertEquals(List.of(new Action.InitAndTest()), d.actions());
    }

    @Test
    void bootEntersInitInTheConfiguredRoleAndAsksThePeer() {
        for (OpMode role : OpMode.values()) {
            Decision d = run(Machine.off(role, false), new Event.PowerOn(), new Event.Booted(true, null));
            assertEquals(ScmState.INIT, d.next().state());
            assertEquals(role, d.next().opMode());
            assertEquals(role.name(), d.transition());
            assertEquals(List.of(new Action.AskPeer()), d.actions());
        }
    }

    @Test
    void aStandaloneScmRunsAsMasterWithoutWaiting() {
        Decision d = run(Machine.off(OpMode.SLAVE, true), new Event.PowerOn(), new Event.Booted(true, null),
                new Event.PeerSilent());
        assertEquals(ScmState.DAC, d.next().state());
        assertEquals(OpMode.MASTER, d.next().opMode());
        assertEquals(List.of(new OpModeCall(OpMode.MASTER, SysConfig.DAC, false)), opModes(d));
    }

    @Test
    void aFailedBootFaultsIntoMonitor() {
        Decision d = run(Machine.off(OpMode.MASTER, false), new Event.PowerOn(), new Event.Booted(false, "storage: no key"));
        assertEquals(ScmState.MONITOR, d.next().state());
        assertEquals("storage: no key", d.next().reason());
        assertEquals("FAULT", d.transition());
        assertTrue(d.actions().contains(new Action.StopAll()));
    }

    @Test
    void fig5NormalBootReadyIntoDacOnBothSides() {
        Decision a = run(at(ScmState.INIT, OpMode.MASTER, null, OpMode.MASTER), peer(ScmState.INIT, OpMode.SLAVE, OpMode.SLAVE));
        assertEquals(ScmState.DAC, a.next().state());
        assertEquals(OpMode.MASTER, a.next().opMode());
        assertEquals(List.of(new OpModeCall(OpMode.MASTER, SysConfig.DAC, false)), opModes(a));
        assertEquals(new Action.Serve(Scope.OWN), a.actions().get(0));
        Decision b = run(at(ScmState.INIT, OpMode.SLAVE, null, OpMode.SLAVE), peer(ScmState.BOOT, null, OpMode.MASTER));
        assertEquals(ScmState.DAC, b.next().state());
        assertEquals(OpMode.SLAVE, b.next().opMode());
        assertEquals(List.of(new OpModeCall(OpMode.SLAVE, SysConfig.DAC, false)), opModes(b));
    }

    @Test
    void fig5TheLaterSlaveWaitsForProceedFromARunningMaster() {
        Decision d = run(at(ScmState.INIT, OpMode.SLAVE, null, OpMode.SLAVE), peer(ScmState.DAC, OpMode.MASTER, OpMode.MASTER));
        assertTrue(d.next().awaitingProceed());
        assertTrue(sends(d, Message.READY));
        assertTrue(opModes(d).isEmpty());
        Decision master = run(at(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, OpMode.MASTER), new Event.PeerReady());
        assertTrue(sends(master, Message.PROCEED));
        assertEquals(ScmState.DAC, master.next().state());
        Decision done = Transitions.next(d.next(), new Event.Proceed());
        assertEquals(ScmState.DAC, done.next().state());
        assertEquals(List.of(new OpModeCall(OpMode.SLAVE, SysConfig.DAC, false)), opModes(done));
    }

    @Test
    void fig6BootWithAFaultedSlaveGoesOnAloneThenFailsOver() {
        Decision dac = run(at(ScmState.INIT, OpMode.MASTER, null, OpMode.MASTER), new Event.PeerSilent());
        assertEquals(ScmState.DAC, dac.next().state());
        Decision d = Transitions.next(dac.next(), new Event.PeerDown("all channels BAD"));
        assertEquals(ScmState.DEGRADED, d.next().state());
        assertEquals("FAILOVER", d.transition());
        assertEquals(List.of(new Action.Serve(Scope.ALL), new OpModeCall(OpMode.MASTER, SysConfig.DEGRADED, false)),
                d.actions());
    }

    @Test
    void fig7BootWithAFaultedMasterImpersonatesThenFailsOver() {
        Decision dac = run(at(ScmState.INIT, OpMode.SLAVE, null, OpMode.SLAVE), new Event.PeerSilent());
        assertEquals(OpMode.SLAVE, dac.next().opMode());
        Decision d = Transitions.next(dac.next(), new Event.PeerDown("all channels BAD"));
        assertEquals(ScmState.DEGRADED, d.next().state());
        assertEquals(List.of(new OpModeCall(OpMode.MASTER, SysConfig.DAC, false),
                new OpModeCall(OpMode.MASTER, SysConfig.DEGRADED, false)), opModes(d));
    }

    @Test
    void aPeerAlreadyKnownDeadDuringInitMeansFailoverRightAfterReady() {
        Machine init = at(ScmState.INIT, OpMode.MASTER, null, OpMode.MASTER).peer(false, PEER);
        Decision d = Transitions.next(init, new Event.PeerSilent());
        assertEquals(ScmState.DEGRADED, d.next().state());
        assertEquals(List.of(new OpModeCall(OpMode.MASTER, SysConfig.DAC, false),
                new OpModeCall(OpMode.MASTER, SysConfig.DEGRADED, false)), opModes(d));
    }

    @Test
    void fig8SlaveFaultsTheMasterFailsOver() {
        Decision d = Transitions.next(at(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, OpMode.MASTER),
                new Event.PeerDown("all channels BAD"));
        assertEquals(ScmState.DEGRADED, d.next().state());
        assertEquals(List.of(new OpModeCall(OpMode.MASTER, SysConfig.DEGRADED, false)), opModes(d));
    }

    @Test
    void fig9MasterFaultsTheSlaveImpersonatesAndFailsOver() {
        Decision d = Transitions.next(at(ScmState.DAC, OpMode.SLAVE, SysConfig.DAC, OpMode.SLAVE),
                new Event.PeerDown("all channels BAD"));
        assertEquals(ScmState.DEGRADED, d.next().state());
        assertEquals(OpMode.MASTER, d.next().opMode());
        assertEquals("IMPERSONATE (slave → master) + FAILOVER", d.transition());
        assertEquals(List.of(new OpModeCall(OpMode.MASTER, SysConfig.DAC, false),
                new OpModeCall(OpMode.MASTER, SysConfig.DEGRADED, false)), opModes(d));
    }

    @Test
    void fig10SlaveResumesTheMasterFailsBackAndSaysProceed() {
        Machine degraded = at(ScmState.DEGRADED, OpMode.MASTER, SysConfig.DEGRADED, OpMode.MASTER);
        Decision slave = run(at(ScmState.INIT, OpMode.SLAVE, null, OpMode.SLAVE),
                peer(ScmState.DEGRADED, OpMode.MASTER, OpMode.MASTER));
        assertTrue(slave.next().awaitingProceed());
        assertTrue(opModes(slave).isEmpty(), "a configured SLAVE does not impersonate");
        Decision d = Transitions.next(degraded, new Event.PeerReady());
        assertEquals("FAILBACK", d.transition());
        assertEquals(ScmState.DAC, d.next().state());
        assertEquals(List.of(new Action.Serve(Scope.OWN), new OpModeCall(OpMode.MASTER, SysConfig.DAC, true),
                new Action.Send(Message.PROCEED, null)), d.actions());
    }

    @Test
    void fig11MasterResumesImpersonatesSlaveAndTheRolesStaySwapped() {
        Machine init = at(ScmState.INIT, OpMode.MASTER, null, OpMode.MASTER);
        Decision d = Transitions.next(init, peer(ScmState.DEGRADED, OpMode.MASTER, OpMode.SLAVE));
        assertEquals(ScmState.INIT, d.next().state());
        assertEquals(OpMode.SLAVE, d.next().opMode());
        assertTrue(d.next().awaitingProceed());
        assertEquals(List.of(new OpModeCall(OpMode.SLAVE, SysConfig.ASSUMEDAC, true),
                new Action.Send(Message.READY, null)), d.actions());
        Decision done = Transitions.next(d.next(), new Event.Proceed());
        assertEquals(ScmState.DAC, done.next().state());
        assertEquals(OpMode.SLAVE, done.next().opMode());
        assertEquals(OpMode.MASTER, done.next().configured());
    }

    @Test
    void bothConfiguredMasterOrBothSlaveMeansMonitorWithTheReason() {
        for (OpMode role : OpMode.values()) {
            Decision d = Transitions.next(at(ScmState.INIT, role, null, role), peer(ScmState.INIT, role, role));
            assertEquals(ScmState.MONITOR, d.next().state());
            assertTrue(d.next().reason().contains("both SCMs are configured " + role), d.next().reason());
        }
    }

    @Test
    void aPeerThatRestartedIsTakenOverButOneStillBootingIsNot() {
        Machine dac = at(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, OpMode.MASTER);
        Decision same = Transitions.next(dac, new Event.PeerInfo(true, ScmState.INIT, OpMode.SLAVE, OpMode.SLAVE, PEER));
        assertEquals(ScmState.DAC, same.next().state());
        Decision restarted = Transitions.next(dac, new Event.PeerInfo(true, ScmState.BOOT, null, OpMode.SLAVE, PEER + 1));
        assertEquals(ScmState.DEGRADED, restarted.next().state());
        assertEquals(PEER + 1, restarted.next().peerIncarnation());
    }

    @Test
    void aPeerReportingAFaultIsTakenOverAtOnce() {
        Decision d = Transitions.next(at(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, OpMode.MASTER),
                peer(ScmState.MONITOR, null, OpMode.SLAVE));
        assertEquals(ScmState.DEGRADED, d.next().state());
    }

    private static Event.PeerInfo confirmed(ScmState state, OpMode mode, OpMode configured) {
        return new Event.PeerInfo(true, state, mode, configured, PEER, true);
    }

    @Test
    void aStatusMessageSayingThePeerIsDegradedIsCheckedOverTheLinkFirst() {
        Machine dac = at(ScmState.DAC, OpMode.SLAVE, SysConfig.DAC, OpMode.SLAVE);
        Decision ask = Transitions.next(dac, peer(ScmState.DEGRADED, OpMode.MASTER, OpMode.MASTER));
        assertEquals(ScmState.DAC, ask.next().state());
        assertEquals(List.of(new Action.AskPeer()), ask.actions());
        // the link says the peer has already failed back: nothing to do
        Decision stale = Transitions.next(ask.next(), confirmed(ScmState.DAC, OpMode.MASTER, OpMode.MASTER));
        assertEquals(ScmState.DAC, stale.next().state());
        assertTrue(stale.actions().isEmpty());
    }

    @Test
    void bothMasterIsSeenEvenWhenThePeerIsAlreadyInMonitor() {
        Decision d = Transitions.next(at(ScmState.INIT, OpMode.MASTER, null, OpMode.MASTER),
                new Event.PeerInfo(false, ScmState.MONITOR, null, OpMode.MASTER, PEER));
        assertEquals(ScmState.MONITOR, d.next().state());
        assertTrue(d.next().reason().contains("both SCMs are configured MASTER"));
    }

    @Test
    void anScmWhosePersonalityThePeerServesLetsGoAndRejoins() {
        Decision d = Transitions.next(at(ScmState.DAC, OpMode.SLAVE, SysConfig.DAC, OpMode.SLAVE),
                confirmed(ScmState.DEGRADED, OpMode.MASTER, OpMode.MASTER));
        assertEquals("RESET", d.transition());
        assertEquals(ScmState.BOOT, d.next().state());
        assertEquals(new Action.Serve(Scope.NONE), d.actions().get(0));
        // both took over during a partition: the configured SLAVE yields, the MASTER stays
        Machine slaveDegraded = at(ScmState.DEGRADED, OpMode.MASTER, SysConfig.DEGRADED, OpMode.SLAVE);
        Machine masterDegraded = at(ScmState.DEGRADED, OpMode.MASTER, SysConfig.DEGRADED, OpMode.MASTER);
        Event.PeerInfo degraded = confirmed(ScmState.DEGRADED, OpMode.MASTER, OpMode.MASTER);
        assertEquals(ScmState.BOOT, Transitions.next(slaveDegraded, degraded).next().state());
        assertEquals(ScmState.DEGRADED, Transitions.next(masterDegraded,
                confirmed(ScmState.DEGRADED, OpMode.MASTER, OpMode.SLAVE)).next().state());
    }

    @Test
    void awaitingSlaveRepeatsReadyAndTakesOverIfTheMasterDies() {
        Machine waiting = Transitions.next(at(ScmState.INIT, OpMode.SLAVE, null, OpMode.SLAVE),
                peer(ScmState.DEGRADED, OpMode.MASTER, OpMode.MASTER)).next();
        Decision tick = Transitions.next(waiting, new Event.Tick());
        assertTrue(sends(tick, Message.READY));
        assertEquals(waiting, tick.next());
        Decision down = Transitions.next(waiting, new Event.PeerDown("all channels BAD"));
        assertEquals(ScmState.DEGRADED, down.next().state());
    }

    @Test
    void shutdownStopsTellsThePeerAndShutsDown() {
        Decision d = Transitions.next(at(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, OpMode.MASTER),
                new Event.Shutdown("operator"));
        assertEquals(ScmState.HALTED, d.next().state());
        assertEquals(List.of(new Action.Serve(Scope.NONE), new Action.StopAll(),
                new Action.Send(Message.LEAVING, "SHUTDOWN: operator"), new Action.ShutDownAll()), d.actions());
    }

    @Test
    void resetStopsShutsDownAndBootsAgainFromAnyState() {
        for (Machine m : everyMachine()) {
            Decision d = Transitions.next(m, new Event.Reset("operator"));
            assertEquals(ScmState.BOOT, d.next().state(), m.toString());
            assertEquals(new Action.InitAndTest(), d.actions().get(d.actions().size() - 1));
            assertTrue(d.actions().indexOf(new Action.StopAll()) < d.actions().indexOf(new Action.ShutDownAll()));
        }
    }

    @Test
    void surrenderLetsThePeerTakeOverButNotWhenNobodyCould() {
        Decision d = Transitions.next(at(ScmState.DAC, OpMode.SLAVE, SysConfig.DAC, OpMode.SLAVE), new Event.Surrender("upgrade"));
        assertEquals(ScmState.HALTED, d.next().state());
        assertTrue(sends(d, Message.LEAVING));
        Decision refused = Transitions.next(at(ScmState.DEGRADED, OpMode.MASTER, SysConfig.DEGRADED, OpMode.MASTER),
                new Event.Surrender("upgrade"));
        assertEquals(ScmState.DEGRADED, refused.next().state());
        assertNull(refused.transition());
        assertTrue(refused.refused().startsWith("the SCM is DEGRADED: "), refused.refused());
    }

    @Test
    void everyCommandInEveryStateIsCarriedOutOrRefusedWithWhyNeverDropped() {
        for (Machine m : everyMachine()) {
            for (Event command : List.of(new Event.Surrender("upgrade"), new Event.Shutdown("operator"),
                    new Event.Reset("operator"))) {
                Decision d = Transitions.next(m, command);
                String where = m + " + " + command + " -> " + d;
                assertEquals(Transitions.refusal(m, command), d.refused(), "asked before queuing, the same answer: " + where);
                if (d.refused() != null) {
                    assertEquals(m, d.next(), where);
                    assertEquals(List.of(), d.actions(), where);
                    assertTrue(d.refused().contains(m.state().name()), "names the state: " + where);
                } else {
                    assertNotNull(d.transition(), "accepted, so carried out: " + where);
                    String name = command.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT);
                    assertTrue(d.next().reason() != null && d.next().reason().contains(name + ": ")
                            && d.next().reason().contains(((Object) command).toString().replaceAll(".*reason=(\\w+).*", "$1")),
                            "the state says the command and its reason: " + where);
                }
            }
        }
    }

    @Test
    void degradedSaysWhyThePeerIsDead() {
        Machine dac = at(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, OpMode.MASTER);
        Decision d = Transitions.next(dac, new Event.PeerInfo(false, ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, PEER,
                false, true, "scm-b is dead (FENCED), last heard 2026-12-02T20:49:03.912Z"));
        assertEquals(ScmState.DEGRADED, d.next().state());
        assertEquals("serving the peer's personality too: scm-b is dead (FENCED), last heard 2026-12-02T20:49:03.912Z",
                d.next().reason());
        Decision left = Transitions.next(dac, new Event.PeerDown("the peer left: SHUTDOWN: maintenance"));
        assertEquals("serving the peer's personality too: the peer left: SHUTDOWN: maintenance", left.next().reason());
        // a peer that comes back and is handed its personality: DAC needs no reason
        Machine back = Transitions.next(d.next().peer(true, PEER + 1), new Event.PeerReady()).next();
        assertEquals(ScmState.DAC, back.state());
        assertNull(back.reason());
    }

    @Test
    void thePeersOwnWordIsTheReasonWhenItsHaltedStatusCameFirst() {
        Machine dac = at(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, OpMode.MASTER);
        // a surrendering peer's status says HALTED before its LEAVING is delivered
        Decision halted = Transitions.next(dac, new Event.PeerInfo(false, ScmState.HALTED, null, OpMode.SLAVE, PEER,
                false, true, "scm-b is dead (REPORTED_FAULT)"));
        assertEquals(ScmState.DEGRADED, halted.next().state());
        Decision left = Transitions.next(halted.next(), new Event.PeerDown("the peer left: surrender: demo test"));
        assertEquals(ScmState.DEGRADED, left.next().state());
        assertTrue(left.actions().isEmpty(), "already taken over: " + left.actions());
        assertEquals("serving the peer's personality too: the peer left: surrender: demo test", left.next().reason());
        // a LEAVING that arrives after the peer came back changes nothing
        Machine waiting = halted.next().peer(true, PEER + 1).because("serving the peer's personality too: x; the peer"
                + " is READY and waits");
        assertEquals(waiting.reason(), Transitions.next(waiting, new Event.PeerDown("the peer left: y")).next().reason());
    }

    @Test
    void aPeerNeverHeardDoesNotEndInitBeforeItsTimeoutButIsTakenOverRightAfter() {
        Machine init = at(ScmState.INIT, OpMode.MASTER, null, OpMode.MASTER);
        Decision d = Transitions.next(init, new Event.PeerInfo(false, null, null, null, 0));
        assertEquals(ScmState.INIT, d.next().state());
        assertTrue(d.actions().isEmpty());
        Decision alone = Transitions.next(d.next(), new Event.PeerSilent());
        assertEquals(ScmState.DEGRADED, alone.next().state());
    }

    @Test
    void aPeerNeverHeardThatIsSeenToStopEndsInitAtOnce() {
        for (OpMode role : OpMode.values()) {
            Machine init = at(ScmState.INIT, role, null, role);
            Decision d = Transitions.next(init, new Event.PeerInfo(false, null, null, null, 0, false, true));
            // it will never answer: going on alone now, and taking its personality over, is no guess
            assertEquals(ScmState.DEGRADED, d.next().state(), d.toString());
            assertTrue(d.transition().contains("going on alone"), d.transition());
            List<OpModeCall> calls = opModes(d);
            assertEquals(new OpModeCall(OpMode.MASTER, SysConfig.DEGRADED, false), calls.get(calls.size() - 1));
        }
    }

    @Test
    void aReadyOvertakenByThePeersDeathGivesNothingBack() {
        Machine degraded = at(ScmState.DEGRADED, OpMode.MASTER, SysConfig.DEGRADED, OpMode.MASTER).peer(false, PEER);
        Decision d = Transitions.next(degraded, new Event.PeerReady());
        assertEquals(ScmState.DEGRADED, d.next().state());
        assertTrue(d.actions().isEmpty());
        // the peer's status messages come first when it is really back, then its READY is taken
        Machine back = Transitions.next(degraded, peer(ScmState.INIT, OpMode.SLAVE, OpMode.SLAVE)).next();
        assertEquals("FAILBACK", Transitions.next(back, new Event.PeerReady()).transition());
    }

    // ---- the storage ----

    @Test
    void aDacScmThatCannotWriteHandsItsPersonalityToThePeerAndComesBackWhenTheStorageTakesWritesAgain() {
        Machine dac = at(ScmState.DAC, OpMode.SLAVE, SysConfig.DAC, OpMode.SLAVE);
        // read-only here: shown, but nothing moves until the peer said it can write the volume
        Decision shown = Transitions.next(dac, new Event.Storage(READ_ONLY));
        assertNull(shown.transition());
        assertEquals(READ_ONLY.note(), shown.next().shownReason());

        Decision d = Transitions.next(shown.next(), new Event.Storage(HAND_OVER));
        assertEquals("FAULT (storage)", d.transition());
        assertEquals(ScmState.MONITOR, d.next().state());
        assertTrue(d.next().storageHold());
        assertTrue(d.next().reason().contains("volume vol-a is read-only here"), d.next().reason());
        assertTrue(d.next().reason().contains("leaves MONITOR by itself"), d.next().reason());
        assertEquals(List.of(new Action.Serve(Scope.NONE), new Action.StopAll()), d.actions().subList(0, 2));
        assertTrue(sends(d, Message.LEAVING), "the peer takes over at once");

        // the peer's answer may change, the storage stays read-only: MONITOR stays
        Decision still = Transitions.next(d.next(), new Event.Storage(READ_ONLY));
        assertEquals(ScmState.MONITOR, still.next().state());
        assertNull(still.transition());
        // the storage takes writes again: RESET, and BOOT says why
        Decision back = Transitions.next(still.next(), new Event.Storage(StorageView.NONE));
        assertEquals("RESET (the storage takes writes again)", back.transition());
        assertEquals(ScmState.BOOT, back.next().state());
        assertEquals("left MONITOR: the storage takes writes again", back.next().shownReason());
        assertFalse(sends(back, Message.LEAVING), "it served nothing in MONITOR");
        assertTrue(back.actions().contains(new Action.InitAndTest()));
    }

    @Test
    void aFullStorageIsShownAndMovesNothing() {
        Machine dac = at(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, OpMode.MASTER);
        Decision d = Transitions.next(dac, new Event.Storage(FULL));
        assertEquals(ScmState.DAC, d.next().state());
        assertNull(d.transition());
        assertTrue(d.actions().isEmpty());
        assertEquals(FULL.note(), d.next().shownReason());
        // the note survives a transition: a failover with the storage full shows it in DEGRADED, after why
        Decision failover = Transitions.next(d.next(), new Event.PeerDown("all channels BAD"));
        assertEquals(ScmState.DEGRADED, failover.next().state());
        assertEquals("serving the peer's personality too: all channels BAD; " + FULL.note(), failover.next().shownReason());
        assertEquals("serving the peer's personality too: all channels BAD",
                Transitions.next(failover.next(), new Event.Storage(StorageView.NONE)).next().shownReason());
    }

    @Test
    void degradedKeepsServingWhatItCanWhenItCannotWrite() {
        Machine degraded = at(ScmState.DEGRADED, OpMode.MASTER, SysConfig.DEGRADED, OpMode.MASTER).peer(false, PEER);
        Decision d = Transitions.next(degraded, new Event.Storage(HAND_OVER));
        assertEquals(ScmState.DEGRADED, d.next().state(), "nobody to hand over to");
        assertTrue(d.actions().isEmpty());
        // nor in DAC with a peer the status monitor just declared dead: that is a FAILOVER
        Machine dac = at(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, OpMode.MASTER).storage(HAND_OVER);
        assertEquals("FAILOVER", Transitions.next(dac, new Event.PeerInfo(false, ScmState.DAC, OpMode.SLAVE,
                OpMode.SLAVE, PEER)).transition());
    }

    @Test
    void anInitScmThatCannotWriteWaitsInMonitorWithoutCallingThePeersTakeover() {
        Machine init = at(ScmState.INIT, OpMode.SLAVE, null, OpMode.SLAVE).awaiting();
        Decision d = Transitions.next(init, new Event.Storage(HAND_OVER));
        assertEquals("FAULT (storage)", d.transition());
        assertTrue(d.next().storageHold());
        assertFalse(sends(d, Message.LEAVING), "it serves nothing yet: the peer keeps what it serves");

        // a READY that the peer's word would bring is not taken: it would only acquire what cannot be written
        Machine asking = at(ScmState.INIT, OpMode.MASTER, null, OpMode.MASTER).peer(false, PEER).storage(HAND_OVER);
        Decision ready = Transitions.next(asking, peer(ScmState.INIT, OpMode.SLAVE, OpMode.SLAVE));
        assertEquals("FAULT (storage)", ready.transition());
        assertTrue(opModes(ready).isEmpty(), ready.toString());
        assertFalse(sends(ready, Message.LEAVING) || sends(ready, Message.READY), ready.toString());
    }

    @Test
    void aDegradedScmThatCannotWriteGivesEverythingToThePeerThatComesBack() {
        Machine degraded = at(ScmState.DEGRADED, OpMode.MASTER, SysConfig.DEGRADED, OpMode.MASTER).storage(HAND_OVER);
        Decision d = Transitions.next(degraded, new Event.PeerReady());
        assertEquals("FAULT (storage)", d.transition(), "not a FAILBACK: the peer takes both personalities");
        assertEquals(new Action.Serve(Scope.NONE), d.actions().get(0));
        assertTrue(sends(d, Message.LEAVING));
        assertFalse(sends(d, Message.PROCEED));
        assertTrue(d.next().storageHold());
    }

    @Test
    void aMonitorForAnotherCauseIsNotLeftByTheStorage() {
        Machine monitor = at(ScmState.INIT, OpMode.MASTER, null, OpMode.MASTER).monitor("both SCMs are configured MASTER");
        Decision d = Transitions.next(monitor, new Event.Storage(StorageView.NONE));
        assertEquals(ScmState.MONITOR, d.next().state());
        assertNull(d.transition());
        assertEquals("both SCMs are configured MASTER", d.next().shownReason());
    }

    @Test
    void aStandaloneScmHasNobodyToHandOverTo() {
        Machine dac = new Machine(ScmState.DAC, OpMode.MASTER, SysConfig.DAC, OpMode.MASTER, true, false, true, 0, null);
        Decision d = Transitions.next(dac, new Event.Storage(HAND_OVER));
        assertEquals(ScmState.DAC, d.next().state());
        assertEquals(HAND_OVER.note(), d.next().shownReason());
    }
}
