package org.hasm.itests.ops;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.hasm.itests.ops.NodeCtl.ctl;
import static org.hasm.itests.ops.NodeCtl.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.dist.ScmProcess;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's view of a pair from a terminal: {@code hasmctl status --watch} follows a takeover
 * live, and {@code hasmctl fence} shows the fence agent, tests it without fencing anything (the
 * peer it would kill is named and still runs), and shows what the agent did after the peer's crash.
 */
class FenceAndWatchIT {

    private static final Duration STEP = Duration.ofSeconds(30);

    @Test
    void theWatchFollowsATakeoverAndTheFenceAgentIsShownAndTested(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.start(A);
            pair.start(B);
            pair.awaitState(A, "DAC", "MASTER", Pair.BOOT);
            pair.awaitState(B, "DAC", "SLAVE", STEP);
            Path nodeA = pair.node(A);

            Cli shown = ctl(nodeA, "fence");
            assertEquals(0, shown.code(), shown.toString());
            assertTrue(shown.stdout().contains("scm-a   fences scm-b"), shown.stdout());
            assertTrue(shown.stdout().contains("agent    process   timeout"), shown.stdout());
            assertTrue(shown.stdout().contains("process (configured)"), shown.stdout());
            assertTrue(shown.stdout().contains("netns") && shown.stdout().contains("fence.netns.command"), shown.stdout());

            Cli test = ctl(nodeA, "fence", "--test");
            assertEquals(0, test.code(), test.toString());
            assertTrue(test.stdout().contains("READY: the agent could fence scm-b now"), test.stdout());
            assertTrue(test.stdout().contains("would kill pid " + pair.pid(B) + " (hasm of " + pair.node(B)), test.stdout());
            assertTrue(pair.isAlive(B), "the test fenced nothing");
            pair.awaitState(B, "DAC", "SLAVE", STEP);
            Cli json = ctl(nodeA, "fence", "--test", "--json");
            assertTrue(json.stdout().contains("\"ready\":true"), json.stdout());

            Path frames = work.resolve("watch.txt");
            Process watch = new ProcessBuilder(ScmProcess.distribution().resolve("bin/hasmctl").toString(), "--node-dir",
                    nodeA.toString(), "status", "--watch", "--interval", "0.2", "--count", "600")
                    .redirectErrorStream(true).redirectOutput(frames.toFile()).start();
            try {
                Await.until("the watch shows the pair in DAC", STEP, () -> read(frames).contains("scm-b         DAC"),
                        () -> read(frames));
                String before = read(frames);
                assertTrue(before.contains("scm-a (here)  DAC"), before);
                assertTrue(before.contains("A            scm-a  scm-a"), before);
                long crash = System.nanoTime();
                pair.kill(B);
                // a frame taken during the takeover may show B served already and the state not yet DEGRADED
                Await.until("the watch shows scm-a DEGRADED, serving B", STEP, () -> lastFrame(frames).contains(
                        "B            scm-b  scm-a") && lastFrame(frames).contains("scm-a (here)  DEGRADED"), () -> read(frames));
                long seen = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crash);
                String after = lastFrame(frames);
                assertTrue(after.contains("DEAD:"), after);
                Await.until("the takeover's events in the watch", STEP, () -> lastFrame(frames).contains("TRANSITION"),
                        () -> read(frames));
                System.out.println("the watch showed scm-a DEGRADED, serving B, " + seen + " ms after kill -9 of scm-b");
            } finally {
                watch.destroy();
                if (!watch.waitFor(10, TimeUnit.SECONDS)) {
                    watch.destroyForcibly();
                }
            }

            Cli history = ctl(nodeA, "fence");
            assertTrue(history.stdout().contains("OUTCOME"), "the fence events of the takeover: " + history.stdout());
            assertTrue(history.stdout().matches("(?s).*scm-a +scm-b +process +(stopped|fenced).*"), history.stdout());
            Cli gone = ctl(nodeA, "fence", "--test");
            assertEquals(0, gone.code(), gone.toString());
            assertTrue(gone.stdout().contains("a fence would find the peer stopped"), gone.stdout());
        }
    }


    private static String lastFrame(Path file) {
        String all = read(file);
        int at = all.lastIndexOf("---- ");
        return at < 0 ? all : all.substring(at);
    }
}
