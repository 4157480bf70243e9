package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.dist.ScmProcess;
import org.hasm.itests.support.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The UPS watch on two real SCMs and a real upsd with the dummy-ups driver ({@link Nut}), the UPS played
 * by rewriting the driver's status file: on battery past the grace, both SCMs halt, the SLAVE first, with
 * every volume released; power back within the grace changes nothing, nor does upsd going away and coming
 * back; low battery halts the pair at once, in the same order.
 */
class PairUpsIT {

    private static final Duration STEP = Duration.ofSeconds(30);
    /** The grace of the first test: short, so that it runs out during the test. */
    private static final Duration SHORT_GRACE = Duration.ofSeconds(3);
    /** The grace of the second: long enough that its end is never reached. */
    private static final Duration LONG_GRACE = Duration.ofSeconds(120);

    @Test
    void onBatteryPastTheGraceBothHaltSlaveFirstWithTheirVolumesReleased(@TempDir Path work) throws Exception {
        Nut.require();
        try (Nut nut = Nut.start(work.resolve("nut"), "OL"); Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            watch(pair, nut, SHORT_GRACE);
            PairFaultIT.startInDac(pair);
            awaitUps(pair, "OL");

            Instant outage = Instant.now();
            nut.status("OB DISCHRG");
            JsonNode b = pair.awaitState(B, "HALTED", null, STEP);
            JsonNode a = pair.awaitState(A, "HALTED", null, STEP);

            Instant haltedB = Instant.parse(b.path("since").asText());
            Instant haltedA = Instant.parse(a.path("since").asText());
            assertTrue(!haltedB.isBefore(outage.plus(SHORT_GRACE)), "scm-b halted at " + haltedB + ", before the "
                    + SHORT_GRACE.toSeconds() + " s grace of the outage at " + outage + " ran out");
            assertTrue(haltedB.isBefore(haltedA), "scm-b (SLAVE) halted at " + haltedB + ", not before scm-a at "
                    + haltedA + pair.diagnostics());
            assertTrue(b.path("reason").asText().contains("ordered by the MASTER scm-a: UPS " + Nut.UPS + "@127.0.0.1:"
                    + nut.port() + ": on battery (OB) for 3 s"), b.path("reason").asText());
            assertTrue(a.path("reason").asText().contains("on battery (OB) for 3 s; scm-b halted first"),
                    a.path("reason").asText());
            assertReleased(pair);
            assertTrue(pair.log(A).contains("the pair shuts down, scm-b first"), "scm-a's log says it ordered scm-b");
        }
    }

    @Test
    void powerBackWithinTheGraceAndUpsdGoneChangeNothingThenLowBatteryHaltsThePairAtOnce(@TempDir Path work) throws Exception {
        Nut.require();
        try (Nut nut = Nut.start(work.resolve("nut"), "OL"); Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            watch(pair, nut, LONG_GRACE);
            PairFaultIT.startInDac(pair);
            awaitUps(pair, "OL");

            // on battery, seen by both, then the power comes back
            nut.status("OB DISCHRG");
            awaitUps(pair, "OB");
            for (Scm scm : Scm.values()) {
                JsonNode ups = pair.status(scm).path("ups");
                assertTrue(ups.path("line").asText().contains("unless it clears"), scm.id() + ": " + ups);
            }
            nut.status("OL");
            awaitUps(pair, "OL");
            pair.assertHolds("both SCMs serve on, in DAC", Duration.ofSeconds(3),
                    () -> pair.roles("DAC/MASTER", "DAC/SLAVE"));
            for (Scm scm : Scm.values()) {
                assertTrue(pair.log(scm).contains("on battery (OB) cleared after"), scm.id() + " reports the power"
                        + " back: " + pair.log(scm));
                assertFalse(pair.log(scm).contains("this SCM shuts down"), scm.id() + " decided nothing");
            }

            // upsd gone: reported and retried, never taken for a power failure
            nut.stopServer();
            for (Scm scm : Scm.values()) {
                pair.awaitStatus(scm, "the UPS line saying upsd gives no data", STEP, st -> !st.path("ups")
                        .path("connected").asBoolean() && st.path("ups").path("line").asText().contains("NO DATA from upsd"));
            }
            pair.assertHolds("both SCMs serve on without upsd, in DAC", Duration.ofSeconds(3),
                    () -> pair.roles("DAC/MASTER", "DAC/SLAVE"));
            nut.startServer();
            awaitUps(pair, "OL");
            for (Scm scm : Scm.values()) {
                assertTrue(pair.log(scm).contains("not taken for a power failure"), scm.id() + " reported the loss");
                // the status may show the UPS again a moment before the watch's log line is written
                Await.until(scm.id() + " reporting the return of upsd", STEP,
                        () -> pair.log(scm).contains("upsd answers again after"), pair::diagnostics);
            }

            // low battery: no grace
            nut.status("OB DISCHRG LB");
            JsonNode b = pair.awaitState(B, "HALTED", null, STEP);
            JsonNode a = pair.awaitState(A, "HALTED", null, STEP);
            assertTrue(Instant.parse(b.path("since").asText()).isBefore(Instant.parse(a.path("since").asText())),
                    "scm-b (SLAVE) halted first: " + b.path("since") + " / " + a.path("since"));
            assertTrue(b.path("reason").asText().contains("ordered by the MASTER scm-a: UPS " + Nut.UPS + "@127.0.0.1:"
                    + nut.port() + ": low battery (LB)"), b.path("reason").asText());
            assertTrue(a.path("reason").asText().contains("low battery (LB) and not on line; scm-b halted first"),
                    a.path("reason").asText());
            assertReleased(pair);
        }
    }

    @Test
    void aWrongUpsValueIsRefusedBeforeAnythingStartsNamingTheFileAndTheKey(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST)) {
            watch(pair, 3493, SHORT_GRACE);
            pair.editConfig(A, "org.hasm.ups.cfg", "grace.ms=3000", "grace.ms=-5");
            pair.editConfig(A, "org.hasm.ups.cfg", "user=watcher\n", "");
            Path node = pair.node(A);
            try (ScmProcess check = ScmProcess.start(ScmProcess.distribution(), work.resolve("check"), "check",
                    node.toString())) {
                int code = check.awaitExit(Duration.ofSeconds(120));
                String err = check.stderrText();
                assertEquals(2, code, check.transcript());
                assertTrue(err.contains(node + "/etc/org.hasm.ups.cfg: grace.ms: '-5'"), check.transcript());
                assertTrue(err.contains(node + "/etc/org.hasm.ups.cfg: user: is not set, but password is"),
                        check.transcript());
                assertFalse((check.stdoutText() + err).contains("Exception"), check.transcript());
            }
        }
    }

    /** Both SCMs run the UPS feature, watching {@code nut}'s UPS with {@code grace}. */
    private static void watch(Pair pair, Nut nut, Duration grace) throws IOException {
        watch(pair, nut.port(), grace);
    }

    private static void watch(Pair pair, int port, Duration grace) throws IOException {
        for (Scm scm : Scm.values()) {
            Path properties = pair.node(scm).resolve("etc/hasm.properties");
            String text = Files.readString(properties, StandardCharsets.UTF_8);
            String features = text.lines().filter(l -> l.startsWith("hasm.features=")).findFirst()
                    .orElseThrow(() -> new AssertionError("no hasm.features in " + properties + ":\n" + text));
            pair.writeConfig(scm, "hasm.properties", text.replace(features, features + ",hasm-ups"));
            pair.writeConfig(scm, "org.hasm.ups.cfg", String.join("\n",
                    "ups=" + Nut.UPS,
                    "host=127.0.0.1",
                    "port=" + port,
                    "user=watcher",
                    "password=watcher-secret",
                    "poll.interval.ms=200",
                    "grace.ms=" + grace.toMillis(),
                    "peer.wait.ms=20000",
                    "order.wait.ms=10000",
                    ""));
        }
    }

    /** Waits until both SCMs' status documents show the UPS with exactly this status. */
    private static void awaitUps(Pair pair, String flags) {
        for (Scm scm : Scm.values()) {
            pair.awaitStatus(scm, "the UPS reading " + flags, STEP, s -> s.path("ups").path("connected").asBoolean()
                    && (flagsOf(s).equals(flags) || flagsOf(s).startsWith(flags + " ")));
        }
    }

    private static String flagsOf(JsonNode status) {
        StringBuilder b = new StringBuilder();
        status.path("ups").path("flags").forEach(f -> b.append(b.length() == 0 ? "" : " ").append(f.asText()));
        return b.toString();
    }

    /** Neither SCM owns a volume any more: both halted cleanly. */
    private static void assertReleased(Pair pair) {
        for (Scm home : Scm.values()) {
            OwnerWatch.Owner owner = OwnerWatch.read(pair.shared(), pair.volume(home));
            assertEquals("", owner == null ? "(unreadable)" : owner.owner(), pair.volume(home) + " is released: "
                    + owner + pair.diagnostics());
        }
    }
}
