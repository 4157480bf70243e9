package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.junit.jupiter.api.Test;

class AdminApiTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);

    private final SpiViews.Controller controller = new SpiViews.Controller();
    private final List<String> drops = new CopyOnWriteArrayList<>();
    private SpiViews.Controller present = controller;
    private boolean configAdmin = true;

    private AdminApi api(boolean faults) {
        return new AdminApi(() -> present, () -> null, () -> null, faults,
                () -> configAdmin ? (ch, p) -> drops.add(ch + "=" + p) : null, CLOCK);
    }

    private static AdminApi.Reply call(AdminApi api, String method, String path, String... params) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            m.put(params[i], params[i + 1]);
        }
        AdminApi.Reply r = api.handle(method, path, m::get);
        MiniJson.parse(r.json()); // every answer, errors included, is valid JSON
        return r;
    }

    private static String error(AdminApi.Reply r) {
        return (String) MiniJson.object(r.json()).get("error");
    }

    @Test
    void statusIsServedWithTheControllersView() {
        AdminApi.Reply r = call(api(false), "GET", "/status");
        assertEquals(200, r.status());
        assertEquals("scm-a", MiniJson.object(r.json()).get("node"));
        assertEquals("2026-11-25T10:00:00Z", MiniJson.object(r.json()).get("time"));
        assertEquals(200, call(api(false), "HEAD", "/status").status());
    }

    @Test
    void withoutTheControllerEveryControllerRouteAnswers503() {
        present = null;
        for (String[] route : new String[][] {{"GET", "/status"}, {"GET", "/journal"}, {"POST", "/commands/reset"}}) {
            AdminApi.Reply r = call(api(false), route[0], route[1]);
            assertEquals(503, r.status(), route[1]);
            assertTrue(error(r).contains("controller"), r.json());
        }
    }

    @Test
    void journalReturnsEntriesAfterTheGivenSequence() {
        Instant t = CLOCK.instant();
        controller.journal = List.of(
                new SpiViews.Entry(1, "status", Call.INIT, null, null, CallRecord.Outcome.PASSED, null, t, 1),
                new SpiViews.Entry(2, "status", Call.TEST, null, null, CallRecord.Outcome.PASSED, null, t, 1),
                new SpiViews.Entry(3, "status", Call.OPMODE, OpMode.MASTER, SysConfig.DAC, CallRecord.Outcome.PASSED, null, t, 1));
        assertEquals(3, ((List<?>) MiniJson.parse(call(api(false), "GET", "/journal").json())).size());
        assertEquals(3, ((List<?>) MiniJson.parse(call(api(false), "GET", "/journal", "after", "-1").json())).size());
        List<?> after1 = (List<?>) MiniJson.parse(call(api(false), "GET", "/journal", "after", "1").json());
        assertEquals(List.of(2L, 3L), after1.stream().map(e -> ((Map<?, ?>) e).get("sequence")).toList());
        assertEquals(List.of(), MiniJson.parse(call(api(false), "GET", "/journal", "after", "3").json()));
    }

    @Test
    void aBadJournalSequenceIs400NamingTheParameter() {
        for (String bad : new String[] {"x", "", "-2", "1.5", "99999999999999999999"}) {
            AdminApi.Reply r = call(api(false), "GET", "/journal", "after", bad);
            assertEquals(400, r.status(), bad);
            assertTrue(error(r).contains("'after'"), r.json());
        }
    }

    @Test
    void commandsAreQueuedWithTheirReasonAndAnswer202() {
        AdminApi api = api(false);
        AdminApi.Reply r = call(api, "POST", "/commands/reset", "reason", "config restored");
        assertEquals(202, r.status());
        assertEquals(Map.of("accepted", "reset"), MiniJson.parse(r.json()));
        assertEquals(202, call(api, "POST", "/commands/shutdown").status());
        assertEquals(202, call(api, "POST", "/commands/surrender", "reason", "  ").status());
        assertEquals(List.of("reset:config restored", "shutdown:admin API", "surrender:admin API"), controller.commands);
    }

    @Test
    void unknownCommandsAndPathsAre404AndWrongMethods405() {
        AdminApi api = api(false);
        assertEquals(404, call(api, "POST", "/commands/reboot").status());
        assertEquals(404, call(api, "POST", "/commands/").status());
        assertEquals(404, call(api, "GET", "/nope").status());
        assertEquals(404, call(api, "GET", "/status/").status());
        assertEquals(404, call(api, "GET", null).status());
        assertEquals(404, call(api, "GET", "").status());
        AdminApi.Reply r = call(api, "GET", "/commands/reset");
        assertEquals(405, r.status());
        assertEquals("POST", r.allow());
        assertEquals(405, call(api, "POST", "/status").status());
        assertEquals("GET", call(api, "DELETE", "/journal").allow());
        assertEquals(List.of(), controller.commands);
    }

    @Test
    void faultRoutesDoNotExistUnlessEnabled() {
        AdminApi.Reply r = call(api(false), "POST", "/faults/drop", "channel", "link", "percent", "50");
        assertEquals(404, r.status());
        assertEquals(List.of(), drops);
    }

    @Test
    void faultDropSetsTheSwitchWhenEnabled() {
        AdminApi.Reply r = call(api(true), "POST", "/faults/drop", "channel", "host-1_a", "percent", "100");
        assertEquals(200, r.status());
        assertEquals(Map.of("channel", "host-1_a", "dropPercent", 100L), MiniJson.parse(r.json()));
        assertEquals(200, call(api(true), "POST", "/faults/drop", "channel", "link", "percent", "0").status());
        assertEquals(List.of("host-1_a=100", "link=0"), drops);
    }

    @Test
    void faultDropValidatesEachParameterByName() {
        AdminApi api = api(true);
        for (String ch : new String[] {null, "", "a b", "a.b", "x/y", "ü"}) {
            AdminApi.Reply r = call(api, "POST", "/faults/drop", "channel", ch, "percent", "5");
            assertEquals(400, r.status(), String.valueOf(ch));
            assertTrue(error(r).contains("'channel'"), r.json());
        }
        for (String p : new String[] {null, "", "-1", "101", "x", "5.5"}) {
            AdminApi.Reply r = call(api, "POST", "/faults/drop", "channel", "link", "percent", p);
            assertEquals(400, r.status(), String.valueOf(p));
            assertTrue(error(r).contains("'percent'"), r.json());
        }
        assertEquals(List.of(), drops);
    }

    @Test
    void faultDropWithoutConfigurationAdminIs503() {
        configAdmin = false;
        AdminApi.Reply r = call(api(true), "POST", "/faults/drop", "channel", "link", "percent", "5");
        assertEquals(503, r.status());
        assertNull(r.allow());
    }
}
