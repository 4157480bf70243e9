package org.hasm.controller.internal;

import java.util.ArrayList;
import java.util.List;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;

/**
 * The HASC state machine as a pure function: (state, event) → (new state, actions), no I/O
 * (DESIGN §3; the patent's FIG. 4–11). The {@link Scm} executes the actions through the ordered
 * invoker. Transitions are decided optimistically: if an action fails on a HASM module, the executor
 * feeds a {@link Event.Fault} back in.
 */
final class Transitions {

    /** Events the machine reacts to. */
    sealed interface Event {
        /** OFF → BOOT. */
        record PowerOn() implements Event { }

        /** Every module was initialised and tested; {@code ok} false if a HASM module failed. */
        record Booted(boolean ok, String reason) implements Event { }

        /**
         * What the peer reports: from its status messages, or, {@code confirmed}, from its answer to
         * GETSTATE over the link — current, where a status message may be one interval old.
         * {@code state} null means it was never heard. {@code stopped}: the status monitor saw its
         * process stop (its fence agent found it certainly stopped, or fenced it): a death witnessed,
         * even of a peer never heard.
         */
        record PeerInfo(boolean alive, ScmState state, OpMode opMode, OpMode configuredRole, long incarnation,
                boolean confirmed, boolean stopped, String why) implements Event {
            /** What the status monitor says. */
            PeerInfo(boolean alive, ScmState state, OpMode opMode, OpMode configuredRole, long incarnation) {
                this(alive, state, opMode, configuredRole, incarnation, false, false, null);
            }

            PeerInfo(boolean alive, ScmState state, OpMode opMode, OpMode configuredRole, long incarnation,
                    boolean confirmed) {
                this(alive, state, opMode, configuredRole, incarnation, confirmed, false, null);
            }

            PeerInfo(boolean alive, ScmState state, OpMode opMode, OpMode configuredRole, long incarnation,
                    boolean confirmed, boolean stopped) {
                this(alive, state, opMode, configuredRole, incarnation, confirmed, stopped, null);
            }

            /** @return why the peer is dead, as the status monitor says, or what its state says */
            String death() {
                if (why != null) {
                    return why;
                }
                return state == null ? "the peer is silent" : "the peer is " + state;
            }
        }

        /** INIT: the peer did not answer within the configured time. */
        record PeerSilent() implements Event { }

        /** The peer is gone: every channel BAD, it reported a fault, or it said it leaves. */
        record PeerDown(String why) implements Event { }

        /** The peer sent READY: it is done with INIT and wants its personality back. */
        record PeerReady() implements Event { }

        /** The peer (MASTER) released our personality: go on to DAC(slave). */
        record Proceed() implements Event { }

        /** INIT(slave) while waiting for PROCEED: time to say READY again. */
        record Tick() implements Event { }

        /** A HASM module failed or panicked, or the configuration is contradictory. */
        record Fault(String reason) implements Event { }

        /** Operator: stop serving and let the peer take over at once. */
        record Surrender(String reason) implements Event { }

        /** Operator or power loss: stop, shut down, HALTED. */
        record Shutdown(String reason) implements Event { }

        /** Operator, suicide or configuration restore: stop, shut down, boot again. */
        record Reset(String reason) implements Event { }

        /**
         * What the storage module says of this SCM's storage now. Remembered in every state and shown
         * with it; a volume this SCM cannot write and the peer can moves the personality to the peer
         * (FAULT into a MONITOR that ends by itself once the storage takes writes again).
         */
        record Storage(StorageView view) implements Event { }

        /**
         * Operator (through the MASTER): hand what this SCM serves over to the peer and stand by, up
         * and serving nothing (standby, move). Cooperative: the services let go (their opMode drains
         * what is in flight within its deadline), then the peer is told and takes over at once.
         */
        record HandOver(String reason) implements Event { }

        /** The peer released its personality for this SCM to serve: take it over at once, no fence to wait for. */
        record PeerHandedOver(String reason) implements Event { }

        /** Operator, on the MASTER: give the peer's personality back (failback, unstandby, move back). */
        record GiveBack(String reason) implements Event { }

        /** Operator (through the MASTER): this SCM, standing by, asks for its personality back (says READY). */
        record Unstandby(String reason) implements Event { }

        /** The failback policy's delay passed since the peer said READY. */
        record FailbackDue() implements Event { }

        /**
         * Operator, or the MASTER's word: the pair takes no automatic action (no FAILOVER on a dead peer,
         * no FAILBACK) while on; what the operator or a peer asks explicitly still happens.
         *
         * @param fromPeer told by the peer (not said back to it)
         */
        record Maintenance(boolean on, String reason, boolean fromPeer) implements Event { }
    }

    /** Messages to the peer's controller. */
    enum Message { READY, PROCEED, LEAVING, HANDOVER, MAINTENANCE_ON, MAINTENANCE_OFF }

    /** How DEGRADED's reason begins after a FAILOVER; the rest says why the peer is dead. */
    private static final String TAKEN_OVER = "serving the peer's personality too: ";

    /** Which personalities to serve. */
    enum Scope { NONE, OWN, ALL }

    /** Effects, performed in order by the executor. */
    sealed interface Action {
        /** init then test on every module (forward); the executor answers with {@link Event.Booted}. */
        record InitAndTest() implements Action { }

        /** Ask the peer (NOP, GETSTATE) until it answers or the INIT timeout passes. */
        record AskPeer() implements Action { }

        /** Set the personalities served, before the opMode that acts on them. */
        record Serve(Scope scope) implements Action { }

        /** opMode on every module; {@code reverse} when the transition gives work away. */
        record OpModeCall(OpMode mode, SysConfig config, boolean reverse) implements Action { }

        /** stop on every running module, reverse order. */
        record StopAll() implements Action { }

        /** shutDown on every initialised module, reverse order. */
        record ShutDownAll() implements Action { }

        /** A message to the peer's controller (best effort, in order). */
        record Send(Message message, String detail) implements Action { }

        /** Feed {@code event} in again after {@code millis} (a failback policy's delay). */
        record Later(long millis, Event event) implements Action { }
    }

    /**
     * @param next the new state
     * @param transition the name of the transition taken (READY, FAILOVER, ...), or {@code null} if none
     * @param actions what to do, in order
     * @param refused why an operator's command was not carried out (the machine stays), or {@code null}
     */
    record Decision(Machine next, String transition, List<Action> actions, String refused) {
        Decision {
            actions = List.copyOf(actions);
        }

        Decision(Machine next, String transition, List<Action> actions) {
            this(next, transition, actions, null);
        }
    }

    private Transitions() {
    }

    static Decision next(Machine m, Event e) {
        String refused = refusal(m, e);
        if (refused != null) {
            return new Decision(m, null, List.of(), refused);
        }
        // Commands and faults mean the same from every running state.
        if (e instanceof Event.Shutdown s) {
            return shutdown(m, s.reason());
        }
        if (e instanceof Event.Reset r) {
            return reset(m, r.reason());
        }
        if (e instanceof Event.Maintenance mt) {
            return storageChecked(m, maintenance(m, mt));
        }
        if (e instanceof Event.PeerHandedOver h && m.state() != ScmState.DAC && m.state() != ScmState.DEGRADED) {
            // only DAC takes a personality over; elsewhere the peer's release is a leave like any other
            e = new Event.PeerDown("the peer handed its personality over (" + h.reason() + ")");
        }
        if (e instanceof Event.PeerDown d && m.state() == ScmState.DEGRADED && !m.peerAlive() && m.reason() != null
                && m.reason().startsWith(TAKEN_OVER)) {
            // The peer's status (HALTED, MONITOR) can arrive before its word that it leaves: taken over
            // on the first, the reason shown is the peer's own, whichever came first.
            return stay(m.because(TAKEN_OVER + d.why()));
        }
        // What the peer and the storage say is remembered in every state, then acted on by the state.
        if (e instanceof Event.PeerDown) {
            m = m.peer(false, m.peerIncarnation());
        }
        if (e instanceof Event.Storage s) {
            m = m.storage(s.view());
        }
        return storageChecked(m, decide(m, e));
    }

    private static Decision decide(Machine m, Event e) {
        return switch (m.state()) {
            case OFF -> e instanceof Event.PowerOn ? new Decision(m.to(ScmState.BOOT, null, null), "POWER ON",
                    List.of(new Action.InitAndTest())) : stay(m);
            case BOOT -> boot(m, e);
            case INIT -> init(m, e);
            case DAC, DEGRADED -> steady(m, e);
            case MONITOR -> m.storageHold() && !m.storage().unwritable()
                    ? reset(m, "the storage takes writes again", "left MONITOR: the storage takes writes again")
                    : peerNoted(m, e);
            case HALTED -> peerNoted(m, e);
        };
    }

    /**
     * Whether an operator's command can be carried out in the machine's state: asked before the command
     * is queued (so that the operator is told at once) and again when it is taken.
     *
     * @return why the command is refused, naming the state; {@code null} when it can be carried out
     *     (every other event)
     */
    static String refusal(Machine m, Event e) {
        if (e instanceof Event.HandOver) {
            return handOverRefusal(m);
        }
        if (e instanceof Event.GiveBack) {
            return m.state() != ScmState.DEGRADED ? "the SCM is " + m.describe() + ": it serves no personality of its"
                    + " peer's to give back" : !m.peerAlive() ? "the peer is not alive (" + m.reason() + "): nobody"
                    + " would serve its personality" : null;
        }
        if (e instanceof Event.Unstandby) {
            return m.state() == ScmState.INIT && m.admin().standby() ? null
                    : "the SCM is " + m.describe() + " and does not stand by";
        }
        if (!(e instanceof Event.Surrender)) {
            return null; // RESET boots from any state; SHUTDOWN from any state, HALTED too (it releases what is held)
        }
        return switch (m.state()) {
            case OFF -> "the SCM is OFF: it serves nothing to surrender";
            case HALTED -> "the SCM is HALTED already" + (m.reason() == null ? "" : " (" + m.reason() + ")")
                    + ": it serves nothing; reset boots it again";
            case MONITOR -> "the SCM is in MONITOR (" + m.reason() + "): it serves nothing to surrender; reset boots it"
                    + " again, shutdown halts it";
            case DEGRADED -> "the SCM is DEGRADED: it serves its peer's personality too, and its peer is dead"
                    + " (" + (m.reason() == null ? "it took over" : m.reason()) + "): nobody would take over;"
                    + " shutdown stops it anyway";
            default -> m.standalone() ? "the SCM is " + m.describe() + " without a peer (standalone): nobody would take"
                    + " over; shutdown stops it anyway"
                    : !m.peerAlive() ? "the SCM is " + m.describe() + " and its peer is not alive: nobody would take over;"
                    + " shutdown stops it anyway"
                    : null;
        };
    }

    private static String handOverRefusal(Machine m) {
        if (m.state() == ScmState.INIT && m.admin().standby()) {
            return "the SCM stands by already: it serves nothing";
        }
        if (m.state() == ScmState.DEGRADED) {
            return "the SCM serves its peer's personality too (" + m.reason() + "): "
                    + (m.peerAlive() ? "give that back first (failback)" : "its peer is not alive, nobody would take over");
        }
        if (m.state() != ScmState.DAC) {
            return "the SCM is " + m.describe() + ": it serves nothing to hand over";
        }
        if (m.standalone()) {
            return "the SCM runs without a peer (standalone): nobody would take over";
        }
        return m.peerAlive() ? null : "the SCM's peer is not alive: nobody would take over";
    }

    // ---- BOOT ----

    private static Decision boot(Machine m, Event e) {
        if (e instanceof Event.Booted b) {
            if (!b.ok()) {
                return fault(m, b.reason());
            }
            OpMode role = m.standalone() ? OpMode.MASTER : m.configured();
            return new Decision(m.to(ScmState.INIT, role, null), role.name(), List.of(new Action.AskPeer()));
        }
        if (e instanceof Event.Fault f) {
            return fault(m, f.reason());
        }
        if (e instanceof Event.Surrender s) {
            return surrender(m, s.reason());
        }
        return peerNoted(m, e);
    }

    // ---- INIT ----

    private static Decision init(Machine m, Event e) {
        if (e instanceof Event.Fault f) {
            return fault(m, f.reason());
        }
        if (e instanceof Event.Surrender s) {
            return surrender(m, s.reason());
        }
        if (m.standalone()) {
            // no peer to wait for: the INIT handshake ends as soon as it starts
            boolean handshakeOver = e instanceof Event.PeerSilent || e instanceof Event.PeerDown
                    || e instanceof Event.PeerInfo;
            return handshakeOver ? ready(m, OpMode.MASTER, "READY (standalone: no peer configured)") : stay(m);
        }
        if (m.awaitingProceed()) {
            return initAwaiting(m, e);
        }
        if (m.admin().standby()) {
            return standingBy(m, e);
        }
        if (e instanceof Event.PeerSilent) {
            return ready(m, m.opMode(), "READY (the peer did not answer: going on alone)",
                    "the peer did not answer within the INIT time");
        }
        if (e instanceof Event.PeerDown d) {
            return ready(m, m.opMode(), "READY (the peer is down: going on alone)", d.why());
        }
        if (e instanceof Event.PeerInfo p) {
            Machine noted = m.peer(p.alive(), p.incarnation() != 0 ? p.incarnation() : m.peerIncarnation());
            if (!p.alive() && p.state() == null) {
                if (p.stopped()) {
                    // Never heard, but seen running and then stopped: it will not answer, waiting is dark time.
                    return ready(noted, m.opMode(), "READY (the peer stopped before it was heard: going on alone)",
                            p.death());
                }
                // Never heard, and the channels ran out their benefit of the doubt: the peer may just be
                // slower to boot. The INIT timeout decides (and a peer still dead then is taken over at once).
                return stay(noted);
            }
            if (p.state() != null && p.configuredRole() != null && p.configuredRole() == m.configured()) {
                // checked first, alive or not: the peer may already be in MONITOR for this very conflict
                return fault(noted, "both SCMs are configured " + m.configured()
                        + ": exactly one must be MASTER; correct the configuration of one of them");
            }
            if (!p.alive() || p.state() == ScmState.MONITOR || p.state() == ScmState.HALTED) {
                return ready(noted.peer(false, noted.peerIncarnation()), m.opMode(),
                        "READY (the peer is " + (p.state() == null ? "silent" : p.state()) + ": going on alone)",
                        p.alive() ? "the peer is " + p.state() : p.death());
            }
            if (p.state() == null) {
                return stay(noted); // alive by benefit of the doubt, never heard: keep asking
            }
            boolean peerServes = p.state() == ScmState.DEGRADED
                    || (p.state() == ScmState.DAC && p.opMode() == OpMode.MASTER);
            if (peerServes) {
                return joinRunningMaster(noted);
            }
            // The peer boots too, or runs as SLAVE: take the role it does not run.
            OpMode role = p.opMode() == null ? m.configured() : other(p.opMode());
            return ready(noted, role, role == m.opMode() ? "READY" : "IMPERSONATE + READY");
        }
        return stay(m);
    }

    /** The peer runs as MASTER (DAC or DEGRADED): become SLAVE, say READY, wait for PROCEED. */
    private static Decision joinRunningMaster(Machine m) {
        List<Action> actions = new ArrayList<>();
        String transition = "READY sent, awaiting PROCEED";
        if (m.opMode() == OpMode.MASTER) {
            // IMPERSONATE, MASTER → SLAVE: a transition that gives work away runs in reverse order.
            actions.add(new Action.OpModeCall(OpMode.SLAVE, SysConfig.ASSUMEDAC, true));
            transition = "IMPERSONATE (master → slave), " + transition;
        }
        actions.add(new Action.Send(Message.READY, null));
        Machine next = new Machine(ScmState.INIT, OpMode.SLAVE,
                m.opMode() == OpMode.MASTER ? SysConfig.ASSUMEDAC : m.sysConfig(), m.configured(), m.standalone(),
                true, m.peerAlive(), m.peerIncarnation(), null).storageOf(m);
        return new Decision(next, transition, actions);
    }

    private static Decision initAwaiting(Machine m, Event e) {
        if (e instanceof Event.Proceed) {
            return ready(m, OpMode.SLAVE, "READY (PROCEED received)");
        }
        if (e instanceof Event.Tick) {
            return new Decision(m, null, List.of(new Action.Send(Message.READY, "again")));
        }
        if (e instanceof Event.PeerDown d) {
            // The MASTER we waited for is gone: serve our own, become MASTER, take its personality over.
            Machine dac = m.to(ScmState.DAC, OpMode.SLAVE, SysConfig.DAC);
            List<Action> actions = new ArrayList<>();
            actions.add(new Action.Serve(Scope.OWN));
            Decision f = failover(dac, d.why());
            actions.addAll(f.actions());
            return new Decision(f.next(), "READY + IMPERSONATE + FAILOVER (" + d.why() + ")", actions);
        }
        if (e instanceof Event.PeerInfo p) {
            Machine noted = m.peer(p.alive(), p.incarnation() != 0 ? p.incarnation() : m.peerIncarnation());
            if (p.alive() && (p.state() == ScmState.BOOT || p.state() == ScmState.INIT)) {
                // The peer restarted while we waited: start the handshake over. (A peer found dead is dead, whatever
                // it said last: one killed just after it rejoined may have said INIT, and waiting out the INIT
                // handshake for it would leave both personalities unserved by an SCM standing by.)
                Machine again = new Machine(ScmState.INIT, m.configured(), null, m.configured(), m.standalone(),
                        false, noted.peerAlive(), noted.peerIncarnation(), null).storageOf(m);
                return new Decision(again, "INIT again (the peer restarted)", List.of(new Action.AskPeer()));
            }
            if (!p.alive() || p.state() == ScmState.MONITOR || p.state() == ScmState.HALTED) {
                String why = p.alive() ? "the peer is " + p.state() : p.death();
                if (m.admin().maintenance()) {
                    // the MASTER we waited for is dead: serve our own, take nothing over
                    return ready(noted.peer(false, noted.peerIncarnation()), OpMode.SLAVE, "READY (" + why + ")", why);
                }
                return initAwaiting(noted, new Event.PeerDown(why));
            }
            return stay(noted);
        }
        return stay(m);
    }

    /**
     * INIT(slave), standing by: the peer serves this SCM's personality; this SCM says READY only when the
     * operator asks (through the MASTER), and takes the personality back when the MASTER gives it
     * (PROCEED). Should the peer die, restart or leave, it acts as an SCM waiting for PROCEED does.
     */
    private static Decision standingBy(Machine m, Event e) {
        if (e instanceof Event.Unstandby u) {
            return new Decision(m.awaiting().because(null), "UNSTANDBY (" + u.reason() + "), READY sent",
                    List.of(new Action.Send(Message.READY, "unstandby")));
        }
        if (e instanceof Event.Tick) {
            return stay(m);
        }
        if (e instanceof Event.Proceed) {
            return ready(m, OpMode.SLAVE, "READY (the MASTER gave this SCM's personality back)");
        }
        boolean dead = e instanceof Event.PeerDown || e instanceof Event.PeerInfo p
                && (!p.alive() || p.state() == ScmState.MONITOR || p.state() == ScmState.HALTED);
        if (dead && m.admin().maintenance()) {
            Event.PeerInfo p = e instanceof Event.PeerInfo i ? i : null;
            return stay(m.peer(false, m.peerIncarnation()).because("STANDBY; MAINTENANCE: the peer is dead ("
                    + (p == null ? ((Event.PeerDown) e).why() : p.death()) + "), and nothing is taken over until"
                    + " maintenance ends"));
        }
        return initAwaiting(m, e);
    }

    /** READY: INIT → DAC in the given role, serving our own personality; a dead peer means FAILOVER next. */
    private static Decision ready(Machine m, OpMode role, String transition) {
        return ready(m, role, transition, "the peer was not alive when this SCM became READY");
    }

    /** @param peerDead why the peer is dead, should it be: the reason DEGRADED shows */
    private static Decision ready(Machine m, OpMode role, String transition, String peerDead) {
        Machine dac = m.to(ScmState.DAC, role, SysConfig.DAC);
        List<Action> actions = new ArrayList<>();
        actions.add(new Action.Serve(Scope.OWN));
        actions.add(new Action.OpModeCall(role, SysConfig.DAC, false));
        if (!m.standalone()) {
            actions.add(new Action.Send(Message.READY, null));
        }
        if (!m.peerAlive() && !m.standalone() && m.admin().maintenance()) {
            return new Decision(dac.because("MAINTENANCE: " + peerDead + "; its personality is not taken over until"
                    + " maintenance ends"), transition + " (maintenance: nothing taken over)", actions);
        }
        if (!m.peerAlive() && !m.standalone()) {
            Decision f = failover(dac, peerDead);
            actions.addAll(f.actions());
            return new Decision(f.next(), transition + " + " + f.transition(), actions);
        }
        return new Decision(dac, transition, actions);
    }

    // ---- DAC and DEGRADED ----

    private static Decision steady(Machine m, Event e) {
        if (e instanceof Event.Fault f) {
            return fault(m, f.reason());
        }
        if (e instanceof Event.Surrender s) {
            return surrender(m, s.reason()); // refused before where nobody would take over
        }
        if (m.standalone()) {
            return stay(m);
        }
        if (e instanceof Event.HandOver h) {
            return handOver(m, h.reason()); // refused before where nobody would take over
        }
        if (e instanceof Event.PeerHandedOver h) {
            return m.state() == ScmState.DAC ? takeOver(m, h.reason()) : stay(m);
        }
        if (e instanceof Event.GiveBack g) {
            return m.peerWaiting() ? failback(m, "FAILBACK (operator: " + g.reason() + ")")
                    : new Decision(m.givingBack(), "FAILBACK asked (" + g.reason() + "): at the peer's READY", List.of());
        }
        if (e instanceof Event.FailbackDue) {
            boolean due = m.state() == ScmState.DEGRADED && m.peerAlive() && m.peerWaiting() && !m.admin().maintenance()
                    && m.admin().policy().kind() == FailbackPolicy.Kind.DELAY;
            return due ? failback(m, "FAILBACK (policy " + m.admin().policy().describe() + ")") : stay(m);
        }
        if (e instanceof Event.PeerDown d) {
            // the peer said it leaves: taken over even in maintenance, it is no automatic judgement
            return m.state() == ScmState.DAC ? failover(m, d.why()) : stay(m);
        }
        if (e instanceof Event.PeerInfo p) {
            boolean restarted = m.peerIncarnation() != 0 && p.incarnation() != 0
                    && p.incarnation() != m.peerIncarnation()
                    && (p.state() == ScmState.BOOT || p.state() == ScmState.INIT);
            boolean faulted = p.state() == ScmState.MONITOR || p.state() == ScmState.HALTED;
            long incarnation = m.peerIncarnation() == 0 || restarted ? p.incarnation() : m.peerIncarnation();
            Machine noted = m.peer(p.alive() && !faulted, incarnation == 0 ? m.peerIncarnation() : incarnation);
            if (m.state() == ScmState.DAC && (!p.alive() || faulted || restarted) && m.admin().maintenance()) {
                String why = restarted ? "the peer restarted" : faulted && p.alive() ? "the peer reported " + p.state()
                        : p.death();
                return stay(noted.because("MAINTENANCE: " + why + "; its personality is not taken over until maintenance"
                        + " ends (a volume is never served twice: it stays unserved)"));
            }
            if (m.state() == ScmState.DAC && p.alive() && m.reason() != null && m.reason().startsWith("MAINTENANCE: ")
                    && (p.state() == ScmState.DAC || p.state() == ScmState.DEGRADED)) {
                noted = noted.because(null); // the peer serves again: nothing is held back any more
            }
            if (m.state() == ScmState.DAC && (!p.alive() || faulted || restarted)) {
                // A restarted peer serves nothing until it is READY again: its personality is ours to serve.
                return failover(noted, restarted ? "the peer restarted (incarnation " + p.incarnation() + ", "
                        + p.state() + "): it serves nothing until it is READY again" : faulted && p.alive()
                        ? "the peer reported " + p.state() : p.death());
            }
            if (p.alive() && p.state() == ScmState.DEGRADED
                    && (m.state() == ScmState.DAC || m.configured() == OpMode.SLAVE)) {
                if (!p.confirmed()) {
                    // A status message can be an interval older than the PROCEED that brought us here:
                    // ask the peer over the link before letting go of anything.
                    return new Decision(noted, null, List.of(new Action.AskPeer()));
                }
                // The peer serves our personality (it saw us dead: a partition, a pause). Two SCMs must not
                // serve one personality: we let go at once and rejoin through INIT. When both took over,
                // the configured SLAVE is the one that yields.
                return reset(noted, "the peer " + (m.state() == ScmState.DAC ? "took our personality over"
                        : "is DEGRADED too") + ": rejoining as SLAVE");
            }
            return stay(noted);
        }
        if (e instanceof Event.PeerReady) {
            if (m.state() == ScmState.DEGRADED && !m.peerAlive()) {
                // A READY overtaken by the news of the peer's death (it was in flight when the peer
                // died): handing a personality back to a dead peer would leave it unserved. A live
                // peer says READY again on every tick, and its status messages make it alive first.
                return stay(m);
            }
            if (m.state() == ScmState.DEGRADED) {
                return peerReady(m.peer(true, m.peerIncarnation()));
            }
            if (m.opMode() == OpMode.MASTER) {
                // The peer restarted faster than we noticed: it holds nothing of ours, nothing to give back.
                return new Decision(m.peer(true, m.peerIncarnation()), null, proceed(m));
            }
            return stay(m);
        }
        return stay(m);
    }

    /** DEGRADED, the peer alive and READY: FAILBACK now, or later as the failback policy and maintenance say. */
    private static Decision peerReady(Machine m) {
        Machine.Admin a = m.admin();
        if (a.giveBack() || !a.maintenance() && a.policy().kind() == FailbackPolicy.Kind.AUTOMATIC) {
            return failback(m, a.giveBack() ? "FAILBACK (asked by the operator)" : "FAILBACK");
        }
        if (a.peerWaiting()) {
            return stay(m); // READY again, every retry: already waiting
        }
        String note = a.maintenance() ? "the peer is READY and waits: maintenance (failback once it ends, or hasmctl"
                + " failback)" : a.policy().kind() == FailbackPolicy.Kind.MANUAL ? "the peer is READY and waits for"
                + " hasmctl failback (failback policy manual)" : "the peer is READY: failback in "
                + a.policy().describe().substring("delay ".length()) + " (failback policy " + a.policy().describe() + ")";
        Machine waiting = m.peerWaiting(true).because(m.reason() + "; " + note);
        List<Action> actions = a.maintenance() || a.policy().kind() == FailbackPolicy.Kind.MANUAL ? List.of()
                : List.of(new Action.Later(a.policy().delay().toMillis(), new Event.FailbackDue()));
        return new Decision(waiting, "FAILBACK deferred (" + note + ")", actions);
    }

    /** FAILBACK gives work away: services let go first (reverse), then the personality is released, then PROCEED. */
    private static Decision failback(Machine m, String transition) {
        Machine dac = m.to(ScmState.DAC, OpMode.MASTER, SysConfig.DAC).peer(true, m.peerIncarnation());
        List<Action> actions = new ArrayList<>(List.of(new Action.Serve(Scope.OWN),
                new Action.OpModeCall(OpMode.MASTER, SysConfig.DAC, true)));
        actions.addAll(proceed(m));
        return new Decision(dac, transition, actions);
    }

    /**
     * PROCEED, which in maintenance says so ({@link #IN_MAINTENANCE} as its detail: the field
     * {@code maintenance} of the message): the SLAVE learns the maintenance from GETSTATE at INIT, but a
     * status message of the MASTER's can end its INIT first, and it must not reach DAC without knowing that
     * the pair takes no automatic action. One message, so the word cannot arrive after the PROCEED.
     */
    private static List<Action> proceed(Machine m) {
        return List.of(new Action.Send(Message.PROCEED, m.admin().maintenance() ? IN_MAINTENANCE : null));
    }

    /** The detail of a PROCEED said in maintenance. */
    static final String IN_MAINTENANCE = "the pair is in maintenance";

    /**
     * Cooperative handover, the giver's side: its services let go of everything (reverse order: addresses
     * and volumes are released once the services drained), the peer is told and takes over at once, and
     * this SCM stands by in INIT(slave), up, serving nothing, until the MASTER gives its personality back.
     */
    private static Decision handOver(Machine m, String why) {
        List<Action> actions = List.of(new Action.Serve(Scope.NONE),
                new Action.OpModeCall(OpMode.SLAVE, SysConfig.ASSUMEDAC, true), new Action.Send(Message.HANDOVER, why));
        Machine standby = m.to(ScmState.INIT, OpMode.SLAVE, SysConfig.ASSUMEDAC).standingBy()
                .because("STANDBY: " + why + "; the peer serves this SCM's personality");
        return new Decision(standby, "HANDOVER (" + why + ")", actions);
    }

    /**
     * Cooperative handover, the taker's side: the peer released its personality and says so, so it is
     * taken over at once (IMPERSONATE first when running as SLAVE): no detection delay, no fence, and the
     * peer stays alive, which a later FAILBACK needs.
     */
    private static Decision takeOver(Machine m, String why) {
        List<Action> actions = new ArrayList<>();
        String transition = "TAKEOVER (handed over)";
        if (m.opMode() == OpMode.SLAVE) {
            actions.add(new Action.OpModeCall(OpMode.MASTER, SysConfig.DAC, false));
            transition = "IMPERSONATE (slave → master) + " + transition;
        }
        actions.add(new Action.Serve(Scope.ALL));
        actions.add(new Action.OpModeCall(OpMode.MASTER, SysConfig.DEGRADED, false));
        Machine degraded = m.to(ScmState.DEGRADED, OpMode.MASTER, SysConfig.DEGRADED)
                .because("serving the peer's personality too: the peer handed it over (" + why + ")");
        return new Decision(degraded, transition, actions);
    }

    /**
     * Maintenance on or off, in every state. Off, what was held back is done now: a FAILOVER if the
     * peer died meanwhile, a FAILBACK the policy allows.
     */
    private static Decision maintenance(Machine m, Event.Maintenance mt) {
        Machine next = m.maintenance(mt.on());
        List<Action> tell = mt.fromPeer() || m.standalone() ? List.of()
                : List.of(new Action.Send(mt.on() ? Message.MAINTENANCE_ON : Message.MAINTENANCE_OFF, mt.reason()));
        String transition = "MAINTENANCE " + (mt.on() ? "on" : "off") + " (" + mt.reason() + ")";
        if (mt.on() || m.standalone()) {
            return new Decision(next, transition, tell);
        }
        Decision then = null;
        if (next.state() == ScmState.DAC && !next.peerAlive()) {
            then = failover(next.because(null), "the peer was found dead during maintenance" + (m.reason() == null ? ""
                    : " (" + m.reason() + ")"));
        } else if (next.state() == ScmState.DEGRADED && next.peerWaiting() && next.peerAlive()) {
            then = peerReady(next.peerWaiting(false).because(next.reason().replaceAll("; the peer is READY and waits.*$",
                    "")));
        } else if (next.state() == ScmState.DAC && next.reason() != null && next.reason().startsWith("MAINTENANCE")) {
            next = next.because(null);
        }
        if (then == null) {
            return new Decision(next, transition, tell);
        }
        List<Action> actions = new ArrayList<>(tell);
        actions.addAll(then.actions());
        return new Decision(then.next(), transition + " + " + then.transition(), actions);
    }

    /**
     * FAILOVER (preceded by IMPERSONATE when running as SLAVE): take the peer's personality over.
     *
     * @param why why the peer is dead: DEGRADED shows it as its reason
     */
    private static Decision failover(Machine m, String why) {
        List<Action> actions = new ArrayList<>();
        String transition = "FAILOVER";
        if (m.opMode() == OpMode.SLAVE) {
            actions.add(new Action.OpModeCall(OpMode.MASTER, SysConfig.DAC, false));
            transition = "IMPERSONATE (slave → master) + FAILOVER";
        }
        actions.add(new Action.Serve(Scope.ALL));
        actions.add(new Action.OpModeCall(OpMode.MASTER, SysConfig.DEGRADED, false));
        Machine degraded = m.to(ScmState.DEGRADED, OpMode.MASTER, SysConfig.DEGRADED).peer(false, m.peerIncarnation())
                .because(TAKEN_OVER + why);
        return new Decision(degraded, transition, actions);
    }

    // ---- commands, faults and the fail states ----

    /**
     * Checked after every decision, on the state it leads to, so that what the same event says of
     * the peer counts: an SCM that would be in INIT or DAC while it cannot write its storage and the
     * peer, alive, can, gives its personality to the peer instead of what the decision was about (a
     * READY would only acquire volumes it cannot write; a FAILBACK gives the peer everything at once
     * this way). In DEGRADED nobody could take over: it serves what it can, and its status says what not.
     */
    private static Decision storageChecked(Machine before, Decision d) {
        Machine n = d.next();
        if ((n.state() != ScmState.INIT && n.state() != ScmState.DAC) || !handsOver(n)) {
            return d;
        }
        // LEAVING only from where it served: the peer takes over at once; from BOOT or INIT it serves nothing yet
        boolean served = before.state() == ScmState.DAC || before.state() == ScmState.DEGRADED;
        return storageFault(n.to(served ? before.state() : ScmState.INIT, n.opMode(), n.sysConfig()));
    }

    /** This SCM cannot write a volume of what it serves, and the peer, alive, said it can. */
    private static boolean handsOver(Machine m) {
        return !m.standalone() && m.peerAlive() && m.storage().handOver();
    }

    /**
     * FAULT for the storage: the personality goes to the peer at once (LEAVING), and MONITOR ends by
     * itself when the storage takes writes here again; a storage fault must not need an operator.
     */
    private static Decision storageFault(Machine m) {
        Decision f = fault(m, m.storage().note() + "; the peer serves this SCM's personality until the storage"
                + " takes writes here again, then this SCM leaves MONITOR by itself");
        return new Decision(f.next().monitorUntilWritable(f.next().reason()), "FAULT (storage)", f.actions());
    }

    private static Decision fault(Machine m, String why) {
        List<Action> actions = new ArrayList<>();
        actions.add(new Action.Serve(Scope.NONE));
        actions.add(new Action.StopAll());
        if (!m.standalone() && (m.state() == ScmState.DAC || m.state() == ScmState.DEGRADED)) {
            // Only an SCM that served has something for the peer to take over at once. From BOOT or
            // INIT the peer learns of MONITOR from the status messages, and a peer in INIT must not
            // mistake our leaving for a dead peer and miss a configuration conflict.
            actions.add(new Action.Send(Message.LEAVING, "FAULT: " + why));
        }
        return new Decision(m.monitor(why), "FAULT", actions);
    }

    private static Decision surrender(Machine m, String why) {
        List<Action> actions = new ArrayList<>();
        actions.add(new Action.Serve(Scope.NONE));
        actions.add(new Action.StopAll());
        actions.add(new Action.Send(Message.LEAVING, "surrender: " + why));
        return new Decision(m.to(ScmState.HALTED, null, null).because("SURRENDER: " + why
                + "; the peer serves this SCM's personality until a reset"), "SURRENDER", actions);
    }

    private static Decision shutdown(Machine m, String why) {
        if (m.state() == ScmState.HALTED || m.state() == ScmState.OFF) {
            // already stopped (a surrender): release what is still held
            return new Decision(m.to(ScmState.HALTED, null, null).because(m.reason() == null ? "SHUTDOWN: " + why
                    : m.reason() + "; then SHUTDOWN: " + why), "SHUTDOWN", List.of(new Action.ShutDownAll()));
        }
        List<Action> actions = new ArrayList<>();
        actions.add(new Action.Serve(Scope.NONE));
        actions.add(new Action.StopAll());
        if (!m.standalone()) {
            actions.add(new Action.Send(Message.LEAVING, "SHUTDOWN: " + why));
        }
        actions.add(new Action.ShutDownAll());
        return new Decision(m.to(ScmState.HALTED, null, null).because("SHUTDOWN: " + why), "SHUTDOWN", actions);
    }

    private static Decision reset(Machine m, String why) {
        return reset(m, why, null);
    }

    /** @param note shown with BOOT: why the SCM left MONITOR by itself, or {@code null} */
    private static Decision reset(Machine m, String why, String note) {
        List<Action> actions = new ArrayList<>();
        actions.add(new Action.Serve(Scope.NONE));
        actions.add(new Action.StopAll());
        boolean serving = m.state() == ScmState.DAC || m.state() == ScmState.DEGRADED || m.state() == ScmState.INIT;
        if (!m.standalone() && serving) {
            actions.add(new Action.Send(Message.LEAVING, "RESET: " + why));
        }
        actions.add(new Action.ShutDownAll());
        actions.add(new Action.InitAndTest());
        Machine boot = new Machine(ScmState.BOOT, null, null, m.configured(), m.standalone(), false, m.peerAlive(),
                m.peerIncarnation(), note == null ? "RESET: " + why : note).storageOf(m);
        return new Decision(boot, note == null ? "RESET" : "RESET (" + why + ")", actions);
    }

    /** In states that do not act on the peer, still remember what it says. */
    private static Decision peerNoted(Machine m, Event e) {
        if (e instanceof Event.PeerInfo p) {
            boolean faulted = p.state() == ScmState.MONITOR || p.state() == ScmState.HALTED;
            return stay(m.peer(p.alive() && !faulted, p.incarnation() != 0 ? p.incarnation() : m.peerIncarnation()));
        }
        return stay(m);
    }

    private static Decision stay(Machine m) {
        return new Decision(m, null, List.of());
    }

    private static OpMode other(OpMode mode) {
        return mode == OpMode.MASTER ? OpMode.SLAVE : OpMode.MASTER;
    }
}
