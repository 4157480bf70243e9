package org.hasm.itests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.PutLoop;
import org.hasm.itests.cluster.RetryOnceLoop;
import org.hasm.itests.cluster.UpgradeJars;
import org.hasm.itests.dist.ScmProcess;
import org.hasm.itests.support.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole-pair rolling upgrade of one service bundle (the example service) at the demo's tuned timing,
 * while a client PUTs through each personality's address: the upgrade's total time (from the first
 * step's start to the last one's end, as the plan records them), the longest gap between two
 * acknowledged PUTs per personality, and the failed requests of a client that sends a request whose
 * connection was refused or reset once more after a second ({@link RetryOnceLoop}, as the issue's
 * clients do; target 0), with how many it had to send again.
 */
class UpgradeBench {
    private static final Duration LIMIT = Duration.ofSeconds(180);

    @Test
    void wholePairUpgradeOfOneServiceBundle(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.DEMO.startedTogether())) {
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", Duration.ofSeconds(1), Pair.BOOT.multipliedBy(2));
            Path jar = UpgradeJars.withVersion(UpgradeJars.exampleJar(), "1.0.1", work.resolve("example-1.0.1.jar"));
            try (RetryOnceLoop onA = RetryOnceLoop.start(pair.filesUrl(Scm.A), "a-", Duration.ofSeconds(5), LIMIT);
                    RetryOnceLoop onB = RetryOnceLoop.start(pair.filesUrl(Scm.B), "b-", Duration.ofSeconds(5), LIMIT)) {
                onA.awaitAcks(0, 20, Duration.ofSeconds(20), pair::diagnostics);
                onB.awaitAcks(0, 20, Duration.ofSeconds(20), pair::diagnostics);
                int fromA = onA.ackCount();
                int fromB = onB.ackCount();
                Cli run = Cli.run(LIMIT, ScmProcess.distribution().resolve("bin/hasmctl").toString(), "--node-dir",
                        pair.node(Scm.A).toString(), "upgrade", jar.toString());
                if (run.code() != 0) {
                    throw new AssertionError("the upgrade did not end DONE:\n" + run.stdout() + run.stderr());
                }
                onA.awaitAcks(onA.ackCount(), 20, Duration.ofSeconds(20), pair::diagnostics);
                onB.awaitAcks(onB.ackCount(), 20, Duration.ofSeconds(20), pair::diagnostics);
                onA.stop();
                onB.stop();
                JsonNode plan = plan(pair);
                JsonNode steps = plan.path("steps");
                long total = Duration.between(java.time.Instant.parse(steps.get(0).path("started").asText()),
                        java.time.Instant.parse(steps.get(steps.size() - 1).path("ended").asText())).toMillis();
                BenchReport.print("upgrade.bundle.total", total, "ms");
                BenchReport.print("upgrade.bundle.gap.A", longestGap(onA.acks().subList(fromA, onA.acks().size())), "ms");
                BenchReport.print("upgrade.bundle.gap.B", longestGap(onB.acks().subList(fromB, onB.acks().size())), "ms");
                BenchReport.print("upgrade.bundle.failedRequests", onA.failureCount() + onB.failureCount(), "requests");
                BenchReport.print("upgrade.bundle.retriedRequests", onA.retried() + onB.retried(), "requests");
                System.out.println("# " + onA.summary());
                System.out.println("# " + onB.summary());
                for (JsonNode s : steps) {
                    System.out.println("# " + s.path("description").asText() + ": " + s.path("millis").asLong() + " ms");
                }
            }
        }
    }

    private static JsonNode plan(Pair pair) throws Exception {
        Cli r = Cli.run(Duration.ofSeconds(20), ScmProcess.distribution().resolve("bin/hasmctl").toString(), "--node-dir",
                pair.node(Scm.A).toString(), "upgrade", "--status", "--json");
        return new ObjectMapper().readTree(r.stdout()).path("upgrade");
    }

    private static long longestGap(List<PutLoop.Ack> acks) {
        long longest = 0;
        for (int i = 1; i < acks.size(); i++) {
            longest = Math.max(longest, acks.get(i).ackNanos() - acks.get(i - 1).ackNanos());
        }
        return TimeUnit.NANOSECONDS.toMillis(longest);
    }
}
