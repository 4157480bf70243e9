package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;

import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crashed SCM restarted at once, as a supervisor restarts a service, is let back in: the
 * survivor fences the peer it lost (its process, by the pid file), never the next process of that
 * peer that started after the takeover. With the demo's process fence agent the killed process is
 * found stopped (its connections reset, its pid gone) and taken over without a fence, and an agent
 * call still running then is awaited, never aimed at the new process.
 */
class PairRestartIT {

    private static final Duration STEP = Duration.ofSeconds(20);

    @Test
    void aMasterRestartedRightAfterItsTakeoverRejoinsAsSlave(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            int logB = pair.log(B).length();

            pair.kill(A);
            pair.awaitState(B, "DEGRADED", "MASTER", STEP);
            pair.start(A); // at once: the new process has its pid file within a second
            long pid = pair.pid(A);

            Await.until("the restarted scm-a (pid " + pid + ") DAC/SLAVE and scm-b DAC/MASTER", Pair.BOOT, () -> {
                if (!pair.isAlive(A)) {
                    throw new AssertionError("the restarted scm-a (pid " + pid + ") ended; scm-b's fencing since the"
                            + " kill:\n" + fenceLines(pair, logB) + pair.diagnostics());
                }
                return pair.roles("DAC/SLAVE", "DAC/MASTER");
            }, pair::diagnostics);
            pair.assertHolds("the restarted scm-a lives on as DAC/SLAVE", pair.timing().detection().multipliedBy(4),
                    () -> pair.isAlive(A) && pair.roles("DAC/SLAVE", "DAC/MASTER"));
        }
    }

    private static String fenceLines(Pair pair, int from) {
        return pair.log(B).substring(from).lines().filter(l -> l.contains("fenc") || l.contains("DEAD")
                || l.contains("DEGRADED")).map(l -> "  " + l).collect(Collectors.joining("\n"));
    }
}
