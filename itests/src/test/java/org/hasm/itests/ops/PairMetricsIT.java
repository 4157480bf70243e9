package org.hasm.itests.ops;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.Requirements;
import org.hasm.itests.cluster.Smb;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics scraped from both SCMs while the MASTER is killed and comes back: the survivor's scrapes show
 * the takeover (its kind counted, its duration in the histogram and as the last transition's, the very
 * duration the controller's TRANSITION event says), its new state and role, the dead peer, the
 * personality it took over; the returning SCM's show its own way back, and the survivor's the FAILBACK.
 * Before the kill, an HTTP PUT and GET, an nfs-ls and an smbclient ls through A's address are counted in
 * scm-a's request metrics of each NAS service.
 */
class PairMetricsIT {

    private static final Duration STEP = Duration.ofSeconds(30);
    private static final String TAKEOVER = "kind=\"[A-Z_+]*FAILOVER\"";

    /* A PUT and a GET over HTTP, an nfs-ls and an smbclient ls through A's address: scm-a's metrics count each. */
    private static void requestsOfEachNasServiceAreCounted(Pair pair) throws Exception {
        HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(5))
                .build();
        URI file = pair.filesUrl(A).resolve("counted.txt");
        assertEquals(201, http.send(HttpRequest.newBuilder(file).timeout(Duration.ofSeconds(10))
                .PUT(HttpRequest.BodyPublishers.ofString("counted")).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode());
        assertEquals(200, http.send(HttpRequest.newBuilder(file).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        String nfs = "nfs://" + pair.personalityAddress(A) + "/files?nfsport=" + pair.nfsPort() + "&mountport="
                + pair.nfsPort() + "&version=3";
        // smbd and the NFS service may still be opening A's address when the state says DAC: retried until they answer
        Cli[] ls = new Cli[1];
        Await.until("nfs-ls through A's address", STEP, () -> {
            try {
                ls[0] = Cli.run(STEP, "nfs-ls", nfs);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
            return ls[0].code() == 0;
        }, () -> String.valueOf(ls[0]));
        Smb.Result[] smb = new Smb.Result[1];
        Await.until("smbclient ls through A's address", STEP, () -> {
            try {
                smb[0] = Smb.client(pair, A, "files", Smb.auth(pair).toString(), "ls");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
            return smb[0].ok();
        }, () -> smb[0] == null ? "" : smb[0].output());
        Scrape[] last = new Scrape[1];
        // HTTP and NFS are counted as answered; smbd's own counters are read at most every 10 s
        Await.until("scm-a's metrics count the HTTP, NFS and SMB requests", STEP, () -> {
            Scrape s = Scrape.orNull(pair, A);
            last[0] = s;
            return s != null && s.value("hasm_nas_requests_total{operation=\"PUT\",outcome=\"2xx\",protocol=\"http\"}") >= 1
                    && s.value("hasm_nas_request_duration_seconds_count{operation=\"GET\",protocol=\"http\"}") >= 1
                    && s.sum("hasm_nas_requests_total", "operation=\"READDIRPLUS\",outcome=\"ok\",protocol=\"nfs\"") >= 1
                    && s.sum("hasm_nas_requests_total", "operation=\"[A-Z]+\",outcome=\"any\",protocol=\"smb\"") >= 1;
        }, () -> last[0] == null ? "no scrape" : last[0].text());
        Scrape s = last[0];
        assertTrue(s.value("hasm_nas_request_duration_seconds_sum{operation=\"PUT\",protocol=\"http\"}") > 0, s.text());
        assertTrue(s.sum("hasm_nas_request_time_seconds_total", "operation=\"[A-Z]+\",protocol=\"smb\"") > 0, s.text());
    }

    @Test
    void scrapesDuringATakeoverShowTheTransitionAndItsDuration(@TempDir Path work) throws Exception {
        Requirements.require(Requirements.tool("nfs-ls") != null, "nfs-ls is not installed: install libnfs-utils");
        Smb.require();
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
            requestsOfEachNasServiceAreCounted(pair);
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
