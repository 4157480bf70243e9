package org.hasm.itests.campaign;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.cluster.Pair.Scm;

/**
 * What the campaign did to a pair and saw of its processes, in wall-clock milliseconds, the clock
 * of the SCMs' logs: every life of each SCM's process (its pid, when it started, when and how it
 * ended), every pause, and every fault from injection to undo. The checkers hold the SCMs' logs
 * against it.
 *
 * <p>Written by the run's thread; read by the checkers after the run. The monitor guards every list.
 */
public final class Timeline {

    /** How a life of an SCM's process ended. */
    public enum End {
        /** still running */
        RUNNING,
        /** {@code kill -9} by the campaign */
        KILLED,
        /** SIGTERM by the campaign */
        TERMINATED,
        /** not by the campaign: its peer's fence agent, or it exited on its own */
        ENDED
    }

    /**
     * @param stopRequestedMs when the campaign asked it to stop (SIGTERM); {@link Long#MAX_VALUE} if never
     */
    public record Life(Scm scm, long pid, long startMs, long endMs, End end, long stopRequestedMs) {
        boolean contains(long ms) {
            return startMs <= ms && ms < endMs;
        }
    }

    /** An interval of a fault or a pause; {@code toMs} is {@link Long#MAX_VALUE} while it lasts. */
    public record Span(Fault fault, Scm scm, long fromMs, long toMs) {
        boolean overlaps(long from, long to) {
            return fromMs <= to && from <= toMs;
        }
    }

    private final long originNanos = System.nanoTime();
    private final long originMs = System.currentTimeMillis();
    // Guarded by this.
    private final List<Life> lives = new ArrayList<>();
    private final List<Span> pauses = new ArrayList<>();
    private final List<Span> faults = new ArrayList<>();

    /** @return the wall-clock time of a {@link System#nanoTime()} instant */
    public long wall(long nanos) {
        return originMs + TimeUnit.NANOSECONDS.toMillis(nanos - originNanos);
    }

    /** @return now, on the clock of the logs */
    public long now() {
        return wall(System.nanoTime());
    }

    public synchronized void started(Scm scm, long pid, long ms) {
        lives.add(new Life(scm, pid, ms, Long.MAX_VALUE, End.RUNNING, Long.MAX_VALUE));
    }

    /** The campaign sends SIGTERM now: a fence from here on hits an SCM on its way out. */
    public synchronized void stopRequested(Scm scm, long ms) {
        int i = current(scm);
        if (i >= 0) {
            Life l = lives.get(i);
            lives.set(i, new Life(scm, l.pid(), l.startMs(), l.endMs(), l.end(), Math.min(ms, l.stopRequestedMs())));
        }
    }

    /** The current life of {@code scm} ended at {@code ms}; nothing if none runs. */
    public synchronized void ended(Scm scm, long ms, End how) {
        int i = current(scm);
        if (i >= 0) {
            Life l = lives.get(i);
            lives.set(i, new Life(scm, l.pid(), l.startMs(), ms, how, l.stopRequestedMs()));
        }
        for (int p = 0; p < pauses.size(); p++) {
            Span s = pauses.get(p);
            if (s.scm() == scm && s.toMs() == Long.MAX_VALUE) {
                pauses.set(p, new Span(null, scm, s.fromMs(), ms)); // a dead process is paused no longer
            }
        }
    }

    private int current(Scm scm) {
        for (int i = lives.size() - 1; i >= 0; i--) {
            if (lives.get(i).scm() == scm && lives.get(i).end() == End.RUNNING) {
                return i;
            }
        }
        return -1;
    }

    public synchronized void paused(Scm scm, long ms) {
        pauses.add(new Span(null, scm, ms, Long.MAX_VALUE));
    }

    public synchronized void resumed(Scm scm, long ms) {
        for (int p = 0; p < pauses.size(); p++) {
            Span s = pauses.get(p);
            if (s.scm() == scm && s.toMs() == Long.MAX_VALUE) {
                pauses.set(p, new Span(null, scm, s.fromMs(), ms));
            }
        }
    }

    public synchronized void faultStarted(Fault fault, long ms) {
        faults.add(new Span(fault, fault.target(), ms, Long.MAX_VALUE));
    }

    public synchronized void faultUndone(Fault fault, long ms) {
        for (int i = 0; i < faults.size(); i++) {
            Span s = faults.get(i);
            if (s.fault() == fault && s.toMs() == Long.MAX_VALUE) {
                faults.set(i, new Span(fault, s.scm(), s.fromMs(), ms));
            }
        }
    }

    public synchronized List<Life> lives() {
        return List.copyOf(lives);
    }

    public synchronized List<Span> pauses() {
        return List.copyOf(pauses);
    }

    public synchronized List<Span> faults() {
        return List.copyOf(faults);
    }

    /** @return the life of {@code scm} that ran at {@code ms}, or {@code null} if none did */
    public synchronized Life lifeAt(Scm scm, long ms) {
        for (Life l : lives) {
            if (l.scm() == scm && l.contains(ms)) {
                return l;
            }
        }
        return null;
    }

    /** @return the life of {@code scm} with process id {@code pid}, or {@code null} */
    public synchronized Life lifeOf(Scm scm, long pid) {
        for (Life l : lives) {
            if (l.scm() == scm && l.pid() == pid) {
                return l;
            }
        }
        return null;
    }

    /** @return whether {@code scm} was paused at some instant of [from, to] */
    public synchronized boolean pausedDuring(Scm scm, long from, long to) {
        return pauses.stream().anyMatch(s -> s.scm() == scm && s.overlaps(from, to));
    }

    /** @return whether {@code scm} was paused all the time from {@code from} to {@code to} */
    public synchronized boolean pausedThroughout(Scm scm, long from, long to) {
        return pauses.stream().anyMatch(s -> s.scm() == scm && s.fromMs() <= from && to <= s.toMs());
    }

    /** @return the faults active at some instant of [from, to] */
    public synchronized List<Fault> faultsDuring(long from, long to) {
        return faults.stream().filter(s -> s.overlaps(from, to)).map(Span::fault).toList();
    }

    /** @return {@code ms} as an ISO instant, the way the logs write it */
    public static String at(long ms) {
        return Instant.ofEpochMilli(ms).toString();
    }
}
