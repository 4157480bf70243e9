package org.hasm.nas.smb.internal;

import static org.hasm.nas.smb.internal.SmbFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog against a real process group (a leader and its child, as smbd and a connection's
 * smbd): it kills the whole group when the SCM goes silent or goes away, never while it is fed, and
 * not when told to stop.
 */
class WatchdogTest {

    private static final long DEADLINE_MS = 300;

    @TempDir
    Path work;

    private Process group;
    private ProcessHandle child;

    @BeforeEach
    void startGroup() throws Exception {
        // a group leader with a child of its own, both reading nothing for a minute
        group = new ProcessBuilder("setsid", "bash", "-c", "sleep 60 & wait").start();
        await("the group's child", Duration.ofSeconds(10), () -> group.children().findAny().isPresent(), () -> "");
        child = group.children().findAny().orElseThrow();
    }

    @AfterEach
    void endGroup() {
        child.destroyForcibly();
        group.destroyForcibly();
    }

    @Test
    void silenceKillsTheWholeGroupAtTheDeadline() throws Exception {
        long started = System.nanoTime();
        Watchdog w = Watchdog.start(group.pid(), DEADLINE_MS, work.resolve("log").toFile());
        await("the group to be killed", Duration.ofSeconds(10), () -> !group.isAlive() && !child.isAlive(), () -> "");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(ms >= DEADLINE_MS, "killed after " + ms + " ms, before its deadline");
        await("the watchdog to end", Duration.ofSeconds(10), () -> !w.alive(), () -> "");
        assertEquals(Watchdog.FIRED, w.exitCode());
    }

    @Test
    void theEndOfItsInputKillsTheGroupAtOnce() throws Exception {
        Watchdog w = Watchdog.start(group.pid(), 60_000, work.resolve("log").toFile());
        w.feed();
        w.closeInputOnly();
        await("the group to be killed", Duration.ofSeconds(10), () -> !group.isAlive() && !child.isAlive(), () -> "");
        await("the watchdog to end", Duration.ofSeconds(10), () -> !w.alive(), () -> "");
        assertEquals(Watchdog.FIRED, w.exitCode());
    }

    @Test
    void fedItKillsNothingAndToldToStopItEndsAlone() throws Exception {
        Watchdog w = Watchdog.start(group.pid(), DEADLINE_MS, work.resolve("log").toFile());
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4 * DEADLINE_MS);
        // bounded: four deadlines of feeding, a line every quarter of one
        while (System.nanoTime() - end < 0) {
            assertTrue(w.feed(), "the watchdog went away while fed");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS / 4));
        }
        assertTrue(group.isAlive() && child.isAlive(), "killed while fed");
        w.close();
        assertEquals(0, w.exitCode());
        assertTrue(group.isAlive() && child.isAlive(), "killed when told to stop");
    }
}
