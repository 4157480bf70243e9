package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.modules.SystemUpdater;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.TestBundles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An update of the system bundle (the shell's {@code update 0}, here a bundle's) restarts the framework inside
 * the SCM's process: the launcher brings it up again as at its first start, the configuration checked and the
 * node's gate opened, and the SCM rejoins its pair in the same process, serving its personality again.
 */
class PairFrameworkRestartIT {
    private static final Duration STEP = Duration.ofSeconds(60);

    @Test
    void aFrameworkRestartedByAnUpdateOfTheSystemBundleComesBackToDacInTheSameProcess(@TempDir Path work)
            throws Exception {
        Path jar = TestBundles.systemUpdater("hasm.test.system-updater");
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            long pid = pair.pid(A);
            Instant dropped = Instant.now();
            Files.copy(jar, pair.node(A).resolve("deploy").resolve("hasm.test.system-updater.jar"));
            Path marker = pair.node(A).resolve("data/hasm").resolve(SystemUpdater.MARKER);
            Await.until("the test bundle updated scm-a's system bundle", STEP, () -> Files.exists(marker),
                    pair::diagnostics);
            // back as after a restart of its process: the peer that served meanwhile may keep the MASTER's role
            pair.awaitStatus(A, "scm-a in DAC again after its framework restarted, serving its personality", STEP,
                    st -> "DAC".equals(st.path("state").asText())
                            && Instant.parse(st.path("since").asText()).isAfter(dropped)
                            && st.path("personalities").toString().contains("\"name\":\"A\""));
            pair.awaitStatus(B, "scm-b in DAC, serving its own personality", STEP,
                    st -> "DAC".equals(st.path("state").asText())
                            && st.path("personalities").toString().contains("\"name\":\"B\"")
                            && !st.path("personalities").toString().contains("\"name\":\"A\""));
            assertEquals(pid, pair.pid(A), "the same process");
        }
    }
}
