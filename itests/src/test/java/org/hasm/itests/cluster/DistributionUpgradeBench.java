package org.hasm.itests.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole-pair rolling upgrade of the distribution at the demo's tuned timing (the figures of
 * {@code bench/UpgradeBench}, with process restarts): each SCM, run by {@code bin/hasm supervise}, hands
 * over, restarts on a copy of this distribution of another hasm version that speaks the next wire
 * version, and rejoins, while a client that retries a refused or reset connection once PUTs and GETs
 * through each personality's address. Figures: the upgrade's total time (first step's start to the
 * last one's end, as the plan records them), the longest gap between two acknowledged PUTs per
 * personality, and the requests that failed twice. Here with the bench, not in the package of the other
 * benchmarks, because its client and the new release are the cluster tests' own.
 */
class DistributionUpgradeBench {
    private static final Duration LIMIT = Duration.ofSeconds(240);

    @Test
    void wholePairUpgradeOfTheDistributionWithProcessRestarts(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.DEMO.startedTogether())) {
            pair.supervised();
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", Duration.ofSeconds(1), Pair.BOOT.multipliedBy(2));
            Path next = Distributions.next(pair.distribution(), work.resolve("hasm-next"), "1.0.1");
            try (RetryOnceLoop onA = RetryOnceLoop.start(pair.filesUrl(Scm.A), "a-", Duration.ofSeconds(5), LIMIT);
                    RetryOnceLoop onB = RetryOnceLoop.start(pair.filesUrl(Scm.B), "b-", Duration.ofSeconds(5), LIMIT)) {
                onA.awaitAcks(0, 20, Duration.ofSeconds(20), pair::diagnostics);
                onB.awaitAcks(0, 20, Duration.ofSeconds(20), pair::diagnostics);
                int fromA = onA.ackCount();
                int fromB = onB.ackCount();
                HasmCtlRun run = HasmCtlRun.run(LIMIT, "--node-dir", pair.node(Scm.A).toString(), "upgrade",
                        next.toString());
                if (run.code() != 0) {
                    throw new AssertionError("the upgrade did not end DONE:\n" + run + pair.diagnostics());
                }
                onA.awaitAcks(onA.ackCount(), 20, Duration.ofSeconds(20), pair::diagnostics);
                onB.awaitAcks(onB.ackCount(), 20, Duration.ofSeconds(20), pair::diagnostics);
                onA.stop();
                onB.stop();
                JsonNode steps = PairDistributionUpgradeIT.upgradeDocument(pair, Scm.A).path("steps");
                long total = Duration.between(Instant.parse(steps.get(0).path("started").asText()),
                        Instant.parse(steps.get(steps.size() - 1).path("ended").asText())).toMillis();
                print("upgrade.distribution.total", total, "ms");
                print("upgrade.distribution.gap.A", longestGap(onA.acks().subList(fromA, onA.acks().size())), "ms");
                print("upgrade.distribution.gap.B", longestGap(onB.acks().subList(fromB, onB.acks().size())), "ms");
                print("upgrade.distribution.failedRequests", onA.failureCount() + onB.failureCount(), "requests");
                for (JsonNode s : steps) {
                    System.out.println("# " + s.path("description").asText() + ": " + s.path("millis").asLong() + " ms");
                }
                System.out.println("# " + onA.summary() + "\n# " + onB.summary());
            }
        }
    }

    private static void print(String bench, long value, String unit) {
        System.out.println(String.format(Locale.ROOT, "{\"bench\":\"%s\",\"value\":%d,\"unit\":\"%s\"}", bench, value,
                unit));
    }

    private static long longestGap(List<PutLoop.Ack> acks) {
        long longest = 0;
        for (int i = 1; i < acks.size(); i++) {
            longest = Math.max(longest, acks.get(i).ackNanos() - acks.get(i - 1).ackNanos());
        }
        return TimeUnit.NANOSECONDS.toMillis(longest);
    }
}
