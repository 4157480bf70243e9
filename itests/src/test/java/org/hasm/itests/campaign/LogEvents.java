package org.hasm.itests.campaign;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.itests.cluster.Pair.Scm;

/**
 * The lines of an SCM's {@code log/hasm.log} that say who owns a volume and who fenced whom, as
 * events with the log's own timestamps. Every pattern the campaign relies on is here, so that a
 * change of wording in the core shows up in one place (and in {@link CheckersIT}).
 */
public final class LogEvents {

    /** What a line says. */
    public enum Type {
        /** {@code volume V acquired at epoch N} */
        ACQUIRED,
        /** {@code volume V released at epoch N}, or released after a takeover */
        RELEASED,
        /** {@code volume V taken over by X at epoch N}: the SCM found its volume gone and stops serving it */
        LOST,
        /** {@code lease on volume V lapsed}: the SCM refuses to serve it until it confirms its record again */
        LEASE_LAPSED,
        /** the storage watchdog cannot read a record: the lease lapses unless it becomes readable */
        READ_PROBLEM,
        /** the storage watchdog reads the record again */
        READABLE_AGAIN,
        /**
         * {@code state=... modules=0/N active}: every module stopped (MONITOR, HALTED, a reboot), the
         * storage module too, which lets every volume go first and writes the release after, if it can
         */
        STOPPED,
        /** {@code fencing the peer X}: the SCM decided to fence its peer */
        FENCE_ATTEMPT,
        /** {@code killed pid N}: a fence agent of the SCM killed a process */
        FENCE_KILLED
    }

    /**
     * @param scm whose log said it
     * @param volume the volume, {@code ""} if the line names none
     * @param epoch the epoch the line names, -1 if none
     * @param pid the process a fence killed, -1 if none
     * @param from for {@link Type#ACQUIRED}: the SCM the volume was taken over from, {@code ""} if it was
     *     free (released, never owned) or already this SCM's
     */
    public record Event(long ms, Scm scm, Type type, String volume, long epoch, long pid, String from, String line) {
        @Override
        public String toString() {
            return scm.id() + ": " + line;
        }
    }

    private static final Pattern LINE = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\dT\\S+Z)\\s+\\S+\\s+\\[[^\\]]*\\]\\s(.*)$");
    private static final String NAME = "([A-Za-z0-9_][A-Za-z0-9_.-]*?)";
    private static final Pattern ACQUIRED = Pattern.compile("volume " + NAME + " acquired at epoch (\\d+)");
    private static final Pattern TAKEN_FROM = Pattern.compile(": taken over from (\\S+) \\(epoch");
    private static final Pattern RELEASED = Pattern.compile("volume " + NAME + " released( at epoch (\\d+)|:)");
    private static final Pattern LOST = Pattern.compile("volume " + NAME + " taken over by \\S+ at epoch (\\d+)");
    private static final Pattern LAPSED = Pattern.compile("lease on volume " + NAME + " lapsed");
    private static final Pattern READ_PROBLEM = Pattern.compile("storage watchdog: (.*)fence\\(\\) fails once the lease lapses");
    private static final Pattern RECORD_FILE = Pattern.compile("owners/" + NAME + "[:\\s,)]");
    private static final Pattern READABLE = Pattern.compile("the record of volume " + NAME + " is readable again");
    private static final Pattern STOPPED = Pattern.compile("\\bstate=\\S+ .*\\bmodules=0/\\d+ active");
    private static final Pattern FENCING = Pattern.compile("fencing the peer (\\S+)");
    private static final Pattern KILLED = Pattern.compile("killed pid (\\d+)");

    private LogEvents() {
    }

    /** @return the events of {@code log}, in the log's order; lines that say none of them are skipped */
    public static List<Event> parse(Scm scm, String log) {
        List<Event> events = new ArrayList<>();
        for (String line : log.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue; // a stack trace's line, or one torn by a kill
            }
            long ms;
            try {
                ms = Instant.parse(m.group(1)).toEpochMilli();
            } catch (DateTimeParseException e) {
                continue;
            }
            Event e = event(scm, ms, m.group(2), line);
            if (e != null) {
                events.add(e);
            }
        }
        return events;
    }

    private static Event event(Scm scm, long ms, String text, String line) {
        Matcher m;
        // "fence refused: volume V taken over by ..." is a loss too; test it before a release
        if ((m = LOST.matcher(text)).find()) {
            return new Event(ms, scm, Type.LOST, m.group(1), Long.parseLong(m.group(2)), -1, "", line);
        }
        if ((m = ACQUIRED.matcher(text)).find()) {
            Matcher from = TAKEN_FROM.matcher(text);
            return new Event(ms, scm, Type.ACQUIRED, m.group(1), Long.parseLong(m.group(2)), -1,
                    from.find() ? from.group(1) : "", line);
        }
        if ((m = RELEASED.matcher(text)).find()) {
            return new Event(ms, scm, Type.RELEASED, m.group(1), m.group(3) == null ? -1 : Long.parseLong(m.group(3)),
                    -1, "", line);
        }
        if ((m = LAPSED.matcher(text)).find()) {
            return new Event(ms, scm, Type.LEASE_LAPSED, m.group(1), -1, -1, "", line);
        }
        if ((m = READABLE.matcher(text)).find()) {
            return new Event(ms, scm, Type.READABLE_AGAIN, m.group(1), -1, -1, "", line);
        }
        if ((m = READ_PROBLEM.matcher(text)).find()) {
            Matcher file = RECORD_FILE.matcher(m.group(1));
            // a problem that names no record stands for every volume
            return new Event(ms, scm, Type.READ_PROBLEM, file.find() ? file.group(1) : "", -1, -1, "", line);
        }
        if (STOPPED.matcher(text).find()) {
            return new Event(ms, scm, Type.STOPPED, "", -1, -1, "", line);
        }
        if ((m = FENCING.matcher(text)).find()) {
            return new Event(ms, scm, Type.FENCE_ATTEMPT, "", -1, -1, "", line);
        }
        if ((m = KILLED.matcher(text)).find()) {
            return new Event(ms, scm, Type.FENCE_KILLED, "", -1, Long.parseLong(m.group(1)), "", line);
        }
        return null;
    }

    /**
     * A status monitor's line that says a channel went BAD: {@code channel link to scm-b is BAD ...}, or
     * {@code channels link, host to scm-b are BAD ...} when several ran out in the same interval.
     *
     * @return a pattern that finds such a line naming {@code channel} (anywhere in a log)
     */
    public static Pattern channelBad(String channel, String peer) {
        String other = "[A-Za-z0-9_-]+";
        return Pattern.compile("\\bchannels? (" + other + ", )*" + Pattern.quote(channel) + "(, " + other + ")* to "
                + Pattern.quote(peer) + " (is|are) BAD\\b");
    }

    /** @return how many lines of {@code log} say that {@code channel} went BAD ({@link #channelBad}) */
    public static int countChannelBad(String log, String channel, String peer) {
        Matcher m = channelBad(channel, peer).matcher(log);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** @return where in {@code log} the first line that says {@code channel} went BAD is, -1 if none */
    public static int indexOfChannelBad(String log, String channel, String peer) {
        Matcher m = channelBad(channel, peer).matcher(log);
        return m.find() ? m.start() : -1;
    }

    /** @return both lists merged in time order (a stable sort: each log keeps its own order) */
    public static List<Event> merge(List<Event> a, List<Event> b) {
        List<Event> all = new ArrayList<>(a);
        all.addAll(b);
        all.sort(Comparator.comparingLong(Event::ms));
        return all;
    }
}
