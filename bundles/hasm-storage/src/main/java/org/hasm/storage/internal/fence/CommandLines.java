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
    sealed interface Seen permits Gone, Exiting, Unreadable, Args {
    }

    /** The process no longer exists (or is a zombie: it holds nothing any more). */
    record Gone() implements Seen {
    }

    /**
     * The process is exiting but not gone: its main thread has exited while others still do, or the
     * kernel marks it exiting, or its memory (and so its command line) is already released. What it
     * was can no longer be read, and it may still hold sockets and files: it must be waited for.
     */
    record Exiting(String why) implements Seen {
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

    /**
     * A process that may matter to a fence: one whose command line names what is looked for, one
     * exiting (its command line gone with its memory), or one that cannot be read.
     */
    record Suspect(long pid, Seen seen) {
    }

    /**
     * One pass over the process table for the processes whose command line contains {@code marker},
     * with those that are exiting or cannot be read (any of them could be it). Reading {@code /proc},
     * most processes cost one read of their command line: a fence asks this while a takeover waits.
     * Bounded: one pass over a snapshot of the table.
     */
    List<Suspect> suspects(String marker) {
        List<Suspect> found = new ArrayList<>();
        if (proc == null) {
            for (ProcessHandle ph : ProcessHandle.allProcesses().toList()) {
                Seen seen = of(ph);
                if (!(seen instanceof Args a) || String.join(" ", a.args()).contains(marker)) {
                    found.add(new Suspect(ph.pid(), seen));
                }
            }
            return found;
        }
        byte[] wanted = marker.getBytes(StandardCharsets.UTF_8);
        List<Path> entries = new ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> pids = Files.newDirectoryStream(proc, CommandLines::isPid)) {
            pids.forEach(entries::add);
        } catch (IOException e) {
            // the table cannot be listed: the fallback sees what the JDK sees
            for (ProcessHandle ph : ProcessHandle.allProcesses().toList()) {
                found.add(new Suspect(ph.pid(), of(ph)));
            }
            return found;
        }
        for (Path dir : entries) {
            long pid = Long.parseLong(dir.getFileName().toString());
            byte[] raw;
            try {
                raw = Files.readAllBytes(dir.resolve("cmdline"));
            } catch (NoSuchFileException e) {
                continue; // gone meanwhile
            } catch (IOException e) {
                raw = null;
            }
            if (raw != null && raw.length > 0 && indexOf(raw, wanted) < 0) {
                continue; // somebody else
            }
            Seen seen = ofProc(pid);
            if (!(seen instanceof Gone) && !(seen instanceof Args a && a.args().isEmpty())) {
                found.add(new Suspect(pid, seen));
            }
        }
        return found;
    }

    /**
     * One pass over the process table for the processes whose environment holds {@code name=value}
     * exactly (the marker a service gives the processes it starts). A process whose environment
     * cannot be read is not one: only a process that shows the marker is ever named. Empty where
     * there is no {@code /proc}.
     */
    List<Long> marked(String name, String value) {
        List<Long> found = new ArrayList<>();
        if (proc == null) {
            return found;
        }
        byte[] entry = (name + "=" + value).getBytes(StandardCharsets.UTF_8);
        long self = ProcessHandle.current().pid();
        try (java.nio.file.DirectoryStream<Path> pids = Files.newDirectoryStream(proc, CommandLines::isPid)) {
            for (Path dir : pids) {
                long pid = Long.parseLong(dir.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                byte[] raw;
                try {
                    raw = Files.readAllBytes(dir.resolve("environ"));
                } catch (IOException e) {
                    continue; // gone, or not ours to read
                }
                // entries are NUL-terminated: the marker must be a whole entry
                for (int at = indexOf(raw, entry, 0); at >= 0; at = indexOf(raw, entry, at + 1)) {
                    boolean starts = at == 0 || raw[at - 1] == 0;
                    boolean ends = at + entry.length == raw.length || raw[at + entry.length] == 0;
                    if (starts && ends) {
                        found.add(pid);
                        break;
                    }
                }
            }
        } catch (IOException e) {
            // the table cannot be listed: nothing is named
        }
        return found;
    }

    private static boolean isPid(Path p) {
        String n = p.getFileName().toString();
        return !n.isEmpty() && n.chars().allMatch(Character::isDigit);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        return indexOf(hay, needle, 0);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    Seen of(ProcessHandle ph) {
        if (proc != null) {
            return ofProc(ph.pid());
        }
        if (!ph.isAlive()) {
            return new Gone();
        }
        ProcessHandle.Info info = ph.info();
        if (info.command().isEmpty()) {
            return new Unreadable("no command line is visible for pid " + ph.pid());
        }
        List<String> args = new ArrayList<>();
        args.add(info.command().get());
        info.arguments().ifPresent(a -> args.addAll(List.of(a)));
        return new Args(args, null);
    }

    /** What {@code /proc} says of a process. */
    private Seen ofProc(long pid) {
        Path dir = proc.resolve(Long.toString(pid));
        try {
            Stat stat = stat(dir);
            if (stat.zombie()) {
                return stat.threads() <= 1 ? new Gone() : new Exiting("its main thread has exited, other threads"
                        + " are still exiting");
            }
            if (stat.exiting()) {
                return new Exiting("the kernel marks it exiting");
            }
            byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
            if (raw.length == 0 && !stat.kernelThread()) {
                // a user process without a command line: its memory is released, it is exiting
                return new Exiting("its command line is empty");
            }
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
            return Files.exists(dir) ? new Unreadable("cannot read " + dir.resolve("cmdline") + ": " + e.getMessage())
                    : new Gone();
        }
    }

    /**
     * @return {@code true} once the process holds nothing any more: it does not exist, or it is a
     *     zombie whose every thread has exited. The JDK's {@link ProcessHandle#isAlive} says false as
     *     soon as the main thread is a zombie, while the other threads (and the sockets) may live on
     *     for a while: where {@code /proc} exists it decides.
     */
    boolean gone(ProcessHandle ph) {
        if (proc == null) {
            return !ph.isAlive();
        }
        try {
            return gone(ph.pid());
        } catch (IOException e) {
            return !ph.isAlive();
        }
    }

    /**
     * @return whether the process of {@code pid} holds nothing any more, as {@code /proc} says
     * @throws IOException if {@code /proc} cannot tell (none here, or its entry unreadable)
     */
    boolean gone(long pid) throws IOException {
        if (proc == null) {
            throw new IOException("no /proc here");
        }
        try {
            Stat stat = stat(proc.resolve(Long.toString(pid)));
            return stat.zombie() && stat.threads() <= 1;
        } catch (NoSuchFileException e) {
            return true;
        }
    }

    /**
     * What {@code /proc/<pid>/stat} and {@code task/} say.
     *
     * @param zombie its main thread has exited (state Z or X)
     * @param exiting the kernel has flagged it exiting (PF_EXITING)
     * @param kernelThread it is a kernel thread (PF_KTHREAD): no command line, ever
     * @param threads its threads that still exist, counted up to 2: 0, 1 or more
     */
    record Stat(boolean zombie, boolean exiting, boolean kernelThread, long threads) {
    }

    private static final long PF_EXITING = 0x4;
    private static final long PF_KTHREAD = 0x200000;

    static Stat stat(Path dir) throws IOException {
        // "pid (comm) S ppid pgrp session tty tpgid flags ...": comm may contain anything, so the
        // fields are counted from the last ')'; comm is bytes (any a program set, cut at 15, maybe inside
        // a character), so the line is read byte for byte, never refused as malformed UTF-8
        String stat = Files.readString(dir.resolve("stat"), StandardCharsets.ISO_8859_1);
        int close = stat.lastIndexOf(')');
        String[] f = close > 0 && close + 2 < stat.length() ? stat.substring(close + 2).trim().split(" ") : new String[0];
        char state = f.length > 0 && !f[0].isEmpty() ? f[0].charAt(0) : '?';
        long flags = 0;
        if (f.length > 6) {
            try {
                flags = Long.parseLong(f[6]);
            } catch (NumberFormatException e) {
                flags = 0; // a format this code does not know: judged by its state alone
            }
        }
        long threads;
        try (java.util.stream.Stream<Path> tasks = Files.list(dir.resolve("task"))) {
            threads = tasks.limit(2).count();
        } catch (NoSuchFileException e) {
            threads = 0;
        }
        return new Stat(state == 'Z' || state == 'X', (flags & PF_EXITING) != 0, (flags & PF_KTHREAD) != 0, threads);
    }
}
