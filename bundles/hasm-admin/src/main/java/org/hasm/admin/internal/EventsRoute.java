package org.hasm.admin.internal;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hasm.spi.events.EventJournal;
import org.hasm.spi.events.LoggedEvent;

/**
 * {@code GET /hasm/api/v1/events?after=ID&topic=TOPIC&limit=N}: this SCM's event log, its peer's events
 * included, answered in every state (MONITOR too) with the read role. The document:
 * {@code {"lastId": N, "events": [{"id", "scm", "sequence", "time", "topic", "properties": {...}}]}};
 * a client that follows asks again with {@code after} = the last id it got.
 */
final class EventsRoute {
    static final int DEFAULT_LIMIT = 1000;

    private final Supplier<EventJournal> journal;

    EventsRoute(Supplier<EventJournal> journal) {
        this.journal = journal;
    }

    AdminApi.Reply answer(Function<String, String> parameter) {
        long after;
        long limit;
        try {
            after = number(parameter.apply("after"), -1, "after", "an event id (-1 or more)");
            limit = number(parameter.apply("limit"), DEFAULT_LIMIT, "limit", "a count from 1 to 10000");
        } catch (IllegalArgumentException e) {
            return AdminApi.Reply.error(400, e.getMessage());
        }
        if (after < -1) {
            return AdminApi.Reply.error(400, "parameter 'after' must be an event id (-1 or more), not " + after);
        }
        if (limit < 1 || limit > 10_000) {
            return AdminApi.Reply.error(400, "parameter 'limit' must be a count from 1 to 10000, not " + limit);
        }
        String topic = parameter.apply("topic");
        EventJournal j = journal.get();
        if (j == null) {
            return AdminApi.Reply.error(503, "the event log (bundle org.hasm.events) is not running on this SCM");
        }
        List<LoggedEvent> events;
        try {
            events = j.after(after, topic == null || topic.isBlank() ? null : topic.strip(), (int) limit);
        } catch (IllegalArgumentException e) {
            return AdminApi.Reply.error(400, e.getMessage());
        }
        return AdminApi.Reply.ok(200, document(j.lastId(), events));
    }

    static String document(long lastId, List<LoggedEvent> events) {
        JsonWriter w = new JsonWriter().beginObject().name("lastId").value(lastId).name("events").beginArray();
        for (LoggedEvent e : events) {
            w.beginObject();
            w.name("id").value(e.id());
            w.name("scm").value(e.scm());
            w.name("sequence").value(e.sequence());
            w.name("time").value(e.time());
            w.name("topic").value(e.topic());
            w.name("properties").beginObject();
            for (Map.Entry<String, String> p : new java.util.TreeMap<>(e.properties()).entrySet()) {
                w.name(p.getKey()).value(p.getValue());
            }
            w.endObject();
            w.endObject();
        }
        return w.endArray().endObject().toString();
    }

    private static long number(String text, long absent, String name, String what) {
        if (text == null || text.isBlank()) {
            return absent;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parameter '" + name + "' must be " + what + ", not '" + text + "'");
        }
    }
}
