package org.hasm.itests.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.Requirements;
import org.hasm.itests.ops.Scrape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the metrics cost an SCM: the CPU time (utime + stime of its JVM and of the children it waited for, such
 * as the smbstatus a scrape runs at most every 10 s; /proc/PID/stat) of scm-a, in DAC
 * with its peer, idle and under the HTTP small-file load of {@link HttpThroughputBench} (a 4 KiB file,
 * wrk -t2 -c32), each without and with a scrape of {@code GET /hasm/api/v1/metrics} every second, the
 * four phases in turn, round after round, so that a busy moment of the shared machine falls on all.
 * Reported: idle CPU in ms per second and the load's CPU in us per request, each without and with
 * scraping (medians over the rounds), and their ratios with/without (target ≤ 1.02). Because the idle baseline
 * moves between phases by more than a scrape a second costs, the cost of one scrape is also measured directly:
 * 20 scrapes one after the other on a fresh SCM (cold), then 300 after 20,000 more (warm), each batch less the
 * idle CPU of its duration; the warm cost over the idle median gives the derived ratio. The warm-up is that long
 * because the JVM compiles a method with its optimising compiler only after some 10,000 calls: after a few hundred
 * scrapes the scrape path still runs interpreted or lightly compiled, and the compiler's own CPU in the minutes
 * after a boot is larger than a scrape a second. Figures only.
 * {@code -Dhasm.bench.metrics.seconds=N} sets the length of a phase (default 20).
 */
class MetricsCostBench {

    private static final int ROUNDS = 3;
    private static final Duration PHASE = Duration.ofSeconds(Long.getLong("hasm.bench.metrics.seconds", 20));
    private static final Duration SCRAPE_EVERY = Duration.ofSeconds(1);
    private static final int COLD_SCRAPES = 20;
    private static final int WARM_UP_SCRAPES = 20_000;
    private static final int WARM_SCRAPES = 300;
    private static final int SMALL = 4096;
    private static final long TICKS_PER_SECOND = 100;

    @Test
    void cpuOfAnScmWithAndWithoutScraping(@TempDir Path work) throws Exception {
        Path wrk = Requirements.tool("wrk");
        Requirements.require(wrk != null, "this benchmark needs wrk: apt-get install -y wrk");
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", Duration.ofSeconds(1), Pair.BOOT.multipliedBy(2));
            Path folder = pair.shared().resolve("volumes").resolve(pair.volume(Scm.A));
            byte[] small = new byte[SMALL];
            new SplittableRandom(14).nextBytes(small);
            Files.write(folder.resolve("small.bin"), small);
            String url = pair.filesUrl(Scm.A).resolve("small.bin").toString();
            long pid = pair.pid(Scm.A);
            // the JIT and the first scrapes' class loading are not what is measured
            try {
                HttpThroughputBench.wrkRun(wrk, url, Duration.ofSeconds(10));
            } catch (AssertionError e) {
                // a warm-up socket timeout on a busy machine measures nothing; the counted runs must be clean
                System.out.println("# metrics cost: warm-up: " + e.getMessage().lines().filter(l -> l.contains("errors"))
                        .findFirst().orElse("wrk failed"));
            }
            // the cost of one scrape, back to back: the first ones (class loading, cold JIT), then warm ones after
            // WARM_UP more, each less the idle CPU measured just before it
            double quiet = idlePhase(pair, pid);
            double cold = scrapeCost(pair, pid, COLD_SCRAPES, quiet);
            scrapeCost(pair, pid, WARM_UP_SCRAPES, quiet);
            double warm = scrapeCost(pair, pid, WARM_SCRAPES, quiet);

            List<Double> idle = new ArrayList<>();
            List<Double> idleScraped = new ArrayList<>();
            List<Double> load = new ArrayList<>();
            List<Double> loadScraped = new ArrayList<>();
            int scrapes = 0;
            for (int round = 0; round < ROUNDS; round++) {
                idle.add(idlePhase(pair, pid));
                try (Scraper s = new Scraper(pair)) {
                    idleScraped.add(idlePhase(pair, pid));
                    scrapes += s.count();
                }
                load.add(loadPhase(pid, wrk, url));
                try (Scraper s = new Scraper(pair)) {
                    loadScraped.add(loadPhase(pid, wrk, url));
                    scrapes += s.count();
                }
            }
            if (scrapes < ROUNDS * 2) {
                throw new AssertionError("only " + scrapes + " scrapes answered 200: the figures would not measure them");
            }
            BenchReport.print("metrics.scrape.cold.cpu", cold, "ms/scrape");
            BenchReport.print("metrics.scrape.warm.cpu", warm, "ms/scrape");
            // a scrape every second, from the warm cost, over the idle baseline: the figure the phases below
            // measure directly, without their between-phase noise
            double idleMedian = BenchReport.median(idle);
            BenchReport.print("metrics.idle.scraped.ratio.derived", (idleMedian + warm / SCRAPE_EVERY.toSeconds())
                    / idleMedian, "x");
            BenchReport.print("metrics.idle.cpu.median", idleMedian, "ms/s");
            BenchReport.print("metrics.idle.scraped.cpu.median", BenchReport.median(idleScraped), "ms/s");
            BenchReport.ratio("metrics.idle.scraped.ratio", idleScraped, idle);
            BenchReport.print("metrics.load.cpu.median", BenchReport.median(load), "us/req");
            BenchReport.print("metrics.load.scraped.cpu.median", BenchReport.median(loadScraped), "us/req");
            BenchReport.ratio("metrics.load.scraped.ratio", loadScraped, load);
        }
    }

    /** @return the SCM's CPU over a quiet phase, in ms per second */
    private static double idlePhase(Pair pair, long pid) throws Exception {
        long before = StatusCostBench.processAndChildrenTicks(pid);
        long start = System.nanoTime();
        // the phase is spent checking that scm-a's process runs: no request to it but the scrapes
        pair.assertHolds("scm-a runs while measured", PHASE, Duration.ofSeconds(1), () -> pair.isAlive(Scm.A));
        long ticks = StatusCostBench.processAndChildrenTicks(pid) - before;
        double seconds = (System.nanoTime() - start) / 1e9;
        return ticks * 1000.0 / TICKS_PER_SECOND / seconds;
    }

    /**
     * @param idle the SCM's idle CPU in ms/s, taken off what the scrapes' time would have cost anyway
     * @return the SCM's CPU per scrape, in ms, over {@code n} scrapes one after the other
     */
    private static double scrapeCost(Pair pair, long pid, int n, double idle) throws Exception {
        long before = StatusCostBench.processAndChildrenTicks(pid);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Scrape s = Scrape.of(pair, Scm.A);
            if (s.status() != 200) {
                throw new AssertionError("scrape " + i + " of " + n + " answered " + s.status());
            }
        }
        long ticks = StatusCostBench.processAndChildrenTicks(pid) - before;
        double seconds = (System.nanoTime() - start) / 1e9;
        return (ticks * 1000.0 / TICKS_PER_SECOND - idle * seconds) / n;
    }

    /** @return the SCM's CPU under the small-file load, in us per request */
    private static double loadPhase(long pid, Path wrk, String url) throws Exception {
        long before = StatusCostBench.processAndChildrenTicks(pid);
        double perSecond = HttpThroughputBench.wrkRun(wrk, url, PHASE);
        long ticks = StatusCostBench.processAndChildrenTicks(pid) - before;
        return ticks * 1e6 / TICKS_PER_SECOND / (perSecond * PHASE.toSeconds());
    }

    /** Scrapes scm-a's metrics every second on a thread of its own until closed. */
    private static final class Scraper implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger answered = new AtomicInteger();
        private final Thread thread;

        Scraper(Pair pair) {
            thread = new Thread(() -> {
                long next = System.nanoTime();
                while (running.get() && !Thread.currentThread().isInterrupted()) {
                    Scrape s;
                    try {
                        s = Scrape.orNull(pair, Scm.A);
                    } catch (AssertionError e) {
                        break; // interrupted by close(): the phase is over
                    }
                    if (s != null) {
                        answered.incrementAndGet();
                    }
                    next += SCRAPE_EVERY.toNanos();
                    LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
                }
            }, "metrics-scraper");
            thread.setDaemon(true);
            thread.start();
        }

        int count() {
            return answered.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.interrupt();
            thread.join(10_000);
        }
    }
}
