package org.hasm.nas.smb.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The smbd processes of a personality as {@code /proc} shows them. smbd runs in a process group of
 * its own (started through {@code setsid}), and every connection's smbd is forked into that group;
 * a member is only ever signalled after its command line proved it is an smbd on the personality's
 * configuration file, so a reused pid or a stranger is never touched.
 */
final class Processes {

    private static final Path PROC = Path.of("/proc");

    private Processes() {
    }

    /**
     * @param conf the absolute path of the personality's smb.conf
     * @return the pids of every process whose command line is smbd on {@code conf}
     */
    static List<Long> smbdOn(Path conf) {
        List<Long> pids = new ArrayList<>();
        String wanted = conf.toAbsolutePath().normalize().toString();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path e : entries) {
                String name = e.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                List<String> args = commandLine(e);
                if (isSmbdOn(args, wanted)) {
                    pids.add(Long.parseLong(name));
                }
            }
        } catch (IOException e) {
            // no /proc: nothing can be found, and nothing is killed
        }
        return pids;
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
        // bounded by the deadline: each round signals what is there, then looks again
        while (true) {
            List<Long> pids = smbdOn(conf);
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
                return smbdOn(conf).isEmpty();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            if (Thread.currentThread().isInterrupted()) {
                return smbdOn(conf).isEmpty();
            }
        }
    }
}
