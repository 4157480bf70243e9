package org.hasm.health.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RebootLogTest {
    @TempDir
    Path dir;

    @Test
    void rebootsAreCountedInTheWindowAndOlderOnesDropped() throws Exception {
        RebootLog log = new RebootLog(dir.resolve("health"));
        assertEquals(List.of(), log.recent(0, 1000));
        log.reboot(100, 1000, "storage failed");
        log.reboot(900, 1000, "netif failed\nsecond line");
        assertEquals(2, log.recent(1050, 1000).size());
        assertEquals(List.of(new RebootLog.Entry(900, "netif failed second line")), log.recent(1500, 1000));
        log.reboot(1800, 1000, "again");
        // the reboot at 100 fell out of the window and is no longer in the file
        assertEquals(2, Files.readAllLines(log.file()).size());
    }

    @Test
    void rebootsRecordedWhileTheClockWasFastCountNoLongerOnceItIsSetRight() throws Exception {
        RebootLog log = new RebootLog(dir.resolve("health"));
        long day = 86_400_000L;
        // three reboots while the clock was a day fast
        log.reboot(day + 100, 1000, "a");
        log.reboot(day + 200, 1000, "b");
        log.reboot(day + 300, 1000, "c");
        // set right: they are of no known age, and would count for a day (disabling the SCM at its next failure)
        assertEquals(List.of(), log.recent(400, 1000));
        log.reboot(500, 1000, "d");
        assertEquals(List.of(new RebootLog.Entry(500, "d")), log.recent(600, 1000));
        assertEquals(1, Files.readAllLines(log.file()).size(), "the future-dated lines are dropped at the next reboot");
    }

    @Test
    void disabledUntilCleared() throws Exception {
        RebootLog log = new RebootLog(dir.resolve("health"));
        assertNull(log.disabled());
        log.reboot(100, 1000, "x");
        log.disable(200, "storage failed 4 times");
        assertEquals("storage failed 4 times", log.disabled());
        log.reboot(300, 1000, "y");
        assertEquals("storage failed 4 times", log.disabled());
        log.clear();
        assertNull(log.disabled());
        assertEquals(List.of(), log.recent(300, 1000));
    }

    @Test
    void aLineWrittenByHandOrTornIsSkipped() throws Exception {
        RebootLog log = new RebootLog(dir.resolve("health"));
        log.reboot(100, 1000, "x");
        Files.writeString(log.file(), "garbage\n12x\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        assertEquals(1, log.recent(200, 1000).size());
        assertNull(log.disabled());
    }
}
