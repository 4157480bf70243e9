package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.dist.ScmProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only the MASTER administers the pair (DESIGN §3): on two real SCMs, a command sent to the SLAVE
 * is answered with a redirect to the MASTER's admin API, which orders the SLAVE; hasmctl follows it.
 */
class PairAdminIT {

    private static final Duration STEP = Duration.ofSeconds(20);

    @Test
    void aCommandSentToTheSlaveIsRedirectedToTheMasterWhichCarriesItOut(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.start(A);
            pair.start(B);
            pair.awaitState(A, "DAC", "MASTER", Pair.BOOT);
            pair.awaitState(B, "DAC", "SLAVE", Pair.BOOT);
            pair.awaitOpModes(B, -1, List.of("OPMODE(SLAVE, DAC)"), STEP);
            String token = pair.adminToken(B);
            HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                    .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(2)).build();

            // a raw client: 307 to the same path on the MASTER, naming the SCM it is for; nothing done on the SLAVE
            long mark = pair.journalMark(B);
            HttpResponse<String> redirect = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + pair.adminPort(B) + "/hasm/api/v1/commands/reset?reason=raw"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            String location = "http://127.0.0.1:" + pair.adminPort(A) + "/hasm/api/v1/commands/reset?scm=scm-b&reason=raw";
            assertEquals(307, redirect.statusCode(), redirect.body());
            assertEquals(location, redirect.headers().firstValue("Location").orElse(null));
            assertEquals("scm-a", redirect.headers().firstValue("Hasm-Master").orElse(null));
            assertEquals("DAC", pair.status(B).path("state").asText(), "the SLAVE carried nothing out");
            assertEquals(List.of(), pair.opModes(B, mark));

            // followed: the MASTER orders scm-b to reset; scm-b boots again and rejoins as SLAVE
            HttpResponse<String> carried = http.send(HttpRequest.newBuilder(URI.create(location))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, carried.statusCode(), carried.body());
            pair.awaitOpModes(B, mark, List.of("OPMODE(SLAVE, DAC)"), STEP);
            assertTrue(resetBy(pair, B, mark), "scm-b's journal shows the reset: " + pair.journal(B, mark));

            // hasmctl follows the redirect itself, with the credential of the SLAVE's node folder
            pair.awaitState(B, "DAC", "SLAVE", STEP);
            pair.awaitState(A, "DAC", "MASTER", STEP);
            long again = pair.journalMark(B);
            HasmCtlRun ctl = HasmCtlRun.run(STEP, "--node-dir", pair.node(B).toString(), "reset", "--reason", "ctl");
            assertEquals(0, ctl.code(), ctl.toString());
            assertEquals("hasmctl: http://127.0.0.1:" + pair.adminPort(A) + " accepted reset (ctl) (the MASTER; "
                    + "http://127.0.0.1:" + pair.adminPort(B) + " redirected the command there)\n", ctl.stdout());
            pair.awaitOpModes(B, again, List.of("OPMODE(SLAVE, DAC)"), STEP);
            pair.awaitState(B, "DAC", "SLAVE", STEP);

            // a read-only credential is refused where it is sent, never redirected
            String read = ScmProcess.writeToken(pair.node(B), "read", "viewer");
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + pair.adminPort(B) + "/hasm/api/v1/commands/reset"))
                    .header("Authorization", "Bearer " + read).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, refused.statusCode(), refused.body());
        }
    }

    /* RESET: stop, shut down, init again: the journal's SHUTDOWN and INIT of the example after the mark. */
    private static boolean resetBy(Pair pair, Pair.Scm scm, long mark) {
        List<String> calls = pair.journal(scm, mark).stream()
                .filter(e -> "example".equals(e.path("module").asText())).map(e -> e.path("call").asText()).toList();
        return calls.contains("SHUTDOWN") && calls.contains("INIT");
    }
}
