package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelaunchTest {
    private static final Path OLD = Path.of("/opt/hasm-1.0.0");
    private static final Path NEW = Path.of("/opt/hasm-1.1.0");

    @Test
    void aRequestForAnotherDistributionRestartsOnIt() {
        assertEquals(new Relaunch.Restart(NEW), Relaunch.onRequest(NEW, OLD, List.of()));
    }

    @Test
    void aRequestForTheDistributionRunningAlreadyRestartsNothing() {
        assertEquals(new Relaunch.AlreadyThere(OLD), Relaunch.onRequest(OLD, OLD, List.of(1L, 2L)));
    }

    @Test
    void restartsAreBoundedWithinTheWindow() {
        List<Long> four = List.of(1L, 2L, 3L, 4L);
        assertEquals(new Relaunch.Restart(NEW), Relaunch.onRequest(NEW, OLD, four));
        Relaunch.Decision fifth = Relaunch.onRequest(NEW, OLD, List.of(1L, 2L, 3L, 4L, 5L));
        Relaunch.Refused refused = assertInstanceOf(Relaunch.Refused.class, fifth);
        assertTrue(refused.reason().contains("restarted 5 times in the last 60 s"), refused.reason());
    }

    @Test
    void aFailedStartAfterARestartGoesBackOnceToTheDistributionItCameFrom() {
        assertEquals(new Relaunch.Restart(OLD), Relaunch.onFailedStart(3, OLD, NEW, false, List.of(100L)));
        // the way back failed in turn: no ping-pong, the exit code stands
        assertEquals(new Relaunch.Exit(3), Relaunch.onFailedStart(3, NEW, OLD, true, List.of(100L, 101L)));
    }

    @Test
    void aFailedStartThatWasNoRestartExitsWithItsCode() {
        assertEquals(new Relaunch.Exit(2), Relaunch.onFailedStart(2, null, OLD, false, List.of()));
        assertEquals(new Relaunch.Exit(2), Relaunch.onFailedStart(2, OLD, OLD, false, List.of()));
        assertEquals(new Relaunch.Exit(1), Relaunch.onFailedStart(1, OLD, NEW, false, List.of(1L, 2L, 3L, 4L, 5L)));
    }

    @Test
    void theHistoryKeepsTheRestartsOfTheLastMinuteAndSkipsWhatIsNoTime() {
        assertEquals(List.of(), Relaunch.history(null, 1000));
        assertEquals(List.of(), Relaunch.history("  ", 1000));
        assertEquals(List.of(941L, 999L, 1000L), Relaunch.history(" 900 940 941 x 999 1000 2000", 1000));
        assertEquals(10, Relaunch.history("1 2 3 4 5 6 7 8 9 10 11 12", 12).size());
    }

    @Test
    void theNodeFolderNamesItsDistributionOnOneLine(@TempDir Path node) throws Exception {
        assertNull(Relaunch.named(node));
        Relaunch.writeNamed(node, NEW);
        assertEquals(NEW + "\n", Files.readString(node.resolve(Relaunch.FILE), StandardCharsets.UTF_8));
        assertEquals(NEW, Relaunch.named(node));
        try (var files = Files.list(node)) {
            assertEquals(List.of(node.resolve(Relaunch.FILE)), files.toList(), "no temporary file left");
        }
        Files.writeString(node.resolve(Relaunch.FILE), "opt/relative\n");
        LaunchException e = assertThrows(LaunchException.class, () -> Relaunch.named(node));
        assertTrue(e.getMessage().contains("must hold the absolute path of a distribution, not 'opt/relative'"),
                e.getMessage());
    }

    @Test
    void aFolderWithoutBinHasmIsNoDistributionToRestartOn(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("system"));
        LaunchException e = assertThrows(LaunchException.class, () -> Relaunch.check(dir));
        assertTrue(e.getMessage().contains("no executable bin/hasm"), e.getMessage());
        LaunchException none = assertThrows(LaunchException.class, () -> Relaunch.check(dir.resolve("missing")));
        assertTrue(none.getMessage().contains("not a hasm distribution"), none.getMessage());
    }
}
