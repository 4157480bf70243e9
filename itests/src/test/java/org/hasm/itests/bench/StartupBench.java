package org.hasm.itests.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.dist.ScmProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold start of one SCM from the built distribution, on the standalone node with the HTTP service
 * ({@code hasm-core,hasm-example,hasm-http}, one http export): the time from spawning
 * {@code bin/hasm run} to the controller's {@code state=DAC} line, the JVM's resident memory at that
 * moment, and again after {@value #IDLE_SECONDS} s of idling (by then G1's periodic collection and the
 * native heap trim of {@code bin/hasm}'s defaults have run once). Targets: 2 s and 150 MB. Runs only
 * in the {@code bench} profile; prints one JSON line per figure and asserts nothing about them
 * (timing goals are measured, never asserted).
 */
class StartupBench {

    private static final int RUNS = 5;
    private static final int IDLE_SECONDS = 20;
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration STOP = Duration.ofSeconds(75);

    @Test
    void coldStartToDac(@TempDir Path work) throws Exception {
        Path dist = ScmProcess.distribution();
        List<Long> millis = new ArrayList<>();
        List<Long> serving = new ArrayList<>();
        List<Long> complete = new ArrayList<>();
        List<Long> rssMb = new ArrayList<>();
        List<Long> idleMb = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            Path runDir = work.resolve("run-" + run);
            // a fresh node folder each time: nothing cached from the previous start
            HttpNode node = HttpNode.write(dist, runDir);
            try (ScmProcess scm = ScmProcess.start(dist, runDir, "run", node.node.toString())) {
                ScmProcess.Line dac = scm.awaitStdout(line -> line.contains("state=DAC"), START, "state=DAC");
                millis.add(TimeUnit.NANOSECONDS.toMillis(dac.nanos() - scm.startNanos()));
                // services are called in parallel once the HASM tier is up, and the HTTP service opens a
                // personality when its address is ready: it serves a moment after DAC is logged
                ScmProcess.Line served = scm.awaitStdout(line -> line.contains("serving personality A"), START,
                        "the HTTP service serving A");
                serving.add(TimeUnit.NANOSECONDS.toMillis(served.nanos() - scm.startNanos()));
                ScmProcess.Line started = scm.awaitStdout(line -> line.startsWith("hasm: SCM scm-a started: "), START,
                        "the launcher's started line");
                long kb = scm.residentKb();
                complete.add(TimeUnit.NANOSECONDS.toMillis(started.nanos() - scm.startNanos()));
                rssMb.add(kb < 0 ? -1 : Math.round(kb / 1024.0));
                long idle = HttpNode.sampleResident(scm, TimeUnit.SECONDS.toMillis(IDLE_SECONDS), 1000)[0];
                idleMb.add(idle < 0 ? -1 : Math.round(idle / 1024.0));
                scm.terminate();
                scm.awaitExit(STOP);
            }
        }
        BenchReport.summary("startup", millis, "ms");
        BenchReport.summary("startup.serving", serving, "ms");
        BenchReport.summary("startup.complete", complete, "ms");
        BenchReport.summary("startup.rss", rssMb, "MB");
        BenchReport.summary("startup.rss.idle", idleMb, "MB");
        BenchReport.print("startup.loadavg", HttpNode.loadAverage(), "load");
    }
}
