package org.hasm.launcher;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code hasmctl SCM events}: the SCM's event log ({@code GET /hasm/api/v1/events}), one line per
 * event ({@code TIME SCM#SEQUENCE TOPIC key=value ...}) or the raw documents with {@code --json}; with
 * {@code --follow} it asks again every {@value #FOLLOW_MS} ms for what came after the last id it
 * printed, until interrupted.
 */
final class EventsCommand {
    static final long FOLLOW_MS = 500;
    private static final int PAGE = 1000;
    /** Pages read in a row before printing what came meanwhile: a log holds at most a few hundred thousand. */
    private static final int PAGES_MAX = 10_000;

    private final AdminClient client;
    private final PrintStream out;

    EventsCommand(AdminClient client, PrintStream out) {
        this.client = client;
        this.out = out;
    }

    void run(Long after, String topic, boolean follow, boolean json) throws LaunchException, InterruptedException {
        long last = after == null ? -1 : after;
        boolean any = false;
        while (true) {
            for (int page = 0; page < PAGES_MAX; page++) {
                String body = client.get("/events?after=" + last + "&limit=" + PAGE
                        + (topic == null ? "" : "&topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8)));
                Map<String, ?> doc = object(Json.parse(body, client.base() + " events"));
                List<?> events = doc.get("events") instanceof List<?> l ? l : List.of();
                if (json) {
                    if (!events.isEmpty() || !follow) {
                        out.println(body);
                    }
                } else {
                    for (Object e : events) {
                        out.println(line(object(e)));
                    }
                }
                any |= !events.isEmpty();
                if (!events.isEmpty()) {
                    last = number(object(events.get(events.size() - 1)).get("id"));
                }
                if (events.size() < PAGE) {
                    break;
                }
            }
            out.flush();
            if (!follow) {
                if (!any && !json) {
                    out.println("events: none" + (after == null ? "" : " after " + after)
                            + (topic == null ? "" : " on " + topic));
                }
                return;
            }
            TimeUnit.MILLISECONDS.sleep(FOLLOW_MS); // the operator's follow: polls until interrupted
        }
    }

    /**
     * Reads the events after {@code after} (on {@code topic}, or all) page by page, at most
     * {@code pages} pages, handing each to {@code each} in order.
     *
     * @return the id of the last event read, {@code after} if none
     */
    static long read(AdminClient client, long after, String topic, int pages,
            java.util.function.Consumer<Map<String, ?>> each) throws LaunchException, InterruptedException {
        long last = after;
        for (int page = 0; page < pages; page++) {
            Object doc = Json.parse(client.get("/events?after=" + last + "&limit=" + PAGE
                    + (topic == null ? "" : "&topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8))),
                    client.base() + " events");
            List<Map<String, ?>> events = doc instanceof Map<?, ?> m ? StatusTable.objects(m.get("events")) : List.of();
            for (Map<String, ?> e : events) {
                if (e.get("id") instanceof Number n) {
                    last = Math.max(last, n.longValue());
                }
                each.accept(e);
            }
            if (events.size() < PAGE) {
                break;
            }
        }
        return last;
    }

    static String line(Map<String, ?> e) {
        StringBuilder b = new StringBuilder();
        b.append(e.get("time")).append(' ').append(e.get("scm")).append('#').append(e.get("sequence")).append(' ')
                .append(e.get("topic"));
        if (e.get("properties") instanceof Map<?, ?> props) {
            for (Map.Entry<?, ?> p : new TreeMap<>(props).entrySet()) {
                if (p.getKey().equals("scm")) {
                    continue; // said already
                }
                String v = String.valueOf(p.getValue());
                b.append(' ').append(p.getKey()).append('=').append(v.contains(" ") ? "'" + v + "'" : v);
            }
        }
        return b.toString();
    }

    private static long number(Object o) throws LaunchException {
        if (o instanceof Number n) {
            return n.longValue();
        }
        throw new LaunchException(LaunchException.FAILED, "an event without a numeric id: " + o);
    }

    @SuppressWarnings("unchecked")
    private Map<String, ?> object(Object value) throws LaunchException {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, ?>) map;
        }
        throw new LaunchException(LaunchException.FAILED, client.base() + ": the events are not a JSON object");
    }
}
