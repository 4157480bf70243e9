package org.hasm.itests.campaign;

import java.util.List;
import org.hasm.itests.cluster.Pair.Scm;

/**
 * One fault of a run's plan: what, on whom, when (from the start of the run's fault phase) and
 * for how long. Fields a kind does not use are {@code null}, empty or 0.
 *
 * @param target the SCM the fault acts on; for a network fault the one whose incoming traffic is
 *     dropped, {@code null} for both ways; {@code null} for a full storage (both see it)
 * @param startMs when it starts, from the start of the fault phase
 * @param holdMs how long it lasts before it is undone (the down time of a kill); 0 for a fault that
 *     is over once done (a damaged record, a restart during a transition)
 * @param networks the networks a network fault acts on ({@code link}, {@code host})
 * @param amount percent of packets dropped or of a CPU left; for a damaged record, where the damage goes
 * @param variant how: {@code garbage}, {@code empty} or {@code flip} for a record; for a restart in
 *     a transition {@code failback} or {@code failover}, then who restarts ({@code same} or
 *     {@code other}) and how ({@code kill} or {@code term}), joined with '/'
 * @param delayMs for a restart in a transition: how long into the transition the restart comes
 * @param downMs for a restart in a transition: how long the restarted SCM stays down
 */
public record Fault(FaultKind kind, Scm target, long startMs, long holdMs, List<String> networks, long amount,
        String variant, long delayMs, long downMs) {

    public Fault {
        networks = networks == null ? List.of() : List.copyOf(networks);
        variant = variant == null ? "" : variant;
    }

    /** @return e.g. {@code cut-all(to scm-a, 1200 ms, at +300 ms)}: the line a report shows */
    public String describe() {
        String who = target == null ? "" : target.id();
        String what = switch (kind) {
            case KILL -> who + ", down " + holdMs + " ms";
            case PAUSE -> who + ", " + holdMs + " ms";
            case CUT_CHANNEL, CUT_ALL -> String.join("+", networks) + (target == null ? " both ways" : " to " + who)
                    + ", " + holdMs + " ms";
            case LOSSY_CHANNEL -> String.join("+", networks) + " " + amount + "% lost, " + holdMs + " ms";
            case FLOOD -> "at " + who + ", " + holdMs + " ms";
            case STARVE_CPU -> who + " at " + amount + "% of a CPU, " + holdMs + " ms";
            case STORAGE_FULL -> holdMs + " ms";
            case STORAGE_READ_ONLY -> "for " + who + ", " + holdMs + " ms";
            case RECORD_DAMAGED -> "record of " + who + "'s volume, " + variant;
            case RESTART_IN_TRANSITION -> who + " killed, " + variant + " after " + delayMs + " ms, down " + downMs
                    + " ms";
        };
        return kind.id() + "(" + what + (startMs > 0 ? ", at +" + startMs + " ms" : "") + ")";
    }
}
