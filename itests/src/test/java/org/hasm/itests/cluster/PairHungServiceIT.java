package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.TestBundles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third-party service that hangs in its FAILOVER opMode delays no other service, on two real
 * SCM processes: a test bundle dropped into scm-a's deploy folder registers "hung", which blocks in
 * {@code opMode(MASTER, DEGRADED)} and declares an opMode deadline of 45 s. When scm-b is killed,
 * scm-a takes personality B over: the example service and the HTTP file service serve B while
 * "hung" is still in its call, well within its deadline - the status shows it in progress, and the
 * journal has no outcome for it yet.
 */
class PairHungServiceIT {

    private static final Duration STEP = Duration.ofSeconds(20);
    /** Ranked before every other service: called one after another, they would all wait for it. */
    static final String HUNG_MODULES = "hung;rank=10;block=OPMODE;when=DEGRADED;deadline.OPMODE=45000";

    @Test
    void aServiceHungInItsTakeoverDelaysNoOtherService(@TempDir Path work) throws Exception {
        Path hungJar = TestBundles.build("hasm.test.hung", HUNG_MODULES);
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            Files.copy(hungJar, pair.node(A).resolve("deploy").resolve("hasm.test.hung.jar"));
            PairFaultIT.startInDac(pair);
            pair.awaitStatus(A, "module hung ACTIVE", Pair.BOOT, s -> "ACTIVE".equals(module(s, "hung").path("status").asText()));
            URI file = pair.filesUrl(B).resolve("before-the-takeover.txt");
            put(file, "written to B on scm-b");

            long mark = pair.journalMark(A);
            pair.kill(B);
            pair.awaitState(A, "DEGRADED", "MASTER", STEP);
            pair.awaitExample(B, "personality B on scm-a (MASTER, DEGRADED)", STEP);
            pair.awaitServedBy(B, A, STEP);
            assertEquals("written to B on scm-b", get(file), "B's file through B's address, now on scm-a");

            // ... all while "hung" is still in the takeover's opMode, not even past its deadline
            JsonNode status = pair.status(A);
            JsonNode hung = module(status, "hung");
            assertEquals("OPMODE", hung.path("lastCall").asText(), hung.toString());
            assertFalse(hung.path("inCallSince").isNull(), "the status shows the call in progress: " + hung);
            assertEquals("ACTIVE", hung.path("status").asText(), "still within its deadline: " + hung);
            List<String> hungCalls = calls(pair.journal(A, mark), "hung");
            assertTrue(hungCalls.isEmpty(), "no outcome of hung's call yet: " + hungCalls);
            assertEquals(List.of("OPMODE(MASTER, DEGRADED)"), pair.opModes(A, mark));
            assertEquals("ACTIVE", module(status, "example").path("status").asText(), status.toString());
            assertTrue(module(status, "example").path("inCallSince").isNull(), status.toString());
        }
    }

    static JsonNode module(JsonNode status, String name) {
        for (JsonNode m : status.path("modules")) {
            if (name.equals(m.path("name").asText())) {
                return m;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static List<String> calls(List<JsonNode> journal, String module) {
        List<String> calls = new ArrayList<>();
        for (JsonNode e : journal) {
            if (module.equals(e.path("module").asText())) {
                calls.add(e.path("call").asText() + "=" + e.path("outcome").asText());
            }
        }
        return calls;
    }

    private static void put(URI file, String text) throws Exception {
        HttpResponse<String> r = client().send(HttpRequest.newBuilder(file).timeout(Duration.ofSeconds(10))
                .PUT(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() == 201 || r.statusCode() == 204, "PUT " + file + ": " + r.statusCode() + " " + r.body());
    }

    private static String get(URI file) throws Exception {
        HttpResponse<String> r = client().send(HttpRequest.newBuilder(file).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "GET " + file + ": " + r.body());
        return r.body();
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).proxy(HttpClient.Builder.NO_PROXY).build();
    }
}
