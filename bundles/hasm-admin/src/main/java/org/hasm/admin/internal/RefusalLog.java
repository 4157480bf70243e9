package org.hasm.admin.internal;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Logs refused admin requests without letting a flood of them flood the log: the first refusal
 * of a window is logged at once, the others of that window are only counted, and the count is
 * added to the next line logged. An intruder's attempts are thus always in the log, at a rate
 * the log can take.
 */
final class RefusalLog {

    private final Consumer<String> sink;
    private final long windowMs;
    private final LongSupplier clockMs;

    private final Object lock = new Object();
    /* Guarded by lock: when the current window began, whether one did, and how many went unlogged since. */
    private long windowStart;
    private boolean started;
    private long unlogged;

    /**
     * @param sink where the lines go (a WARN log)
     * @param windowMs at most one line per this many ms
     * @param clockMs the time in ms, monotonic
     */
    RefusalLog(Consumer<String> sink, long windowMs, LongSupplier clockMs) {
        this.sink = sink;
        this.windowMs = windowMs;
        this.clockMs = clockMs;
    }

    void refused(AdminApi.Request request, int status, String why) {
        long before;
        synchronized (lock) {
            long now = clockMs.getAsLong();
            if (started && now - windowStart < windowMs) {
                unlogged++;
                return;
            }
            before = unlogged;
            unlogged = 0;
            windowStart = now;
            started = true;
        }
        sink.accept("admin API: refused " + request.method() + " " + AdminApi.PREFIX
                + AdminApi.printable(request.path() == null ? "" : request.path()) + " from " + request.remote() + ": "
                + status + " " + why + (before == 0 ? "" : " (" + before + " more refused before this one, not logged)"));
    }
}
