package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.events.EventJournal;
import org.hasm.spi.events.LoggedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventsRouteTest {
    @TempDir
    Path admin;

    record Event(long id, String scm, long sequence, Instant time, String topic, Map<String, String> properties)
            implements LoggedEvent { }

    /** A journal over a list, as the SPI describes it (the log itself is tested in hasm-events). */
    static final class ListJournal implements EventJournal {
        final List<LoggedEvent> events = new ArrayList<>();

        @Override
        public List<LoggedEvent> after(long afterId, String topic, int limit) {
            return events.stream().filter(e -> e.id() > afterId)
                    .filter(e -> topic == null || (topic.endsWith("*") ? e.topic().startsWith(topic.substring(0,
                            topic.length() - 1)) : e.topic().equals(topic))).limit(limit).toList();
        }

        @Override
        public long lastId() {
            return events.isEmpty() ? -1 : events.get(events.size() - 1).id();
        }

        @Override
        public void record(String topic, java.util.Map<String, ?> properties) {
            throw new UnsupportedOperationException("the admin API only reads the log");
        }
    }

    private final ListJournal journal = new ListJournal();

    private AdminApi.Reply get(AdminApi api, String token, String... params) {
        Map<String, String> p = new HashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            p.put(params[i], params[i + 1]);
        }
        return api.handle(new AdminApi.Request("GET", "/events", "127.0.0.1:5000",
                h -> h.equalsIgnoreCase("Authorization") && token != null ? "Bearer " + token : null, p::get));
    }

    private AdminApi api(EventJournal j) {
        AdminApi.Audit audit = new AdminApi.Audit() {
            @Override
            public void accepted(String what, Credentials.Credential who, String remote) {
            }

            @Override
            public void refused(AdminApi.Request request, int status, String why) {
            }
        };
        return new AdminApi(() -> null, () -> null, () -> null, false, () -> null,
                new Credentials(admin, problem -> { }), audit, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)).events(() -> j);
    }

    @Test
    void theReadRoleReadsTheEventsAfterAnIdOnATopic() throws IOException {
        String read = CredentialsTest.write(admin, "read", "monitor", "r".repeat(40));
        journal.events.add(new Event(0, "scm-a", 1, Instant.parse("2026-12-03T07:00:00Z"), "org/hasm/controller/STATE",
                Map.of("state", "DAC", "scm", "scm-a")));
        journal.events.add(new Event(1, "scm-b", 7, Instant.parse("2026-12-03T07:00:01Z"), "org/hasm/health/PROBLEM",
                Map.of("check", "disk.data", "problem", "the data folder \"x\" has 3 MiB free")));
        AdminApi api = api(journal);
        assertEquals(401, get(api, null).status());
        AdminApi.Reply all = get(api, read);
        assertEquals(200, all.status());
        Map<String, Object> doc = MiniJson.object(all.json());
        assertEquals(1L, ((Number) doc.get("lastId")).longValue());
        assertEquals(2, ((List<?>) doc.get("events")).size());
        AdminApi.Reply health = get(api, read, "after", "-1", "topic", "org/hasm/health/*");
        assertEquals("{\"lastId\":1,\"events\":[{\"id\":1,\"scm\":\"scm-b\",\"sequence\":7,"
                + "\"time\":\"2026-12-03T07:00:01Z\",\"topic\":\"org/hasm/health/PROBLEM\",\"properties\":"
                + "{\"check\":\"disk.data\",\"problem\":\"the data folder \\\"x\\\" has 3 MiB free\"}}]}", health.json());
        assertEquals(List.of(), MiniJson.object(get(api, read, "after", "1").json()).get("events"));
    }

    @Test
    void badParametersAreRefusedNamingThemAndAMissingLogIs503() throws IOException {
        String read = CredentialsTest.write(admin, "read", "monitor", "r".repeat(40));
        AdminApi api = api(journal);
        AdminApi.Reply r = get(api, read, "after", "x");
        assertEquals(400, r.status());
        assertEquals("parameter 'after' must be an event id (-1 or more), not 'x'", MiniJson.object(r.json()).get("error"));
        assertEquals(400, get(api, read, "after", "-2").status());
        r = get(api, read, "limit", "0");
        assertEquals("parameter 'limit' must be a count from 1 to 10000, not 0", MiniJson.object(r.json()).get("error"));
        r = get(api, read, "limit", "4294967297"); // 2^32 + 1: was read as 1 once cut to an int
        assertEquals("parameter 'limit' must be a count from 1 to 10000, not 4294967297",
                MiniJson.object(r.json()).get("error"));
        r = get(api(null), read);
        assertEquals(503, r.status());
        assertEquals("the event log (bundle org.hasm.events) is not running on this SCM",
                MiniJson.object(r.json()).get("error"));
    }
}
