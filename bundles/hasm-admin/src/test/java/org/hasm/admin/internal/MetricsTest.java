package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.spi.Call;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.Verdict;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private static final Instant HEARD = Instant.parse("2026-11-25T09:59:59.750Z");

    /** A name, labels in braces or none, a value: every sample line of the text format. */
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)");

    private static SpiViews.Controller degraded() {
        SpiViews.Controller c = new SpiViews.Controller();
        c.state = ScmState.DEGRADED;
        c.sysConfig = SysConfig.DEGRADED;
        c.version = "1.0.0.SNAPSHOT";
        c.since = HEARD;
        c.personalities = List.of(new SpiViews.Pers("A", "scm-a", List.of("127.0.10.1"), Map.of()),
                new SpiViews.Pers("B", "scm-b", List.of("127.0.10.2"), Map.of()));
        c.modules = List.of(new SpiViews.Module("example", Tier.SERVICE, 100, "org.hasm.example", "1.0.1",
                ModuleStatus.TIMED_OUT, Call.OPMODE, "late", HEARD, HEARD));
        return c;
    }

    private static SpiViews.Monitor fencedPeer() {
        return new SpiViews.Monitor(List.of(new SpiViews.Channel("link", ChannelStatus.BAD, 100, 90, 10, 2, 1, 0),
                new SpiViews.Channel("host", ChannelStatus.GOOD, 101, 95, 5, 0, 0, 7)),
                new FencedPeer("scm-b", false, ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, 42, HEARD));
    }

    private record FencedPeer(String scm, boolean alive, ScmState state, OpMode opMode, OpMode configuredRole,
            long incarnation, Instant lastHeard) implements org.hasm.spi.peer.PeerView {
        @Override
        public Verdict verdict() {
            return Verdict.FENCED;
        }
    }

    private record Vol(String name, long epoch, boolean owned) implements Volume {
        @Override
        public Path root() {
            return Path.of("/nonexistent", name);
        }

        @Override
        public void fence() {
        }
    }

    private static VolumeManager volumes(Volume... vs) {
        return new VolumeManager() {
            @Override
            public Volume volume(String name) {
                return List.of(vs).stream().filter(v -> v.name().equals(name)).findFirst().orElse(null);
            }

            @Override
            public List<Volume> volumes() {
                return List.of(vs);
            }

            @Override
            public Path sharedFolder() {
                return null;
            }
        };
    }

    @Test
    void stateRolePeerAndChannelsAreReadAtEachScrape() {
        SpiViews.Controller c = degraded();
        SpiViews.Link link = new SpiViews.Link(List.of(new SpiViews.Channel("link", ChannelStatus.GOOD, 7, 6, 0, 0, 3, 0)));
        Metrics m = new Metrics(() -> c, MetricsTest::fencedPeer, () -> link, () -> volumes(new Vol("vol-b", 4, true)));
        String text = m.text();

        assertSample(text, "hasm_scm_info{configured_role=\"MASTER\",scm=\"scm-a\",version=\"1.0.0.SNAPSHOT\"}", 1);
        assertSample(text, "hasm_scm_state{state=\"DEGRADED\"}", 1);
        assertSample(text, "hasm_scm_state{state=\"DAC\"}", 0);
        assertSample(text, "hasm_scm_role{role=\"MASTER\"}", 1);
        assertSample(text, "hasm_scm_role{role=\"SLAVE\"}", 0);
        assertSample(text, "hasm_scm_sysconfig{sysconfig=\"DEGRADED\"}", 1);
        assertSample(text, "hasm_scm_state_since_timestamp_seconds", HEARD.toEpochMilli() / 1000.0);
        assertSample(text, "hasm_personality_served{home=\"scm-b\",personality=\"B\"}", 1);
        assertSample(text, "hasm_module_status{module=\"example\",status=\"TIMED_OUT\"}", 1);
        assertSample(text, "hasm_module_status{module=\"example\",status=\"ACTIVE\"}", 0);
        assertSample(text, "hasm_module_info{bundle=\"org.hasm.example\",module=\"example\",tier=\"SERVICE\",version=\"1.0.1\"}", 1);
        assertSample(text, "hasm_peer_alive{peer=\"scm-b\"}", 0);
        assertSample(text, "hasm_peer_verdict{verdict=\"FENCED\"}", 1);
        assertSample(text, "hasm_peer_verdict{verdict=\"HEARD\"}", 0);
        assertSample(text, "hasm_peer_state{state=\"DAC\"}", 1);
        assertSample(text, "hasm_channel_status{channel=\"link\",kind=\"status\",status=\"BAD\"}", 1);
        assertSample(text, "hasm_channel_status{channel=\"link\",kind=\"link\",status=\"GOOD\"}", 1);
        assertSample(text, "hasm_channel_counter{channel=\"host\",kind=\"status\"}", 7);
        assertSample(text, "hasm_channel_sent_messages_total{channel=\"host\",kind=\"status\"}", 101);
        assertSample(text, "hasm_channel_received_messages_total{channel=\"link\",kind=\"status\"}", 90);
        assertSample(text, "hasm_channel_missed_messages_total{channel=\"link\",kind=\"status\"}", 10);
        assertSample(text, "hasm_channel_rejected_messages_total{channel=\"link\",kind=\"status\"}", 2);
        assertSample(text, "hasm_channel_errors_total{channel=\"link\",kind=\"link\"}", 3);
        assertSample(text, "hasm_volume_owned{volume=\"vol-b\"}", 1);
        assertSample(text, "hasm_volume_epoch{volume=\"vol-b\"}", 4);
        assertTrue(text.contains("# TYPE hasm_channel_sent_messages_total counter"), text);

        // the next scrape sees the SCM as it is then, modules included (their text is kept only while none changes)
        c.state = ScmState.DAC;
        c.sysConfig = SysConfig.DAC;
        c.modules = List.of(new SpiViews.Module("example", Tier.SERVICE, 100, "org.hasm.example", "1.0.2",
                ModuleStatus.ACTIVE, Call.OPMODE, null, HEARD, null));
        String later = m.text();
        assertSample(later, "hasm_scm_state{state=\"DEGRADED\"}", 0);
        assertSample(later, "hasm_scm_state{state=\"DAC\"}", 1);
        assertSample(later, "hasm_module_status{module=\"example\",status=\"TIMED_OUT\"}", 0);
        assertSample(later, "hasm_module_status{module=\"example\",status=\"ACTIVE\"}", 1);
        assertSample(later, "hasm_module_info{bundle=\"org.hasm.example\",module=\"example\",tier=\"SERVICE\",version=\"1.0.2\"}", 1);
        assertFalse(later.contains("version=\"1.0.1\""), later);
        assertEquals(1, later.split("# TYPE hasm_module_status gauge", -1).length - 1, later);
    }

    @Test
    void theRequestsOfEachNasServiceAreCountedByOperationAndOutcomeWithTheirLatency() {
        org.hasm.spi.health.RequestTally http = new org.hasm.spi.health.RequestTally("http");
        org.hasm.spi.health.RequestTally nfs = new org.hasm.spi.health.RequestTally("nfs");
        http.record("PUT", "2xx", 3_000_000L);
        http.record("PUT", "2xx", 40_000_000L);
        http.record("PUT", "5xx", 200_000L);
        http.record("GET", "2xx", 400_000L);
        nfs.record("GETATTR", "ok", 100_000L);
        nfs.record("GETATTR", "STALE", 20_000_000_000L);
        org.hasm.spi.health.ServiceRequests smb = new org.hasm.spi.health.ServiceRequests() {
            @Override
            public String protocol() {
                return "smb";
            }

            @Override
            public List<Requests> requests() {
                return List.of(new Requests("READ", "any", 10, 0.25, List.of()));
            }
        };
        Metrics m = new Metrics(() -> null, () -> null, () -> null, () -> null, () -> List.of(http, nfs, smb));
        String text = m.text();

        // smbd's own totals: a count and the time, no histogram
        assertSample(text, "hasm_nas_requests_total{operation=\"READ\",outcome=\"any\",protocol=\"smb\"}", 10);
        assertSample(text, "hasm_nas_request_time_seconds_total{operation=\"READ\",protocol=\"smb\"}", 0.25);
        assertFalse(text.contains("hasm_nas_request_duration_seconds_count{operation=\"READ\""), text);

        assertSample(text, "hasm_nas_requests_total{operation=\"PUT\",outcome=\"2xx\",protocol=\"http\"}", 2);
        assertSample(text, "hasm_nas_requests_total{operation=\"PUT\",outcome=\"5xx\",protocol=\"http\"}", 1);
        assertSample(text, "hasm_nas_requests_total{operation=\"GETATTR\",outcome=\"STALE\",protocol=\"nfs\"}", 1);
        // the histogram adds an operation's outcomes up; its buckets are cumulative on the wire
        assertSample(text, "hasm_nas_request_duration_seconds_count{operation=\"PUT\",protocol=\"http\"}", 3);
        assertSample(text, "hasm_nas_request_duration_seconds_sum{operation=\"PUT\",protocol=\"http\"}", 0.0432);
        assertSample(text, "hasm_nas_request_duration_seconds_bucket{operation=\"PUT\",protocol=\"http\",le=\"0.001\"}", 1);
        assertSample(text, "hasm_nas_request_duration_seconds_bucket{operation=\"PUT\",protocol=\"http\",le=\"0.005\"}", 2);
        assertSample(text, "hasm_nas_request_duration_seconds_bucket{operation=\"PUT\",protocol=\"http\",le=\"0.05\"}", 3);
        assertSample(text, "hasm_nas_request_duration_seconds_bucket{operation=\"GETATTR\",protocol=\"nfs\",le=\"10.0\"}", 1);
        assertSample(text, "hasm_nas_request_duration_seconds_bucket{operation=\"GETATTR\",protocol=\"nfs\",le=\"+Inf\"}", 2);
        assertTrue(text.contains("# TYPE hasm_nas_request_duration_seconds histogram"), text);

        // no service, no request series
        assertFalse(new Metrics(() -> null, () -> null, () -> null, () -> null).text().contains("hasm_nas_"));
    }

    @Test
    void aTallyKeepsABoundedNumberOfSeries() {
        org.hasm.spi.health.RequestTally t = new org.hasm.spi.health.RequestTally("http");
        for (int i = 0; i < org.hasm.spi.health.RequestTally.MAX_SERIES + 50; i++) {
            t.record("M" + i, "2xx", 1000);
        }
        List<org.hasm.spi.health.ServiceRequests.Requests> r = t.requests();
        assertTrue(r.size() <= org.hasm.spi.health.RequestTally.MAX_SERIES + 1, "series: " + r.size());
        assertEquals(org.hasm.spi.health.RequestTally.MAX_SERIES + 50,
                r.stream().mapToLong(org.hasm.spi.health.ServiceRequests.Requests::count).sum(), "every request counted");
    }

    @Test
    void aTransitionIsCountedByKindWithItsDuration() {
        Metrics m = new Metrics(() -> null, () -> null, () -> null, () -> null);
        m.event(Metrics.TOPIC_TRANSITION, Map.<String, Object>of("kind", "FAILOVER", "millis", 250L,
                "transition", "FAILOVER", "from", "DAC", "to", "DEGRADED")::get);
        m.event(Metrics.TOPIC_TRANSITION, Map.<String, Object>of("kind", "FAILBACK", "millis", 40L)::get);
        m.event(Metrics.TOPIC_TRANSITION, Map.<String, Object>of("kind", "FAILOVER", "millis", 1500L)::get);
        String text = m.text();

        assertSample(text, "hasm_transitions_total{kind=\"FAILOVER\"}", 2);
        assertSample(text, "hasm_transitions_total{kind=\"FAILBACK\"}", 1);
        assertSample(text, "hasm_transition_duration_seconds_count{kind=\"FAILOVER\"}", 2);
        assertSample(text, "hasm_transition_duration_seconds_sum{kind=\"FAILOVER\"}", 1.75);
        assertSample(text, "hasm_transition_duration_seconds_bucket{kind=\"FAILOVER\",le=\"0.25\"}", 1);
        assertSample(text, "hasm_transition_duration_seconds_bucket{kind=\"FAILOVER\",le=\"2.5\"}", 2);
        assertSample(text, "hasm_last_transition_duration_seconds", 1.5);
        assertTrue(value(text, "hasm_last_transition_timestamp_seconds") > 0, text);
        assertTrue(text.contains("# TYPE hasm_transition_duration_seconds histogram"), text);
        // nothing but the controller's state comes without a controller
        assertFalse(text.contains("hasm_scm_state"), text);

        // an event after a scrape is in the next one (the counted metrics' text is kept only until one arrives)
        m.event(Metrics.TOPIC_TRANSITION, Map.<String, Object>of("kind", "FAILBACK", "millis", 60L)::get);
        String later = m.text();
        assertSample(later, "hasm_transitions_total{kind=\"FAILBACK\"}", 2);
        assertSample(later, "hasm_last_transition_duration_seconds", 0.06);
        assertEquals(1, later.split("# TYPE hasm_transitions_total counter", -1).length - 1, later);
    }

    @Test
    void moduleCallsAddressesAndVolumesFromTheirEvents() {
        Metrics m = new Metrics(() -> null, () -> null, () -> null, () -> volumes());
        m.event("org/hasm/controller/call/PASSED", Map.<String, Object>of("module", "http", "call", "OPMODE",
                "millis", 12L)::get);
        m.event("org/hasm/controller/call/TIMED_OUT", Map.<String, Object>of("module", "http", "call", "OPMODE",
                "millis", 10_000L)::get);
        m.event(Metrics.TOPIC_ADDRESS, Map.<String, Object>of("action", "up", "personality", "B",
                "address", "127.0.10.2")::get);
        m.event(Metrics.TOPIC_VOLUME, Map.<String, Object>of("volume", "vol-b", "step", "acquired", "owner", "scm-a",
                "epoch", 5L)::get);
        // malformed: counted nowhere, and nothing breaks
        m.event("org/hasm/controller/call/PASSED", Map.<String, Object>of("module", "http", "millis", "soon")::get);
        m.event(Metrics.TOPIC_TRANSITION, Map.<String, Object>of("millis", 3L)::get);
        String text = m.text();

        assertSample(text, "hasm_module_calls_total{call=\"OPMODE\",module=\"http\",outcome=\"PASSED\"}", 1);
        assertSample(text, "hasm_module_calls_total{call=\"OPMODE\",module=\"http\",outcome=\"TIMED_OUT\"}", 1);
        assertSample(text, "hasm_module_call_duration_seconds_count{call=\"OPMODE\",module=\"http\"}", 2);
        assertSample(text, "hasm_module_call_duration_seconds_sum{call=\"OPMODE\",module=\"http\"}", 10.012);
        assertSample(text, "hasm_address_changes_total{action=\"up\",personality=\"B\"}", 1);
        assertSample(text, "hasm_volume_steps_total{step=\"acquired\",volume=\"vol-b\"}", 1);
        assertSample(text, "hasm_volume_epoch{volume=\"vol-b\"}", 5);
        assertSample(text, "hasm_volume_owner_info{owner=\"scm-a\",volume=\"vol-b\"}", 1);
        assertFalse(text.contains("hasm_transitions_total{"), text);
    }

    @Test
    void fenceOutcomesAndAlertsThatDidNotGoOutAreCounted() {
        Metrics m = new Metrics(() -> null, () -> null, () -> null, () -> volumes());
        m.event(Metrics.TOPIC_FENCE, Map.<String, Object>of("agent", "process", "outcome", "unreachable", "peer", "scm-b")::get);
        m.event(Metrics.TOPIC_FENCE, Map.<String, Object>of("agent", "process", "outcome", "fenced", "peer", "scm-b")::get);
        m.event(Metrics.TOPIC_ALERT_FAILED, Map.<String, Object>of("kind", "state", "recipient", "/etc/hasm/a.sh")::get);
        m.event(Metrics.TOPIC_ALERT_DROPPED, Map.<String, Object>of("count", 7L, "total", 7L)::get);
        String text = m.text();
        assertSample(text, "hasm_fence_events_total{agent=\"process\",outcome=\"unreachable\"}", 1);
        assertSample(text, "hasm_fence_events_total{agent=\"process\",outcome=\"fenced\"}", 1);
        assertSample(text, "hasm_alert_failures_total{kind=\"state\"}", 1);
        assertSample(text, "hasm_alerts_dropped_total", 7);
    }

    @Test
    void everyNameFollowsPrometheusConventions() {
        SpiViews.Controller c = degraded();
        Metrics m = new Metrics(() -> c, MetricsTest::fencedPeer, () -> null, () -> volumes(new Vol("v", 1, true)));
        m.event(Metrics.TOPIC_TRANSITION, Map.<String, Object>of("kind", "RESET", "millis", 1L)::get);
        m.event("org/hasm/controller/call/FAILED", Map.<String, Object>of("module", "x", "call", "TEST", "millis", 1L)::get);
        String text = m.text();
        String type = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] t = line.split(" ");
                type = t[3];
                assertTrue(t[2].startsWith("hasm_"), line);
                assertTrue(!type.equals("counter") || t[2].endsWith("_total"), "a counter ends in _total: " + line);
                continue;
            }
            if (line.startsWith("#") || line.isEmpty()) {
                continue;
            }
            Matcher s = SAMPLE.matcher(line);
            assertTrue(s.matches(), "not a sample line: " + line);
            String name = s.group(1);
            if ("counter".equals(type)) {
                assertTrue(name.endsWith("_total"), "a counter's sample ends in _total: " + line);
            }
            if (name.contains("duration") || name.contains("timestamp")) {
                assertTrue(name.matches(".*_seconds(_count|_sum|_bucket)?"), "a time is in seconds: " + line);
            }
        }
    }

    private static double value(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + series + " in\n" + text);
    }

    private static void assertSample(String text, String series, double expected) {
        assertEquals(expected, value(text, series), 1e-9, series);
    }
}
