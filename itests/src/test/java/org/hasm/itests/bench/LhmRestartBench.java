package org.hasm.itests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.TestBundles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Service restart by the health monitor, from the failure to serving again
 * ({@code lhm.restart.median/min/max}, ms; target ≤ 1 s): a service whose first {@code opMode} throws
 * is deployed into a running MASTER, RUNS times (a new module each time, so that each failure is a
 * first one and the back-off is the configured first delay, 100 ms by default). Both instants come
 * from the SCM's event log: the {@code org/hasm/controller/call/FAILED} of its opMode, and the
 * {@code call/PASSED} of the opMode after its restart (the service serves from then on).
 */
class LhmRestartBench {

    private static final int RUNS = 5;

    @Test
    void restartOfAFailedService(@TempDir Path work) throws Exception {
        List<Long> millis = new ArrayList<>();
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitState(Scm.A, "DAC", "MASTER", Pair.BOOT);
            pair.awaitState(Scm.B, "DAC", "SLAVE", Pair.BOOT);
            for (int i = 0; i < RUNS; i++) {
                String name = "restart-" + i;
                Path jar = TestBundles.build("hasm.bench.restart" + i, name + ";fail=OPMODE;failTimes=1");
                Files.copy(jar, pair.node(Scm.A).resolve("deploy").resolve(name + ".jar"));
                Await.until(name + " failed once and serving", Duration.ofSeconds(30),
                        () -> opModes(pair, name).size() >= 2, pair::diagnostics);
                List<JsonNode> calls = opModes(pair, name);
                if (!calls.get(0).path("topic").asText().endsWith("/FAILED")
                        || !calls.get(1).path("topic").asText().endsWith("/PASSED")) {
                    throw new AssertionError(name + ": expected a failed opMode, then a passed one: " + calls);
                }
                millis.add(Duration.between(Instant.parse(calls.get(0).path("time").asText()),
                        Instant.parse(calls.get(1).path("time").asText())).toMillis());
            }
        }
        BenchReport.summary("lhm.restart", millis, "ms");
    }

    /** The module's opMode outcomes in the event log of scm-a, in order. */
    private static List<JsonNode> opModes(Pair pair, String module) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode doc = pair.api(Scm.A, "/hasm/api/v1/events?topic=org/hasm/controller/call/*&limit=10000");
        if (doc == null) {
            return out;
        }
        for (JsonNode e : doc.path("events")) {
            JsonNode p = e.path("properties");
            if (module.equals(p.path("module").asText()) && "OPMODE".equals(p.path("call").asText())) {
                out.add(e);
            }
        }
        return out;
    }
}
