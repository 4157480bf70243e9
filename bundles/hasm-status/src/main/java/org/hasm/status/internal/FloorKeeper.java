package org.hasm.status.internal;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.hasm.wire.AntiReplay;
import org.hasm.wire.ReplayFloorFile;

/**
 * Does the replay floor's file I/O ({@link ReplayFloorFile}) on a thread of its own, {@code
 * hasm-status-floor-<scm>}: the floor is read before a monitor starts, and the floor of the monitor
 * watched is written at most once a second while it changes and once when the monitor stops. The
 * status path (receive, judge, send) never touches the file: the data folder can hang (a failing disk,
 * a full one, a path that blocks), and then the floor on disk is only older, never the status later.
 * A read that does not answer in time counts as no floor; a write that hangs holds up the writes after
 * it, not the monitor.
 *
 * <p>One thread for the life of the status component: writes reach the file in the order they were
 * taken, so a write held up by a slow disk never lands over a newer one.
 */
final class FloorKeeper {
    /** What the keeper says, on its thread or the caller's. */
    interface Log {
        void log(Monitor.Level level, String message);
    }

    /** A file and where its floor comes from (a monitor's {@link Monitor#floor}). */
    private record Watched(ReplayFloorFile file, Supplier<AntiReplay.Floor> source) {
    }

    private static final long EVERY_MS = 1000;

    private final Log log;
    private final ScheduledThreadPoolExecutor thread;
    // What the once-a-second write takes its floor from; null between monitors.
    private volatile Watched watched;

    // Keeper thread only: what the file holds as far as this keeper knows, and whether writing fails.
    private ReplayFloorFile writtenTo;
    private AntiReplay.Floor written;
    private boolean failing;

    /** @param name the thread's name */
    FloorKeeper(String name, Log log) {
        this.log = log;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        thread.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        thread.scheduleWithFixedDelay(() -> write(watched), EVERY_MS, EVERY_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Reads the floor kept in {@code file}, on the keeper's thread, waiting at most {@code waitMs}. What
     * cannot be used is reported once, here, and counts as no floor: a monitor starts without one rather
     * than not at all.
     *
     * @return the floor kept for the file's peer, {@code null} if none or none usable
     */
    AntiReplay.Floor read(ReplayFloorFile file, long waitMs) {
        Future<AntiReplay.Floor> answer;
        try {
            answer = thread.submit(file::read);
        } catch (RejectedExecutionException e) {
            return null; // closed
        }
        try {
            return answer.get(waitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String why = cause instanceof IOException && cause.getMessage() != null
                    && cause.getMessage().startsWith(file.file().toString()) ? cause.getMessage()
                    : file.file() + ": " + cause;
            log.log(Monitor.Level.WARN, "status replay floor not used: " + why + " (a status frame of the peer"
                    + " recorded before this start could be taken once; the file is written anew)");
        } catch (TimeoutException e) {
            log.log(Monitor.Level.WARN, "status replay floor not used: " + file.file() + " was not read within " + waitMs
                    + " ms (the data folder's storage is slow or hangs); the monitor starts without it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /** From now on the floor of {@code source} is written to {@code file} once a second while it changes. */
    void watch(ReplayFloorFile file, Supplier<AntiReplay.Floor> source) {
        watched = new Watched(file, source);
    }

    /**
     * The watched monitor stopped: its last floor is written now, on the keeper's thread, and nothing
     * more is taken from it. Does not wait.
     */
    void flush() {
        Watched w = watched;
        watched = null;
        if (w != null) {
            try {
                thread.execute(() -> write(w));
            } catch (RejectedExecutionException e) {
                // closed: the file keeps the last floor written
            }
        }
    }

    /**
     * Writes the last floor and ends the thread, waiting for it at most {@code waitMs}: a write that
     * hangs is left to its daemon thread, and the file keeps an older floor.
     */
    void close(long waitMs) {
        flush();
        thread.shutdown();
        try {
            if (!thread.awaitTermination(waitMs, TimeUnit.MILLISECONDS)) {
                log.log(Monitor.Level.WARN, "status replay floor: the last write did not end within " + waitMs
                        + " ms (the data folder's storage is slow or hangs); the file keeps an older floor");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // On the keeper's thread.
    private void write(Watched w) {
        if (w == null) {
            return;
        }
        AntiReplay.Floor f;
        try {
            f = w.source().get();
        } catch (RuntimeException e) {
            log.log(Monitor.Level.ERROR, "status replay floor: " + e);
            return;
        }
        if (f == null || w.file() == writtenTo && f.equals(written)) {
            return;
        }
        try {
            w.file().write(f);
            writtenTo = w.file();
            written = f;
            if (failing) {
                failing = false;
                log.log(Monitor.Level.INFO, "status replay floor kept in " + w.file().file() + " again");
            }
        } catch (IOException | RuntimeException e) {
            if (!failing) { // once per outage, not once a second
                failing = true;
                log.log(Monitor.Level.WARN, "status replay floor cannot be kept in " + w.file().file() + ": " + e
                        + " (after a restart, status frames recorded before it could be taken once more)");
            }
        }
    }
}
