package org.hasm.itests.campaign;

import java.util.ArrayList;
import java.util.List;
import org.hasm.itests.campaign.LogEvents.Event;
import org.hasm.itests.campaign.LogEvents.Type;
import org.hasm.itests.campaign.Timeline.End;
import org.hasm.itests.campaign.Timeline.Life;
import org.hasm.itests.cluster.Pair.Scm;

/**
 * Checker 4: no healthy SCM was fenced. Every process a fence agent killed ({@code killed pid N}
 * in the fencer's log) is held against what the campaign did to it around the decision (from two
 * detection times before the fencer's {@code fencing the peer} line to the kill): the fence was
 * right only if the victim was paused then, was being stopped by the campaign, or could be told
 * from a dead SCM by nothing (every network cut and its storage read-only at once). A kill during a
 * network-only fault, a flood, a starved CPU or a storage fault alone is wrongful.
 *
 * <p>A process that ended although nobody killed it (no campaign kill, no fence) is reported too.
 */
public final class Fences {

    /**
     * @param wrongful one line per healthy SCM fenced
     * @param unexplained one line per process that ended, killed by nobody
     */
    public record Outcome(List<String> wrongful, List<String> unexplained) {
    }

    private Fences() {
    }

    /**
     * @param events both SCMs' events, in time order
     * @param detectionMs how long a silent peer goes unnoticed (interval × counter)
     */
    public static Outcome check(List<Event> events, Timeline timeline, long detectionMs) {
        List<String> wrongful = new ArrayList<>();
        for (Event kill : events) {
            if (kill.type() != Type.FENCE_KILLED) {
                continue;
            }
            Scm victim = kill.scm().other();
            Life life = timeline.lifeOf(victim, kill.pid());
            if (life == null) {
                wrongful.add(kill.scm().id() + "'s fence agent killed pid " + kill.pid() + ", which was no process of "
                        + victim.id() + ": " + kill.line());
                continue;
            }
            long decided = kill.ms();
            for (Event e : events) {
                if (e.ms() > kill.ms()) {
                    break;
                }
                if (e.scm() == kill.scm() && e.type() == Type.FENCE_ATTEMPT) {
                    decided = e.ms();
                }
            }
            long from = decided - 2 * detectionMs;
            String why = justification(victim, life, from, kill.ms(), timeline);
            if (why == null) {
                wrongful.add(kill.scm().id() + " fenced the healthy " + victim.id() + " (pid " + life.pid() + ") at "
                        + Timeline.at(kill.ms()) + ": not paused, not being stopped; faults then: "
                        + timeline.faultsDuring(from, kill.ms()).stream().map(Fault::describe).toList() + "; "
                        + kill.line());
            }
        }
        List<String> unexplained = new ArrayList<>();
        for (Life life : timeline.lives()) {
            if (life.end() == End.ENDED && events.stream().noneMatch(e -> e.type() == Type.FENCE_KILLED
                    && e.scm() == life.scm().other() && e.pid() == life.pid())) {
                unexplained.add(life.scm().id() + " (pid " + life.pid() + ") ended by " + Timeline.at(life.endMs())
                        + ", neither killed by the campaign nor fenced by its peer");
            }
        }
        return new Outcome(wrongful, unexplained);
    }

    /** @return why fencing {@code victim} in [from, to] was right, or {@code null} if it was not */
    private static String justification(Scm victim, Life life, long from, long to, Timeline timeline) {
        if (life.stopRequestedMs() <= to) {
            return "being stopped";
        }
        if (timeline.pausedDuring(victim, from, to)) {
            return "paused";
        }
        List<Fault> faults = timeline.faultsDuring(from, to);
        // a cut one way silences the victim only if it is the way to the fencer
        boolean networks = faults.stream().anyMatch(f -> f.kind().silencesNetworks()
                && (f.target() == null || f.target() == victim.other()));
        boolean storage = faults.stream().anyMatch(f -> f.kind().silencesStorage() && f.target() == victim);
        return networks && storage ? "silent on every network and on the storage" : null;
    }
}
