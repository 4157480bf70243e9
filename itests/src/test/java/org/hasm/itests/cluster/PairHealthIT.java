package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.TestBundles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health monitor on two real SCM processes: a service whose opMode throws, or whose worker thread
 * dies (it panics), is restarted and comes back ACTIVE; a service that keeps failing is disabled with
 * the reason in the status; a data folder below its free-space threshold is an event; a HASM module
 * that panics makes its SCM reboot while the peer serves its personality, and one that goes on panicking across
 * reboots disables the SCM, through a process restart, until the operator resets it. What happened is read back
 * from the event log ({@code /events}).
 */
class PairHealthIT {

    private static final Duration STEP = Duration.ofSeconds(20);
    /** Quick restarts, a small window; a data folder "full" below 1 TiB free: every test machine's is. */
    static final String HEALTH = "restart.delay.ms=100\nrestart.delay.max.ms=400\nrestart.failures.max=3\n"
            + "restart.window.ms=60000\ncheck.interval.ms=200\nwellness.interval.ms=500\n"
            + "disk.free.min.mb=1048576\n";

    /** Every module of the distribution must pass its TEST here, the SMB service's included. */
    @BeforeEach
    void smbServer() {
        Smb.requireServer();
    }

    @Test
    void failedServicesAreRestartedOrDisabledAndAFullDataFolderIsAnEvent(@TempDir Path work) throws Exception {
        Path jar = TestBundles.build("hasm.test.ailing",
                "flaky;fail=OPMODE;failTimes=1, dies;panicTimes=1, broken;fail=OPMODE");
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.writeConfig(A, "org.hasm.health.cfg", HEALTH);
            Files.copy(jar, pair.node(A).resolve("deploy").resolve("hasm.test.ailing.jar"));
            PairFaultIT.startInDac(pair);

            // the opMode that threw once, and the worker that died once: both serve again
            for (String name : List.of("flaky", "dies")) {
                JsonNode s = pair.awaitStatus(A, name + " ACTIVE after its restart", STEP,
                        st -> "ACTIVE".equals(PairHungServiceIT.module(st, name).path("status").asText())
                                && calls(pair, name, "INIT") == 2);
                assertEquals("ACTIVE", PairHungServiceIT.module(s, name).path("status").asText());
            }
            // the one that always throws: restarted twice, then disabled at its third failure
            JsonNode s = pair.awaitStatus(A, "broken disabled", STEP, st -> PairHungServiceIT.module(st, "broken")
                    .path("lastError").asText().startsWith("disabled: "));
            JsonNode broken = PairHungServiceIT.module(s, "broken");
            assertEquals("FAILED", broken.path("status").asText(), broken.toString());
            assertTrue(broken.path("lastError").asText().startsWith("disabled: failed 3 times within 60 s; last: "
                    + "OPMODE(MASTER, DAC) FAILED"), broken.toString());
            assertEquals(3, calls(pair, "broken", "INIT"), "init, then two restarts: " + pair.journal(A, -1));

            // Event Admin delivers asynchronously: the log has the events a little later than the status
            Await.until("the restarts and the disable in the event log", STEP,
                    () -> modules(events(pair, A, "org/hasm/health/*"), "org/hasm/health/DISABLE").size() == 1
                            && events(pair, A, "org/hasm/controller/module/RESTARTED").size() >= 4, pair::diagnostics);
            List<JsonNode> health = events(pair, A, "org/hasm/health/*");
            assertEquals(List.of("broken", "broken", "dies", "flaky"),
                    modules(health, "org/hasm/health/RESTART").stream().sorted().toList(), "restarts: " + health);
            assertEquals(List.of("broken"), modules(health, "org/hasm/health/DISABLE"));
            assertTrue(health.stream().anyMatch(e -> e.path("topic").asText().equals("org/hasm/health/PROBLEM")
                    && e.path("properties").path("check").asText().equals("disk.data")
                    && e.path("properties").path("problem").asText().contains("below disk.free.min.mb=1048576")),
                    "the data folder's problem: " + health);
            assertTrue(health.stream().anyMatch(e -> e.path("topic").asText().equals("org/hasm/health/WELLNESS")
                    && e.path("properties").has("heapUsedPercent")), "a wellness event: " + health);
            // the controller's side of it is in the log too
            assertEquals(4, events(pair, A, "org/hasm/controller/module/RESTARTED").size());
            // nothing of this moved a personality
            assertTrue(pair.roles("DAC/MASTER", "DAC/SLAVE"), pair.diagnostics());
        }
    }

    @Test
    void aHasmModuleThatPanicsRebootsItsScmWhileThePeerServes(@TempDir Path work) throws Exception {
        Path jar = TestBundles.build("hasm.test.fragile", "fragile;tier=hasm;rank=500;panicTimes=1");
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.writeConfig(A, "org.hasm.health.cfg", HEALTH.replace("disk.free.min.mb=1048576\n", ""));
            PairFaultIT.startInDac(pair);
            long markB = pair.journalMark(B);
            Files.copy(jar, pair.node(A).resolve("deploy").resolve("hasm.test.fragile.jar"));
            // scm-a panics, says it leaves, reboots; scm-b takes A over, then hands it back
            pair.awaitOpModes(B, markB, List.of("OPMODE(MASTER, DAC)", "OPMODE(MASTER, DEGRADED)",
                    "OPMODE(MASTER, DAC)"), Duration.ofSeconds(40));
            pair.awaitState(A, "DAC", "SLAVE", STEP);
            List<JsonNode> reboots = events(pair, A, "org/hasm/health/REBOOT");
            assertEquals(1, reboots.size(), reboots.toString());
            assertTrue(reboots.get(0).path("properties").path("reason").asText()
                    .startsWith("HASM module fragile failed: panic: fragile: its worker thread died"), reboots.toString());
            List<String> lines = Files.readAllLines(pair.node(A).resolve("data").resolve("hasm").resolve("health").resolve("reboots"));
            assertEquals(1, lines.size(), lines.toString());
        }
    }

    /**
     * A fault that repeats across reboots: a HASM module that panics in every opMode call reboots scm-a twice
     * ({@code reboot.max=2}), and the next panic disables the SCM: MONITOR with the reason while scm-b serves
     * A's personality. (A panic through the context of a module that a RESET already shut down is dropped,
     * the module starting again anyway; a worker started by a call just before another RESET panics that way,
     * so the test does not count on the first three calls.) Neither the faulty bundle's removal nor a kill -9
     * and a new process enable it again (the record is in the data folder); the operator's reset does, and A
     * goes home.
     */
    @Test
    void aFaultRepeatedAcrossRebootsDisablesTheScmUntilTheOperatorResetsIt(@TempDir Path work) throws Exception {
        Path jar = TestBundles.build("hasm.test.relapsing", "relapsing;tier=hasm;rank=500;panicTimes=1000");
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.writeConfig(A, "org.hasm.health.cfg", HEALTH.replace("disk.free.min.mb=1048576\n", "")
                    + "reboot.max=2\nreboot.window.ms=3600000\n");
            PairFaultIT.startInDac(pair);
            Path deployed = pair.node(A).resolve("deploy").resolve("hasm.test.relapsing.jar");
            Files.copy(jar, deployed);
            String disabled = "SCM disabled by the health monitor: HASM module relapsing failed: panic: relapsing";
            Predicate<JsonNode> isDisabled = st -> "MONITOR".equals(st.path("state").asText())
                    && st.path("reason").asText().contains(disabled);
            JsonNode s = pair.awaitStatus(A, "scm-a disabled, in MONITOR", Duration.ofSeconds(120), isDisabled);
            assertTrue(s.path("reason").asText().contains("(3 times within 3600 s; first: HASM module relapsing"),
                    s.path("reason").asText());
            pair.awaitServedBy(A, B, STEP);
            Path record = pair.node(A).resolve("data").resolve("hasm").resolve("health").resolve("reboots");
            Await.until("two reboots and the disable in scm-a's event log", STEP,
                    () -> events(pair, A, "org/hasm/health/REBOOT").size() == 2
                            && events(pair, A, "org/hasm/health/SCM_DISABLED").size() == 1, pair::diagnostics);
            // and the log goes on taking events in MONITOR, after the RESETs
            Instant inMonitor = Instant.now();
            Await.until("a wellness event of scm-a logged in MONITOR", STEP,
                    () -> events(pair, A, "org/hasm/health/WELLNESS").stream()
                            .anyMatch(e -> Instant.parse(e.path("time").asText()).isAfter(inMonitor)),
                    pair::diagnostics);

            // the operator removes the faulty bundle; the SCM stays disabled, and so it does in a new process
            Files.delete(deployed);
            pair.awaitStatus(A, "the faulty module gone", STEP,
                    st -> PairHungServiceIT.module(st, "relapsing").isMissingNode());
            pair.kill(A);
            pair.start(A);
            pair.awaitStatus(A, "scm-a disabled after a kill -9 and a new process", Pair.BOOT, isDisabled);
            pair.assertHolds("scm-a stays in MONITOR while scm-b serves A", Duration.ofSeconds(3), Duration.ofMillis(200),
                    () -> {
                        JsonNode st = pair.status(A);
                        return st != null && "MONITOR".equals(st.path("state").asText());
                    });
            assertTrue(Files.readString(record).contains("relapsing"), "the record: " + Files.readString(record));

            // the operator's reset enables it: it rejoins and A goes home
            PairOperationsIT.ctl(pair, A, "reset", "--reason", "fixed");
            pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
            pair.awaitServedBy(A, A, STEP);
            Await.until("SCM_ENABLED in scm-a's event log", STEP,
                    () -> events(pair, A, "org/hasm/health/SCM_ENABLED").size() == 1, pair::diagnostics);
            assertEquals(2, events(pair, A, "org/hasm/health/REBOOT").size(), "no reboot since");
        }
    }

    static int calls(Pair pair, String module, String call) {
        int n = 0;
        for (JsonNode e : pair.journal(A, -1)) {
            if (module.equals(e.path("module").asText()) && call.equals(e.path("call").asText())) {
                n++;
            }
        }
        return n;
    }

    /** Every event of the log of {@code scm} on {@code topic}, read page by page. */
    static List<JsonNode> events(Pair pair, Pair.Scm scm, String topic) {
        List<JsonNode> all = new ArrayList<>();
        long after = -1;
        for (int page = 0; page < 1000; page++) {
            JsonNode doc = pair.api(scm, "/hasm/api/v1/events?after=" + after + "&topic=" + topic);
            if (doc == null) {
                throw new AssertionError("no event log on " + scm.id() + "\n" + pair.diagnostics());
            }
            JsonNode events = doc.path("events");
            events.forEach(all::add);
            if (events.size() < 1000) {
                return all;
            }
            after = events.get(events.size() - 1).path("id").asLong();
        }
        return all;
    }

    private static List<String> modules(List<JsonNode> events, String topic) {
        return events.stream().filter(e -> e.path("topic").asText().equals(topic))
                .map(e -> e.path("properties").path("module").asText()).toList();
    }
}
