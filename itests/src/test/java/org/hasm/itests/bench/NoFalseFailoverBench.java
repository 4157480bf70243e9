package org.hasm.itests.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.campaign.LogEvents;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No false failover: the tuned timing (50 ms, counter 4) for a minute while one of the two status
 * channels loses 30% of its packets in both directions (the test-only fault switch on both SCMs).
 * Counts failovers (opMode DEGRADED calls in either journal), changes of either SCM's state seen
 * by polling, and the lossy channel's BAD events in the logs. Expected: no failover, no state change.
 */
class NoFalseFailoverBench {

    private static final Timing TUNED = new Timing(50, 4, 2000);
    private static final Duration WINDOW = Duration.ofSeconds(60);
    private static final int DROP_PERCENT = 30;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    @Test
    void oneLossyChannelForAMinute(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, TUNED.startedTogether())) {
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", Duration.ofSeconds(2), Pair.BOOT);
            long markA = pair.journalMark(Scm.A);
            long markB = pair.journalMark(Scm.B);
            int badBeforeA = LogEvents.countChannelBad(pair.log(Scm.A), "link", "scm-b");
            int badBeforeB = LogEvents.countChannelBad(pair.log(Scm.B), "link", "scm-a");

            pair.drop(Scm.A, "link", DROP_PERCENT);
            pair.drop(Scm.B, "link", DROP_PERCENT);
            List<String> changes = new ArrayList<>();
            String last = Pair.role(pair.status(Scm.A)) + " " + Pair.role(pair.status(Scm.B));
            long end = System.nanoTime() + WINDOW.toNanos();
            // bounded by the window; the pause is the polling interval
            while (System.nanoTime() - end < 0) {
                String now = Pair.role(pair.status(Scm.A)) + " " + Pair.role(pair.status(Scm.B));
                if (!now.equals(last)) {
                    changes.add(now);
                    last = now;
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
            pair.drop(Scm.A, "link", 0);
            pair.drop(Scm.B, "link", 0);

            long failovers = pair.opModes(Scm.A, markA).stream().filter(c -> c.contains("DEGRADED")).count()
                    + pair.opModes(Scm.B, markB).stream().filter(c -> c.contains("DEGRADED")).count();
            int badEvents = LogEvents.countChannelBad(pair.log(Scm.A), "link", "scm-b") - badBeforeA
                    + LogEvents.countChannelBad(pair.log(Scm.B), "link", "scm-a") - badBeforeB;
            System.out.println("# nofalsefailover: " + WINDOW.toSeconds() + " s, link dropping " + DROP_PERCENT
                    + "% on both SCMs, interval " + TUNED.intervalMs() + " ms, counter " + TUNED.counter()
                    + "; state changes seen: " + changes);
            if (failovers > 0 || !changes.isEmpty()) {
                // the figure alone does not say why: the peer verdicts and transitions do
                for (Scm scm : Scm.values()) {
                    pair.log(scm).lines().filter(l -> l.contains("is DEAD") || l.contains("[org.hasm.controller] SCM "
                            + scm.id() + ":")).forEach(l -> System.out.println("# " + scm.id() + " " + l));
                }
            }
            BenchReport.print("nofalsefailover.failovers", failovers, "count");
            BenchReport.print("nofalsefailover.statechanges", changes.size(), "count");
            BenchReport.print("nofalsefailover.lossychannel.badevents", badEvents, "count");
        }
    }
}
