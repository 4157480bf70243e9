package org.hasm.itests.campaign;

import java.util.ArrayList;
import java.util.List;
import org.hasm.itests.campaign.LogEvents.Event;
import org.hasm.itests.campaign.LogEvents.Type;
import org.hasm.itests.campaign.Timeline.Life;
import org.hasm.itests.cluster.Pair.Scm;

/**
 * Checker 2, from the SCMs' own logs: no volume had two owners. The records' history and the
 * writes acknowledged against it are checked by {@link org.hasm.itests.cluster.OwnerWatch}; this
 * holds the logs' {@code acquired}/{@code released}/{@code taken over} lines against the processes'
 * lives and pauses (DESIGN §4: a volume changes owner only after a fence that certainly completed
 * or a storage lease that certainly expired):
 * <ul>
 * <li>no epoch of a volume is acquired twice;</li>
 * <li>when an SCM takes a volume over from its peer, the peer no longer holds it: its process had
 *     ended (a kill by the campaign, or a fence whose kill had returned), or in this life it had
 *     released or lost the volume or stopped every module (MONITOR: the storage module lets its
 *     volumes go before it tries to write that down), or it could not have confirmed its record for
 *     a whole lease (paused all that time, or its own log says the lease lapsed or the record could
 *     not be read, and not that it was readable again).</li>
 * </ul>
 * A volume taken while free (released, never owned) needs no such proof: the peer let it go before
 * it wrote the release.
 */
public final class Ownership {

    private Ownership() {
    }

    /**
     * @param events both SCMs' events, in time order ({@link LogEvents#merge})
     * @param leaseMs the storage lease ({@code lease.ms} of {@code org.hasm.storage})
     * @return one line per acquisition that broke the rule; empty if there is none
     */
    public static List<String> fromLogs(List<Event> events, Timeline timeline, long leaseMs) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (e.type() != Type.ACQUIRED) {
                continue;
            }
            for (int j = i + 1; j < events.size(); j++) {
                Event f = events.get(j);
                if (f.type() == Type.ACQUIRED && f.volume().equals(e.volume()) && f.epoch() == e.epoch()) {
                    found.add("volume " + e.volume() + " acquired twice at epoch " + e.epoch() + ": " + e + " / " + f);
                }
            }
            if (!e.from().isEmpty()) {
                String why = stillHeld(e, events, timeline, leaseMs);
                if (why != null) {
                    found.add(why);
                }
            }
        }
        return found;
    }

    /** @return why the peer still held the volume when {@code taking} took it, or {@code null} if it did not */
    private static String stillHeld(Event taking, List<Event> events, Timeline timeline, long leaseMs) {
        Scm peer = taking.scm().other();
        long at = taking.ms();
        Life life = timeline.lifeAt(peer, at);
        if (life == null || deathOf(life, events) <= at) {
            return null;
        }
        Event held = null;
        Event silent = null;
        for (Event x : events) {
            if (x.ms() > at) {
                break;
            }
            boolean mine = x.scm() == peer && x.ms() >= life.startMs() && (x.volume().equals(taking.volume())
                    || x.volume().isEmpty() && (x.type() == Type.READ_PROBLEM || x.type() == Type.STOPPED));
            if (!mine) {
                continue;
            }
            switch (x.type()) {
                case ACQUIRED -> {
                    held = x;
                    silent = null;
                }
                case RELEASED, LOST, STOPPED -> held = null;
                case LEASE_LAPSED -> silent = silent == null ? x : silent;
                case READ_PROBLEM -> {
                    // the lease lapses a whole lease after the last good read at the latest
                    if (silent == null && x.ms() + leaseMs <= at) {
                        silent = x;
                    }
                }
                case READABLE_AGAIN -> silent = null;
                default -> {
                }
            }
        }
        if (held == null || silent != null || timeline.pausedThroughout(peer, at - leaseMs, at)) {
            return null;
        }
        return taking.scm().id() + " took volume " + taking.volume() + " over at epoch " + taking.epoch() + " at "
                + Timeline.at(at) + " while " + peer.id() + " (pid " + life.pid() + ", "
                + (timeline.pausedDuring(peer, at, at) ? "paused" : "running") + ") still held it: it had acquired it ("
                + held.line() + "), had neither released nor lost it, was not dead, and had not been silent for the"
                + " lease of " + leaseMs + " ms; " + taking.scm().id() + " logged: " + taking.line();
    }

    /**
     * @return when the life's process was certainly gone: the end the campaign saw, or earlier, the
     *     peer's log line saying its fence agent killed that pid (written once the kill returned)
     */
    static long deathOf(Life life, List<Event> events) {
        long death = life.endMs();
        for (Event x : events) {
            if (x.type() == Type.FENCE_KILLED && x.scm() == life.scm().other() && x.pid() == life.pid()) {
                death = Math.min(death, x.ms());
            }
        }
        return death;
    }
}
