package org.hasm.netif.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the system's network commands, each behind the configured command prefix and with a
 * deadline: a hung {@code ip} must never hold up a failover. Background commands (gratuitous ARP,
 * which lingers about a second after it has sent) are reaped by daemon threads of their own that
 * kill them if they linger too long.
 */
final class Commands {

    /** What a finished command said. */
    record Result(List<String> command, int exit, String stdout, String stderr) {
        /** @return the command and, if it complained, its error output: for messages */
        String describe() {
            String err = stderr.strip();
            return "'" + String.join(" ", command) + "' exited with " + exit + (err.isEmpty() ? "" : ": " + err);
        }
    }

    /** Thrown when a command could not be run or did not finish in time. */
    static final class CommandException extends Exception {
        private static final long serialVersionUID = 1L;

        CommandException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    // Output beyond this is dropped: the commands we run print a few lines, and a runaway one must
    // not fill the heap.
    private static final int MAX_OUTPUT = 64 * 1024;
    private static final long READER_JOIN_MS = 1000;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final List<String> prefix;
    private final long timeoutMs;
    private final long backgroundLimitMs;
    // The reapers of background commands still running; joined (bounded) by close().
    private final Set<Thread> reapers = ConcurrentHashMap.newKeySet();

    /**
     * @param prefix prepended to every command ({@code ip netns exec NS}, say); may be empty
     * @param timeoutMs how long a foreground command may run
     * @param backgroundLimitMs how long a background command may run before it is killed
     */
    Commands(List<String> prefix, long timeoutMs, long backgroundLimitMs) {
        this.prefix = List.copyOf(prefix);
        this.timeoutMs = timeoutMs;
        this.backgroundLimitMs = backgroundLimitMs;
    }

    /**
     * Runs a command to its end.
     *
     * @param command the command without the prefix
     * @param timeoutMs how long it may take; the process is killed after that
     * @return its exit status and output
     * @throws CommandException if it could not be started or did not finish in time
     */
    Result run(List<String> command, long timeoutMs) throws CommandException {
        List<String> full = full(command);
        Process p = start(full, false);
        Reader out = new Reader(p.getInputStream(), "out");
        Reader err = new Reader(p.getErrorStream(), "err");
        out.start();
        err.start();
        boolean finished;
        try {
            finished = p.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted while running '" + String.join(" ", full) + "'", e);
        }
        if (!finished) {
            kill(p);
            err.finish();
            String stderr = err.text().strip();
            throw new CommandException("'" + String.join(" ", full) + "' did not finish within " + timeoutMs
                    + " ms and was killed" + (stderr.isEmpty() ? "" : ": " + stderr), null);
        }
        out.finish();
        err.finish();
        return new Result(full, p.exitValue(), out.text(), err.text());
    }

    /** Runs a command with the default deadline. */
    Result run(List<String> command) throws CommandException {
        return run(command, timeoutMs);
    }

    /**
     * Starts a command and returns at once; a daemon thread waits for it and kills it if it runs
     * longer than the background limit. Its output is discarded.
     *
     * @param command the command without the prefix
     * @param name what to call the reaper thread (for thread dumps)
     * @throws CommandException if it could not be started
     */
    void background(List<String> command, String name) throws CommandException {
        List<String> full = full(command);
        Process p = start(full, true);
        Thread reaper = new Thread(() -> {
            try {
                if (!p.waitFor(backgroundLimitMs, TimeUnit.MILLISECONDS)) {
                    kill(p);
                }
            } catch (InterruptedException e) {
                kill(p); // close() is giving up on it
            } finally {
                reapers.remove(Thread.currentThread());
            }
        }, "hasm-netif-reaper-" + name + "-" + SEQUENCE.incrementAndGet());
        reaper.setDaemon(true);
        reapers.add(reaper);
        reaper.start();
    }

    /** @return how many background commands are still being waited for */
    int backgroundRunning() {
        return reapers.size();
    }

    /**
     * Waits, bounded, for background commands to end; kills what is left. Restores the interrupt
     * flag if interrupted.
     */
    void close() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backgroundLimitMs + 1000);
        for (Thread t : List.copyOf(reapers)) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                if (left <= 0) {
                    t.interrupt(); // the reaper kills its process on interrupt
                    left = 1000; // a last, short wait for that
                }
                t.join(left);
            } catch (InterruptedException e) {
                t.interrupt();
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private List<String> full(List<String> command) {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(command);
        return full;
    }

    private static Process start(List<String> full, boolean discardOutput) throws CommandException {
        ProcessBuilder pb = new ProcessBuilder(full);
        if (discardOutput) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CommandException("cannot run '" + String.join(" ", full) + "': " + e.getMessage(), e);
        }
        try {
            p.getOutputStream().close(); // nothing to say to it: a command that reads stdin sees EOF
        } catch (IOException e) {
            // it exited already; its exit status tells the rest
        }
        return p;
    }

    // Also kills children: a prefix like 'sudo' or 'nsenter' may fork rather than exec.
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    /** Drains one output stream on a daemon thread, so a chatty command cannot block on a full pipe. */
    private static final class Reader extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        Reader(InputStream in, String stream) {
            super("hasm-netif-" + stream + "-" + SEQUENCE.incrementAndGet());
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            byte[] chunk = new byte[4096];
            try (in) {
                int n;
                while ((n = in.read(chunk)) >= 0) {
                    synchronized (buffer) {
                        if (buffer.size() < MAX_OUTPUT) {
                            buffer.write(chunk, 0, Math.min(n, MAX_OUTPUT - buffer.size()));
                        }
                    }
                }
            } catch (IOException e) {
                // the process was killed or closed its end: what was read so far is all there is
            }
        }

        void finish() {
            try {
                join(READER_JOIN_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        String text() {
            synchronized (buffer) {
                return buffer.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
