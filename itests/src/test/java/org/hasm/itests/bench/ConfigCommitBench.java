package org.hasm.itests.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration transaction commit time on the pair: from the admin API's POST /config on the MASTER to
 * its answer, which comes once the transaction was checked, written to the replica and the MASTER's
 * database, applied by the SLAVE and through Configuration Admin on the MASTER. Figures only: p50 and
 * p99 over {@code -Dhasm.bench.config.runs=N} commits (200) after {@code -Dhasm.bench.config.warmup=N}
 * (300) not counted, as a pair that has run for a while commits; the target is 50 ms. The first
 * {@value #COLD} commits of the freshly started pair are reported apart ({@code config.commit.cold.*}):
 * their code is still interpreted or being compiled, and the JIT's work competes for the two cores.
 */
class ConfigCommitBench {

    private static final int WARMUP = Integer.getInteger("hasm.bench.config.warmup", 300);
    /** The first commits of a freshly started pair, reported apart: code still interpreted or being compiled. */
    private static final int COLD = 50;
    private static final int RUNS = Integer.getInteger("hasm.bench.config.runs", 200);
    /** The MASTER's log line of each commit: its total and its four stages, in ms. */
    private static final Pattern STAGES = Pattern.compile("\\((\\d+) ms: check (\\d+), replica (\\d+), database and apply"
            + " (\\d+), then the peer (\\d+)\\)");
    private static final String[] STAGE_NAMES = {"total", "check", "replica", "local", "peer"};

    @Test
    void commitOfOneKeyOnThePair(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            for (Scm scm : Scm.values()) {
                pair.editProperties(scm, "hasm-smb", "hasm-smb,hasm-config");
            }
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", Duration.ofSeconds(2), Pair.BOOT.multipliedBy(2));
            HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
            String token = pair.adminToken(Scm.A);
            List<Double> millis = new ArrayList<>();
            List<Double> cold = new ArrayList<>();
            for (int i = 0; i < WARMUP + RUNS; i++) {
                URI uri = URI.create("http://127.0.0.1:" + pair.adminPort(Scm.A) + "/hasm/api/v1/config"
                        + "?pid=org.hasm.controller&changes=deadline.stop.ms%3D" + (10_000 + i));
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build();
                long start = System.nanoTime();
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                long took = System.nanoTime() - start;
                if (r.statusCode() != 200 || !r.body().contains("\"peer\":\"applied\"")) {
                    throw new AssertionError("commit " + i + " not applied on the pair: " + r.statusCode() + " " + r.body()
                            + "\n" + pair.diagnostics());
                }
                if (i >= WARMUP) {
                    millis.add(took / 1e6);
                } else if (i < COLD) {
                    cold.add(took / 1e6);
                }
            }
            cold.sort(null);
            if (!cold.isEmpty()) {
                BenchReport.print("config.commit.cold.p50", cold.get(cold.size() / 2), "ms");
                BenchReport.print("config.commit.cold.p99", cold.get((int) Math.ceil(cold.size() * 0.99) - 1), "ms");
            }
            millis.sort(null);
            BenchReport.print("config.commit.p50", millis.get(millis.size() / 2), "ms");
            BenchReport.print("config.commit.p99", millis.get((int) Math.ceil(millis.size() * 0.99) - 1), "ms");
            BenchReport.print("config.commit.max", millis.get(millis.size() - 1), "ms");
            stages(pair.log(Scm.A));
        }
    }

    /**
     * Where a commit's time goes, as the MASTER logs it for each transaction (the warm-up's included):
     * the median and p99 of the check, the replica's write, the database and Configuration Admin, and the
     * wait for the SLAVE's answer after that (the SLAVE applies while the MASTER writes its own).
     */
    private static void stages(String log) {
        List<List<Double>> values = new ArrayList<>();
        for (int i = 0; i < STAGE_NAMES.length; i++) {
            values.add(new ArrayList<>());
        }
        Matcher m = STAGES.matcher(log);
        while (m.find()) {
            for (int i = 0; i < STAGE_NAMES.length; i++) {
                values.get(i).add(Double.parseDouble(m.group(i + 1)));
            }
        }
        if (values.get(0).isEmpty()) {
            throw new AssertionError("the MASTER's log has no commit line with its stages");
        }
        for (int i = 0; i < STAGE_NAMES.length; i++) {
            List<Double> v = values.get(i);
            v.sort(null);
            BenchReport.print("config.commit.stage." + STAGE_NAMES[i] + ".p50", v.get(v.size() / 2), "ms");
            BenchReport.print("config.commit.stage." + STAGE_NAMES[i] + ".p99", v.get((int) Math.ceil(v.size() * 0.99) - 1),
                    "ms");
        }
    }
}
