package org.hasm.log.internal;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.osgi.framework.Bundle;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;

/**
 * One log entry, reduced to what is printed, and its text:
 * {@code 2026-11-25T23:50:01.123Z INFO  [bundle.symbolic.name] message}, then the stack trace of
 * the exception, if any, indented.
 *
 * <p>The fields are copied out of the {@link LogEntry} on the logging side, so the writer thread
 * never calls back into the log service or a bundle that may be gone by then.
 *
 * @param time milliseconds since the epoch
 * @param level the entry's level
 * @param source symbolic name of the bundle that logged, {@code -} if none
 * @param message the message; may span lines
 * @param error the exception logged with it, or {@code null}
 */
record Line(long time, LogLevel level, String source, String message, Throwable error) {

    /** Continuation lines (message lines after the first, stack traces) start with this. */
    static final String INDENT = "    ";

    /* Always milliseconds and always UTC: lines of two SCMs are compared side by side, and a
       fixed width keeps the columns aligned (ISO_INSTANT drops a zero fraction). */
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
                    .withZone(ZoneOffset.UTC);

    /** The width of the longest level name, so messages start in the same column. */
    private static final int LEVEL_WIDTH = 5;

    static Line of(LogEntry entry) {
        return new Line(entry.getTime(), entry.getLogLevel(), source(entry.getBundle()),
                entry.getMessage(), entry.getException());
    }

    static String source(Bundle bundle) {
        if (bundle == null) {
            return "-";
        }
        String name = bundle.getSymbolicName();
        // a bundle without a symbolic name (pre-R4 manifest) is still identifiable by its id
        return name != null ? name : "bundle#" + bundle.getBundleId();
    }

    /** @return the entry's text, ending with a line feed, one or more lines */
    String format() {
        StringBuilder out = new StringBuilder(96 + (message == null ? 0 : message.length()));
        TIME.formatTo(Instant.ofEpochMilli(time), out);
        out.append(' ');
        String name = level == null ? "?" : level.name();
        out.append(name);
        for (int i = name.length(); i <= LEVEL_WIDTH; i++) {
            out.append(' ');
        }
        out.append('[').append(source).append("] ");
        appendIndented(out, message == null ? "" : message);
        if (error != null) {
            StringWriter trace = new StringWriter();
            try (PrintWriter printer = new PrintWriter(trace)) {
                error.printStackTrace(printer);
            }
            out.append(INDENT);
            appendIndented(out, trace.toString().stripTrailing());
        }
        return out.toString();
    }

    /* A line that starts without indentation is always the start of an entry, so a message or a
       trace with line breaks cannot be mistaken for entries of its own (grep, tail, log shippers). */
    private static void appendIndented(StringBuilder out, String text) {
        int start = 0;
        int length = text.length();
        while (start <= length) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = length;
            }
            int stop = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            if (start > 0) {
                out.append(INDENT);
            }
            out.append(text, start, stop).append('\n');
            if (end == length) {
                break;
            }
            start = end + 1;
        }
    }
}
