package org.hasm.itests.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the status monitor costs: CPU time of its threads (named {@code hasm-status-*}; the
 * kernel's comm keeps 15 characters, {@code hasm-status-sen}, {@code hasm-status-rec}) over a
 * minute of a pair in DAC at the tuned timing, read from {@code /proc/PID/task/TID/stat} of
 * each SCM. Reported as ms of CPU per minute and as percent of one core.
 */
class StatusCostBench {

    private static final Timing TUNED = new Timing(50, 4, 2000);
    private static final Duration WINDOW = Duration.ofSeconds(60);
    // USER_HZ: the unit of utime and stime in /proc; 100 on every Linux this runs on
    static final long TICKS_PER_SECOND = 100;

    @Test
    void statusMonitorCpuPerMinute(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, TUNED.startedTogether())) {
            measure(pair, "statuscost.");
        }
    }

    /** The status monitor as the pair issue specified it: the two network channels, no storage heartbeat. */
    @Test
    void statusMonitorCpuPerMinuteOnNetworkChannelsOnly(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, TUNED.startedTogether())) {
            for (Scm scm : Scm.values()) {
                pair.deleteConfig(scm, "org.hasm.status.channel~disk.cfg");
            }
            measure(pair, "statuscost.network.");
        }
    }

    private static void measure(Pair pair, String prefix) throws Exception {
        {
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", Duration.ofSeconds(2), Pair.BOOT);

            Map<Scm, Map<String, Long>> before = new HashMap<>();
            Map<Scm, Long> processBefore = new HashMap<>();
            for (Scm scm : Scm.values()) {
                before.put(scm, statusThreadTicks(pair.pid(scm)));
                processBefore.put(scm, processTicks(pair.pid(scm)));
                assertFalse(before.get(scm).isEmpty(), "no hasm-status thread in " + scm.id() + "\n" + pair.diagnostics());
            }
            long start = System.nanoTime();
            // the minute is spent checking that the pair stays in DAC, at a slow pace: this test's
            // own requests land on the admin threads, not on the ones measured
            pair.assertHolds("the pair stays in DAC while measured", WINDOW, Duration.ofSeconds(1), () -> pair.roles("DAC/MASTER", "DAC/SLAVE"));
            double minutes = (System.nanoTime() - start) / (double) TimeUnit.MINUTES.toNanos(1);

            for (Scm scm : Scm.values()) {
                Map<String, Long> after = statusThreadTicks(pair.pid(scm));
                long ticks = 0;
                for (Map.Entry<String, Long> t : after.entrySet()) {
                    ticks += t.getValue() - before.get(scm).getOrDefault(t.getKey(), 0L);
                }
                double msPerMinute = ticks * 1000.0 / TICKS_PER_SECOND / minutes;
                double processMsPerMinute = (processTicks(pair.pid(scm)) - processBefore.get(scm)) * 1000.0
                        / TICKS_PER_SECOND / minutes;
                System.out.println("# statuscost " + scm.id() + ": threads " + after.keySet() + ", interval "
                        + TUNED.intervalMs() + " ms, " + String.format(java.util.Locale.ROOT, "%.2f", minutes) + " min");
                BenchReport.print(prefix + scm.id() + ".cpu", msPerMinute, "ms/min");
                BenchReport.print(prefix + scm.id() + ".core", msPerMinute / 600.0, "%");
                BenchReport.print(prefix + scm.id() + ".process.cpu", processMsPerMinute, "ms/min");
            }
        }
    }

    /** @return utime+stime in ticks of every thread whose name starts with hasm-status, by "tid name" */
    static Map<String, Long> statusThreadTicks(long pid) throws IOException {
        return threadTicks(pid, comm -> comm.startsWith("hasm-status"));
    }

    /** @return utime+stime in ticks of the JVM's JIT compiler threads (C1 and C2) of process {@code pid} */
    static long compilerTicks(long pid) throws IOException {
        return threadTicks(pid, comm -> comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre"))
                .values().stream().mapToLong(Long::longValue).sum();
    }

    /** @return utime+stime in ticks of every thread of {@code pid} whose name is {@code wanted}, by "tid name" */
    static Map<String, Long> threadTicks(long pid, java.util.function.Predicate<String> wanted) throws IOException {
        Map<String, Long> ticks = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    continue; // the thread ended between listing and reading
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (wanted.test(comm)) {
                    ticks.put(task.getFileName() + " " + comm, cpuTicks(stat));
                }
            }
        }
        return ticks;
    }

    static long processTicks(long pid) throws IOException {
        return cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII));
    }

    /**
     * The process's CPU and that of its children it waited for (fields 14 to 17: utime, stime, cutime,
     * cstime): what a short-lived tool it runs (smbstatus) costs counts too.
     */
    static long processAndChildrenTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
    }

    /** Fields 14 and 15 of a stat line (utime, stime), counted after the comm's closing parenthesis. */
    private static long cpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // after ")": field 3 (state) is f[0], so field n is f[n - 3]
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
