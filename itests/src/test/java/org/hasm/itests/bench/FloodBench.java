package org.hasm.itests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.cluster.Flood;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stranger floods scm-a's two status ports at full speed for a minute, at the tuned timing (50 ms
 * x 4), while the pair runs in DAC: random datagrams of 0 to 1,500 bytes, then forgeries in scm-b's
 * name (see {@link Flood}). Figures: false failovers and fences (target 0), datagrams sent and refused,
 * the flooded SCM's CPU (its status threads and the whole process, percent of one core, with the
 * same minute before the flood as the baseline), and genuine frames of scm-b's lost (missed) on the
 * flooded channels.
 */
class FloodBench {

    private static final Timing TUNED = new Timing(50, 4, 2000);
    private static final Duration FLOOD = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final List<String> NETWORKS = List.of("link", "host");

    @Test
    void aMinuteOfGarbageAtTheStatusPorts(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, TUNED.startedTogether())) {
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", Duration.ofSeconds(2), Pair.BOOT);
            long pidA = pair.pid(Scm.A);

            // the baseline: the same length of quiet first
            Cost quiet = Cost.start(pidA);
            watch(pair, FLOOD, null);
            quiet.stop();

            int logA = pair.log(Scm.A).length();
            int logB = pair.log(Scm.B).length();
            long markA = pair.journalMark(Scm.A);
            long markB = pair.journalMark(Scm.B);
            JsonNode before = pair.status(Scm.A);
            Cost flooded = Cost.start(pidA);
            long sent;
            int roleChanges;
            try (Flood flood = new Flood(pair, Scm.A, System.nanoTime(), Long.MAX_VALUE, 0, FLOOD).start()) {
                roleChanges = watch(pair, FLOOD.plusSeconds(10), flood);
                sent = flood.sent();
            }
            boolean aliveA = pair.isAlive(Scm.A) && pair.pid(Scm.A) == pidA;
            if (aliveA) {
                flooded.stop();
            }
            JsonNode after = pair.status(Scm.A);

            String sinceA = pair.log(Scm.A).substring(logA);
            String sinceB = pair.log(Scm.B).substring(logB);
            long fences = count(sinceA, "fencing the peer") + count(sinceB, "fencing the peer");
            // what the status monitors said meanwhile, for a figure that is not 0
            for (String line : (sinceA + sinceB).split("\n")) {
                if (line.contains("[org.hasm.status]") && !line.contains("DEBUG") || line.contains("[org.hasm.controller]")
                        && line.contains(": ")) {
                    System.out.println("# " + line);
                }
            }
            long calls = pair.journal(Scm.A, markA).size() + pair.journal(Scm.B, markB).size();
            BenchReport.print("flood.failovers", roleChanges, "count");
            BenchReport.print("flood.fences", fences, "count");
            BenchReport.print("flood.lifecycle_calls", calls, "count");
            BenchReport.print("flood.sent", sent, "datagrams");
            BenchReport.print("flood.rate", sent * 1000 / Math.max(1, flooded.millis()), "datagrams/s");
            if (!aliveA || after == null) {
                System.out.println("# scm-a's process did not survive the flood: no counters, no CPU figures");
                return;
            }
            BenchReport.print("flood.rejected", sum(after, "rejected") - sum(before, "rejected"), "datagrams");
            BenchReport.print("flood.genuine_lost", sum(after, "missed") - sum(before, "missed"), "frames");
            BenchReport.print("flood.cpu.status", flooded.statusPercent(), "% of a core");
            BenchReport.print("flood.cpu.process", flooded.processPercent(), "% of a core");
            BenchReport.print("flood.cpu.status.quiet", quiet.statusPercent(), "% of a core");
            BenchReport.print("flood.cpu.process.quiet", quiet.processPercent(), "% of a core");
        }
    }

    /**
     * Polls the pair's roles until {@code time} passed (or the flood ended and a few detection times
     * more, when there is one).
     *
     * @return how many times the roles were not DAC/MASTER, DAC/SLAVE where they had been
     */
    private static int watch(Pair pair, Duration time, Flood flood) {
        long deadline = System.nanoTime() + time.toNanos();
        long quietAfter = -1;
        boolean steady = true;
        int changes = 0;
        // bounded by the deadline
        while (System.nanoTime() < deadline) {
            boolean now = pair.roles("DAC/MASTER", "DAC/SLAVE");
            if (steady && !now) {
                changes++;
            }
            steady = now;
            if (flood != null && !flood.running()) {
                if (quietAfter < 0) {
                    quietAfter = System.nanoTime() + pair.timing().detection().multipliedBy(10).toNanos();
                } else if (System.nanoTime() > quietAfter) {
                    break;
                }
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
        return changes;
    }

    private static long sum(JsonNode status, String field) {
        long n = 0;
        for (String channel : NETWORKS) {
            n += Pair.channel(status, "status", channel).path(field).asLong();
        }
        return n;
    }

    private static long count(String log, String text) {
        long n = 0;
        for (int i = log.indexOf(text); i >= 0; i = log.indexOf(text, i + 1)) {
            n++;
        }
        return n;
    }

    /** CPU of one SCM over a stretch of time: its status threads, and the whole process. */
    private static final class Cost {
        private final long pid;
        private final long startNanos;
        private final long statusStart;
        private final long processStart;
        private long nanos;
        private long status;
        private long process;

        private Cost(long pid) throws java.io.IOException {
            this.pid = pid;
            this.startNanos = System.nanoTime();
            this.statusStart = StatusCostBench.statusThreadTicks(pid).values().stream().mapToLong(Long::longValue).sum();
            this.processStart = StatusCostBench.processTicks(pid);
        }

        static Cost start(long pid) throws java.io.IOException {
            return new Cost(pid);
        }

        void stop() throws java.io.IOException {
            nanos = System.nanoTime() - startNanos;
            // threads that ended meanwhile are not counted: the status threads live as long as the monitor
            status = StatusCostBench.statusThreadTicks(pid).values().stream().mapToLong(Long::longValue).sum() - statusStart;
            process = StatusCostBench.processTicks(pid) - processStart;
        }

        long millis() {
            return nanos / 1_000_000;
        }

        double statusPercent() {
            return percent(status);
        }

        double processPercent() {
            return percent(process);
        }

        private double percent(long ticks) {
            double cpuSeconds = (double) ticks / StatusCostBench.TICKS_PER_SECOND;
            return 100.0 * cpuSeconds / (nanos / 1e9);
        }
    }
}
