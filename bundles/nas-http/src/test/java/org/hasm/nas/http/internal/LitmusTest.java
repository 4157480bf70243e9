package org.hasm.nas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.nas.http.internal.Fixture.TestExport;
import org.hasm.nas.http.internal.Fixture.TestVolume;
import org.hasm.nas.http.internal.Fixture.TestVolumes;
import org.junit.jupiter.api.Test;

/** The WebDAV compliance suite against an export: every suite ({@code -k}), every test passing. */
class LitmusTest {
    private static final Pattern SUMMARY =
            Pattern.compile("<- summary for `(\\w+)': of (\\d+) tests run: (\\d+) passed, (\\d+) failed\\.");

    @Test
    void litmusPassesEverySuite() throws Exception {
        Path litmus = Fixture.requireTool("litmus", "apt-get install -y litmus");
        Path tmp = Files.createTempDirectory("hasm-nas-http-litmus-");
        HttpServer server = null;
        Fixture.LoopbackAddresses addresses = new Fixture.LoopbackAddresses("127.0.0.1");
        try {
            TestVolumes volumes = new TestVolumes();
            TestVolume v1 = new TestVolume("v1", Files.createDirectories(tmp.resolve("v1")));
            volumes.owned.put("v1", v1);
            Files.createDirectories(v1.root.resolve("dav"));
            server = new HttpServer(tmp.resolve("tomcat"), HttpSettings.defaults(), volumes, addresses.service,
                    new Fixture.RecordingEvents());
            server.reconcile(List.of(Fixture.personality("A", "127.0.0.1", 0, new TestExport("dav", "v1", "dav", false))));
            String url = "http://127.0.0.1:" + server.localPort("A", "127.0.0.1") + "/dav/";

            Fixture.ProcessResult r = Fixture.run(Duration.ofMinutes(5), tmp, litmus.toString(), "-k", url);
            System.out.println(r.output());
            Matcher m = SUMMARY.matcher(r.output());
            int suites = 0;
            int run = 0;
            int passed = 0;
            while (m.find()) {
                suites++;
                run += Integer.parseInt(m.group(2));
                passed += Integer.parseInt(m.group(3));
                assertEquals("0", m.group(4), "suite " + m.group(1) + " failed tests:\n" + r.output());
            }
            System.out.println("{\"litmus\":{\"suites\":" + suites + ",\"run\":" + run + ",\"passed\":" + passed + "}}");
            assertEquals(5, suites, "basic, copymove, props, locks, http all ran:\n" + r.output());
            assertEquals(run, passed);
            assertEquals(0, r.exitCode(), r.output());
            // litmus may leave while the server still cleans up after a request it cut short
            Path dav = v1.root.resolve("dav");
            Fixture.await("no temporary file left behind in " + dav, Duration.ofSeconds(10),
                    () -> temporaryFiles(dav).isEmpty());
            assertTrue(v1.fences.get() > 0);
        } finally {
            if (server != null) {
                server.destroy();
            }
            addresses.close();
            Fixture.deleteTree(tmp);
        }
    }

    private static List<String> temporaryFiles(Path folder) {
        try {
            return Fixture.files(folder).stream().filter(n -> n.contains(DurableWrite.TEMP_PREFIX)).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
