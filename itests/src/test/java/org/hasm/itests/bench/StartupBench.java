package org.hasm.itests.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.dist.ScmProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold start of one SCM from the built distribution: the time from spawning {@code bin/hasm run}
 * to the controller's {@code state=DAC} line, and the JVM's resident memory at that moment.
 * Runs only in the {@code bench} profile; prints one JSON line per figure and asserts nothing
 * about them (timing goals are measured, never asserted).
 */
class StartupBench {

    private static final int RUNS = 5;
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration STOP = Duration.ofSeconds(75);

    @Test
    void coldStartToDac(@TempDir Path work) throws Exception {
        Path dist = ScmProcess.distribution();
        List<Long> millis = new ArrayList<>();
        List<Long> rssMb = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            Path runDir = work.resolve("run-" + run);
            // a fresh node folder each time: nothing cached from the previous start
            Path node = ScmProcess.copyStandalone(dist, runDir.resolve("node"));
            try (ScmProcess scm = ScmProcess.start(dist, runDir, "run", node.toString())) {
                ScmProcess.Line dac = scm.awaitStdout(line -> line.contains("state=DAC"), START, "state=DAC");
                long kb = scm.residentKb();
                millis.add(TimeUnit.NANOSECONDS.toMillis(dac.nanos() - scm.startNanos()));
                rssMb.add(kb < 0 ? -1 : Math.round(kb / 1024.0));
                scm.terminate();
                scm.awaitExit(STOP);
            }
        }
        report("startup", millis, "ms");
        report("startup.rss", rssMb, "MB");
    }

    private static void report(String name, List<Long> values, String unit) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        long median = sorted.get(sorted.size() / 2);
        print(name + ".median", median, unit);
        print(name + ".min", sorted.get(0), unit);
        print(name + ".max", sorted.get(sorted.size() - 1), unit);
    }

    private static void print(String bench, long value, String unit) {
        System.out.println(String.format(Locale.ROOT, "{\"bench\":\"%s\",\"value\":%d,\"unit\":\"%s\"}", bench, value, unit));
    }
}
