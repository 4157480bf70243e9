package org.hasm.storage.internal.fence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads other processes' command lines, saying plainly when it cannot: a fence agent that cannot see
 * what a process is must not kill it, nor conclude that the peer is gone.
 *
 * <p>On Linux the arguments come from {@code /proc/<pid>/cmdline} (readable for every process unless
 * {@code /proc} is mounted with {@code hidepid}) and the working folder from {@code /proc/<pid>/cwd};
 * elsewhere from {@link ProcessHandle.Info}, which is often empty for other users' processes.
 */
final class CommandLines {

    /** What could be read of one process. */
    sealed interface Seen permits Gone, Unreadable, Args {
    }

    /** The process no longer exists (or is a zombie: it holds nothing any more). */
    record Gone() implements Seen {
    }

    /** It exists, but its command line cannot be read. */
    record Unreadable(String why) implements Seen {
    }

    /**
     * @param args the command and its arguments; empty for kernel threads
     * @param cwd its working folder, {@code null} if unknown (relative arguments then match nothing)
     */
    record Args(List<String> args, Path cwd) implements Seen {
    }

    private final Path proc;

    /** @param proc the proc file system, {@code null} where there is none */
    CommandLines(Path proc) {
        this.proc = proc;
    }

    static CommandLines system() {
        Path proc = Path.of("/proc");
        return new CommandLines(Files.isDirectory(proc.resolve("self")) ? proc : null);
    }

    /**
     * @return why the process list may be incomplete (a {@code hidepid} mount of {@code /proc}),
     *     or empty if every process is visible as far as can be told
     */
    Optional<String> hidden() {
        if (proc == null) {
            return Optional.empty();
        }
        try {
            for (String line : Files.readAllLines(proc.resolve("self/mounts"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length >= 4 && f[1].equals(proc.toString()) && f[2].equals("proc")) {
                    for (String option : f[3].split(",")) {
                        if (option.startsWith("hidepid=") && !option.equals("hidepid=0") && !option.equals("hidepid=off")) {
                            return Optional.of(proc + " is mounted with " + option + ": other users' processes are invisible");
                        }
                    }
                }
            }
        } catch (IOException e) {
            return Optional.of("cannot read " + proc.resolve("self/mounts") + ": " + e.getMessage());
        }
        return Optional.empty();
    }

    Seen of(ProcessHandle ph) {
        if (!ph.isAlive()) {
            return new Gone();
        }
        if (proc == null) {
            ProcessHandle.Info info = ph.info();
            if (info.command().isEmpty()) {
                return new Unreadable("no command line is visible for pid " + ph.pid());
            }
            List<String> args = new ArrayList<>();
            args.add(info.command().get());
            info.arguments().ifPresent(a -> args.addAll(List.of(a)));
            return new Args(args, null);
        }
        Path dir = proc.resolve(Long.toString(ph.pid()));
        try {
            if (zombie(dir)) {
                return new Gone();
            }
            byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
            List<String> args = new ArrayList<>();
            int start = 0;
            for (int i = 0; i <= raw.length; i++) {
                if (i == raw.length || raw[i] == 0) {
                    if (i > start) {
                        args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                    }
                    start = i + 1;
                }
            }
            Path cwd;
            try {
                cwd = Files.readSymbolicLink(dir.resolve("cwd"));
            } catch (IOException | UnsupportedOperationException e) {
                cwd = null; // another user's process: absolute arguments still match
            }
            return new Args(args, cwd);
        } catch (NoSuchFileException e) {
            return new Gone();
        } catch (IOException e) {
            return ph.isAlive() ? new Unreadable("cannot read " + dir.resolve("cmdline") + ": " + e.getMessage()) : new Gone();
        }
    }

    /** @return {@code true} for a process that has exited but was not reaped yet */
    boolean gone(ProcessHandle ph) {
        if (!ph.isAlive()) {
            return true;
        }
        try {
            return proc != null && zombie(proc.resolve(Long.toString(ph.pid())));
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean zombie(Path dir) throws IOException {
        // "pid (comm) S ...": the state follows the last ')' (comm may contain anything)
        String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
        int close = stat.lastIndexOf(')');
        boolean leaderDead = close > 0 && close + 2 < stat.length()
                && (stat.charAt(close + 2) == 'Z' || stat.charAt(close + 2) == 'X');
        if (!leaderDead) {
            return false;
        }
        // The main thread of a JVM turns zombie while its other threads are still exiting, and the
        // process's sockets are released only when the last of them is gone: a takeover that binds
        // the peer's addresses right after the kill must wait for that.
        try (java.util.stream.Stream<Path> tasks = Files.list(dir.resolve("task"))) {
            return tasks.limit(2).count() <= 1;
        }
    }
}
