package org.hasm.itests.ops;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics scraped from both SCMs while the MASTER is killed and comes back: the survivor's scrapes show
 * the takeover (its kind counted, its duration in the histogram and as the last transition's, the very
 * duration the controller's TRANSITION event says), its new state and role, the dead peer, the
 * personality it took over; the returning SCM's show its own way back, and the survivor's the FAILBACK.
 */
class PairMetricsIT {

    private static final Duration STEP = Duration.ofSeconds(30);
    private static final String TAKEOVER = "kind=\"[A-Z_+]*FAILOVER\"";

    @Test
    void scrapesDuringATakeoverShowTheTransitionAndItsDuration(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.start(A);
            pair.start(B);
            pair.awaitState(A, "DAC", "MASTER", Pair.BOOT);
            pair.awaitState(B, "DAC", "SLAVE", Pair.BOOT);

            Scrape a = Scrape.of(pair, A);
            assertEquals(200, a.status(), a.text());
            assertTrue(a.contentType().startsWith("text/plain; version=0.0.4"), a.contentType());
            assertEquals(1, a.value("hasm_scm_state{state=\"DAC\"}"), a.text());
            assertEquals(1, a.value("hasm_scm_role{role=\"MASTER\"}"), a.text());
            assertEquals(1, a.value("hasm_peer_alive{peer=\"scm-b\"}"), a.text());
            assertEquals(1, a.value("hasm_personality_served{home=\"scm-a\",personality=\"A\"}"), a.text());
            assertEquals(0, a.sum("hasm_transitions_total", TAKEOVER), a.text());
            assertTrue(a.sum("hasm_module_calls_total", "call=\"OPMODE\",module=\"example\",outcome=\"PASSED\"") >= 1,
                    a.text());
            assertTrue(a.sum("hasm_channel_received_messages_total", "channel=\"[^\"]+\",kind=\"status\"") > 0, a.text());
            Scrape b = Scrape.of(pair, B);
            assertEquals(1, b.value("hasm_scm_role{role=\"SLAVE\"}"), b.text());
            assertEquals(0, b.sum("hasm_transitions_total", TAKEOVER), b.text());

            // during the takeover: both scraped every few ms, A until it dies, B until its scrape shows it
            pair.kill(A);
            List<String> seen = new ArrayList<>();
            Scrape[] last = new Scrape[1];
            Await.until("scm-b's metrics show the takeover", STEP, () -> {
                Scrape s = Scrape.orNull(pair, B);
                Scrape dead = Scrape.orNull(pair, A);
                if (dead != null) {
                    seen.add("scm-a answered after kill -9");
                }
                last[0] = s;
                return s != null && s.sum("hasm_transitions_total", TAKEOVER) == 1
                        && s.value("hasm_scm_state{state=\"DEGRADED\"}") == 1;
            }, () -> last[0] == null ? "no scrape" : last[0].text());
            assertEquals(List.of(), seen);
            Scrape taken = last[0];
            assertEquals(1, taken.value("hasm_scm_role{role=\"MASTER\"}"), taken.text());
            assertEquals(0, taken.value("hasm_peer_alive{peer=\"scm-a\"}"), taken.text());
            assertEquals(1, taken.value("hasm_personality_served{home=\"scm-a\",personality=\"A\"}"), taken.text());
            assertEquals(1, taken.sum("hasm_transition_duration_seconds_count", TAKEOVER), taken.text());
            double seconds = taken.value("hasm_last_transition_duration_seconds");
            assertTrue(seconds > 0 && seconds < STEP.toSeconds(), taken.text());
            assertEquals(seconds, taken.sum("hasm_transition_duration_seconds_sum", TAKEOVER), 1e-9, taken.text());
            // the same duration as the controller's own event says, to the millisecond
            JsonNode events = pair.api(B, "/hasm/api/v1/events?topic=org/hasm/controller/TRANSITION");
            JsonNode takeover = null;
            for (JsonNode e : events.path("events")) {
                if (e.path("properties").path("kind").asText().endsWith("FAILOVER")) {
                    takeover = e.path("properties");
                }
            }
            assertTrue(takeover != null, "scm-b's event log has the takeover's TRANSITION: " + events);
            assertEquals(takeover.path("millis").asLong() / 1000.0, seconds, 1e-9, takeover.toString());
            assertEquals("DEGRADED", takeover.path("to").asText(), takeover.toString());

            // A returns: its own scrape shows it joined as SLAVE, B's the FAILBACK
            pair.start(A);
            pair.awaitState(A, "DAC", null, Pair.BOOT);
            Await.until("scm-b's metrics show the failback", STEP, () -> {
                Scrape s = Scrape.orNull(pair, B);
                last[0] = s;
                return s != null && s.sum("hasm_transitions_total", "kind=\"FAILBACK\"") == 1
                        && s.value("hasm_scm_state{state=\"DAC\"}") == 1;
            }, () -> last[0] == null ? "no scrape" : last[0].text());
            assertTrue(Double.isNaN(last[0].value("hasm_personality_served{home=\"scm-a\",personality=\"A\"}")),
                    "scm-b no longer serves A: " + last[0].text());
            assertEquals(1, last[0].value("hasm_peer_alive{peer=\"scm-a\"}"), last[0].text());
            Scrape back = Scrape.of(pair, A);
            assertEquals(1, back.value("hasm_scm_state{state=\"DAC\"}"), back.text());
            assertEquals(1, back.value("hasm_scm_role{role=\"SLAVE\"}"), back.text());
            assertTrue(back.sum("hasm_transitions_total", "kind=\"[^\"]*\"") >= 1, back.text());
        }
    }
}
