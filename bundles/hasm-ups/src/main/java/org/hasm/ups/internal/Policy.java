package org.hasm.ups.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What to do about the UPS: a pure function of what the watcher knows at one instant (the UPS's reading,
 * the time, this SCM's role, whether its peer is alive) and what it decided before, with no I/O, so that
 * it can be tested over every case. {@link UpsComponent} carries the effects out.
 *
 * <ul>
 * <li>On battery (OB), or a condition configured {@code grace}, for the whole grace: an orderly SHUTDOWN
 * of the pair. Low battery while not on line (LB), the UPS's forced shutdown (FSD), or a condition
 * configured {@code now}: the same at once. Power back (OL) within the grace: an event, nothing else.</li>
 * <li>The pair goes down SLAVE first: the MASTER orders its live peer to shut down, waits until the peer
 * is no longer alive (it reported HALTED: its volumes are released), at most the peer wait, then shuts
 * itself down. Once the peer is ordered, the shutdown goes on even if the power comes back.</li>
 * <li>A SLAVE (any SCM that does not run as MASTER) leaves the decision to its MASTER while that is alive:
 * once it would act, it waits for the MASTER's order at most the order wait, then shuts itself down. A
 * SLAVE that cannot reach its MASTER shuts itself down when its own grace ran out.</li>
 * <li>No answer from upsd is never a power failure: it is reported, and the last reading stands, so a
 * grace that started goes on and one that did not never starts.</li>
 * </ul>
 */
final class Policy {

    /** What a condition leads to. */
    enum Reaction {
        /** Shut the pair down if it lasts the grace (the on-battery path). */
        GRACE,
        /** Shut the pair down at once. */
        NOW,
        /** Report it, nothing else. */
        EVENT
    }

    /** This SCM's part in the decision. */
    enum Role {
        /** It runs as MASTER: it decides for the pair and orders its peer. */
        MASTER,
        /** Anything else (SLAVE, INIT, MONITOR, HALTED): its MASTER decides while alive. */
        FOLLOWER
    }

    /** Where the policy is. */
    enum Phase {
        /** Nothing to act on. */
        NORMAL,
        /** A condition of the grace path runs; the pair shuts down at its end. */
        GRACE,
        /** A FOLLOWER would act: it waits for its MASTER's order. */
        AWAIT_ORDER,
        /** The MASTER ordered its peer to shut down and waits until it halted. */
        WAIT_PEER,
        /** This SCM was told to shut down: nothing more to decide. */
        HALTING
    }

    /** What the UPS may report, each with its topic. */
    enum Condition {
        ON_BATTERY("on battery (OB)"),
        LOW_BATTERY("low battery (LB) and not on line"),
        FSD("forced shutdown (FSD)"),
        ALARM("alarm"),
        OVERLOAD("overload (OVER)"),
        REPLACE_BATTERY("battery to replace (RB)");

        private final String text;

        Condition(String text) {
            this.text = text;
        }
    }

    /**
     * The configured rules.
     *
     * @param ups the UPS as {@code NAME@HOST:PORT}, for lines and reasons
     * @param grace how long a condition of the grace path may last
     * @param peerWait how long the MASTER waits for the peer it ordered to halt
     * @param orderWait how long a FOLLOWER waits for its MASTER's order
     */
    record Rules(String ups, Duration grace, Duration peerWait, Duration orderWait, Reaction alarm, Reaction overload,
            Reaction replaceBattery) {
    }

    /**
     * What the watcher knows now.
     *
     * @param reading upsd's answer, or {@code null} when it gave none (then {@code lost} says why)
     * @param peer the peer's name, or {@code null} when there is none (standalone)
     */
    record Input(Instant now, Reading reading, String lost, Role role, boolean peerAlive, String peer) {
    }

    /**
     * What was decided before.
     *
     * @param since when the grace (or the wait of the phase) started
     * @param cause what the phase is about, in words
     * @param decided when the SCM decided to act (AWAIT_ORDER, WAIT_PEER)
     * @param ordered whether the peer's order went out since the last failure (WAIT_PEER)
     * @param lastOrder when the peer was last ordered
     * @param last the last good reading, or {@code null}
     * @param seen the conditions of the last good reading
     * @param connected whether upsd answered at the last poll; {@code null} before the first
     * @param lostSince since when upsd gives no data, or {@code null}
     * @param lost why
     */
    record State(Phase phase, Instant since, String cause, Instant decided, boolean ordered, Instant lastOrder,
            Reading last, Set<Condition> seen, Boolean connected, Instant lostSince, String lost) {

        State {
            seen = seen.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(seen)); // in the enum's order
        }

        static State initial() {
            return new State(Phase.NORMAL, null, null, null, false, null, null, Set.of(), null, null, null);
        }

        State phase(Phase p, Instant since, String cause) {
            return new State(p, since, cause, decided, ordered, lastOrder, last, seen, connected, lostSince, lost);
        }

        State decided(Instant at) {
            return new State(phase, since, cause, at, ordered, lastOrder, last, seen, connected, lostSince, lost);
        }

        State ordered(boolean o, Instant at) {
            return new State(phase, since, cause, decided, o, at, last, seen, connected, lostSince, lost);
        }
    }

    /** What the watcher must do. */
    sealed interface Effect {
        /** Post {@code org/hasm/ups/TOPIC} and log it. */
        record Event(String topic, String message) implements Effect {
        }

        /** Order the peer to shut down (the MASTER's COMMAND over the link). */
        record OrderPeer(String peer, String reason) implements Effect {
        }

        /** SHUTDOWN of this SCM. */
        record HaltSelf(String reason) implements Effect {
        }
    }

    /**
     * @param line the status line now
     * @param wakeBy when the policy must be asked again at the latest (the end of a grace or a wait), or
     *     {@code null}: at the next poll
     */
    record Decision(State next, List<Effect> effects, String line, Instant wakeBy) {
        Decision {
            effects = List.copyOf(effects);
        }
    }

    /** How often the MASTER looks at its peer while it waits for it to halt, and the least time between two orders. */
    static final Duration PEER_LOOK = Duration.ofMillis(200);
    static final Duration REORDER = Duration.ofSeconds(1);

    private Policy() {
    }

    /** @return the conditions a reading shows, each with what it leads to under {@code rules} */
    static Map<Condition, Reaction> assess(Reading r, Rules rules) {
        Map<Condition, Reaction> found = new EnumMap<>(Condition.class);
        if (r == null) {
            return found;
        }
        if (r.has("OB")) {
            found.put(Condition.ON_BATTERY, Reaction.GRACE);
        }
        // LB on line is a battery recharging after an outage: upsmon's rule, critical only when not on line
        if (r.has("LB") && !r.has("OL")) {
            found.put(Condition.LOW_BATTERY, Reaction.NOW);
        }
        if (r.has("FSD")) {
            found.put(Condition.FSD, Reaction.NOW);
        }
        if (r.has("ALARM") || r.alarm() != null) {
            found.put(Condition.ALARM, rules.alarm());
        }
        if (r.has("OVER")) {
            found.put(Condition.OVERLOAD, rules.overload());
        }
        if (r.has("RB")) {
            found.put(Condition.REPLACE_BATTERY, rules.replaceBattery());
        }
        return found;
    }

    /** The next decision. */
    static Decision next(State s, Input in, Rules rules) {
        List<Effect> effects = new ArrayList<>();
        if (s.phase() == Phase.HALTING) {
            return new Decision(s, effects, line(s, in, rules, null), null);
        }
        State n = connectivity(s, in, rules, effects);
        Reading reading = n.last();
        Map<Condition, Reaction> now = assess(reading, rules);
        n = conditions(n, in, now, rules, effects);
        String immediate = causes(now, Reaction.NOW, reading);
        String grace = causes(now, Reaction.GRACE, reading);
        Instant t = in.now();
        switch (n.phase()) {
            case NORMAL -> {
                if (immediate != null) {
                    return act(n, in, rules, immediate, effects);
                }
                if (grace != null) {
                    n = n.phase(Phase.GRACE, t, grace);
                    if (rules.grace().isZero()) {
                        return act(n, in, rules, grace, effects);
                    }
                    effects.add(new Effect.Event("GRACE", "UPS " + rules.ups() + ": " + grace + ": the pair shuts down in "
                            + seconds(rules.grace()) + " unless it clears"));
                    return decision(n, in, rules, effects, t.plus(rules.grace()));
                }
                return decision(n, in, rules, effects, null);
            }
            case GRACE -> {
                if (immediate != null) {
                    return act(n, in, rules, immediate, effects);
                }
                if (grace == null) {
                    effects.add(new Effect.Event(ended(n), "UPS " + rules.ups() + ": " + n.cause() + " cleared after "
                            + seconds(Duration.between(n.since(), t)) + " of the " + seconds(rules.grace())
                            + " grace: no action"));
                    return decision(n.phase(Phase.NORMAL, null, null), in, rules, effects, null);
                }
                Instant end = n.since().plus(rules.grace());
                if (!t.isBefore(end)) {
                    return act(n, in, rules, n.cause() + " for " + seconds(rules.grace()), effects);
                }
                return decision(n, in, rules, effects, end);
            }
            case AWAIT_ORDER -> {
                if (in.role() == Role.MASTER) {
                    // it became the MASTER meanwhile (its peer failed): it decides now
                    return act(n, in, rules, n.cause(), effects);
                }
                if (immediate == null && grace == null) {
                    effects.add(new Effect.Event(ended(n), "UPS " + rules.ups() + ": " + n.cause() + " cleared before the MASTER's order: no"
                            + " action"));
                    return decision(n.phase(Phase.NORMAL, null, null), in, rules, effects, null);
                }
                if (!in.peerAlive()) {
                    return halt(n, rules, n.cause() + "; the MASTER " + name(in) + " can no longer be reached",
                            effects, in);
                }
                Instant end = n.decided().plus(rules.orderWait());
                if (!t.isBefore(end)) {
                    return halt(n, rules, n.cause() + "; no order from the MASTER " + name(in) + " within "
                            + seconds(rules.orderWait()), effects, in);
                }
                return decision(n, in, rules, effects, end);
            }
            case WAIT_PEER -> {
                if (!in.peerAlive()) {
                    return halt(n, rules, n.cause() + "; " + name(in) + " halted first", effects, in);
                }
                Instant end = n.decided().plus(rules.peerWait());
                if (!t.isBefore(end)) {
                    return halt(n, rules, n.cause() + "; " + name(in) + " did not halt within "
                            + seconds(rules.peerWait()), effects, in);
                }
                if (!n.ordered() && (n.lastOrder() == null || !t.isBefore(n.lastOrder().plus(REORDER)))) {
                    effects.add(new Effect.OrderPeer(in.peer(), reason(rules, n.cause())));
                    n = n.ordered(true, t);
                }
                Instant look = t.plus(PEER_LOOK);
                return decision(n, in, rules, effects, look.isBefore(end) ? look : end);
            }
            default -> throw new IllegalStateException("phase " + n.phase());
        }
    }

    /** The order to the peer failed: it is given again while the peer is alive, until the peer wait ends. */
    static Decision orderFailed(State s, Input in, Rules rules, String why) {
        if (s.phase() != Phase.WAIT_PEER) {
            return new Decision(s, List.of(), line(s, in, rules, null), null);
        }
        State n = s.ordered(false, s.lastOrder());
        Instant end = n.decided().plus(rules.peerWait());
        List<Effect> effects = List.of(new Effect.Event("ORDER_FAILED", "UPS " + rules.ups() + ": " + name(in)
                + " could not be ordered to shut down (" + why + "); ordered again while it is alive, this SCM shuts"
                + " down in " + seconds(Duration.between(in.now(), end).isNegative() ? Duration.ZERO
                : Duration.between(in.now(), end)) + " at the latest"));
        return new Decision(n, effects, line(n, in, rules, null), in.now().plus(REORDER));
    }

    /* The SCM decided the pair goes down, for cause. */
    private static Decision act(State s, Input in, Rules rules, String cause, List<Effect> effects) {
        Instant t = in.now();
        if (in.role() == Role.MASTER) {
            if (!in.peerAlive() || in.peer() == null) {
                return halt(s, rules, cause + (in.peer() == null ? "" : "; its peer " + in.peer() + " is not alive"),
                        effects, in);
            }
            State n = s.phase(Phase.WAIT_PEER, t, cause).decided(t).ordered(true, t);
            effects.add(new Effect.Event("SHUTDOWN_PEER", "UPS " + rules.ups() + ": " + cause + ": the pair shuts down, "
                    + in.peer() + " first; this SCM follows once it halted (" + seconds(rules.peerWait())
                    + " at most)"));
            effects.add(new Effect.OrderPeer(in.peer(), reason(rules, cause)));
            return decision(n, in, rules, effects, t.plus(PEER_LOOK));
        }
        if (!in.peerAlive()) {
            return halt(s, rules, cause + "; the MASTER " + name(in) + " cannot be reached", effects, in);
        }
        if (rules.orderWait().isZero()) {
            return halt(s, rules, cause, effects, in);
        }
        State n = s.phase(Phase.AWAIT_ORDER, s.since() == null ? t : s.since(), cause).decided(t);
        effects.add(new Effect.Event("AWAIT_ORDER", "UPS " + rules.ups() + ": " + cause + ": waiting for the MASTER "
                + name(in) + " to order the shutdown, " + seconds(rules.orderWait()) + " at most"));
        return decision(n, in, rules, effects, t.plus(rules.orderWait()));
    }

    private static Decision halt(State s, Rules rules, String cause, List<Effect> effects, Input in) {
        State n = s.phase(Phase.HALTING, in.now(), cause);
        effects.add(new Effect.Event("SHUTDOWN", "UPS " + rules.ups() + ": " + cause + ": this SCM shuts down"));
        effects.add(new Effect.HaltSelf(reason(rules, cause)));
        return decision(n, in, rules, effects, null);
    }

    /* Connected or lost: reported once per change; a lost connection keeps the last reading. */
    private static State connectivity(State s, Input in, Rules rules, List<Effect> effects) {
        if (in.reading() != null) {
            if (!Boolean.TRUE.equals(s.connected())) {
                effects.add(new Effect.Event("CONNECTED", rules.ups() + (s.connected() == null ? ": watched: "
                        : ": upsd answers again after " + seconds(Duration.between(s.lostSince(), in.now())) + ": ")
                        + in.reading().describe()));
            }
            return new State(s.phase(), s.since(), s.cause(), s.decided(), s.ordered(), s.lastOrder(), in.reading(),
                    s.seen(), true, null, null);
        }
        String why = in.lost() == null ? "no answer" : in.lost();
        if (!Boolean.FALSE.equals(s.connected())) {
            effects.add(new Effect.Event("CONNECTION_LOST", rules.ups() + ": no data from upsd (" + why + "); tried"
                    + " again at every poll; not taken for a power failure"
                    + (s.last() == null ? "" : ", the last reading stands: " + s.last().describe())));
            return new State(s.phase(), s.since(), s.cause(), s.decided(), s.ordered(), s.lastOrder(), s.last(),
                    s.seen(), false, in.now(), why);
        }
        return new State(s.phase(), s.since(), s.cause(), s.decided(), s.ordered(), s.lastOrder(), s.last(), s.seen(),
                false, s.lostSince(), why);
    }

    /* A condition that appears or clears is an event, whatever it leads to. */
    private static State conditions(State s, Input in, Map<Condition, Reaction> now, Rules rules,
            List<Effect> effects) {
        for (Condition c : now.keySet()) {
            if (!s.seen().contains(c)) {
                effects.add(new Effect.Event(c.name(), "UPS " + rules.ups() + ": " + describe(c, s.last()) + " ("
                        + s.last().describe() + "): " + consequence(now.get(c), rules)));
            }
        }
        for (Condition c : s.seen()) {
            if (!now.containsKey(c) && c != Condition.ON_BATTERY) {
                // on battery ending is POWER_RESTORED, said with what it meant for the grace
                effects.add(new Effect.Event("CLEARED", "UPS " + rules.ups() + ": " + describe(c, null) + " cleared"));
            }
        }
        if (s.seen().contains(Condition.ON_BATTERY) && !now.containsKey(Condition.ON_BATTERY)
                && s.phase() != Phase.GRACE && s.phase() != Phase.AWAIT_ORDER) {
            effects.add(new Effect.Event("POWER_RESTORED", rules.ups() + ": on line again (" + s.last().describe() + ")"
                    + (s.phase() == Phase.WAIT_PEER ? "; the shutdown of the pair goes on" : "")));
        }
        return new State(s.phase(), s.since(), s.cause(), s.decided(), s.ordered(), s.lastOrder(), s.last(),
                now.isEmpty() ? Set.of() : EnumSet.copyOf(now.keySet()), s.connected(), s.lostSince(), s.lost());
    }

    /* POWER_RESTORED when the power came back in time, GRACE_ENDED when another condition cleared */
    private static String ended(State s) {
        return s.cause().contains(Condition.ON_BATTERY.text) ? "POWER_RESTORED" : "GRACE_ENDED";
    }

    private static String consequence(Reaction r, Rules rules) {
        return switch (r) {
            case NOW -> "the pair shuts down now";
            case GRACE -> "the pair shuts down if it lasts " + seconds(rules.grace());
            case EVENT -> "reported, nothing else";
        };
    }

    /* The conditions of a reaction, in words; null when there is none. */
    private static String causes(Map<Condition, Reaction> found, Reaction reaction, Reading r) {
        List<String> texts = found.entrySet().stream().filter(e -> e.getValue() == reaction)
                .map(e -> describe(e.getKey(), r)).toList();
        return texts.isEmpty() ? null : String.join(", ", texts);
    }

    private static String describe(Condition c, Reading r) {
        if (c == Condition.ALARM && r != null) {
            return r.alarm() == null ? "alarm (ALARM)" : "alarm '" + r.alarm() + "'";
        }
        return c.text;
    }

    private static String reason(Rules rules, String cause) {
        return "UPS " + rules.ups() + ": " + cause;
    }

    private static String name(Input in) {
        return in.peer() == null ? "(none)" : in.peer();
    }

    private static Decision decision(State n, Input in, Rules rules, List<Effect> effects, Instant wakeBy) {
        return new Decision(n, effects, line(n, in, rules, wakeBy), wakeBy);
    }

    /** The status line: the UPS, what it says, and what this SCM does about it. */
    static String line(State s, Input in, Rules rules, Instant wakeBy) {
        StringBuilder b = new StringBuilder("UPS ").append(rules.ups()).append(": ");
        b.append(s.last() == null ? "no reading yet" : s.last().describe());
        Instant t = in.now();
        switch (s.phase()) {
            case NORMAL -> {
                Set<Condition> reported = s.seen();
                if (!reported.isEmpty()) {
                    b.append("; reported only: ").append(reported.stream().map(c -> describe(c, s.last()))
                            .collect(Collectors.joining(", ")));
                }
            }
            case GRACE -> b.append("; ").append(s.cause()).append(" for ")
                    .append(seconds(Duration.between(s.since(), t))).append(": the pair shuts down in ")
                    .append(seconds(remaining(s.since().plus(rules.grace()), t))).append(" unless it clears");
            case AWAIT_ORDER -> b.append("; ").append(s.cause()).append(": waiting for the MASTER's order, ")
                    .append(seconds(remaining(s.decided().plus(rules.orderWait()), t)))
                    .append(" at most, then this SCM shuts down alone");
            case WAIT_PEER -> b.append("; ").append(s.cause()).append(": the pair shuts down; ").append(name(in))
                    .append(s.ordered() ? " ordered" : " to be ordered again").append(", this SCM follows once it halted (in ")
                    .append(seconds(remaining(s.decided().plus(rules.peerWait()), t))).append(" at most)");
            case HALTING -> b.append("; this SCM shuts down: ").append(s.cause());
            default -> { }
        }
        if (Boolean.FALSE.equals(s.connected())) {
            b.append("; NO DATA from upsd since ").append(seconds(Duration.between(s.lostSince(), t))).append(" ago (")
                    .append(s.lost()).append("), tried again at every poll")
                    .append(s.last() == null ? "" : "; the last reading stands");
        }
        return b.toString();
    }

    private static Duration remaining(Instant end, Instant now) {
        Duration d = Duration.between(now, end);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** @return e.g. {@code 60 s}, {@code 1.5 s} */
    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
