package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.campaign.LogEvents;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Exclusive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * One channel lost is an event, not a failover; every channel lost is (DESIGN §4). Channels are
 * cut with the test-only fault switch of the status monitor and, as root with {@code nft}, with a
 * real packet filter on loopback.
 */
@ResourceLock(Exclusive.NAMESPACES)
class PairChannelIT {

    private static final Duration STEP = Duration.ofSeconds(20);

    @Test
    void oneChannelCutIsAnEventAndBothCutIsAFailover(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            long markA = pair.journalMark(A);
            long markB = pair.journalMark(B);

            // scm-a stops hearing scm-b on "link"; "host" still works
            pair.drop(A, "link", 100);
            pair.awaitStatus(A, "status channel link BAD, host GOOD", STEP,
                    s -> "BAD".equals(channelStatus(s, "link")) && "GOOD".equals(channelStatus(s, "host")));
            pair.assertHolds("no failover with one channel left (scm-a DAC/MASTER, scm-b DAC/SLAVE, host GOOD)",
                    holdWellOverDetection(pair), () -> pair.roles("DAC/MASTER", "DAC/SLAVE")
                            && "GOOD".equals(channelStatus(pair.status(A), "host")));
            assertEquals(List.of(), pair.opModes(A, markA), "no opMode call on scm-a\n" + pair.diagnostics());
            assertEquals(List.of(), pair.opModes(B, markB), "no opMode call on scm-b\n" + pair.diagnostics());
            assertTrue(pair.status(A).path("peer").path("alive").asBoolean(), "the peer is alive on one channel");
            assertTrue(LogEvents.countChannelBad(pair.log(A), "link", "scm-b") > 0,
                    "the lost channel is an event in the log\n" + pair.diagnostics());

            // and now the other one: every network BAD while scm-b's storage heartbeat goes on, a network
            // outage; once it has lasted its fence delay (5 s) scm-a fences scm-b and takes over
            pair.drop(A, "host", 100);
            pair.awaitStatus(A, "every status channel BAD", STEP,
                    s -> "BAD".equals(channelStatus(s, "link")) && "BAD".equals(channelStatus(s, "host")));
            pair.awaitStatus(A, "the failover recorded", STEP, s -> !pair.opModes(A, markA).isEmpty());
            assertEquals("OPMODE(MASTER, DEGRADED)", pair.opModes(A, markA).get(0),
                    "scm-a failed over first\n" + pair.diagnostics());
        }
    }

    @Test
    void aRealPacketFilterCuttingOneChannelIsAnEventNotAFailover(@TempDir Path work) throws Exception {
        Requirements.require(Requirements.isRoot(), "this test drops packets with nftables and needs root");
        Path nft = Requirements.tool("nft");
        Requirements.require(nft != null, "this test needs the nft command: install the nftables package"
                + " (Debian: apt-get install nftables)");

        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            long markA = pair.journalMark(A);
            long markB = pair.journalMark(B);
            int toA = pair.statusAddress(A, "link").getPort();
            int toB = pair.statusAddress(B, "link").getPort();
            // our own table, named for this run: nothing else on the machine is touched
            String table = "hasmtest_" + ProcessHandle.current().pid() + "_" + pair.basePort();
            try {
                nft(nft, "add", "table", "inet", table);
                nft(nft, "add", "chain", "inet", table, "input",
                        "{ type filter hook input priority 0 ; policy accept ; }");
                nft(nft, "add", "rule", "inet", table, "input", "ip", "daddr", "127.0.0.1", "udp", "dport",
                        "{ " + toA + ", " + toB + " }", "drop");

                for (Scm scm : Scm.values()) {
                    pair.awaitStatus(scm, "status channel link BAD, host GOOD", STEP,
                            s -> "BAD".equals(channelStatus(s, "link")) && "GOOD".equals(channelStatus(s, "host")));
                }
                pair.assertHolds("no failover with one channel left (scm-a DAC/MASTER, scm-b DAC/SLAVE)",
                        holdWellOverDetection(pair), () -> pair.roles("DAC/MASTER", "DAC/SLAVE"));
                assertEquals(List.of(), pair.opModes(A, markA), pair.diagnostics());
                assertEquals(List.of(), pair.opModes(B, markB), pair.diagnostics());
                assertTrue(LogEvents.countChannelBad(pair.log(A), "link", "scm-b") > 0, pair.diagnostics());
                assertTrue(LogEvents.countChannelBad(pair.log(B), "link", "scm-a") > 0, pair.diagnostics());
            } finally {
                // best effort when the table was never made; the check below says if it stayed
                nftQuiet(nft, "delete", "table", "inet", table);
            }
            String tables = nft(nft, "list", "tables");
            assertTrue(!tables.contains(table), "table " + table + " must be gone: " + tables);

            // the cut healed: the channel comes back GOOD on both
            for (Scm scm : Scm.values()) {
                pair.awaitStatus(scm, "status channel link GOOD again", STEP, s -> "GOOD".equals(channelStatus(s, "link")));
            }
        }
    }

    /** Ten detection times, at least three seconds: a flapping detector would have flapped. */
    private static Duration holdWellOverDetection(Pair pair) {
        Duration ten = pair.timing().detection().multipliedBy(10);
        return ten.compareTo(Duration.ofSeconds(3)) < 0 ? Duration.ofSeconds(3) : ten;
    }

    static String channelStatus(JsonNode status, String name) {
        return status == null ? null : Pair.channel(status, "status", name).path("status").asText();
    }

    /** Runs nft with {@code args}, bounded; a failure is an AssertionError with its output. */
    static String nft(Path nft, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(nft.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + ": no answer within 20 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    /** {@link #nft} for a clean-up that must not hide the test's own failure. */
    static void nftQuiet(Path nft, String... args) {
        try {
            nft(nft, args);
        } catch (IOException | InterruptedException | AssertionError e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
