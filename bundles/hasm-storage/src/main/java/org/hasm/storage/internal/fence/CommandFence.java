package org.hasm.storage.internal.fence;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.storage.FenceAgent;

/**
 * Fences the peer by running a command that cuts it off (for the {@code netns} agent: take its link
 * down, {@code ip netns exec hasm-b ip link set veth-b down}). Success is exit status 0 within the
 * timeout; anything else is "not fenced", and a command that overruns is killed with its children.
 *
 * <p>No shell is involved: the command line is split on blanks, with single or double quotes grouping
 * words; {@code ${peer}} in a word is replaced by the peer's SCM name.
 */
final class CommandFence {
    private static final int OUTPUT_SHOWN = 512;

    private final List<String> command;
    private final Reporter reporter;

    CommandFence(List<String> command, Reporter reporter) {
        this.command = List.copyOf(command);
        this.reporter = reporter;
    }

    /**
     * Whether the command could run: its program is there and executable (an absolute path, or found
     * on the PATH). Runs nothing: a command that cuts the peer off cannot be tried without doing it.
     */
    FenceAgent.Readiness check(String peer, String path) {
        List<String> cmd = new ArrayList<>();
        for (String word : command) {
            cmd.add(word.replace("${peer}", peer));
        }
        String program = cmd.get(0);
        Path found = program(program, path);
        String line = String.join(" ", cmd);
        if (found == null) {
            return new FenceAgent.Readiness(false, "would run '" + line + "', but " + program
                    + (program.contains("/") ? " is not an executable file" : " is not an executable on the PATH ("
                    + (path == null ? "unset" : path) + ")"));
        }
        return new FenceAgent.Readiness(true, "would run '" + line + "' (" + found + "), without a shell;"
                + " exit status 0 within the fence timeout means fenced. Not run by this check.");
    }

    /** @return the executable a command's first word names, or null */
    static Path program(String program, String path) {
        if (program.contains("/")) {
            Path p = Path.of(program);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
        }
        for (String dir : (path == null ? "" : path).split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    boolean fence(String peer, Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>();
        for (String word : command) {
            cmd.add(word.replace("${peer}", peer));
        }
        String who = "fence command (" + peer + ", " + String.join(" ", cmd) + ")";
        // the output goes to a file, not a pipe: a chatty command can never block on a full pipe
        Path out = Files.createTempFile("hasm-fence-", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE).start();
            p.getOutputStream().close(); // no input: a command that reads stdin sees its end at once
            boolean done;
            try {
                done = p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done = false;
            }
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                try {
                    p.waitFor(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                reporter.warn(who + ": did not finish within " + timeout.toMillis() + " ms: killed, not fenced");
                return false;
            }
            if (p.exitValue() != 0) {
                reporter.warn(who + ": exit status " + p.exitValue() + ", not fenced" + output(out));
                return false;
            }
            reporter.info(who + ": done");
            return true;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static String output(Path out) {
        try (InputStream in = Files.newInputStream(out)) {
            String s = new String(in.readNBytes(OUTPUT_SHOWN), StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "" : ": " + s;
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Splits a command line into words: blanks separate, single or double quotes group (no escapes).
     *
     * @throws IllegalArgumentException if a quote is not closed
     */
    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unclosed " + quote + " in '" + line + "'");
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
