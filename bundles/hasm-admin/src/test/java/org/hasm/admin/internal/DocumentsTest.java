package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.peer.ChannelStatus;
import org.junit.jupiter.api.Test;

class DocumentsTest {
    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private static final Instant HEARD = Instant.parse("2026-11-25T09:59:59.750Z");

    private static SpiViews.Controller degradedMaster() {
        SpiViews.Controller c = new SpiViews.Controller();
        c.state = ScmState.DEGRADED;
        c.sysConfig = SysConfig.DEGRADED;
        c.personalities = List.of(
                new SpiViews.Pers("A", "scm-a", List.of("127.0.10.1"), Map.of()),
                new SpiViews.Pers("B", "scm-b", List.of("127.0.10.2", "127.0.11.2"), Map.of("example.port", "9000")));
        c.modules = List.of(
                new SpiViews.Module("status", Tier.HASM, 10, "org.hasm.status", "1.0.0", ModuleStatus.ACTIVE,
                        Call.OPMODE, null, NOW, NOW.minusMillis(1_500)),
                new SpiViews.Module("example", Tier.SERVICE, 100, "org.hasm.example", "1.0.0", ModuleStatus.FAILED,
                        Call.TEST, "port 9000 \"in use\"", NOW, null));
        return c;
    }

    @Test
    void statusOfADegradedMasterWithMonitorAndLink() {
        SpiViews.Monitor monitor = new SpiViews.Monitor(
                List.of(new SpiViews.Channel("link", ChannelStatus.BAD, 100, 90, 10, 2, 1, 0,
                        "nothing received from scm-b since 2026-11-25T09:59:59.750Z"),
                        new SpiViews.Channel("host", ChannelStatus.BAD, 100, 95, 5, 0, 0, 0)),
                new SpiViews.Peer("scm-b", false, ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, 42, HEARD));
        SpiViews.Link link = new SpiViews.Link(
                List.of(new SpiViews.Channel("link", ChannelStatus.GOOD, 7, 6, 0, 0, 3, 0)));

        SpiViews.Controller controller = degradedMaster();
        controller.reason = "serving the peer's personality too: scm-b is dead (FENCED)";
        controller.since = HEARD.plusMillis(50);
        Map<String, Object> doc = MiniJson.object(Documents.status(controller, monitor, link, NOW));

        assertEquals("scm-a", doc.get("node"));
        assertEquals("MASTER", doc.get("configuredRole"));
        assertEquals("DEGRADED", doc.get("state"));
        assertEquals("MASTER", doc.get("opMode"));
        assertEquals("DEGRADED", doc.get("sysConfig"));
        assertEquals("serving the peer's personality too: scm-b is dead (FENCED)", doc.get("reason"));
        assertEquals("2026-11-25T09:59:59.800Z", doc.get("since"));
        assertEquals("2026-11-25T10:00:00Z", doc.get("time"));

        Map<String, Object> peer = new LinkedHashMap<>();
        peer.put("name", "scm-b");
        peer.put("alive", false);
        peer.put("verdict", "SILENT"); // what a dead peer's view says when it names no verdict of its own
        peer.put("state", "DAC");
        peer.put("opMode", "SLAVE");
        peer.put("configuredRole", "SLAVE");
        peer.put("incarnation", 42L);
        peer.put("lastHeard", "2026-11-25T09:59:59.750Z");
        // not heard now: what it said last, as of when it said it
        peer.put("lastKnown", true);
        peer.put("stateAsOf", "2026-11-25T09:59:59.750Z");
        // the release it said it runs: this test's controller heard none
        peer.put("version", null);
        assertEquals(peer, doc.get("peer"));

        List<?> channels = (List<?>) doc.get("channels");
        assertEquals(3, channels.size());
        assertEquals(channel("link", "status", "BAD", 100L, 90L, 10L, 2L, 0L, 1L, 0L,
                "nothing received from scm-b since 2026-11-25T09:59:59.750Z"), channels.get(0));
        assertEquals("host", ((Map<?, ?>) channels.get(1)).get("name"));
        assertEquals(channel("link", "link", "GOOD", 7L, 6L, 0L, 0L, 0L, 3L, 0L, null), channels.get(2));

        assertEquals(List.of(
                Map.of("name", "A", "home", "scm-a", "addresses", List.of("127.0.10.1")),
                Map.of("name", "B", "home", "scm-b", "addresses", List.of("127.0.10.2", "127.0.11.2"))),
                doc.get("personalities"));
        assertEquals(doc.get("personalities"), doc.get("pairPersonalities"), "both served here: the pair's are these");

        List<?> modules = (List<?>) doc.get("modules");
        Map<String, Object> failed = new LinkedHashMap<>();
        failed.put("name", "example");
        failed.put("tier", "service");
        failed.put("rank", 100L);
        failed.put("bundle", "org.hasm.example");
        failed.put("version", "1.0.0");
        failed.put("status", "FAILED");
        failed.put("lastCall", "TEST");
        failed.put("lastError", "port 9000 \"in use\"");
        failed.put("since", "2026-11-25T10:00:00Z");
        failed.put("inCallSince", null);
        assertEquals(failed, modules.get(1));
        assertEquals("hasm", ((Map<?, ?>) modules.get(0)).get("tier"));
        // a module in a call says since when (an opMode in progress while the SCM takes over)
        assertEquals("2026-11-25T09:59:58.500Z", ((Map<?, ?>) modules.get(0)).get("inCallSince"));
        assertNull(((Map<?, ?>) modules.get(0)).get("lastError"));
    }

    private static Map<String, Object> channel(String name, String kind, String status, long sent, long received,
            long missed, long rejected, long dropped, long errors, long counter, String note) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("kind", kind);
        c.put("status", status);
        c.put("sent", sent);
        c.put("received", received);
        c.put("missed", missed);
        c.put("rejected", rejected);
        c.put("dropped", dropped);
        c.put("errors", errors);
        c.put("counter", counter);
        c.put("note", note);
        return c;
    }

    @Test
    void aHeardPeersStateIsCurrentAndAnIdleChannelSaysWhy() {
        SpiViews.Monitor monitor = new SpiViews.Monitor(
                List.of(new SpiViews.Channel("link", ChannelStatus.IDLE, 100, 90, 0, 0, 0, 0, "scm-b said it stops (HALTED)")),
                new SpiViews.Peer("scm-b", true, ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, 42, HEARD));
        Map<String, Object> doc = MiniJson.object(Documents.status(degradedMaster(), monitor, null, NOW));
        Map<?, ?> peer = (Map<?, ?>) doc.get("peer");
        assertEquals(false, peer.get("lastKnown"));
        assertEquals("2026-11-25T09:59:59.750Z", peer.get("stateAsOf"));
        Map<?, ?> link = (Map<?, ?>) ((List<?>) doc.get("channels")).get(0);
        assertEquals("IDLE", link.get("status"));
        assertEquals("scm-b said it stops (HALTED)", link.get("note"));
    }

    @Test
    void aLinkChannelRefusedByAPeerThatSaidItStopsIsIdleNotBad() {
        SpiViews.Monitor monitor = new SpiViews.Monitor(List.of(),
                new SpiViews.Peer("scm-b", false, ScmState.HALTED, OpMode.SLAVE, OpMode.SLAVE, 42, HEARD));
        SpiViews.Link link = new SpiViews.Link(List.of(new SpiViews.Channel("link", ChannelStatus.BAD, 7, 6, 0, 0, 3, 0,
                "cannot connect to /127.0.0.1:7832: Connection refused (since 2026-11-25T09:59:59.800Z)")));
        Map<?, ?> c = (Map<?, ?>) ((List<?>) MiniJson.object(Documents.status(degradedMaster(), monitor, link, NOW))
                .get("channels")).get(0);
        assertEquals("IDLE", c.get("status"));
        assertEquals("scm-b said it stops (HALTED); cannot connect to /127.0.0.1:7832: Connection refused (since"
                + " 2026-11-25T09:59:59.800Z)", c.get("note"));
        // dead without saying so: the same refusal is an outage
        SpiViews.Monitor silent = new SpiViews.Monitor(List.of(),
                new SpiViews.Peer("scm-b", false, ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, 42, HEARD));
        Map<?, ?> bad = (Map<?, ?>) ((List<?>) MiniJson.object(Documents.status(degradedMaster(), silent, link, NOW))
                .get("channels")).get(0);
        assertEquals("BAD", bad.get("status"));
    }

    @Test
    void statusBeforeInitWithoutMonitorOrLinkHasNullsAndNoChannels() {
        SpiViews.Controller c = new SpiViews.Controller();
        c.state = ScmState.MONITOR;
        c.opMode = null;
        c.sysConfig = null;
        c.reason = "both SCMs are configured MASTER";

        Map<String, Object> doc = MiniJson.object(Documents.status(c, null, null, NOW));

        assertEquals("MONITOR", doc.get("state"));
        assertNull(doc.get("opMode"));
        assertNull(doc.get("sysConfig"));
        assertEquals("both SCMs are configured MASTER", doc.get("reason"));
        assertNull(doc.get("peer"));
        assertEquals(List.of(), doc.get("channels"));
        assertEquals(List.of(), doc.get("personalities"));
        assertEquals(List.of(), doc.get("pairPersonalities"));
        assertEquals(List.of(), doc.get("modules"));
    }

    @Test
    void aPeerNeverHeardHasNullStateAndLastHeard() {
        SpiViews.Monitor monitor = new SpiViews.Monitor(List.of(),
                new SpiViews.Peer("scm-b", false, null, null, null, 0, null));
        Map<?, ?> peer = (Map<?, ?>) MiniJson.object(Documents.status(new SpiViews.Controller(), monitor, null, NOW)).get("peer");
        assertNull(peer.get("state"));
        assertNull(peer.get("lastHeard"));
        assertEquals(false, peer.get("lastKnown"), "nothing known, nothing last known");
        assertNull(peer.get("stateAsOf"));
        assertEquals(0L, peer.get("incarnation"));
    }

    @Test
    void journalEntriesKeepEveryField() {
        Instant t = Instant.parse("2026-11-25T09:00:00.001Z");
        List<CallRecord> records = List.of(
                new SpiViews.Entry(7, "status", Call.OPMODE, OpMode.MASTER, SysConfig.DAC, CallRecord.Outcome.PASSED,
                        null, t, 12),
                new SpiViews.Entry(8, "example", Call.STOP, null, null, CallRecord.Outcome.TIMED_OUT,
                        "no return within 10000 ms", t, 10000, "org.hasm.example", "1.0.1"));
        assertEquals("[{\"sequence\":7,\"module\":\"status\",\"call\":\"OPMODE\",\"opMode\":\"MASTER\","
                + "\"sysConfig\":\"DAC\",\"outcome\":\"PASSED\",\"error\":null,\"started\":\"2026-11-25T09:00:00.001Z\","
                + "\"millis\":12,\"late\":false,\"bundle\":null,\"version\":null},{\"sequence\":8,\"module\":\"example\","
                + "\"call\":\"STOP\",\"opMode\":null,"
                + "\"sysConfig\":null,\"outcome\":\"TIMED_OUT\",\"error\":\"no return within 10000 ms\","
                + "\"started\":\"2026-11-25T09:00:00.001Z\",\"millis\":10000,\"late\":false,\"bundle\":\"org.hasm.example\","
                + "\"version\":\"1.0.1\"}]",
                Documents.journal(records));
        assertEquals("[]", Documents.journal(List.of()));
    }

    @Test
    void errorAndAcceptedBodies() {
        assertEquals("{\"error\":\"bad \\\"x\\\"\"}", Documents.error("bad \"x\""));
        assertEquals("{\"accepted\":\"reset\"}", Documents.accepted("reset"));
    }

    @Test
    void statusSaysThisScmsReleaseAndThePeersForAPairInTheMiddleOfAnUpgrade() {
        SpiViews.Controller controller = new SpiViews.Controller();
        controller.version = "1.0.0";
        controller.peerVersion = "1.1.0";
        SpiViews.Monitor monitor = new SpiViews.Monitor(List.of(),
                new SpiViews.Peer("scm-b", true, ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, 3, NOW));
        Map<String, Object> doc = MiniJson.object(Documents.status(controller, monitor, null, NOW));
        assertEquals("1.0.0", doc.get("version"));
        assertEquals("1.1.0", ((Map<?, ?>) doc.get("peer")).get("version"));
    }
}
