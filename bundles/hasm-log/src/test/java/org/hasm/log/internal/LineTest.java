package org.hasm.log.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

class LineTest {

    private static final long TIME = Instant.parse("2026-11-25T23:50:01.123Z").toEpochMilli();

    @Test
    void oneLineWithUtcMillisPaddedLevelAndBundle() {
        Line line = new Line(TIME, LogLevel.INFO, "org.hasm.controller", "SCM scm-a state=DAC", null);
        assertEquals("2026-11-25T23:50:01.123Z INFO  [org.hasm.controller] SCM scm-a state=DAC\n",
                line.format());
    }

    @Test
    void zeroMillisAreStillPrinted() {
        long whole = Instant.parse("2026-01-02T03:04:05Z").toEpochMilli();
        assertTrue(new Line(whole, LogLevel.WARN, "b", "m", null).format()
                .startsWith("2026-01-02T03:04:05.000Z WARN  [b] m"));
    }

    @Test
    void everyLevelStartsTheMessageInTheSameColumn() {
        int column = -1;
        for (LogLevel level : LogLevel.values()) {
            String text = new Line(TIME, level, "b", "m", null).format();
            int at = text.indexOf("[b]");
            if (column < 0) {
                column = at;
            }
            assertEquals(column, at, level.name());
            assertTrue(text.contains(" " + level.name() + " "), text);
        }
    }

    @Test
    void stackTraceFollowsIndented() {
        IllegalStateException error = new IllegalStateException("boom", new RuntimeException("root cause"));
        String text = new Line(TIME, LogLevel.ERROR, "b", "failed", error).format();
        String[] lines = text.split("\n");
        assertEquals("2026-11-25T23:50:01.123Z ERROR [b] failed", lines[0]);
        assertEquals("    java.lang.IllegalStateException: boom", lines[1]);
        assertTrue(lines[2].startsWith("    \tat org.hasm.log.internal.LineTest."), lines[2]);
        assertTrue(text.contains("\n    Caused by: java.lang.RuntimeException: root cause\n"), text);
        for (int i = 1; i < lines.length; i++) {
            assertTrue(lines[i].startsWith(Line.INDENT), "line " + i + ": " + lines[i]);
        }
        assertTrue(text.endsWith("\n"));
        assertFalse(text.endsWith("\n\n"));
    }

    @Test
    void messageLinesAfterTheFirstAreIndented() {
        String text = new Line(TIME, LogLevel.INFO, "b", "first\r\nsecond\nthird", null).format();
        assertEquals("2026-11-25T23:50:01.123Z INFO  [b] first\n    second\n    third\n", text);
    }

    @Test
    void missingMessageAndBundleStillGiveALine() {
        assertEquals("2026-11-25T23:50:01.123Z DEBUG [-] \n",
                new Line(TIME, LogLevel.DEBUG, Line.source(null), null, null).format());
    }

    @Test
    void thresholdDefaultsToInfoAndIgnoresCase() {
        assertEquals(LogLevel.INFO, Threshold.parse(null));
        assertEquals(LogLevel.INFO, Threshold.parse(" "));
        assertEquals(LogLevel.DEBUG, Threshold.parse("debug"));
        assertEquals(LogLevel.WARN, Threshold.parse(" Warn "));
    }

    @Test
    void thresholdRejectsUnknownLevelsNamingTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Threshold.parse("LOUD"));
        assertEquals("hasm.log.level=LOUD is not a log level (expected ERROR, WARN, INFO, DEBUG or TRACE)",
                e.getMessage());
    }

    @Test
    void bundleAndServiceEventsCountAsDebug() {
        assertEquals(LogLevel.DEBUG, Threshold.effective(LogLevel.INFO, "Events.Bundle.org.hasm.spi"));
        assertEquals(LogLevel.DEBUG, Threshold.effective(LogLevel.INFO, "Events.Service.org.hasm.spi"));
        assertEquals(LogLevel.ERROR, Threshold.effective(LogLevel.ERROR, "Events.Bundle.org.hasm.spi"));
        assertEquals(LogLevel.INFO, Threshold.effective(LogLevel.INFO, "Events.Framework.org.apache.felix.framework"));
        assertEquals(LogLevel.INFO, Threshold.effective(LogLevel.INFO, "org.hasm.controller.internal.Scm"));
        assertEquals(LogLevel.INFO, Threshold.effective(LogLevel.INFO, null));
    }

    @Test
    void entriesAtOrAboveTheThresholdPass() {
        assertTrue(Threshold.passes(LogLevel.ERROR, LogLevel.INFO));
        assertTrue(Threshold.passes(LogLevel.INFO, LogLevel.INFO));
        assertTrue(Threshold.passes(LogLevel.AUDIT, LogLevel.ERROR));
        assertFalse(Threshold.passes(LogLevel.DEBUG, LogLevel.INFO));
        assertFalse(Threshold.passes(LogLevel.INFO, LogLevel.WARN));
        assertFalse(Threshold.passes(null, LogLevel.TRACE));
    }
}
