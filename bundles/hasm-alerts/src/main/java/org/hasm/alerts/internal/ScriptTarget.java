package org.hasm.alerts.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.alerts.Alerts;

/**
 * A script: started without a shell for each alert, the alert in its environment ({@code HASM_ALERT_*})
 * and as JSON on its standard input; exit 0 within the timeout is delivered. Its standard input and its
 * output (standard error with it) are files in the bundle's folder, not pipes: a script that never reads
 * its input, writes a lot, or leaves a child holding its output can block nothing here. A script that
 * overruns is killed with its descendants.
 */
final class ScriptTarget implements Target {
    /** How much of a script's output is read for the log and the detail. */
    static final int OUTPUT_READ = 4096;
    /** How many lines of output the detail shows. */
    static final int OUTPUT_LINES = 3;
    static final int DETAIL_MAX = 400;

    private final Path script;
    private final Path work;
    private final Processes processes;

    /**
     * @param work a folder this bundle owns, for each run's input and output files
     */
    ScriptTarget(Path script, Path work, Processes processes) {
        this.script = script;
        this.work = work;
        this.processes = processes;
    }

    @Override
    public String kind() {
        return Alerts.SCRIPT;
    }

    @Override
    public String shown() {
        return script.toString();
    }

    @Override
    public Outcome deliver(Alert alert, Duration timeout, int retries) throws InterruptedException {
        long start = System.nanoTime();
        Path in = null;
        Path out = null;
        try {
            Files.createDirectories(work);
            in = Files.createTempFile(work, "alert-" + alert.sequence() + "-", ".json");
            out = Files.createTempFile(work, "alert-" + alert.sequence() + "-", ".out");
            Files.write(in, alert.json());
            ProcessBuilder builder = new ProcessBuilder(script.toString())
                    .redirectInput(in.toFile())
                    .redirectOutput(out.toFile())
                    .redirectErrorStream(true);
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(k -> k.startsWith(Alert.ENV_PREFIX)); // only this alert's
            env.putAll(alert.environment());
            Process p;
            try {
                p = processes.start(builder);
            } catch (IOException e) {
                return new Outcome(false, millis(start), "could not be started: " + e.getMessage());
            }
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    Processes.kill(p);
                    p.waitFor(1, TimeUnit.SECONDS);
                    return new Outcome(false, millis(start), detail("killed after " + timeout.toMillis()
                            + " ms (the timeout), with its children", out));
                }
                int code = p.exitValue();
                return new Outcome(code == 0, millis(start), detail("exit " + code, out));
            } catch (InterruptedException e) {
                Processes.kill(p);
                throw e;
            } finally {
                processes.ended(p);
            }
        } catch (IOException e) {
            return new Outcome(false, millis(start), "could not be run: " + e);
        } finally {
            delete(in);
            delete(out);
        }
    }

    private static String detail(String head, Path out) {
        List<String> lines = firstLines(out);
        String text = lines.isEmpty() ? head : head + ": " + String.join(" | ", lines);
        text = Alert.oneLine(text);
        return text.length() <= DETAIL_MAX ? text : text.substring(0, DETAIL_MAX - 3) + "...";
    }

    /** @return the first lines of what the script wrote, blank lines left out */
    static List<String> firstLines(Path out) {
        List<String> lines = new ArrayList<>();
        try (InputStream s = Files.newInputStream(out)) {
            byte[] head = s.readNBytes(OUTPUT_READ);
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(java.nio.ByteBuffer.wrap(head)).toString();
            for (String line : text.split("\r?\n|\r")) {
                if (!line.isBlank() && lines.size() < OUTPUT_LINES) {
                    lines.add(line.strip());
                }
            }
        } catch (IOException e) {
            // no output to show
        }
        return lines;
    }

    private static void delete(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // left for the next activation's clean-up
            }
        }
    }

    private static long millis(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
