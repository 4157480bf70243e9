package org.hasm.nas.smb.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The smbd processes of a personality as {@code /proc} shows them. smbd runs in a session and process
 * group of its own (started through {@code setsid}: its pid is the session's id), and every connection's
 * smbd is forked into it. A process is only ever signalled once it is proved to be of the personality:
 * its command line is smbd on the personality's configuration file, or it is named smbd and belongs to
 * the session of such a process, or of the smbd this SCM started (a connection's smbd may retitle itself,
 * {@code smbd: client [...]}, which drops {@code -s <conf>} from its command line; and it outlives its
 * parent for a moment when that is killed first). Linux gives no process a pid still in use as a session's
 * id, so a stranger is never touched.
 */
final class Processes {

    private static final Path PROC = Path.of("/proc");

    private Processes() {
    }

    /** A process as {@code /proc} shows it: its arguments, its session, its command name. */
    private record Proc(long pid, List<String> args, long session, String name) {
    }

    /**
     * @param conf the absolute path of the personality's smb.conf
     * @return the pids of every process whose command line is smbd on {@code conf}, and of every smbd of
     *     their sessions
     */
    static List<Long> smbdOn(Path conf) {
        return smbdOn(conf, -1);
    }

    /**
     * @param session the session of the smbd this SCM started (its pid), or -1: its processes named smbd are
     *     the personality's even when the smbd that leads it is gone
     */
    static List<Long> smbdOn(Path conf, long session) {
        String wanted = conf.toAbsolutePath().normalize().toString();
        List<Proc> all = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path e : entries) {
                String name = e.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit)) {
                    Proc p = read(Long.parseLong(name), e);
                    if (p != null) {
                        all.add(p);
                    }
                }
            }
        } catch (IOException e) {
            // no /proc: nothing can be found, and nothing is killed
        }
        List<Long> pids = new ArrayList<>();
        Set<Long> sessions = new HashSet<>();
        if (session > 0) {
            sessions.add(session);
        }
        for (Proc p : all) {
            if (isSmbdOn(p.args(), wanted)) {
                pids.add(p.pid());
                sessions.add(p.session());
            }
        }
        for (Proc p : all) {
            if (!pids.contains(p.pid()) && sessions.contains(p.session()) && p.name().startsWith("smbd")) {
                pids.add(p.pid());
            }
        }
        return pids;
    }

    /** @return the process, or {@code null} if it is gone, ended (a zombie), or cannot be read */
    private static Proc read(long pid, Path procEntry) {
        try {
            // "pid (name) state ppid pgrp session ...": the name may hold spaces and parentheses
            String stat = Files.readString(procEntry.resolve("stat"), StandardCharsets.ISO_8859_1);
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            String[] fields = stat.substring(close + 2).split(" ");
            if (fields[0].equals("Z") || fields[0].equals("X")) {
                // ended, not reaped yet: it holds no socket and no file (and its parent, or init, reaps it)
                return null;
            }
            return new Proc(pid, commandLine(procEntry), Long.parseLong(fields[3]), stat.substring(open + 1, close));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static boolean isSmbdOn(List<String> args, String conf) {
        if (args.isEmpty() || !(args.get(0).equals("smbd") || args.get(0).endsWith("/smbd") || args.get(0).startsWith("smbd:"))) {
            return false;
        }
        for (int i = 1; i + 1 < args.size(); i++) {
            if (args.get(i).equals("-s") && args.get(i + 1).equals(conf)) {
                return true;
            }
        }
        return false;
    }

    /** @return the process's arguments; empty if it is gone or cannot be read (a zombie has none) */
    static List<String> commandLine(Path procEntry) {
        try {
            byte[] raw = Files.readAllBytes(procEntry.resolve("cmdline"));
            List<String> args = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (start < raw.length) {
                args.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
            }
            return args;
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Sends {@code SIGKILL} (or {@code SIGTERM}) to every smbd on {@code conf} until none is left, or
     * until the deadline.
     *
     * @return whether none is left
     */
    static boolean stopAll(Path conf, boolean forcibly, long deadlineNanos) {
        return stopAll(conf, -1, forcibly, deadlineNanos);
    }

    /** As {@link #stopAll(Path, boolean, long)}, the smbd of {@code session} included (see {@link #smbdOn(Path, long)}). */
    static boolean stopAll(Path conf, long session, boolean forcibly, long deadlineNanos) {
        // bounded by the deadline: each round signals what is there, then looks again
        while (true) {
            List<Long> pids = smbdOn(conf, session);
            if (pids.isEmpty()) {
                return true;
            }
            for (long pid : pids) {
                Optional<ProcessHandle> ph = ProcessHandle.of(pid);
                ph.ifPresent(h -> {
                    if (forcibly) {
                        h.destroyForcibly();
                    } else {
                        h.destroy();
                    }
                });
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                return smbdOn(conf, session).isEmpty();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            if (Thread.currentThread().isInterrupted()) {
                return smbdOn(conf, session).isEmpty();
            }
        }
    }
}
