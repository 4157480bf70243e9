package org.hasm.itests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover time: from {@code kill -9} of the MASTER's process to the first status document of the
 * survivor that says DEGRADED, polled every ~5 ms. Each run kills whichever SCM is MASTER and then
 * restarts it, so the pair alternates (FIG. 9 then FIG. 11) and no run pays for a cold pair.
 * Measured at the patent's timing and at a tuned one; figures only, nothing asserted.
 */
class FailoverBench {

    private static final Timing TUNED = new Timing(50, 4, 2000);
    private static final int PATENT_RUNS = 5;
    private static final int TUNED_RUNS = 9;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    @Test
    void killOfTheMasterToDegradedAtPatentTiming(@TempDir Path work) throws Exception {
        measure(work, "failover.patent", Timing.PATENT.startedTogether(), PATENT_RUNS);
    }

    @Test
    void killOfTheMasterToDegradedAtTunedTiming(@TempDir Path work) throws Exception {
        measure(work, "failover.tuned", TUNED.startedTogether(), TUNED_RUNS);
    }

    private static void measure(Path work, String name, Timing timing, int runs) throws Exception {
        List<Long> millis = new ArrayList<>();
        // far above the detection time: a failover that does not happen ends the run with a failure
        Duration limit = timing.detection().multipliedBy(5).plusSeconds(10);
        try (Pair pair = Pair.create(work, timing)) {
            pair.start(Scm.A);
            pair.start(Scm.B);
            Scm master = Scm.A;
            for (int run = 0; run < runs; run++) {
                Scm survivor = master.other();
                String masterRole = "DAC/MASTER";
                String slaveRole = "DAC/SLAVE";
                pair.awaitSettled(master == Scm.A ? masterRole : slaveRole, master == Scm.A ? slaveRole : masterRole,
                        Duration.ofSeconds(2), Pair.BOOT.multipliedBy(2));
                // the survivor must know its peer as alive, or there is no failover to time
                pair.awaitStatus(survivor, "peer alive", Pair.BOOT, s -> s.path("peer").path("alive").asBoolean());

                long killed = System.nanoTime();
                pair.kill(master);
                long degraded = awaitDegraded(pair, survivor, killed, limit);
                millis.add(TimeUnit.NANOSECONDS.toMillis(degraded - killed));

                pair.start(master); // it rejoins as SLAVE: the survivor is the next run's MASTER
                master = survivor;
            }
        }
        System.out.println("# " + name + ": interval " + timing.intervalMs() + " ms, counter " + timing.counter()
                + ", runs (ms): " + millis);
        BenchReport.summary(name, millis, "ms");
    }

    /** Polls the survivor's status every ~5 ms; @return the nanoTime of the first DEGRADED answer. */
    private static long awaitDegraded(Pair pair, Scm survivor, long since, Duration limit) {
        // bounded by the limit; the pause is this poll's interval
        while (System.nanoTime() - since < limit.toNanos()) {
            JsonNode s = pair.status(survivor);
            long now = System.nanoTime();
            if (s != null && "DEGRADED".equals(s.path("state").asText())) {
                return now;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        throw new AssertionError(survivor.id() + " not DEGRADED " + limit.toMillis() + " ms after the kill"
                + pair.diagnostics());
    }
}
