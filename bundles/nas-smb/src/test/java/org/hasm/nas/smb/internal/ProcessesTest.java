package org.hasm.nas.smb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processes of a personality's smbd, made by a stand-in: bash under the name smbd, started through setsid on
 * the personality's smb.conf as hasm starts smbd, which forks a connection's "smbd" that retitles itself
 * ({@code smbd: client [...]}, no {@code -s <conf>} in its command line any more) and waits. It is found, and
 * stopped, through its session, also once its parent is gone; a process named smbd in another session is not.
 */
class ProcessesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    @TempDir
    Path dir;
    private final List<ProcessHandle> started = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (ProcessHandle h : started) {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
        }
    }

    /** Starts the stand-in's parent; @return it, once its connection's smbd runs */
    private ProcessHandle smbd(Path conf) throws Exception {
        Path smbd = Files.createSymbolicLink(dir.resolve("smbd"), Path.of("/bin/bash"));
        Path fifo = dir.resolve("wait");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        String child = "(exec -a 'smbd: client [127.0.0.1]' " + smbd + " -c 'read x < " + fifo + "') & wait";
        Process p = new ProcessBuilder("setsid", smbd.toString(), "-c", child, "smbd", "-s", conf.toString()).start();
        started.add(p.toHandle());
        await("the connection's smbd, retitled", () -> p.toHandle().children().anyMatch(h -> Processes.commandLine(
                Path.of("/proc/" + h.pid())).stream().findFirst().orElse("").startsWith("smbd: client")));
        // kept for the clean-up: once its parent is gone it is no descendant of anything started here
        p.toHandle().children().forEach(started::add);
        return p.toHandle();
    }

    @Test
    void aConnectionsSmbdThatRetitledItselfIsFoundThroughItsSessionAndStopped() throws Exception {
        Path conf = Files.writeString(dir.resolve("smb.conf"), "");
        ProcessHandle parent = smbd(conf);
        ProcessHandle child = parent.children().findFirst().orElseThrow();
        assertTrue(Processes.commandLine(Path.of("/proc/" + child.pid())).stream().noneMatch(a -> a.equals(conf.toString())),
                "the connection's smbd shows no configuration");
        assertEquals(List.of(parent.pid(), child.pid()).stream().sorted().toList(),
                Processes.smbdOn(conf).stream().sorted().toList());
        assertTrue(Processes.stopAll(conf, true, System.nanoTime() + WAIT.toNanos()));
        await("both gone", () -> !parent.isAlive() && !child.isAlive());
    }

    @Test
    void aConnectionsSmbdOutlivingItsParentIsFoundThroughTheSessionHasmStartedAndNoStrangerIs() throws Exception {
        Path conf = Files.writeString(dir.resolve("smb.conf"), "");
        ProcessHandle parent = smbd(conf);
        ProcessHandle child = parent.children().findFirst().orElseThrow();
        // a stranger named smbd, in a session of its own, on no configuration of ours
        Process stranger = new ProcessBuilder("setsid", dir.resolve("smbd").toString(), "-c", "read x < " + dir.resolve("wait"))
                .start();
        started.add(stranger.toHandle());
        parent.destroyForcibly();
        await("the parent gone", () -> !parent.isAlive());
        assertTrue(child.isAlive());
        assertEquals(List.of(), Processes.smbdOn(conf), "nothing of the configuration shows it any more");
        assertEquals(List.of(child.pid()), Processes.smbdOn(conf, parent.pid()));
        assertTrue(Processes.stopAll(conf, parent.pid(), true, System.nanoTime() + WAIT.toNanos()));
        await("the connection's smbd gone", () -> !child.isAlive());
        assertTrue(stranger.isAlive(), "the stranger is untouched");
        assertFalse(Processes.smbdOn(conf, parent.pid()).contains(stranger.pid()));
    }

    @Test
    void aConnectionsSmbdThatEndedAndWaitsToBeReapedIsNotWaitedFor() throws Exception {
        Path conf = Files.writeString(dir.resolve("smb.conf"), "");
        Path smbd = Files.createSymbolicLink(dir.resolve("smbd"), Path.of("/bin/bash"));
        Path hold = Files.createSymbolicLink(dir.resolve("hold"), Path.of("/bin/sleep"));
        // the parent becomes a sleep that never reaps: its connection's smbd, once ended, stays a zombie
        Process p = new ProcessBuilder("setsid", smbd.toString(), "-c",
                "(exec -a 'smbd: client [127.0.0.1]' " + smbd + " -c 'exit 0') & exec " + hold + " 60").start();
        started.add(p.toHandle());
        await("the connection's smbd ended, not reaped", () -> zombiesOf(p.pid()) == 1);
        assertEquals(List.of(), Processes.smbdOn(conf, p.pid()), "a zombie holds nothing: nothing to stop");
        long t0 = System.nanoTime();
        assertTrue(Processes.stopAll(conf, p.pid(), false, System.nanoTime() + WAIT.toNanos()));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "a stop does not wait for a zombie");
    }

    /** @return how many processes of {@code session} have ended and wait to be reaped */
    private static long zombiesOf(long session) throws java.io.IOException {
        try (java.util.stream.Stream<Path> all = Files.list(Path.of("/proc"))) {
            return all.filter(e -> e.getFileName().toString().matches("\\d+")).filter(e -> {
                try {
                    String stat = Files.readString(e.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    return f[0].equals("Z") && Long.parseLong(f[3]) == session;
                } catch (java.io.IOException | RuntimeException x) {
                    return false;
                }
            }).count();
        }
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String what, Check check) {
        BooleanSupplier condition = () -> {
            try {
                return check.holds();
            } catch (Exception e) {
                return false;
            }
        };
        long deadline = System.nanoTime() + WAIT.toNanos();
        // bounded by the deadline
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
