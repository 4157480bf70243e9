package org.hasm.status.internal;

import java.util.ArrayList;
import java.util.List;
import org.hasm.spi.peer.Verdict;

/**
 * The status monitor's judgement of its peer, as a pure function {@code next(state, input) ->
 * (state, verdict, actions)}: no I/O, no threads, no clock of its own (every input says when it
 * happened). The {@link Monitor} feeds it what its channels say and what the fence agent answered,
 * and carries out its actions (ask the agent, fence, log, post an event).
 *
 * <p>The rules (hasm-status README, "When the peer is dead"):
 * <ul>
 * <li>Dead only on evidence: it reported MONITOR or HALTED; a fence completed; the agent found it
 *     certainly stopped; its storage heartbeat, heard in this life, ran out its lease; or every
 *     channel is BAD where nothing can prove a partition (no storage heartbeat).
 * <li>Every network BAD while the storage heartbeat goes on is a network outage, reported as one.
 *     It is fenced only once it has lasted {@link Config#networkOnlyNanos} without a flood at our
 *     ports; a flood restarts that time. An outage that ends before is forgotten.
 * <li>Silent on the networks and on the storage (its heartbeat stopped, the lease still running): no
 *     evidence of life at all, so a peer that serves (it last said DAC or DEGRADED) is fenced at
 *     once; dead once the fence completed or the lease ran out, never before. A peer that serves
 *     nothing yet (BOOT, INIT: a JVM starting up stalls now and then) holds nothing to take over: its
 *     lease decides.
 * <li>Evidence that its process may be gone (the kernel closed or refused every link connection, its
 *     status ports unreachable, the heartbeat stopping, every network going BAD) asks the agent at
 *     once whether it is certainly stopped; a certain "yes" makes it dead the moment it comes. A peer
 *     never heard is asked again from time to time while the networks are BAD, so that a peer that
 *     was seen running and died before it was ever heard is seen to die.
 * <li>One agent call at a time: while a probe or a fence runs, another is awaited, never started
 *     beside it; a call that overruns its timeout is reported, and still awaited. A fence that
 *     completes for the life it was aimed at makes that life dead even if it answered late.
 * </ul>
 */
final class Policy {

    /** What the storage heartbeat says of the peer's current life. */
    enum Heartbeat {
        /** No storage channel, or none carried a heartbeat of this life and each ran out: no evidence. */
        NONE,
        /** A storage channel still GOOD by the benefit of the doubt, no heartbeat of this life yet. */
        UNHEARD,
        /** A heartbeat of this life arrived within the last detection time. */
        BEATING,
        /** Heard in this life, then silent for a detection time; the lease still runs. */
        STOPPED,
        /** Heard in this life, then silent for a whole lease. */
        EXPIRED
    }

    /** A fence agent's answer, to a probe ({@code stopped}) or to a fence. */
    enum Answer {
        /** Certainly stopped (probe), or stopped by the fence. */
        STOPPED,
        /** Cannot say it is stopped (probe), or could not fence. */
        NOT_STOPPED,
        /** The agent threw. */
        FAILED,
        /** No agent of the configured name is registered. */
        UNAVAILABLE
    }

    /**
     * @param peer the peer's name, for messages
     * @param agent the fence agent's name, for messages
     * @param networkOnlyNanos how long a network-only outage lasts before the peer is fenced
     * @param fenceTimeoutNanos how long an agent call may take before it is reported overdue
     * @param probeEveryNanos how soon a peer never heard is asked about again, at first
     * @param probeEveryMaxNanos the longest time between two such questions
     */
    record Config(String peer, String agent, long networkOnlyNanos, long fenceTimeoutNanos, long probeEveryNanos,
            long probeEveryMaxNanos) {
    }

    /**
     * What the monitor's channels say of the peer now.
     *
     * @param networkGood some network channel is GOOD
     * @param heard some frame of the peer's current life was accepted (on any channel)
     * @param heartbeat what the storage heartbeat says
     * @param flood strangers flood this SCM's status ports (rejected datagrams well above noise)
     * @param reportedFault the peer's last status says MONITOR or HALTED
     * @param serving the peer's last status says DAC or DEGRADED: it may hold volumes and addresses
     */
    record Observation(boolean networkGood, boolean heard, Heartbeat heartbeat, boolean flood,
            boolean reportedFault, boolean serving) {
        /** At start: every channel GOOD by the benefit of the doubt, nothing heard. */
        static final Observation START = new Observation(true, false, Heartbeat.UNHEARD, false, false, false);
    }

    /** Something the policy reacts to; {@code now} is a monotonic clock in nanoseconds. */
    sealed interface Input {
        long now();
    }

    /** The channels' summary, every interval and whenever it changes. */
    record Observed(long now, Observation what) implements Input {
    }

    /** The peer's kernel answered for it: every link connection closed or refused, or its status ports unreachable. */
    record Evidence(long now, String what) implements Input {
    }

    /**
     * A frame of a new incarnation of the peer arrived: what was known of its former life no longer
     * counts. {@code what}: the channels' summary with that frame counted, so that the verdict of the
     * new life is never judged on the old one's.
     */
    record NewLife(long now, Observation what) implements Input {
    }

    /** The agent answered call {@code call}. */
    record Answered(long now, long call, Answer answer, String detail) implements Input {
    }

    /** What the monitor must do. */
    sealed interface Action {
    }

    /** Ask the agent whether the peer is certainly stopped; answer with {@link Answered}. */
    record Probe(long call) implements Action {
    }

    /** Ask the agent to fence the peer; answer with {@link Answered}. */
    record Fence(long call) implements Action {
    }

    /** A log line. */
    record Log(Monitor.Level level, String message) implements Action {
    }

    /** A fence event's outcome (see {@link Fencing}'s constants). */
    record Outcome(String outcome) implements Action {
    }

    /**
     * An agent call in progress.
     *
     * @param id its number
     * @param fence a fence (else a probe)
     * @param life the peer's life it is about
     * @param deadline when it is overdue
     * @param overdue it passed its deadline (and was reported so); it is still awaited
     */
    record Call(long id, boolean fence, long life, long deadline, boolean overdue) {
    }

    /**
     * Everything the policy remembers.
     *
     * @param seen the last observation
     * @param life the peer's lives seen, counted from 0: tags every call
     * @param stopped the agent found this life certainly stopped
     * @param fenced a fence of this life completed
     * @param seenRunning the agent once could not say this life is stopped: its death can be witnessed
     * @param outageSince when the current network-only outage began; {@link #NONE} if none
     * @param timerSince when its network-only time began: the outage's start, or the last flood seen
     * @param outageFenced a fence was asked for in this outage
     * @param silenceFenced a fence was asked for in this silence (networks and heartbeat)
     * @param call the agent call in progress, or {@code null}
     * @param calls calls made so far: the next call's number
     * @param probeWanted a probe waits for the call in progress to end
     * @param fenceWanted a fence waits for the call in progress to end
     * @param probeAt when a peer never heard is asked about next; {@link #NONE} if not scheduled
     * @param probeEvery the current time between such questions
     * @param lastProbe the last answer to a probe of this life, or {@code null}
     * @param verdict the verdict published last
     */
    record State(Observation seen, long life, boolean stopped, boolean fenced, boolean seenRunning, long outageSince,
            long timerSince, boolean outageFenced, boolean silenceFenced, Call call, long calls, boolean probeWanted,
            boolean fenceWanted, long probeAt, long probeEvery, Answer lastProbe, Verdict verdict) {

        State with(Observation o) {
            return new State(o, life, stopped, fenced, seenRunning, outageSince, timerSince, outageFenced,
                    silenceFenced, call, calls, probeWanted, fenceWanted, probeAt, probeEvery, lastProbe, verdict);
        }
    }

    /**
     * @param state the new state
     * @param verdict the verdict now (also in the state)
     * @param actions what to do, in order
     */
    record Step(State state, Verdict verdict, List<Action> actions) {
        Step {
            actions = List.copyOf(actions);
        }
    }

    /**
     * An instant not set. {@link System#nanoTime()} may be negative (its origin is arbitrary), so "not set"
     * cannot be -1 or any sign test; this value is 292 years from any reading a JVM makes.
     */
    static final long NONE = Long.MIN_VALUE;

    private Policy() {
    }

    static State initial(Config c) {
        return new State(Observation.START, 0, false, false, false, NONE, NONE, false, false, null, 0, false, false, NONE,
                c.probeEveryNanos(), null, Verdict.STARTING);
    }

    static Step next(Config c, State s, Input in) {
        Builder b = new Builder(c, s, in.now());
        if (in instanceof Observed o) {
            b.observe(o.what());
        } else if (in instanceof Evidence e) {
            b.evidence(e.what());
        } else if (in instanceof NewLife n) {
            b.newLife(n.what());
        } else if (in instanceof Answered a) {
            b.answered(a.call(), a.answer(), a.detail());
        }
        return b.finish();
    }

    /** @return the verdict an observation and what the agent said make */
    static Verdict verdict(Observation o, boolean fenced, boolean stopped) {
        if (o.reportedFault()) {
            return Verdict.REPORTED_FAULT;
        }
        if (fenced) {
            return Verdict.FENCED;
        }
        if (stopped) {
            return Verdict.STOPPED;
        }
        if (o.networkGood()) {
            return o.heard() ? Verdict.HEARD : Verdict.STARTING;
        }
        return switch (o.heartbeat()) {
            case BEATING -> o.flood() ? Verdict.FLOOD : Verdict.NETWORK_OUTAGE;
            case STOPPED -> Verdict.UNCONFIRMED;
            case EXPIRED -> Verdict.LEASE_EXPIRED;
            case UNHEARD -> o.heard() ? Verdict.UNCONFIRMED : Verdict.STARTING;
            case NONE -> Verdict.SILENT;
        };
    }

    /** One step, built up field by field: the state is a record, and a step changes several fields. */
    private static final class Builder {
        private final Config c;
        private final long now;
        private final List<Action> actions = new ArrayList<>();
        private Observation seen;
        private long life;
        private boolean stopped;
        private boolean fenced;
        private boolean seenRunning;
        private long outageSince;
        private long timerSince;
        private boolean outageFenced;
        private boolean silenceFenced;
        private Call call;
        private long calls;
        private boolean probeWanted;
        private boolean fenceWanted;
        private long probeAt;
        private long probeEvery;
        private Answer lastProbe;
        private final Verdict before;

        Builder(Config c, State s, long now) {
            this.c = c;
            this.now = now;
            seen = s.seen();
            life = s.life();
            stopped = s.stopped();
            fenced = s.fenced();
            seenRunning = s.seenRunning();
            outageSince = s.outageSince();
            timerSince = s.timerSince();
            outageFenced = s.outageFenced();
            silenceFenced = s.silenceFenced();
            call = s.call();
            calls = s.calls();
            probeWanted = s.probeWanted();
            fenceWanted = s.fenceWanted();
            probeAt = s.probeAt();
            probeEvery = s.probeEvery();
            lastProbe = s.lastProbe();
            before = s.verdict();
        }

        private void log(Monitor.Level level, String message) {
            actions.add(new Log(level, message));
        }

        private boolean dead() {
            return fenced || stopped;
        }

        void observe(Observation o) {
            boolean wasSilentNetworks = !seen.networkGood();
            seen = o;
            if (!o.networkGood() && !wasSilentNetworks && !dead() && !o.reportedFault()) {
                probeWanted = true; // silent on every network from now: is it gone?
            }
        }

        void evidence(String what) {
            if (dead() || seen.reportedFault()) {
                return;
            }
            // a peer never heard (not started yet, say) answers so all the time: worth no more than a debug line
            log(seen.heard() ? Monitor.Level.INFO : Monitor.Level.DEBUG, "the peer " + c.peer() + ": " + what
                    + ": asking agent " + c.agent() + " whether it is stopped");
            probeWanted = true;
        }

        void newLife(Observation o) {
            seen = o;
            if (dead()) {
                log(Monitor.Level.INFO, "the " + (fenced ? "fenced" : "stopped") + " peer " + c.peer() + " restarted");
            }
            life++;
            stopped = false;
            fenced = false;
            seenRunning = false;
            outageSince = NONE;
            timerSince = NONE;
            outageFenced = false;
            silenceFenced = false;
            probeWanted = false;
            fenceWanted = false;
            probeAt = NONE;
            probeEvery = c.probeEveryNanos();
            lastProbe = null;
        }

        void answered(long id, Answer answer, String detail) {
            Call done = call;
            if (done == null || done.id() != id) {
                log(Monitor.Level.DEBUG, "agent answer " + answer + " to call " + id + ", which is not in progress: ignored");
                return;
            }
            call = null;
            if (done.life() != life) {
                log(Monitor.Level.INFO, "fence agent " + c.agent() + " answered " + answer + " about an earlier life of"
                        + " the peer " + c.peer() + ": ignored");
                return;
            }
            if (done.fence()) {
                fenceAnswered(done, answer, detail);
            } else {
                probeAnswered(answer, detail);
            }
        }

        private void fenceAnswered(Call done, Answer answer, String detail) {
            switch (answer) {
                case STOPPED -> {
                    if (!fenced) {
                        fenced = true;
                        log(Monitor.Level.WARN, "the peer " + c.peer() + " was fenced by " + c.agent()
                                + (done.overdue() ? " (the answer came late)" : "") + ": it is dead");
                        actions.add(new Outcome(Fencing.FENCED));
                    }
                }
                case NOT_STOPPED -> {
                    log(Monitor.Level.WARN, "fence agent " + c.agent() + " cannot say that the peer " + c.peer()
                            + " is stopped: its storage lease decides");
                    actions.add(new Outcome(Fencing.REFUSED));
                }
                case FAILED -> {
                    log(Monitor.Level.WARN, "fence agent " + c.agent() + " failed (" + detail
                            + "): the peer's storage lease decides");
                    actions.add(new Outcome(Fencing.FAILED));
                }
                case UNAVAILABLE -> {
                    log(Fencing.NONE.equals(c.agent()) ? Monitor.Level.INFO : Monitor.Level.WARN, "no fence agent '"
                            + c.agent() + "' is registered: the peer's storage lease decides");
                    actions.add(new Outcome(Fencing.UNAVAILABLE));
                }
            }
        }

        private void probeAnswered(Answer answer, String detail) {
            Answer previous = lastProbe;
            lastProbe = answer;
            if (answer != previous) {
                probeEvery = c.probeEveryNanos(); // something changed: look closely again
            } else {
                probeEvery = Math.min(c.probeEveryMaxNanos(), probeEvery * 2);
            }
            probeAt = now + probeEvery;
            switch (answer) {
                case STOPPED -> {
                    if (seen.heard() || seenRunning) {
                        stopped = true;
                        log(Monitor.Level.WARN, "the peer " + c.peer() + " is certainly stopped (agent " + c.agent()
                                + "): it is dead");
                        actions.add(new Outcome(Fencing.STOPPED));
                    } else if (previous != Answer.STOPPED) {
                        log(Monitor.Level.INFO, "the peer " + c.peer() + " was never heard and agent " + c.agent()
                                + " finds nothing running it: it has not started");
                    }
                }
                case NOT_STOPPED -> {
                    if (!seen.heard() && !seenRunning) {
                        log(Monitor.Level.INFO, "the peer " + c.peer() + " is not heard yet, and agent " + c.agent()
                                + " does not find it stopped: it may be starting");
                    }
                    seenRunning = true;
                }
                case FAILED -> {
                    if (previous != Answer.FAILED) {
                        log(Monitor.Level.WARN, "fence agent " + c.agent() + " failed to tell whether the peer "
                                + c.peer() + " is stopped (" + detail + ")");
                    }
                }
                case UNAVAILABLE -> probeAt = NONE; // nobody to ask
            }
        }

        /** The timers, the outage and the silence, then the calls, then the verdict. */
        Step finish() {
            overdue();
            long outageWas = outageSince;
            outage();
            silence(outageWas);
            reprobe();
            issue();
            Verdict v = verdict(seen, fenced, stopped);
            State next = new State(seen, life, stopped, fenced, seenRunning, outageSince, timerSince, outageFenced,
                    silenceFenced, call, calls, probeWanted, fenceWanted, probeAt, probeEvery, lastProbe, v);
            return new Step(next, v, actions);
        }

        private void overdue() {
            if (call != null && !call.overdue() && now - call.deadline() >= 0) {
                call = new Call(call.id(), call.fence(), call.life(), call.deadline(), true);
                if (call.fence()) {
                    log(Monitor.Level.WARN, "fence agent " + c.agent() + " did not answer within "
                            + millis(c.fenceTimeoutNanos()) + " ms: the peer's storage lease decides (the attempt is"
                            + " still awaited; no other starts beside it)");
                    actions.add(new Outcome(Fencing.TIMEOUT));
                } else {
                    log(Monitor.Level.WARN, "fence agent " + c.agent() + " did not say within "
                            + millis(c.fenceTimeoutNanos()) + " ms whether the peer " + c.peer() + " is stopped");
                }
            }
        }

        private void outage() {
            boolean networkOnly = !seen.networkGood() && seen.heartbeat() == Heartbeat.BEATING && !seen.reportedFault()
                    && !dead();
            if (networkOnly) {
                if (outageSince == NONE) {
                    outageSince = now;
                    timerSince = now;
                    outageFenced = false;
                    probeWanted = true;
                    log(Monitor.Level.WARN, "the peer " + c.peer() + " is unreachable on every network but its"
                            + " storage heartbeat goes on: no takeover (fencing in " + millis(c.networkOnlyNanos())
                            + " ms if it stays unreachable" + (seen.flood() ? " once the flood at our status ports"
                            + " ends" : "") + ")");
                    actions.add(new Outcome(Fencing.UNREACHABLE));
                }
                if (seen.flood()) {
                    timerSince = now; // a flood is no reason to fence: its time starts when the flood ends
                } else if (!outageFenced && now - timerSince >= c.networkOnlyNanos()) {
                    outageFenced = true;
                    fenceWanted = true;
                    log(Monitor.Level.WARN, "the peer " + c.peer() + " has been unreachable on every network for "
                            + millis(now - outageSince) + " ms while its storage heartbeat goes on: it is fenced");
                }
                return;
            }
            if (outageSince != NONE) {
                if (seen.networkGood()) {
                    log(Monitor.Level.INFO, "the peer " + c.peer() + " is reachable on the network again");
                    actions.add(new Outcome(Fencing.REACHABLE));
                }
                outageSince = NONE;
                timerSince = NONE;
                outageFenced = false;
            }
        }

        /** @param outageWas when the network-only outage this step may have ended began; {@link #NONE} if none */
        private void silence(long outageWas) {
            if (!silent()) {
                silenceFenced = false;
                return;
            }
            if (!silenceFenced) {
                silenceFenced = true;
                fenceWanted = true;
                // after "no takeover" a line that says "fenced" must say what changed
                String what = outageWas != NONE ? "the storage heartbeat of " + c.peer() + " stopped too, "
                        + millis(now - outageWas) + " ms after its networks went silent"
                        : "the peer " + c.peer() + " is silent on every network and its storage heartbeat stopped";
                log(Monitor.Level.WARN, what + ": no evidence that it lives, it is fenced at once (dead once the fence"
                        + " completes or its storage lease runs out)");
            }
        }

        /** Silent on the networks and on the storage, its lease still running, while it serves. */
        private boolean silent() {
            return !seen.networkGood() && seen.heartbeat() == Heartbeat.STOPPED && seen.serving()
                    && !seen.reportedFault() && !dead();
        }

        /** Whether a fence asked for is still called for: the conditions that asked for it still hold. */
        private boolean fenceCalledFor() {
            return silent() || outageSince != NONE && !seen.flood() && now - timerSince >= c.networkOnlyNanos();
        }

        private void reprobe() {
            boolean watching = !seen.networkGood() && !seen.heard() && !dead() && lastProbe != null
                    && lastProbe != Answer.UNAVAILABLE;
            if (watching && probeAt != NONE && now - probeAt >= 0) {
                probeWanted = true;
            }
        }

        private void issue() {
            if (call != null) {
                return; // one call at a time: the one in progress is awaited
            }
            if (fenceWanted && fenceCalledFor()) {
                fenceWanted = false;
                probeWanted = false; // the fence answers that question too
                call = new Call(calls++, true, life, now + c.fenceTimeoutNanos(), false);
                log(Monitor.Level.WARN, "fencing the peer " + c.peer() + " with agent " + c.agent() + " (timeout "
                        + millis(c.fenceTimeoutNanos()) + " ms)");
                actions.add(new Outcome(Fencing.FENCING));
                actions.add(new Fence(call.id()));
                return;
            }
            fenceWanted = false;
            if (probeWanted && !dead() && !seen.reportedFault()) {
                probeWanted = false;
                call = new Call(calls++, false, life, now + c.fenceTimeoutNanos(), false);
                actions.add(new Probe(call.id()));
                return;
            }
            probeWanted = false;
        }

        private static long millis(long nanos) {
            return nanos / 1_000_000;
        }
    }
}
