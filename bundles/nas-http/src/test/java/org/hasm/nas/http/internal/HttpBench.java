package org.hasm.nas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.nas.http.internal.Fixture.TestExport;
import org.hasm.nas.http.internal.Fixture.TestVolume;
import org.hasm.nas.http.internal.Fixture.TestVolumes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * GET throughput of nas-http against nginx serving the same folder: one 256 MiB file with curl, a
 * 4 KiB file with wrk ({@code -t2 -c32}), each the best of three runs after a warm-up. Run with
 * {@code -Dhasm.bench=true}; prints one JSON line per figure on stdout and every run on stderr.
 */
@EnabledIfSystemProperty(named = "hasm.bench", matches = "true")
class HttpBench {
    private static final int LARGE = 256 * 1024 * 1024;
    private static final Duration WARM_UP = Duration.ofSeconds(5);
    private static final Duration RUN = Duration.ofSeconds(5);

    @Test
    void getThroughputAgainstNginx() throws Exception {
        Path curl = Fixture.requireTool("curl", "apt-get install -y curl");
        Path nginx = Fixture.requireTool("nginx", "apt-get install -y nginx");
        Path wrk = Fixture.requireTool("wrk", "apt-get install -y wrk");
        Path tmp = Files.createTempDirectory("hasm-nas-http-bench-");
        HttpServer server = null;
        Process nginxProcess = null;
        try {
            TestVolumes volumes = new TestVolumes();
            TestVolume v1 = new TestVolume("v1", Files.createDirectories(tmp.resolve("v1")));
            volumes.owned.put("v1", v1);
            Path files = Files.createDirectories(v1.root.resolve("files"));
            writeRandom(files.resolve("large.bin"), LARGE);
            writeRandom(files.resolve("small.txt"), 4096);

            server = new HttpServer(tmp.resolve("tomcat"), HttpSettings.defaults(), volumes, new Fixture.RecordingEvents());
            server.reconcile(List.of(Fixture.personality("A", "127.0.0.1", 0, new TestExport("files", "v1", "files", false))));
            String nas = "http://127.0.0.1:" + server.localPort("A", "127.0.0.1") + "/files/";

            int nginxPort = freePort();
            nginxProcess = startNginx(nginx, tmp, v1.root, nginxPort);
            String ng = "http://127.0.0.2:" + nginxPort + "/files/";
            String probe = ng + "small.txt";
            Fixture.await("nginx to serve", Duration.ofSeconds(10), () -> {
                try {
                    return Fixture.send("127.0.0.2", nginxPort, "GET", "/files/small.txt").status() == 200;
                } catch (IOException e) {
                    return false;
                }
            });

            // Both servers share the machine with wrk and curl (and whatever else runs on it): every figure
            // alternates between them, so that a busy moment costs both, and the best of three counts.
            largeGetMiBps(curl, nas + "large.bin"); // warm-up: the file in the page cache, both paths taken once
            largeGetMiBps(curl, ng + "large.bin");
            double[] large = bestOfThree(() -> largeGetMiBps(curl, nas + "large.bin"),
                    () -> largeGetMiBps(curl, ng + "large.bin"));
            // warm-up: the JIT compiles the request path, Tomcat fills its caches, nginx its page cache
            wrkRps(wrk, nas + "small.txt", WARM_UP);
            wrkRps(wrk, probe, Duration.ofSeconds(2));
            double[] small = bestOfThree(() -> wrkRps(wrk, nas + "small.txt", RUN), () -> wrkRps(wrk, probe, RUN));

            print("http.large.mibps", large[0], "MiB/s");
            print("nginx.large.mibps", large[1], "MiB/s");
            print("http.large.ratio", large[0] / large[1], "x");
            print("http.small.reqps", small[0], "req/s");
            print("nginx.small.reqps", small[1], "req/s");
            print("http.small.ratio", small[0] / small[1], "x");
        } finally {
            try {
                if (nginxProcess != null) {
                    nginxProcess.destroy();
                    if (!nginxProcess.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                        nginxProcess.destroyForcibly();
                    }
                }
                if (server != null) {
                    server.destroy();
                }
            } finally {
                Fixture.deleteTree(tmp);
            }
        }
    }

    /** One measurement; a failed one fails the benchmark. */
    private interface Measure {
        double run() throws Exception;
    }

    /**
     * Runs hasm and nginx in turn, three times each, and prints every run on stderr so that the spread
     * is visible.
     *
     * @return the best figure of each: {hasm, nginx}
     */
    private static double[] bestOfThree(Measure hasm, Measure nginx) throws Exception {
        double[] best = new double[2];
        for (int round = 1; round <= 3; round++) {
            double h = hasm.run();
            double n = nginx.run();
            System.err.printf(java.util.Locale.ROOT, "round %d: hasm %.1f, nginx %.1f%n", round, h, n);
            best[0] = Math.max(best[0], h);
            best[1] = Math.max(best[1], n);
        }
        return best;
    }

    private static void print(String name, double value, String unit) {
        System.out.printf(java.util.Locale.ROOT, "{\"bench\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"}%n", name, value, unit);
    }

    /** The best of three timed downloads: one takes a fraction of a second, so one busy moment would count. */
    private static double largeGetMiBps(Path curl, String url) throws Exception {
        double best = 0;
        for (int i = 0; i < 3; i++) {
            Fixture.ProcessResult r = Fixture.run(Duration.ofMinutes(2), null, curl.toString(), "-s", "-o", "/dev/null",
                    "-w", "%{http_code} %{size_download} %{time_total}", url);
            String[] f = r.output().trim().split(" ");
            assertEquals("200", f[0], url + ": exit " + r.exitCode() + ": " + r.output());
            assertEquals(LARGE, Long.parseLong(f[1]));
            best = Math.max(best, LARGE / 1048576.0 / Double.parseDouble(f[2]));
        }
        return best;
    }

    private static double wrkRps(Path wrk, String url, Duration length) throws Exception {
        Fixture.ProcessResult r = Fixture.run(Duration.ofMinutes(1), null, wrk.toString(), "-t2", "-c32",
                "-d" + length.toSeconds() + "s", url);
        Matcher m = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(r.output());
        assertTrue(m.find(), r.output());
        assertTrue(!r.output().contains("Non-2xx"), r.output());
        return Double.parseDouble(m.group(1));
    }

    private static Process startNginx(Path nginx, Path tmp, Path root, int port) throws IOException {
        Path prefix = Files.createDirectories(tmp.resolve("nginx"));
        Files.createDirectories(prefix.resolve("logs"));
        String conf = String.join("\n",
                "worker_processes 2;",
                "user root;", // the test folder is readable by its owner only
                "pid " + prefix.resolve("nginx.pid") + ";",
                "error_log " + prefix.resolve("logs/error.log") + " warn;",
                "daemon off;",
                "events { worker_connections 1024; }",
                "http {",
                "  access_log off;",
                "  sendfile on;",
                "  tcp_nopush on;",
                "  client_body_temp_path " + prefix.resolve("body") + ";",
                "  proxy_temp_path " + prefix.resolve("proxy") + ";",
                "  fastcgi_temp_path " + prefix.resolve("fastcgi") + ";",
                "  uwsgi_temp_path " + prefix.resolve("uwsgi") + ";",
                "  scgi_temp_path " + prefix.resolve("scgi") + ";",
                "  types { text/plain txt; application/octet-stream bin; }",
                "  server { listen 127.0.0.2:" + port + "; root " + root + "; }",
                "}", "");
        Path file = prefix.resolve("nginx.conf");
        Files.writeString(file, conf);
        return new ProcessBuilder(nginx.toString(), "-p", prefix.toString(), "-c", file.toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/stdout.log").toFile()).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.2", 0));
            return s.getLocalPort();
        }
    }

    private static void writeRandom(Path file, int size) throws IOException {
        Random random = new Random(42);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                out.write(block, 0, Math.min(block.length, size - written));
            }
        }
    }
}
