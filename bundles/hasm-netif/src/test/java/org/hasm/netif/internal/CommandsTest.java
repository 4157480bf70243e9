package org.hasm.netif.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.hasm.netif.internal.Commands.CommandException;
import org.hasm.netif.internal.Commands.Result;
import org.junit.jupiter.api.Test;

class CommandsTest {

    @Test
    void prefixAndOutputAndStderr() throws CommandException {
        Commands c = new Commands(List.of("sh", "-c"), 5000, 1000);
        Result r = c.run(List.of("echo out; echo complaint >&2; exit 3"));
        assertEquals(3, r.exit());
        assertEquals("out\n", r.stdout());
        assertTrue(r.describe().contains("exited with 3: complaint"), r.describe());
        assertEquals(List.of("sh", "-c", "echo out; echo complaint >&2; exit 3"), r.command());
    }

    @Test
    void aHungCommandIsKilledAtItsDeadline() {
        Commands c = new Commands(List.of(), 5000, 1000);
        long start = System.nanoTime();
        CommandException e = assertThrows(CommandException.class, () -> c.run(List.of("sleep", "30"), 200));
        assertTrue(e.getMessage().contains("did not finish within 200 ms"), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10, "bounded");
    }

    @Test
    void aMissingCommandSaysSo() {
        Commands c = new Commands(List.of(), 5000, 1000);
        CommandException e = assertThrows(CommandException.class, () -> c.run(List.of("/nonexistent/hasm-tool")));
        assertTrue(e.getMessage().contains("/nonexistent/hasm-tool"), e.getMessage());
    }

    @Test
    void aLingeringBackgroundCommandIsKilled() throws CommandException {
        Commands c = new Commands(List.of(), 5000, 300);
        c.background(List.of("sleep", "30"), "test");
        assertEquals(1, c.backgroundRunning());
        Await.until("the reaper killed sleep", () -> c.backgroundRunning() == 0, c::backgroundRunning);
        c.close();
    }

    @Test
    void closeWaitsForBackgroundCommandsBounded() throws CommandException {
        Commands c = new Commands(List.of(), 5000, 500);
        c.background(List.of("sleep", "30"), "test");
        c.close();
        assertEquals(0, c.backgroundRunning());
    }
}
