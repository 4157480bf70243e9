package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.MasterAdmin;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminApiTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);
    /** The API's own origin: a page there (after a DNS rebinding, say) is a page all the same. */
    private static final String ORIGIN = "http://127.0.0.1:7700";
    private static final String REMOTE = "127.0.0.1:50000";

    @TempDir
    Path admin;

    private final SpiViews.Controller controller = new SpiViews.Controller();
    private final List<String> drops = new CopyOnWriteArrayList<>();
    private final List<String> audit = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private SpiViews.Controller present = controller;
    private boolean configAdmin = true;
    private org.hasm.spi.peer.StatusMonitor monitor;
    private String operate;
    private String read;
    /** The headers every call sends: the operator's credential unless a test changes it. */
    private final Map<String, String> headers = new HashMap<>();

    @BeforeEach
    void credentials() throws IOException {
        operate = CredentialsTest.write(admin, "operate", "ops", "o".repeat(40));
        read = CredentialsTest.write(admin, "read", "monitor", "r".repeat(40));
        headers.put("authorization", "Bearer " + operate);
    }

    private AdminApi api(boolean faults) {
        AdminApi.Audit log = new AdminApi.Audit() {
            @Override
            public void accepted(String what, Credentials.Credential who, String remote) {
                audit.add(what + " by " + who.name() + "/" + who.role() + " from " + remote);
            }

            @Override
            public void refused(AdminApi.Request request, int status, String why) {
                audit.add("refused " + request.method() + " " + request.path() + " " + status);
            }
        };
        return new AdminApi(() -> present, () -> monitor, () -> null, faults,
                () -> configAdmin ? (ch, p) -> drops.add(ch + "=" + p) : null, new Credentials(admin, problems::add),
                log, CLOCK);
    }

    private AdminApi.Reply call(AdminApi api, String method, String path, String... params) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            m.put(params[i], params[i + 1]);
        }
        Map<String, String> h = new HashMap<>(headers);
        AdminApi.Reply r = api.handle(new AdminApi.Request(method, path, REMOTE,
                name -> h.get(name.toLowerCase(Locale.ROOT)), m::get));
        MiniJson.parse(r.json()); // every answer, errors included, is valid JSON
        assertFalse(r.json().contains(operate) || r.json().contains(read), "a token in an answer: " + r.json());
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
    void theFenceAgentIsShownToAnyRoleAndTestedByOperatorsOnly() {
        AdminApi.Reply none = call(api(false), "GET", "/fence");
        assertEquals(503, none.status(), "no status monitor: " + none.json());
        monitor = new SpiViews.Monitor(List.of(), null,
                new org.hasm.spi.peer.FenceView("scm-a", "scm-b", "process", 5000, 3000, List.of(
                        new org.hasm.spi.peer.FenceView.RegisteredAgent("process", "x.ProcessAgent", List.of()),
                        new org.hasm.spi.peer.FenceView.RegisteredAgent("netns", "x.NetnsAgent",
                                List.of("fence.netns.command"))), null),
                new org.hasm.spi.storage.FenceAgent.Readiness(true, "would kill pid 42"));
        headers.put("authorization", "Bearer " + read);
        Map<String, Object> shown = MiniJson.object(call(api(false), "GET", "/fence").json());
        assertEquals("process", shown.get("agent"));
        assertEquals("scm-b", shown.get("peer"));
        assertEquals(List.of("fence.netns.command"), ((Map<?, ?>) ((List<?>) shown.get("registered")).get(1)).get("missing"));
        assertEquals(403, call(api(false), "POST", "/fence/test").status(), "the read role does not run the agent's check");

        headers.put("authorization", "Bearer " + operate);
        assertEquals(405, call(api(false), "GET", "/fence/test").status());
        AdminApi.Reply tested = call(api(false), "POST", "/fence/test");
        assertEquals(200, tested.status(), tested.json());
        Map<?, ?> test = (Map<?, ?>) MiniJson.object(tested.json()).get("test");
        assertEquals(true, test.get("ready"));
        assertEquals("would kill pid 42", test.get("detail"));
        assertTrue(audit.contains("fence test of agent process against scm-b: ready by ops/OPERATE from " + REMOTE), audit.toString());
    }

    @Test
    void alertRecipientsAreShownAndATestIsSentByOperatorsOnly() {
        List<String> tests = new CopyOnWriteArrayList<>();
        org.hasm.spi.alerts.Alerts alerts = new org.hasm.spi.alerts.Alerts() {
            @Override
            public List<Recipient> recipients() {
                return List.of(new Recipient("script", "/etc/hasm/alert.sh", 3, 1, 0, "delivered", CLOCK.instant(), "exit 0"),
                        new Recipient("webhook", "https://hooks.example/***", 2, 2, 0, "failed", CLOCK.instant(), "HTTP 500"));
            }

            @Override
            public List<Delivery> test(String text, java.time.Duration timeout) {
                tests.add(String.valueOf(text));
                return List.of(new Delivery("/etc/hasm/alert.sh", true, 12, "exit 0"),
                        new Delivery("https://hooks.example/***", false, 40, "HTTP 500"));
            }
        };
        AdminApi without = api(false);
        assertEquals(503, call(without, "GET", "/alerts").status());
        headers.put("authorization", "Bearer " + read);
        Map<String, Object> shown = MiniJson.object(call(api(false).alerts(() -> alerts), "GET", "/alerts").json());
        assertEquals(2, ((List<?>) shown.get("recipients")).size());
        assertEquals("HTTP 500", ((Map<?, ?>) ((List<?>) shown.get("recipients")).get(1)).get("lastDetail"));
        assertEquals(403, call(api(false).alerts(() -> alerts), "POST", "/alerts/test").status());
        assertEquals(List.of(), tests, "the read role sends nothing");

        headers.put("authorization", "Bearer " + operate);
        assertEquals(400, call(api(false).alerts(() -> alerts), "POST", "/alerts/test", "text", "two\nlines").status());
        AdminApi.Reply sent = call(api(false).alerts(() -> alerts), "POST", "/alerts/test", "text", "drill");
        assertEquals(200, sent.status(), sent.json());
        assertEquals(List.of("drill"), tests);
        List<?> test = (List<?>) MiniJson.object(sent.json()).get("test");
        assertEquals(false, ((Map<?, ?>) test.get(1)).get("ok"));
        assertTrue(audit.contains("alert test: 1 of 2 recipient(s) reached by ops/OPERATE from " + REMOTE), audit.toString());
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
    void aCommandTheScmCannotCarryOutIsRefusedWith409AndWhyNeverAccepted() {
        AdminApi api = api(false);
        controller.refusal = "the SCM is DEGRADED: it serves its peer's personality too, and its peer is dead";
        AdminApi.Reply r = call(api, "POST", "/commands/surrender", "reason", "upgrade");
        assertEquals(409, r.status(), r.json());
        assertEquals("surrender refused: the SCM is DEGRADED: it serves its peer's personality too, and its peer is dead",
                error(r));
        assertEquals(List.of(), controller.commands);
        assertEquals(List.of("refused POST /commands/surrender 409"), audit, "refused, never 'accepted'");
        controller.refusal = null;
        assertEquals(202, call(api, "POST", "/commands/surrender", "reason", "upgrade").status());
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
    void withoutAValidCredentialEveryRouteButAliveIs401AndNothingHappens() {
        AdminApi api = api(true);
        for (String auth : new String[] {null, "", "Bearer", "Bearer ", "Bearer x", "Bearer " + operate + "x",
                "Bearer " + operate.substring(1), "Basic " + operate, operate, "Bearer " + operate + " extra"}) {
            if (auth == null) {
                headers.remove("authorization");
            } else {
                headers.put("authorization", auth);
            }
            for (String[] route : new String[][] {{"GET", "/status"}, {"GET", "/journal"}, {"POST", "/commands/reset"},
                    {"POST", "/commands/shutdown"}, {"POST", "/commands/surrender"}, {"POST", "/faults/drop"},
                    {"GET", "/nope"}, {"GET", ""}}) {
                AdminApi.Reply r = call(api, route[0], route[1], "channel", "link", "percent", "100");
                assertEquals(401, r.status(), auth + " " + route[1]);
                assertTrue(error(r).contains("Authorization: Bearer TOKEN"), r.json());
            }
            assertEquals(200, call(api, "GET", "/alive").status());
        }
        assertEquals(List.of(), controller.commands);
        assertEquals(List.of(), drops);
    }

    @Test
    void aliveAnswersAnyoneAndSaysNothingElse() {
        headers.clear();
        AdminApi.Reply r = call(api(false), "GET", "/alive");
        assertEquals(200, r.status());
        assertEquals(Map.of("alive", true), MiniJson.parse(r.json()));
        present = null; // not even whether the controller runs
        assertEquals("{\"alive\":true}", call(api(false), "GET", "/alive").json());
        assertEquals(405, call(api(false), "POST", "/alive").status());
    }

    @Test
    void theReadRoleReadsButDoesNotCommand() {
        headers.put("authorization", "Bearer " + read);
        AdminApi api = api(true);
        assertEquals(200, call(api, "GET", "/status").status());
        assertEquals(200, call(api, "GET", "/journal").status());
        for (String path : new String[] {"/commands/reset", "/commands/shutdown", "/commands/surrender", "/faults/drop"}) {
            AdminApi.Reply r = call(api, "POST", path, "channel", "link", "percent", "100");
            assertEquals(403, r.status(), path);
            assertEquals("credential 'monitor' has the role read; POST /hasm/api/v1" + path + " needs the role operate",
                    error(r));
        }
        assertEquals(List.of(), controller.commands);
        assertEquals(List.of(), drops);
    }

    @Test
    void whatAWebPageCanSendIsRefusedWhateverTheCredential() {
        AdminApi api = api(true);
        String[][] fromPages = {
            {"content-type", "application/x-www-form-urlencoded"}, {"content-type", "multipart/form-data; boundary=b"},
            {"content-type", "text/plain"}, {"content-type", " TEXT/PLAIN ; charset=utf-8"},
            {"origin", "http://evil.example"}, {"origin", "null"}, {"origin", "http://127.0.0.1:7701"},
            {"origin", "https://127.0.0.1:7700"}, {"origin", ORIGIN}, {"sec-fetch-site", "cross-site"},
            {"sec-fetch-site", "same-site"}, {"sec-fetch-site", "same-origin"},
        };
        for (String[] header : fromPages) {
            headers.put(header[0], header[1]);
            for (String path : new String[] {"/commands/reset", "/commands/shutdown", "/commands/surrender", "/faults/drop"}) {
                AdminApi.Reply r = call(api, "POST", path, "channel", "link", "percent", "100");
                assertEquals(header[0].equals("content-type") ? 415 : 403, r.status(), header[1] + " " + path);
                assertTrue(error(r).startsWith("refused: "), r.json());
            }
            headers.remove(header[0]);
        }
        assertEquals(List.of(), controller.commands);
        assertEquals(List.of(), drops);
        // what hasmctl and scripts send is taken
        for (String[] fine : new String[][] {{"sec-fetch-site", "none"}, {"content-type", "application/json"}}) {
            headers.put(fine[0], fine[1]);
            assertEquals(202, call(api, "POST", "/commands/reset").status(), fine[1]);
            headers.remove(fine[0]);
        }
        assertEquals(202, call(api, "POST", "/commands/reset").status());
    }

    @Test
    void onTheSlaveACommandIsRedirectedToTheMastersSamePathNamingTheScm() {
        controller.opMode = OpMode.SLAVE;
        controller.master = new MasterAdmin("scm-b", false, "https://127.0.0.1:7702", "ab12");
        for (String command : new String[] {"reset", "shutdown"}) {
            AdminApi.Reply r = call(api(false), "POST", "/commands/" + command, "reason", "disk swap");
            assertEquals(307, r.status(), r.json());
            String location = "https://127.0.0.1:7702/hasm/api/v1/commands/" + command + "?scm=scm-a&reason=disk+swap";
            assertEquals(location, r.headers().get("Location"));
            assertEquals("scm-b", r.headers().get(AdminApi.MASTER_HEADER));
            assertEquals("ab12", r.headers().get(AdminApi.MASTER_CERTIFICATE_HEADER));
            assertEquals(location, MiniJson.object(r.json()).get("redirect"));
        }
        // a command for the MASTER itself, sent to the SLAVE, keeps its target
        AdminApi.Reply r = call(api(false), "POST", "/commands/reset", "scm", "scm-b");
        assertEquals("https://127.0.0.1:7702/hasm/api/v1/commands/reset?scm=scm-b", r.headers().get("Location"));
        assertEquals(List.of(), controller.commands, "nothing is carried out on the SLAVE");
        // status and journal are read where they are asked
        assertEquals(200, call(api(false), "GET", "/status").status());
        assertEquals(200, call(api(false), "GET", "/journal").status());
    }

    @Test
    void whatConcernsOnlyItselfTheSlaveDoesHere() {
        controller.opMode = OpMode.SLAVE;
        controller.master = new MasterAdmin("scm-b", false, "http://127.0.0.1:7702", null);
        assertEquals(202, call(api(false), "POST", "/commands/surrender").status(), "the MASTER takes over at once");
        for (ScmState apart : new ScmState[] {ScmState.MONITOR, ScmState.HALTED, ScmState.BOOT}) {
            controller.state = apart;
            assertEquals(202, call(api(false), "POST", "/commands/reset").status(), apart.name());
            assertEquals(202, call(api(false), "POST", "/commands/shutdown").status(), apart.name());
        }
        assertEquals(List.of("surrender:admin API", "reset:admin API", "shutdown:admin API", "reset:admin API",
                "shutdown:admin API", "reset:admin API", "shutdown:admin API"), controller.commands);
        controller.state = ScmState.INIT;
        assertEquals(307, call(api(false), "POST", "/commands/reset").status(), "INIT takes part in the pair");
    }

    @Test
    void withNoMasterKnownACommandIs503WithWhyButAShutdownOfItselfGoesAhead() {
        controller.opMode = OpMode.SLAVE;
        controller.noMaster = "no MASTER now: this SCM (scm-a) is DAC(slave) and its peer scm-b is INIT(slave)";
        AdminApi.Reply r = call(api(false), "POST", "/commands/reset");
        assertEquals(503, r.status(), r.json());
        assertEquals("reset refused: only the MASTER administers the pair, and " + controller.noMaster, error(r));
        assertEquals(503, call(api(false), "POST", "/commands/shutdown", "scm", "scm-b").status());
        assertEquals(202, call(api(false), "POST", "/commands/shutdown").status());
        assertEquals(List.of("shutdown:admin API"), controller.commands);
        assertTrue(audit.contains("shutdown (no MASTER known: carried out here) (reason 'admin API') by ops/OPERATE from "
                + REMOTE), audit.toString());
    }

    @Test
    void theMasterOrdersItsPeerAndRefusesAnScmOutsideThePair() {
        AdminApi.Reply r = call(api(false), "POST", "/commands/reset", "scm", "scm-b", "reason", "swap");
        assertEquals(202, r.status(), r.json());
        assertEquals(List.of("scm-b.reset:swap (credential 'ops' from " + REMOTE + ")"), controller.commands);
        AdminApi.Reply unknown = call(api(false), "POST", "/commands/reset", "scm", "scm-z");
        assertEquals(404, unknown.status(), unknown.json());
        assertEquals("reset refused: no SCM named 'scm-z' in this pair", error(unknown));
        controller.refusal = "scm-b refused: the SCM is HALTED already";
        AdminApi.Reply refused = call(api(false), "POST", "/commands/surrender", "scm", "scm-b");
        assertEquals(409, refused.status());
        assertEquals("surrender refused: scm-b refused: the SCM is HALTED already", error(refused));
    }

    @Test
    void theEverydayOperationsAreCarriedOutByTheMasterWithWhoAsked() {
        String by = " (credential 'ops' from " + REMOTE + ")";
        assertEquals(202, call(api(false), "POST", "/commands/move", "personality", "B", "reason", "disk").status());
        assertEquals(202, call(api(false), "POST", "/commands/standby", "scm", "scm-b").status());
        assertEquals(202, call(api(false), "POST", "/commands/standby").status());
        assertEquals(202, call(api(false), "POST", "/commands/unstandby", "scm", "scm-b").status());
        assertEquals(202, call(api(false), "POST", "/commands/failback").status());
        assertEquals(202, call(api(false), "POST", "/commands/maintenance", "mode", "on").status());
        assertEquals(List.of("move B:disk" + by, "standby scm-b:admin API" + by, "standby scm-a:admin API" + by,
                "unstandby scm-b:admin API" + by, "failback:admin API" + by, "maintenance true:admin API" + by),
                controller.commands);
        assertEquals(List.of("move B (reason 'disk') by ops/OPERATE from " + REMOTE), audit.subList(0, 1));
        AdminApi.Reply unknown = call(api(false), "POST", "/commands/move", "personality", "Z");
        assertEquals(404, unknown.status());
        assertEquals("move Z refused: no personality named 'Z' in this pair", error(unknown));
        assertEquals(400, call(api(false), "POST", "/commands/move").status());
        AdminApi.Reply mode = call(api(false), "POST", "/commands/maintenance", "mode", "maybe");
        assertEquals(400, mode.status());
        assertEquals("maintenance needs the parameter 'mode', on or off, not 'maybe'", error(mode));
        controller.refusal = "the SCM is DAC(master): it serves no personality of its peer's to give back";
        AdminApi.Reply refused = call(api(false), "POST", "/commands/failback");
        assertEquals(409, refused.status());
        assertEquals("failback refused: " + controller.refusal, error(refused));
    }

    @Test
    void onTheSlaveAnOperationIsAlwaysRedirectedWithItsParameters() {
        controller.opMode = OpMode.SLAVE;
        controller.master = new MasterAdmin("scm-b", false, "http://127.0.0.1:7702", null);
        controller.state = ScmState.INIT; // standing by, say
        assertEquals("http://127.0.0.1:7702/hasm/api/v1/commands/unstandby?scm=scm-a",
                call(api(false), "POST", "/commands/unstandby").headers().get("Location"));
        assertEquals("http://127.0.0.1:7702/hasm/api/v1/commands/move?scm=scm-a&personality=A&reason=x+y",
                call(api(false), "POST", "/commands/move", "personality", "A", "reason", "x y").headers().get("Location"));
        assertEquals("http://127.0.0.1:7702/hasm/api/v1/commands/maintenance?scm=scm-a&mode=on",
                call(api(false), "POST", "/commands/maintenance", "mode", "on").headers().get("Location"));
        controller.state = ScmState.MONITOR;
        assertEquals(307, call(api(false), "POST", "/commands/failback").status(), "the pair's, not this SCM's");
        controller.noMaster = "no MASTER now: the peer does not answer";
        AdminApi.Reply none = call(api(false), "POST", "/commands/standby");
        assertEquals(503, none.status());
        assertEquals("standby refused: only the MASTER administers the pair, and no MASTER now: the peer does not answer",
                error(none));
        assertEquals(List.of(), controller.commands);
    }

    @Test
    void aReadCredentialIsRefusedOnTheSlaveTooNotRedirected() {
        controller.opMode = OpMode.SLAVE;
        controller.master = new MasterAdmin("scm-b", false, "http://127.0.0.1:7702", null);
        headers.put("authorization", "Bearer " + read);
        assertEquals(403, call(api(false), "POST", "/commands/reset").status());
    }

    @Test
    void everyCommandAndRefusalIsAuditedWithWhoSentIt() {
        AdminApi api = api(true);
        call(api, "POST", "/commands/shutdown", "reason", "disk\nswap\u2028now");
        call(api, "POST", "/faults/drop", "channel", "link", "percent", "30");
        headers.put("authorization", "Bearer " + read);
        call(api, "POST", "/commands/reset");
        call(api, "GET", "/status");
        headers.remove("authorization");
        call(api, "GET", "/status");
        assertEquals(List.of(
                "shutdown (reason 'disk swap now') by ops/OPERATE from " + REMOTE,
                "fault switch drop link 30% by ops/OPERATE from " + REMOTE,
                "refused POST /commands/reset 403",
                "refused GET /status 401"), audit);
        // the controller gets the reason on one line too
        assertEquals(List.of("shutdown:disk swap now"), controller.commands);
    }

    @Test
    void aLongReasonIsCut() {
        call(api(false), "POST", "/commands/reset", "reason", "x".repeat(5000));
        assertEquals("reset:" + "x".repeat(200) + "...", controller.commands.get(0));
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

    @Test
    void anUpgradeIsStartedResumedAndAbortedByAnOperatorAndReadByAnyCredential() {
        AdminApi api = api(false);
        AdminApi.Reply r = call(api, "POST", "/upgrade", "jar", "/shared/example-1.0.1.jar", "reason", "fix");
        assertEquals(202, r.status(), r.json());
        assertEquals(Map.of("upgrade", java.util.Collections.emptyMap()).keySet(), MiniJson.object(r.json()).keySet());
        assertEquals(202, call(api, "POST", "/upgrade/resume").status());
        assertEquals(202, call(api, "POST", "/upgrade/abort", "reason", "wrong jar").status());
        assertEquals(List.of("upgrade /shared/example-1.0.1.jar:fix (credential 'ops' from 127.0.0.1:50000)",
                "upgrade resume:admin API (credential 'ops' from 127.0.0.1:50000)",
                "upgrade abort:wrong jar (credential 'ops' from 127.0.0.1:50000)"), controller.commands);
        AdminApi.Reply none = call(api, "POST", "/upgrade");
        assertEquals(400, none.status());
        assertTrue(error(none).contains("'jar'"), none.json());

        headers.put("authorization", "Bearer " + read);
        AdminApi.Reply refused = call(api, "POST", "/upgrade", "jar", "/shared/x.jar");
        assertEquals(403, refused.status());
        assertTrue(error(refused).contains("needs the role operate"), refused.json());
        assertEquals(403, call(api, "POST", "/upgrade/abort").status());
        assertEquals(3, controller.commands.size(), "nothing a read-only credential sent was carried out");
        AdminApi.Reply doc = call(api, "GET", "/upgrade");
        assertEquals(200, doc.status());
        assertTrue(MiniJson.object(doc.json()).containsKey("upgrade"));
        assertNull(MiniJson.object(doc.json()).get("upgrade"));
    }

    @Test
    void anUpgradeSentToTheSlaveIsRedirectedToTheMasterWithItsJar() {
        controller.master = new MasterAdmin("scm-b", false, "http://127.0.0.1:7702", null);
        AdminApi.Reply r = call(api(false), "POST", "/upgrade", "jar", "/shared/e 1.jar");
        assertEquals(307, r.status());
        assertEquals("http://127.0.0.1:7702/hasm/api/v1/upgrade?scm=scm-a&jar=%2Fshared%2Fe+1.jar",
                r.headers().get("Location"));
        assertTrue(controller.commands.isEmpty());
        assertEquals(307, call(api(false), "POST", "/upgrade/abort").status());
    }
}
