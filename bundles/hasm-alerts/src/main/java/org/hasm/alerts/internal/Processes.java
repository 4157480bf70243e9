package org.hasm.alerts.internal;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scripts this bundle runs now: each is started here and removed when it ended, so that closing kills
 * every one still running, with its descendants. After {@link #close()} nothing starts.
 */
final class Processes {
    private final Set<Process> live = ConcurrentHashMap.newKeySet();
    // guarded by this: a start and the close do not interleave, so no process escapes the close
    private boolean closed;

    Process start(ProcessBuilder builder) throws IOException {
        synchronized (this) {
            if (closed) {
                throw new IOException("the alerts bundle is stopping");
            }
            Process p = builder.start();
            live.add(p);
            return p;
        }
    }

    void ended(Process p) {
        live.remove(p);
    }

    /** Kills every script still running, with its descendants; nothing starts after. */
    void close() {
        synchronized (this) {
            closed = true;
        }
        for (Process p : List.copyOf(live)) {
            kill(p);
        }
    }

    int running() {
        return live.size();
    }

    /**
     * Kills a process and every descendant it has now (SIGKILL on Unix). The descendants are listed before
     * the process dies: once it is gone they belong to init and are no longer found from it.
     */
    static void kill(Process p) {
        List<ProcessHandle> descendants = p.descendants().toList();
        p.destroyForcibly();
        for (ProcessHandle d : descendants) {
            // a grandchild the child started in the meantime is still the descendant of one listed
            d.descendants().forEach(ProcessHandle::destroyForcibly);
            d.destroyForcibly();
        }
    }
}
