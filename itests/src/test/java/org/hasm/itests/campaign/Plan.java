package org.hasm.itests.campaign;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.hasm.itests.cluster.Pair.Scm;

/**
 * The faults of one run, drawn from the run's seed alone, so that the seed printed with a failure
 * replays the same faults with the same parameters (the machine's timing is another matter). The
 * first fault's kind is {@code kinds[seed mod kinds]}: runs with consecutive seeds go through every
 * kind in turn. A second fault, of any kind but a restart in a transition, follows in some runs,
 * starting while the first lasts or up to {@value #GAP_MS} ms after it ended: overlapping outages,
 * or two outages close together.
 *
 * @param seed the run's seed
 * @param faults in the order they start
 */
public record Plan(long seed, List<Fault> faults) {

    /** Percent of runs with a second fault. */
    static final int SECOND_FAULT_PERCENT = 40;
    /** How long after the first fault ended the second may start. */
    static final long GAP_MS = 1000;

    public Plan {
        faults = List.copyOf(faults);
    }

    /**
     * @param kinds the kinds to draw from, in a fixed order (the replay of a seed needs the same list)
     * @param maxNetworkOutageMs the longest a network-only outage lasts: below the time after which
     *     the pair may fence a peer whose storage heartbeat goes on
     */
    public static Plan make(long seed, List<FaultKind> kinds, long maxNetworkOutageMs) {
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("no fault kinds to draw from");
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Fault> faults = new ArrayList<>();
        FaultKind primary = kinds.get((int) Math.floorMod(seed, (long) kinds.size()));
        Fault first = draw(primary, target(random), 0, random, maxNetworkOutageMs);
        faults.add(first);
        List<FaultKind> seconds = kinds.stream().filter(k -> k != FaultKind.RESTART_IN_TRANSITION).toList();
        if (primary != FaultKind.RESTART_IN_TRANSITION && !seconds.isEmpty()
                && random.nextInt(100) < SECOND_FAULT_PERCENT) {
            FaultKind kind = seconds.get(random.nextInt(seconds.size()));
            Scm target = target(random);
            if (kind.stopsProcess() && primary.stopsProcess() && target == first.target()) {
                // one SCM cannot be killed while it is paused, nor paused while it is down
                target = target.other();
            }
            faults.add(draw(kind, target, random.nextLong(0, first.holdMs() + GAP_MS + 1), random, maxNetworkOutageMs));
        }
        return new Plan(seed, faults);
    }

    private static Scm target(SplittableRandom random) {
        return random.nextBoolean() ? Scm.A : Scm.B;
    }

    private static Fault draw(FaultKind kind, Scm target, long at, SplittableRandom r, long maxNetworkMs) {
        return switch (kind) {
            // from a restart before the peer noticed to one well after its takeover
            case KILL -> new Fault(kind, target, at, r.nextLong(100, 4000), null, 0, null, 0, 0);
            // from a pause too short to notice to one past detection, fence delay and lease
            case PAUSE -> new Fault(kind, target, at, r.nextLong(50, 4000), null, 0, null, 0, 0);
            case CUT_CHANNEL -> new Fault(kind, direction(r, target), at, r.nextLong(500, 5000),
                    List.of(r.nextBoolean() ? "link" : "host"), 0, null, 0, 0);
            case LOSSY_CHANNEL -> new Fault(kind, null, at, r.nextLong(1000, 5000), networks(r), r.nextInt(20, 81),
                    null, 0, 0);
            case CUT_ALL -> new Fault(kind, direction(r, target), at, r.nextLong(300, Math.max(301, maxNetworkMs)),
                    List.of("link", "host"), 0, null, 0, 0);
            case FLOOD -> new Fault(kind, target, at, r.nextLong(1000, 5000), null, 0, null, 0, 0);
            case STARVE_CPU -> new Fault(kind, target, at, r.nextLong(1000, 6000), null, r.nextInt(2, 16), null, 0, 0);
            case STORAGE_FULL -> new Fault(kind, null, at, r.nextLong(500, 5000), null, 0, null, 0, 0);
            case STORAGE_READ_ONLY -> new Fault(kind, target, at, r.nextLong(500, 5000), null, 0, null, 0, 0);
            case RECORD_DAMAGED -> new Fault(kind, target, at, 0, null, r.nextLong(0, Long.MAX_VALUE),
                    List.of("garbage", "empty", "flip").get(r.nextInt(3)), 0, 0);
            case RESTART_IN_TRANSITION -> new Fault(kind, target, at, 0, null, 0,
                    (r.nextBoolean() ? "failback" : "failover") + "/" + (r.nextBoolean() ? "same" : "other") + "/"
                            + (r.nextInt(3) == 0 ? "term" : "kill"), r.nextLong(0, 4000), r.nextLong(0, 1500));
        };
    }

    /** @return {@code null} (both ways) or the SCM whose incoming traffic is cut */
    private static Scm direction(SplittableRandom r, Scm target) {
        return r.nextInt(3) == 0 ? null : target;
    }

    private static List<String> networks(SplittableRandom r) {
        return switch (r.nextInt(3)) {
            case 0 -> List.of("link");
            case 1 -> List.of("host");
            default -> List.of("link", "host");
        };
    }

    /** @return whether some fault of the plan is of {@code kind} */
    public boolean has(FaultKind kind) {
        return faults.stream().anyMatch(f -> f.kind() == kind);
    }

    /** @return the SCMs some fault of {@code kind} targets */
    public Set<Scm> targets(FaultKind kind) {
        return faults.stream().filter(f -> f.kind() == kind && f.target() != null).map(Fault::target)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** @return the faults described, joined with " + " */
    public String describe() {
        return faults.stream().map(Fault::describe).collect(Collectors.joining(" + "));
    }
}
