package org.hasm.itests.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.Requirements;
import org.hasm.itests.support.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET throughput of the HTTP file service against nginx on the same machine, in the same run,
 * serving the same folder: personality A's volume on the pair's shared storage, served by scm-a
 * (the pair in DAC) at {@code pair.filesUrl(A)}, and by an nginx this benchmark starts on a free
 * loopback port. The same clients ask both, one after the other, round after round, so that a busy
 * moment of the shared machine falls on both:
 * <ul>
 * <li>large: one 256 MiB file, GET with curl to {@code /dev/null} ({@code %{speed_download}}), five
 *     times per side per round, alternating; a round's figure is the median of its five;</li>
 * <li>small: one 4 KiB file with {@code wrk -t2 -c32 -d5s} on each side in turn.</li>
 * </ul>
 * A first round (30 s of wrk) warms up and is not counted. Each round gives a ratio hasm / nginx; reported are the medians per side and the median, min and
 * max of the ratios. Also the CPU time each server spent per small request (its processes'
 * utime + stime over the wrk run; for hasm the whole SCM, status monitor included), which the
 * machine's other load disturbs less than a rate.
 * Targets: large ≥ 1.0×, small ≥ 0.8×. Figures only, nothing asserted.
 *
 * <p>nginx is set up to do what hasm does, no more: one worker process per processor (as many as
 * hasm's JVM can use), sendfile, keep-alive (up to 1000 requests per connection, as hasm), no
 * access log (hasm keeps none).
 */
class HttpThroughputBench {

    private static final long LARGE = 256L * 1024 * 1024;
    private static final int SMALL = 4096;
    private static final int ROUNDS = 7;
    private static final int LARGE_GETS_PER_ROUND = 5;
    private static final Duration WRK_RUN = Duration.ofSeconds(5);
    // hasm's JIT, competing with the load for 2 cores, needs about half a minute of small GETs: after
    // 10 s, the first three counted rounds cost 25, 22 and 18 us per request, the later ones 18.5
    private static final Duration WRK_WARM_UP = Duration.ofSeconds(30);
    private static final String[] WRK_LOAD = {"-t2", "-c32"};
    // USER_HZ: the unit of utime and stime in /proc; 100 on every Linux this runs on
    private static final long TICKS_PER_SECOND = 100;
    private static final String NGINX_ADDRESS = "127.0.0.1";

    @Test
    void getThroughputAgainstNginx(@TempDir Path work) throws Exception {
        Path curl = requireTool("curl", "curl");
        Path wrk = requireTool("wrk", "wrk");
        Path nginx = requireTool("nginx", "nginx");
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", Duration.ofSeconds(1), Pair.BOOT.multipliedBy(2));
            URI hasmFiles = pair.filesUrl(Scm.A);
            awaitOk(hasmFiles, pair::diagnostics);

            // the export files of A is the root of volume vol-a
            Path folder = pair.shared().resolve("volumes").resolve(pair.volume(Scm.A));
            writeRandom(folder.resolve("large.bin"), LARGE, 1);
            writeRandom(folder.resolve("small.txt"), SMALL, 2);

            int port = freePort();
            Process nginxProcess = startNginx(nginx, work.resolve("nginx"), folder, port);
            try {
                URI nginxFiles = URI.create("http://" + NGINX_ADDRESS + ":" + port + "/");
                awaitOk(nginxFiles.resolve("small.txt"), () -> nginxLog(work));
                sameBytes(folder.resolve("small.txt"), hasmFiles.resolve("small.txt"), nginxFiles.resolve("small.txt"));
                run(pair, curl, wrk, nginxProcess, hasmFiles, nginxFiles);
            } finally {
                stop(nginxProcess);
            }
        }
    }

    private static void run(Pair pair, Path curl, Path wrk, Process nginx, URI hasmFiles, URI nginxFiles)
            throws Exception {
        String hasmLarge = hasmFiles.resolve("large.bin").toString();
        String nginxLarge = nginxFiles.resolve("large.bin").toString();
        String hasmSmall = hasmFiles.resolve("small.txt").toString();
        String nginxSmall = nginxFiles.resolve("small.txt").toString();
        long hasmPid = pair.pid(Scm.A);
        System.out.println("# http: before " + load());

        List<Double> hasmMBps = new ArrayList<>();
        List<Double> nginxMBps = new ArrayList<>();
        List<Double> largeRatio = new ArrayList<>();
        List<Double> hasmReqps = new ArrayList<>();
        List<Double> nginxReqps = new ArrayList<>();
        List<Double> smallRatio = new ArrayList<>();
        List<Double> hasmCpu = new ArrayList<>();
        List<Double> nginxCpu = new ArrayList<>();
        // Round 0 warms up and is not counted: the large file into the page cache, both servers' caches,
        // the JIT on hasm's request paths; a whole round, so that both paths are warm.
        for (int round = 0; round <= ROUNDS; round++) {
            List<Double> h = new ArrayList<>();
            List<Double> n = new ArrayList<>();
            for (int i = 0; i < LARGE_GETS_PER_ROUND; i++) {
                h.add(largeMBps(curl, hasmLarge));
                n.add(largeMBps(curl, nginxLarge));
            }
            double hl = BenchReport.median(h);
            double nl = BenchReport.median(n);

            Duration length = round == 0 ? WRK_WARM_UP : WRK_RUN;
            long hasmTicks = ticks(List.of(hasmPid));
            double hs = wrkRun(wrk, hasmSmall, length);
            hasmTicks = ticks(List.of(hasmPid)) - hasmTicks;
            List<Long> nginxPids = processTree(nginx);
            long nginxTicks = ticks(nginxPids);
            double ns = wrkRun(wrk, nginxSmall, length);
            nginxTicks = ticks(nginxPids) - nginxTicks;
            double hc = microsPerRequest(hasmTicks, hs, length);
            double nc = microsPerRequest(nginxTicks, ns, length);
            System.out.println(String.format(Locale.ROOT,
                    "# http %s: large hasm %s nginx %s MB/s (ratio %.2f); small hasm %.0f nginx %.0f req/s"
                            + " (ratio %.2f), CPU per request hasm %.1f nginx %.1f us; %s",
                    round == 0 ? "warm-up round (not counted)" : "round " + round, format(h), format(n), hl / nl,
                    hs, ns, hs / ns, hc, nc, load()));
            if (round > 0) {
                hasmMBps.add(hl);
                nginxMBps.add(nl);
                largeRatio.add(hl / nl);
                hasmReqps.add(hs);
                nginxReqps.add(ns);
                smallRatio.add(hs / ns);
                hasmCpu.add(hc);
                nginxCpu.add(nc);
            }
        }

        BenchReport.print("http.large.hasm.mbps.median", BenchReport.median(hasmMBps), "MB/s");
        BenchReport.print("http.large.nginx.mbps.median", BenchReport.median(nginxMBps), "MB/s");
        BenchReport.summaryOfDoubles("http.large.ratio", largeRatio, "x");
        BenchReport.print("http.small.hasm.reqps.median", BenchReport.median(hasmReqps), "req/s");
        BenchReport.print("http.small.nginx.reqps.median", BenchReport.median(nginxReqps), "req/s");
        BenchReport.summaryOfDoubles("http.small.ratio", smallRatio, "x");
        BenchReport.print("http.small.hasm.cpu.median", BenchReport.median(hasmCpu), "us/req");
        BenchReport.print("http.small.nginx.cpu.median", BenchReport.median(nginxCpu), "us/req");
    }

    private static Path requireTool(String name, String debianPackage) {
        Path tool = Requirements.tool(name);
        Requirements.require(tool != null, "this benchmark needs " + name + ": apt-get install -y " + debianPackage);
        return tool;
    }

    // ---- clients ----

    /** One GET of the large file with curl, the body to /dev/null; fails on a short or non-200 answer. */
    private static double largeMBps(Path curl, String url) throws Exception {
        String out = exec(Duration.ofMinutes(2), curl.toString(), "-s", "-o", "/dev/null", "--noproxy", "*",
                "-w", "%{http_code} %{size_download} %{speed_download}", url);
        String[] f = out.trim().split(" ");
        if (f.length != 3 || !"200".equals(f[0]) || Long.parseLong(f[1]) != LARGE) {
            throw new AssertionError("GET " + url + ": expected 200 and " + LARGE + " bytes, curl said: " + out);
        }
        return Double.parseDouble(f[2]) / 1e6;
    }

    private static final Pattern REQUESTS_PER_SECOND = Pattern.compile("Requests/sec:\\s+([0-9.]+)");

    /** @return requests per second of one wrk run; fails if any answer was not 2xx or a socket failed */
    static double wrkRun(Path wrk, String url, Duration length) throws Exception {
        List<String> command = new ArrayList<>(List.of(wrk.toString()));
        command.addAll(Arrays.asList(WRK_LOAD));
        command.add("-d" + length.toSeconds() + "s");
        command.add(url);
        String out = exec(length.plusSeconds(60), command.toArray(String[]::new));
        Matcher m = REQUESTS_PER_SECOND.matcher(out);
        if (!m.find() || out.contains("Non-2xx") || out.contains("Socket errors")) {
            throw new AssertionError("wrk on " + url + ":\n" + out);
        }
        return Double.parseDouble(m.group(1));
    }

    /** @return the command's stdout and stderr; fails if it does not exit 0 in time */
    private static String exec(Duration timeout, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes(); // ends when the process closes it, at exit
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within " + timeout.toMillis() + " ms");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + ": exit " + p.exitValue() + "\n" + text);
        }
        return text;
    }

    private static void awaitOk(URI url, java.util.function.Supplier<?> state) {
        HttpClient client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(Duration.ofSeconds(2)).build();
        int[] last = {-1};
        Await.until("200 from " + url, Duration.ofSeconds(30), () -> {
            try {
                last[0] = client.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                last[0] = -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            return last[0] == 200;
        }, () -> "last status " + last[0] + "\n" + state.get());
    }

    /** Both servers must answer the small file with its exact content, or the comparison means nothing. */
    private static void sameBytes(Path file, URI... urls) throws Exception {
        HttpClient client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
        byte[] expected = Files.readAllBytes(file);
        for (URI url : urls) {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200 || !Arrays.equals(expected, r.body())) {
                throw new AssertionError("GET " + url + ": " + r.statusCode() + ", " + r.body().length
                        + " bytes, not the " + expected.length + " bytes of " + file);
            }
        }
    }

    // ---- nginx ----

    private static Process startNginx(Path nginx, Path prefix, Path root, int port) throws IOException {
        Files.createDirectories(prefix.resolve("logs"));
        List<String> conf = new ArrayList<>(List.of(
                "worker_processes " + Runtime.getRuntime().availableProcessors() + ";",
                "pid " + prefix.resolve("nginx.pid") + ";",
                "error_log " + prefix.resolve("logs/error.log") + " warn;",
                "daemon off;",
                "events { worker_connections 1024; }",
                "http {",
                "  access_log off;",
                "  sendfile on;",
                "  tcp_nopush on;",
                "  keepalive_timeout 15s;",
                "  keepalive_requests 1000;",
                "  client_body_temp_path " + prefix.resolve("body") + ";",
                "  proxy_temp_path " + prefix.resolve("proxy") + ";",
                "  fastcgi_temp_path " + prefix.resolve("fastcgi") + ";",
                "  uwsgi_temp_path " + prefix.resolve("uwsgi") + ";",
                "  scgi_temp_path " + prefix.resolve("scgi") + ";",
                "  types { text/plain txt; application/octet-stream bin; }",
                "  server { listen " + NGINX_ADDRESS + ":" + port + "; root " + root + "; }",
                "}"));
        if (Requirements.isRoot()) {
            // the workers would run as nobody, and the test's folders are readable by their owner only
            conf.add(0, "user root;");
        }
        Path file = prefix.resolve("nginx.conf");
        Files.write(file, conf, StandardCharsets.UTF_8);
        return new ProcessBuilder(nginx.toString(), "-p", prefix.toString(), "-c", file.toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/stdout.log").toFile()).start();
    }

    private static String nginxLog(Path work) {
        try {
            Path log = work.resolve("nginx/logs/error.log");
            return Files.isRegularFile(log) ? "nginx error.log:\n" + Files.readString(log) : "(no nginx error.log)";
        } catch (IOException e) {
            return "(cannot read nginx's error.log: " + e + ")";
        }
    }

    private static void stop(Process nginx) throws InterruptedException {
        nginx.destroy(); // SIGTERM: the master stops its workers
        if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
            nginx.descendants().forEach(ProcessHandle::destroyForcibly);
            nginx.destroyForcibly();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(NGINX_ADDRESS, 0));
            return s.getLocalPort();
        }
    }

    // ---- measuring ----

    private static List<Long> processTree(Process p) {
        List<Long> pids = new ArrayList<>();
        pids.add(p.pid());
        p.descendants().forEach(d -> pids.add(d.pid()));
        return pids;
    }

    /** @return utime + stime of these processes (all their threads), in ticks */
    private static long ticks(List<Long> pids) throws IOException {
        long sum = 0;
        for (long pid : pids) {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // after the comm's closing parenthesis: field 3 (state) is f[0], utime (14) f[11], stime (15) f[12]
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
        return sum;
    }

    private static double microsPerRequest(long ticks, double requestsPerSecond, Duration length) {
        double requests = requestsPerSecond * length.toSeconds();
        return ticks * 1e6 / TICKS_PER_SECOND / requests;
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return "load " + f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "load unknown";
        }
    }

    private static String format(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList().toString();
    }

    private static void writeRandom(Path file, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += block.length) {
                for (int i = 0; i < block.length; i += 8) {
                    long r = random.nextLong();
                    for (int b = 0; b < 8; b++) {
                        block[i + b] = (byte) (r >>> (8 * b));
                    }
                }
                out.write(block, 0, (int) Math.min(block.length, size - written));
            }
        }
    }
}
