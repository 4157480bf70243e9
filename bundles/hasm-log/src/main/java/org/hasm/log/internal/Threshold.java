package org.hasm.log.internal;

import java.util.Locale;
import org.osgi.service.log.LogLevel;

/** The lowest level written, from the framework property {@value #PROPERTY}. */
final class Threshold {

    /** Framework property naming the threshold; the launcher validates it before start. */
    static final String PROPERTY = "hasm.log.level";

    static final LogLevel DEFAULT = LogLevel.INFO;

    private Threshold() {
    }

    /**
     * @param value a level name in any case, or {@code null}/blank for {@link #DEFAULT}
     * @return the level
     * @throws IllegalArgumentException naming the property and the accepted values
     */
    static LogLevel parse(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT;
        }
        try {
            return LogLevel.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY + "=" + value
                    + " is not a log level (expected ERROR, WARN, INFO, DEBUG or TRACE)", e);
        }
    }

    /**
     * The level an entry is filtered at. The log service records every bundle and service event
     * (logger names {@code Events.Bundle.*} and {@code Events.Service.*}) at INFO: dozens per
     * start, which would bury what modules say. They count as DEBUG here, so they are written
     * at DEBUG and TRACE only; framework events (errors, start level changes) stay as they are.
     */
    static LogLevel effective(LogLevel level, String loggerName) {
        if (level == LogLevel.INFO && loggerName != null
                && (loggerName.startsWith("Events.Bundle.") || loggerName.startsWith("Events.Service."))) {
            return LogLevel.DEBUG;
        }
        return level;
    }

    /** @return whether an entry at {@code level} is written when the threshold is {@code threshold} */
    static boolean passes(LogLevel level, LogLevel threshold) {
        // a configured level implies every more severe one (INFO implies WARN); AUDIT is implied
        // by every level, so it is always written
        return level != null && threshold.implies(level);
    }
}
