package org.hasm.nas.smb.internal;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Ends an smbd when its SCM stops vouching for it, from outside the JVM: a {@code bash} that reads
 * a line from the JVM at least every deadline, and kills smbd's whole process group (every
 * connection's smbd included) with SIGKILL when none came in time (the JVM is paused: SIGSTOP, a
 * frozen host) or its input ends (the JVM died: kill -9, a crash). The SCM sends a line only while
 * it owns every volume the smbd serves, so an smbd never outlives its SCM's ownership by more than
 * the deadline, which is shorter than the storage lease the peer must see run out before it may take
 * the volumes over. {@code stop} tells it to end without killing (an orderly stop stops smbd itself).
 *
 * <p>Not thread-safe: the supervisor thread of one smbd is its only user.
 */
final class Watchdog implements AutoCloseable {

    /** $1 deadline in seconds, $2 smbd's process group. Exit 0: told to stop; 3: fired. */
    static final String SCRIPT = """
            t=$1; g=$2
            while IFS= read -r -t "$t" line; do
              if [ "$line" = stop ]; then exit 0; fi
            done
            kill -KILL -- "-$g" 2>/dev/null
            echo "hasm smb watchdog: no word from the SCM within $t s: killed smbd's process group $g" >&2
            exit 3
            """;
    static final int FIRED = 3;

    private final Process process;
    private final OutputStream toWatchdog;

    private Watchdog(Process process) {
        this.process = process;
        this.toWatchdog = process.getOutputStream();
    }

    /**
     * Starts the watchdog of the smbd whose process group is {@code group}.
     *
     * @param log where its one line goes when it fires
     */
    static Watchdog start(long group, long deadlineMillis, File log) throws IOException {
        String seconds = String.format(Locale.ROOT, "%d.%03d", deadlineMillis / 1000, deadlineMillis % 1000);
        Process p = new ProcessBuilder(List.of(Samba.find("bash").toString(), "-c", SCRIPT, "hasm-smb-watchdog", seconds,
                Long.toString(group))).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                .start();
        return new Watchdog(p);
    }

    /** Tells the watchdog the SCM still owns everything smbd serves. @return false if it is gone */
    boolean feed() {
        try {
            toWatchdog.write('\n');
            toWatchdog.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** @return its exit code, or -1 while it runs */
    int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** Closes its input without a word, as the JVM's death does: it kills the group at once. */
    void closeInputOnly() {
        try {
            toWatchdog.close();
        } catch (IOException e) {
            // gone already
        }
    }

    /** Ends the watchdog without letting it kill anything. */
    @Override
    public void close() {
        try {
            toWatchdog.write("stop\n".getBytes(StandardCharsets.US_ASCII));
            toWatchdog.close();
        } catch (IOException e) {
            // gone already
        }
        try {
            if (!process.waitFor(1, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
