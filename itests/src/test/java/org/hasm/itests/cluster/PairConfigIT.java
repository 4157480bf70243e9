package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration transactions (CTCM) and shared files (SFM) on two real SCMs with the feature
 * {@code hasm-config}: a change made through the MASTER (or sent to the SLAVE, which redirects it) is
 * checked, committed and applied on both; an SCM that was down restores it from the replica and
 * rejoins; a torn or hand-edited database, and two SCMs with different configurations at the same
 * generation, put the SCMs in MONITOR naming the file and the field; a shared file written on the
 * MASTER is on the SLAVE identical, also one written while the SLAVE was down.
 */
class PairConfigIT {

    private static final Duration STEP = Duration.ofSeconds(20);
    private static final Duration CLI = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .proxy(HttpClient.Builder.NO_PROXY).build();

    static Pair create(Path work, Timing timing) throws Exception {
        Pair pair = Pair.create(work, timing);
        for (Scm scm : Scm.values()) {
            pair.editProperties(scm, "hasm-smb", "hasm-smb,hasm-config");
        }
        return pair;
    }

    private static HasmCtlRun hasmctl(Pair pair, Scm scm, String... args) throws IOException, InterruptedException {
        String[] all = new String[args.length + 2];
        all[0] = "--node-dir";
        all[1] = pair.node(scm).toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return HasmCtlRun.run(CLI, all);
    }

    private static String controllerFile(Pair pair, Scm scm) throws IOException {
        return Files.readString(pair.node(scm).resolve("etc/org.hasm.controller.cfg"), StandardCharsets.UTF_8);
    }

    @Test
    void aChangeSentToTheSlaveIsCommittedByTheMasterAndAppliedOnBoth(@TempDir Path work) throws Exception {
        try (Pair pair = create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            int logB = pair.log(B).length();

            HasmCtlRun set = hasmctl(pair, B, "config", "set", "org.hasm.controller", "deadline.opmode.ms=12345");
            assertEquals(0, set.code(), set.toString());
            assertTrue(set.stdout().contains("committed generation 1") && set.stdout().contains("peer: applied")
                    && set.stdout().contains("redirected it there"), set.toString());
            for (Scm scm : Scm.values()) {
                assertTrue(controllerFile(pair, scm).contains("deadline.opmode.ms=12345"), scm + ": " + controllerFile(pair, scm));
            }
            // the SLAVE's controller took the deadline live, through Configuration Admin
            Await.until("scm-b's controller applies the new deadline", STEP,
                    () -> pair.log(B).substring(logB).contains("OPMODE=PT12.345S"), pair::diagnostics);

            HasmCtlRun bad = hasmctl(pair, A, "config", "set", "org.hasm.controller", "deadline.opmode.ms=-5");
            assertEquals(1, bad.code(), bad.toString());
            assertTrue(bad.stderr().contains("org.hasm.controller.cfg: deadline.opmode.ms: '-5' is below the minimum"),
                    bad.toString());
            // a rule of the controller's own (a deadline at most deadline.max.ms), refused as hasm check refuses it
            HasmCtlRun above = hasmctl(pair, A, "config", "set", "org.hasm.controller", "deadline.stop.ms=120000");
            assertEquals(1, above.code(), above.toString());
            assertTrue(above.stderr().contains("deadline.stop.ms=120000 is above deadline.max.ms=60000"), above.toString());
            HasmCtlRun get = hasmctl(pair, B, "config", "get", "org.hasm.controller:deadline.opmode.ms");
            assertEquals(0, get.code(), get.toString());
            assertTrue(get.stdout().startsWith("generation 1 ") && get.stdout().contains("deadline.opmode.ms=12345"),
                    get.toString());
            for (Scm scm : Scm.values()) {
                assertFalse(controllerFile(pair, scm).contains("-5") || controllerFile(pair, scm).contains("120000"),
                        scm + ": nothing written");
            }
            HasmCtlRun history = hasmctl(pair, A, "config", "history");
            assertTrue(history.stdout().contains("org.hasm.controller {deadline.opmode.ms=12345}"), history.toString());
            HasmCtlRun diff = hasmctl(pair, A, "config", "diff");
            assertTrue(diff.stdout().startsWith("no difference"), diff.toString());

            // the admin API itself: the SLAVE redirects the transaction to the MASTER, and commits nothing
            HttpResponse<String> redirected = send(pair, B, "POST", "/config?pid=org.hasm.controller&changes="
                    + "deadline.opmode.ms%3D20000", null);
            assertEquals(307, redirected.statusCode(), redirected.body());
            assertTrue(controllerFile(pair, B).contains("deadline.opmode.ms=12345"));

            // a shared file written on the MASTER is on the SLAVE, identical
            byte[] content = "shared by the pair\n".getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> written = send(pair, A, "POST", "/files/motd", content);
            assertEquals(200, written.statusCode(), written.body());
            assertSharedFile(pair, B, "motd", 1, content);
        }
    }

    /**
     * A service's parameter changed through a configuration transaction is served at once by both SCMs,
     * without a restart or a RESET: personality A's example service moves to another port on scm-a, and
     * scm-b, which took the change too, serves it there after a takeover.
     */
    @Test
    void aPersonalityParameterChangedOnTheMasterIsServedLiveByBothScms(@TempDir Path work) throws Exception {
        try (Pair pair = create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            pair.awaitExample(A, "personality A on scm-a", STEP);
            long pidA = pair.pid(A);
            long pidB = pair.pid(B);
            int logA = pair.log(A).length();
            int logB = pair.log(B).length();
            String address = pair.personalityAddress(A);
            int moved = pair.basePort() + 39;

            HasmCtlRun set = hasmctl(pair, B, "config", "set", "org.hasm.personality~a", "example.port=" + moved);
            assertEquals(0, set.code(), set.toString());
            assertFalse(set.stdout().contains("RESET"), "a service's key needs no RESET: " + set);
            Await.until("personality A's example service on port " + moved, STEP,
                    () -> String.valueOf(answer(address, moved)).contains("personality A on scm-a (MASTER, DAC)"),
                    pair::diagnostics);
            Await.until("the old port closed", STEP, () -> pair.example(A) == null, pair::diagnostics);
            for (Scm scm : Scm.values()) {
                int from = scm == A ? logA : logB;
                Await.until(scm.id() + " applies the parameter live", STEP,
                        () -> pair.log(scm).substring(from).contains("personality parameters changed (A: example.port)"),
                        pair::diagnostics);
                assertFalse(pair.log(scm).substring(from).contains("RESET"), pair.log(scm).substring(from));
            }
            pair.awaitState(A, "DAC", "MASTER", STEP);
            pair.awaitState(B, "DAC", "SLAVE", STEP);
            assertEquals(pidA, pair.pid(A), "scm-a was not restarted");
            assertEquals(pidB, pair.pid(B), "scm-b was not restarted");
            pair.awaitExample(B, "personality B on scm-b (SLAVE, DAC)", STEP);

            // a value the service's declaration refuses is refused by the transaction, and nothing changes
            HasmCtlRun bad = hasmctl(pair, A, "config", "set", "org.hasm.personality~a", "example.port=70000");
            assertEquals(1, bad.code(), bad.toString());
            assertTrue(bad.stderr().contains("example.port"), bad.toString());

            // scm-b took the change: after a takeover it serves A's example service at the new port
            pair.kill(A);
            pair.awaitState(B, "DEGRADED", "MASTER", STEP);
            Await.until("scm-b serving A's example service on port " + moved, STEP,
                    () -> String.valueOf(answer(address, moved)).contains("personality A on scm-b (MASTER, DEGRADED)"),
                    pair::diagnostics);
        }
    }

    /** @return the example service's line at an address and port, or {@code null} if none answers */
    private static String answer(String address, int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(address, port), 1000);
            socket.setSoTimeout(2000);
            String text = new String(socket.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? null : text;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A SLAVE that a transaction did not reach (the link's TCP channels cut by nftables while the MASTER
     * commits) takes it from the replica once it checks, live, without a restart.
     */
    @Test
    void aSlaveThatMissedATransactionCatchesUpFromTheReplica(@TempDir Path work) throws Exception {
        Requirements.require(Requirements.isRoot(), "this test cuts the link with nftables and needs root");
        Path nft = Requirements.tool("nft");
        Requirements.require(nft != null, "this test needs the nft command: install the nftables package"
                + " (Debian: apt-get install nftables)");
        try (Pair pair = create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            String table = "hasmctcm_" + ProcessHandle.current().pid() + "_" + pair.basePort();
            HasmCtlRun set;
            try {
                PairChannelIT.nft(nft, "add", "table", "inet", table);
                PairChannelIT.nft(nft, "add", "chain", "inet", table, "input",
                        "{ type filter hook input priority 0 ; policy accept ; }");
                for (String channel : List.of("link", "host")) {
                    var address = pair.linkAddress(B, channel);
                    PairChannelIT.nft(nft, "add", "rule", "inet", table, "input", "ip", "daddr",
                            address.getAddress().getHostAddress(), "tcp", "dport", String.valueOf(address.getPort()), "drop");
                }
                set = hasmctl(pair, A, "config", "set", "org.hasm.controller", "deadline.opmode.ms=23456");
            } finally {
                PairChannelIT.nftQuiet(nft, "delete", "table", "inet", table);
            }
            assertEquals(0, set.code(), set.toString());
            assertTrue(set.stdout().contains("committed generation 1") && !set.stdout().contains("peer: applied"),
                    "the SLAVE was reached through a cut link? " + set);
            assertTrue(controllerFile(pair, A).contains("deadline.opmode.ms=23456"), controllerFile(pair, A));
            Await.until("scm-b takes generation 1 from the replica", STEP,
                    () -> {
                        try {
                            return controllerFile(pair, B).contains("deadline.opmode.ms=23456")
                                    && pair.log(B).contains("configuration caught up from the replica");
                        } catch (IOException e) {
                            return false; // being replaced right now: read again
                        }
                    }, pair::diagnostics);
            JsonNode b = pair.status(B);
            assertEquals("DAC SLAVE", b.path("state").asText() + " " + b.path("opMode").asText(), "caught up live: " + b);
            HasmCtlRun diff = hasmctl(pair, A, "config", "diff");
            assertTrue(diff.stdout().startsWith("no difference"), diff.toString());
        }
    }

    @Test
    void anScmDownDuringAChangeRestoresItAndRejoins(@TempDir Path work) throws Exception {
        try (Pair pair = create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            pair.kill(B);
            pair.awaitState(A, "DEGRADED", "MASTER", STEP);

            HasmCtlRun set = hasmctl(pair, A, "config", "set", "org.hasm.controller", "deadline.stop.ms=11000");
            assertEquals(0, set.code(), set.toString());
            assertTrue(set.stdout().contains("peer: not reached"), set.toString());
            byte[] content = "written while scm-b was down\n".getBytes(StandardCharsets.UTF_8);
            assertEquals(200, send(pair, A, "POST", "/files/notice", content).statusCode());
            assertFalse(controllerFile(pair, B).contains("deadline.stop.ms"));

            int logB = pair.log(B).length();
            pair.start(B);
            pair.awaitState(B, "DAC", "SLAVE", Pair.BOOT);
            String log = pair.log(B).substring(logB);
            assertTrue(log.contains("configuration restored: this SCM's configuration (generation 0) is older than the"
                    + " replica's (generation 1)") && log.contains("RESET"), log);
            assertTrue(controllerFile(pair, B).contains("deadline.stop.ms=11000"), controllerFile(pair, B));
            assertSharedFile(pair, B, "notice", 1, content);
            HasmCtlRun diff = hasmctl(pair, A, "config", "diff");
            assertTrue(diff.stdout().startsWith("no difference"), diff.toString());
        }
    }

    @Test
    void aTornOrHandEditedDatabasePutsThatScmInMonitorNamingIt(@TempDir Path work) throws Exception {
        try (Pair pair = create(work, Timing.TEST)) {
            // scm-b alone: its database is created at its first boot
            pair.start(B);
            pair.awaitState(B, "DEGRADED", "MASTER", Pair.BOOT);
            pair.terminate(B);
            pair.editConfig(B, "org.hasm.controller.cfg", "init.peer.timeout.ms=2000", "init.peer.timeout.ms=3000");
            pair.start(B);
            JsonNode s = pair.awaitStatus(B, "MONITOR", Pair.BOOT, st -> "MONITOR".equals(st.path("state").asText()));
            String reason = s.path("reason").asText();
            assertTrue(reason.contains("org.hasm.controller: field init.peer.timeout.ms is '2000' in the database")
                    && reason.contains("'3000' in " + pair.node(B).resolve("etc/org.hasm.controller.cfg")), reason);

            pair.terminate(B);
            pair.editConfig(B, "org.hasm.controller.cfg", "init.peer.timeout.ms=3000", "init.peer.timeout.ms=2000");
            Path db = pair.node(B).resolve("data/hasm/config/db");
            byte[] whole = Files.readAllBytes(db);
            Files.write(db, Arrays.copyOf(whole, whole.length / 2));
            pair.start(B);
            s = pair.awaitStatus(B, "MONITOR", Pair.BOOT, st -> "MONITOR".equals(st.path("state").asText()));
            reason = s.path("reason").asText();
            assertTrue(reason.contains(db + ": torn"), reason);
        }
    }

    @Test
    void twoScmsWithDifferentConfigurationsAtOneGenerationBothGoToMonitor(@TempDir Path work) throws Exception {
        try (Pair pair = create(work, Timing.TEST)) {
            // scm-a alone commits generation 1
            pair.start(A);
            pair.awaitState(A, "DEGRADED", "MASTER", Pair.BOOT);
            HasmCtlRun setA = hasmctl(pair, A, "config", "set", "org.hasm.controller", "deadline.test.ms=11000");
            assertEquals(0, setA.code(), setA.toString());
            pair.terminate(A);
            // the replica lost (a new shared storage): scm-b alone commits another generation 1
            Files.delete(pair.shared().resolve("config/db"));
            pair.start(B);
            pair.awaitState(B, "DEGRADED", "MASTER", Pair.BOOT);
            HasmCtlRun setB = hasmctl(pair, B, "config", "set", "org.hasm.controller", "deadline.test.ms=12000");
            assertEquals(0, setB.code(), setB.toString());

            pair.start(A);
            for (Scm scm : Scm.values()) {
                JsonNode s = pair.awaitStatus(scm, "MONITOR", Pair.BOOT, st -> "MONITOR".equals(st.path("state").asText()));
                String reason = s.path("reason").asText();
                assertTrue(reason.contains("configuration contradictory") && reason.contains("generation 1")
                        && reason.contains("field checksum"), scm + ": " + reason);
            }
        }
    }

    private void assertSharedFile(Pair pair, Scm scm, String name, long version, byte[] content) {
        JsonNode[] last = {null};
        Await.until(scm.id() + " has shared file " + name + " version " + version, STEP, () -> {
            try {
                HttpResponse<String> r = send(pair, scm, "GET", "/files/" + name, null);
                last[0] = r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
            } catch (IOException e) {
                last[0] = null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            return last[0] != null && last[0].path("version").asLong() == version;
        }, () -> "last answer " + last[0] + "\n" + pair.diagnostics());
        assertEquals(Arrays.toString(content),
                Arrays.toString(Base64.getDecoder().decode(last[0].path("content").asText())));
    }

    private HttpResponse<String> send(Pair pair, Scm scm, String method, String path, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pair.adminPort(scm)
                + "/hasm/api/v1" + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + pair.adminToken(scm));
        if ("POST".equals(method)) {
            b.header("Content-Type", "application/octet-stream")
                    .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            b.GET();
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
