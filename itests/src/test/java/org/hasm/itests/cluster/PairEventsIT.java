package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.Exclusive;
import org.hasm.itests.support.TestBundles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The event log keeps both SCMs' events on each SCM: with the link's TCP channels cut by nftables for a
 * while (the status channels, UDP, stay up: no failover), scm-b keeps its events (a wellness event
 * every 300 ms among them) and sends them once the link is back; scm-a, the MASTER, then holds every
 * one of scm-b's events, each exactly once, gap-free by sequence, the same as in scm-b's own log. And an
 * Event Admin handler that blocks in hasm's events does not keep them out of the log.
 */
@ResourceLock(Exclusive.NAMESPACES)
class PairEventsIT {

    private static final Duration STEP = Duration.ofSeconds(20);

    @Test
    void theSlavesEventsReachTheMasterAfterTheLinkWasDownNoneLostNoneTwice(@TempDir Path work) throws Exception {
        Requirements.require(Requirements.isRoot(), "this test cuts the link with nftables and needs root");
        Path nft = Requirements.tool("nft");
        Requirements.require(nft != null, "this test needs the nft command: install the nftables package"
                + " (Debian: apt-get install nftables)");
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.writeConfig(B, "org.hasm.health.cfg", "wellness.interval.ms=300\n");
            PairFaultIT.startInDac(pair);
            Await.until("scm-b's first events on scm-a", STEP, () -> !own(pair, A, "scm-b").isEmpty(),
                    () -> pair.diagnostics());

            String table = "hasmevents_" + ProcessHandle.current().pid() + "_" + pair.basePort();
            Instant cutAt;
            Instant healedAt;
            try {
                PairChannelIT.nft(nft, "add", "table", "inet", table);
                PairChannelIT.nft(nft, "add", "chain", "inet", table, "input", "{ type filter hook input priority 0 ; policy accept ; }");
                for (String channel : List.of("link", "host")) {
                    for (Pair.Scm scm : Pair.Scm.values()) {
                        var address = pair.linkAddress(scm, channel);
                        PairChannelIT.nft(nft, "add", "rule", "inet", table, "input", "ip", "daddr",
                                address.getAddress().getHostAddress(), "tcp", "dport", String.valueOf(address.getPort()),
                                "drop");
                    }
                }
                cutAt = Instant.now();
                long before = highest(own(pair, A, "scm-b"));
                // scm-b writes on while scm-a hears nothing of it over the link
                Await.until("scm-b logs 6 wellness events while cut off", STEP,
                        () -> own(pair, B, "scm-b").stream().filter(e -> Instant.parse(e.path("time").asText())
                                .isAfter(cutAt) && e.path("topic").asText().equals("org/hasm/health/WELLNESS")).count() >= 6,
                        () -> pair.diagnostics());
                assertTrue(highest(own(pair, A, "scm-b")) <= before + 3,
                        "scm-a got scm-b's events over a cut link? " + before + " -> " + highest(own(pair, A, "scm-b")));
            } finally {
                PairChannelIT.nftQuiet(nft, "delete", "table", "inet", table);
                healedAt = Instant.now();
            }
            assertTrue(!PairChannelIT.nft(nft, "list", "tables").contains(table), "table " + table + " must be gone");

            long onB = highest(own(pair, B, "scm-b"));
            Await.until("scm-a has scm-b's events up to " + onB, STEP, () -> highest(own(pair, A, "scm-b")) >= onB,
                    () -> pair.diagnostics());
            List<JsonNode> atA = own(pair, A, "scm-b");
            Map<Long, JsonNode> atB = bySequence(own(pair, B, "scm-b"));
            List<Long> sequences = atA.stream().map(e -> e.path("sequence").asLong()).toList();
            List<Long> expected = new ArrayList<>();
            for (long s = 1; s <= sequences.size(); s++) {
                expected.add(s);
            }
            assertEquals(expected, sequences, "scm-b's events on scm-a: every sequence once, in order");
            for (JsonNode e : atA) {
                JsonNode original = atB.get(e.path("sequence").asLong());
                assertEquals(original.path("topic"), e.path("topic"), e.toString());
                assertEquals(original.path("time"), e.path("time"), e.toString());
                assertEquals(original.path("properties"), e.path("properties"), e.toString());
            }
            long duringCut = atA.stream().filter(e -> {
                Instant t = Instant.parse(e.path("time").asText());
                return t.isAfter(cutAt) && t.isBefore(healedAt);
            }).count();
            assertTrue(duringCut >= 6, "events scm-b logged while the link was cut, now on scm-a: " + duringCut);
            // and the other way: scm-a's own events are on scm-b too
            Await.until("scm-b has scm-a's events", STEP,
                    () -> highest(own(pair, B, "scm-a")) >= highest(own(pair, A, "scm-a")) - 5, () -> pair.diagnostics());
        }
    }

    /**
     * A third party's Event Admin handler that blocks in every wellness event holds every event posted later
     * by the health monitor's thread, for every handler (Event Admin delivers a thread's posted events in
     * order); hasm's modules give their events to the log straight, so the log goes on getting them. A handler
     * that overruns Event Admin's timeout in an event sent synchronously is denied by Event Admin, which says so
     * only in a log line the runtime silences: the event log says it, once.
     */
    @Test
    void aHandlerThatBlocksInHasmsEventsDoesNotKeepThemOutOfTheLog(@TempDir Path work) throws Exception {
        Path jar = TestBundles.build("hasm.test.blocker", "blocker;blockEvents=org/hasm/health/WELLNESS,"
                + " denied;blockEvents=hasm/test/SENT;sendEvent=hasm/test/SENT");
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.writeConfig(A, "org.hasm.health.cfg", "wellness.interval.ms=300\n");
            java.nio.file.Files.copy(jar, pair.node(A).resolve("deploy").resolve("hasm.test.blocker.jar"));
            PairFaultIT.startInDac(pair);
            pair.awaitStatus(A, "the blocking handler's module ACTIVE", STEP,
                    st -> "ACTIVE".equals(PairHungServiceIT.module(st, "blocker").path("status").asText()));
            Instant from = Instant.now();
            Await.until("6 wellness events of scm-a logged while the handler blocks", STEP,
                    () -> wellness(pair, from).size() >= 6, () -> wellness(pair, from) + "\nscm-a's last events: "
                            + tail(own(pair, A, "scm-a")) + "\n" + pair.diagnostics());
            List<Long> sequences = own(pair, A, "scm-a").stream().map(e -> e.path("sequence").asLong()).toList();
            assertEquals(sequences.size(), new java.util.HashSet<>(sequences).size(), "each event once: " + sequences);
            // Event Admin's timeout is 5 s; the log asks for denied handlers every second
            Await.until("scm-a's log says Event Admin denied the handler of hasm/test/SENT", STEP,
                    () -> !denied(pair).isEmpty(), () -> tail(own(pair, A, "scm-a")) + "\n" + pair.diagnostics());
            pair.assertHolds("the denial is logged once", Duration.ofSeconds(3), Duration.ofMillis(500),
                    () -> denied(pair).size() == 1);
            String handler = denied(pair).get(0).path("properties").path("handler").asText();
            assertTrue(handler.contains("hasm.test.blocker"), "the denied handler names its bundle: " + handler);
        }
    }

    private static List<JsonNode> denied(Pair pair) {
        return own(pair, A, "scm-a").stream()
                .filter(e -> e.path("topic").asText().equals("org/hasm/events/HANDLER_DENIED")).toList();
    }

    private static List<String> tail(List<JsonNode> events) {
        return events.subList(Math.max(0, events.size() - 15), events.size()).stream()
                .map(e -> e.path("time").asText() + " " + e.path("topic").asText()).toList();
    }

    private static List<JsonNode> wellness(Pair pair, Instant from) {
        return own(pair, A, "scm-a").stream().filter(e -> e.path("topic").asText().equals("org/hasm/health/WELLNESS")
                && Instant.parse(e.path("time").asText()).isAfter(from)).toList();
    }

    /** The events of {@code origin} in the log of {@code scm}, oldest first. */
    static List<JsonNode> own(Pair pair, Pair.Scm scm, String origin) {
        return PairHealthIT.events(pair, scm, "*").stream().filter(e -> origin.equals(e.path("scm").asText())).toList();
    }

    private static long highest(List<JsonNode> events) {
        return events.stream().mapToLong(e -> e.path("sequence").asLong()).max().orElse(0);
    }

    private static Map<Long, JsonNode> bySequence(List<JsonNode> events) {
        Map<Long, JsonNode> map = new TreeMap<>();
        for (JsonNode e : events) {
            JsonNode was = map.put(e.path("sequence").asLong(), e);
            assertEquals(null, was, "sequence " + e.path("sequence") + " twice in scm-b's own log");
        }
        return map;
    }
}
