package org.hasm.itests.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.PutLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a client sees of a takeover: it reads a small file through personality A's address again
 * and again (200 ms connect and request timeouts, as an impatient client would), {@code kill -9}
 * ends the SCM serving A, and the figure is the longest gap between two successful reads. Each run
 * restarts scm-a, which takes A back, so every run kills A's home. The pair is written by
 * {@code hasm demo} with its own defaults (the tuned timing, 50 ms x 4), so the figures are what a
 * newcomer sees: {@code http.outage} (target: median ≤ 1000 ms) and {@code demo.takeover}, from the
 * kill to the first successful read served by the peer (target: median ≤ 500 ms). Figures only,
 * nothing asserted.
 */
class OutageBench {

    private static final Timing DEMO = Timing.DEMO;
    private static final int RUNS = 5;
    private static final Duration CLIENT_TIMEOUT = Duration.ofMillis(200);
    private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** Reads before the kill, so that the client is in its steady state when it happens. */
    private static final Duration BEFORE = Duration.ofMillis(500);
    /** Successful reads after the gap, so that one lucky read does not end the measurement. */
    private static final int AFTER = 20;
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void longestGapBetweenSuccessfulReadsAcrossAKill(@TempDir Path work) throws Exception {
        List<Long> gaps = new ArrayList<>();
        List<Long> takeovers = new ArrayList<>();
        List<String> runs = new ArrayList<>();
        try (Pair pair = Pair.create(work, DEMO)) {
            pair.start(Scm.A);
            pair.start(Scm.B);
            URI file = pair.filesUrl(Scm.A).resolve("probe");
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", Duration.ofSeconds(1), Pair.BOOT.multipliedBy(2));
            put(file);
            HttpClient client = PutLoop.client(CLIENT_TIMEOUT);
            for (int run = 0; run < RUNS; run++) {
                // scm-a serves A again (as MASTER in the first run, as SLAVE after a failback)
                pair.awaitExample(Scm.A, "personality A on scm-a", Pair.BOOT);
                pair.awaitStatus(Scm.B, "peer alive", Pair.BOOT, s -> s.path("peer").path("alive").asBoolean());
                String role = Pair.role(pair.status(Scm.A));
                long[] gap = gapAcrossKill(pair, client, file);
                gaps.add(TimeUnit.NANOSECONDS.toMillis(gap[0]));
                takeovers.add(TimeUnit.NANOSECONDS.toMillis(gap[1]));
                runs.add(role + " killed: gap " + TimeUnit.NANOSECONDS.toMillis(gap[0]) + " ms, served by the peer "
                        + TimeUnit.NANOSECONDS.toMillis(gap[1]) + " ms after the kill");
                pair.start(Scm.A);
                pair.awaitState(Scm.A, "DAC", "SLAVE", Pair.BOOT);
            }
        }
        System.out.println("# http.outage, demo.takeover: hasm demo's defaults (interval " + DEMO.intervalMs()
                + " ms, counter " + DEMO.counter() + "), client timeouts " + CLIENT_TIMEOUT.toMillis() + " ms, runs: " + runs);
        BenchReport.summary("http.outage", gaps, "ms");
        BenchReport.summary("demo.takeover", takeovers, "ms");
    }

    /**
     * @return the longest time between two successful GETs around a kill of scm-a, and the time from
     *         the kill to the first successful GET after it, in ns
     */
    private static long[] gapAcrossKill(Pair pair, HttpClient client, URI file) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(file).timeout(CLIENT_TIMEOUT).GET().build();
        long start = System.nanoTime();
        long lastOk = -1;
        long longest = 0;
        boolean killed = false;
        long killedAt = 0;
        long firstAfterKill = -1;
        int okAfterKill = 0;
        // bounded by LIMIT; paced so that a dead address does not become a busy loop
        while (System.nanoTime() - start < LIMIT.toNanos()) {
            if (!killed && System.nanoTime() - start >= BEFORE.toNanos()) {
                if (lastOk < 0) {
                    throw new AssertionError("no successful read of " + file + " before the kill" + pair.diagnostics());
                }
                killedAt = System.nanoTime();
                pair.kill(Scm.A);
                killed = true;
            }
            boolean ok;
            try {
                ok = client.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                ok = false;
            }
            long now = System.nanoTime();
            if (ok) {
                if (lastOk >= 0) {
                    longest = Math.max(longest, now - lastOk);
                }
                lastOk = now;
                if (killed && firstAfterKill < 0) {
                    firstAfterKill = now - killedAt;
                }
                if (killed && ++okAfterKill >= AFTER) {
                    return new long[] {longest, firstAfterKill};
                }
            }
            LockSupport.parkNanos(PACE_NANOS);
        }
        throw new AssertionError("reads of " + file + " did not come back within " + LIMIT.toMillis()
                + " ms of the kill" + pair.diagnostics());
    }

    private static void put(URI file) throws IOException, InterruptedException {
        HttpClient client = PutLoop.client(Duration.ofSeconds(2));
        int status = client.send(HttpRequest.newBuilder(file).timeout(Duration.ofSeconds(10))
                .PUT(HttpRequest.BodyPublishers.ofString("a small file read again and again\n")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status != 201 && status != 204) {
            throw new AssertionError("PUT " + file + ": " + status);
        }
    }
}
