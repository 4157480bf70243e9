package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hasm.itests.campaign.LogEvents;
import org.hasm.itests.cluster.OwnerWatch.Owner;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every network between the SCMs cut while both live: a partition, not a death. With no fence
 * agent ({@code fence.agent=none} on both), the storage heartbeat is what tells the two apart:
 * while it goes on, neither takes the other's personality, however long the networks stay cut;
 * once the peer really dies, its heartbeat stops and the survivor takes over after the lease.
 * The networks are cut with the fault switch: each SCM drops all it receives on {@code link} and
 * {@code host}.
 */
class PairPartitionIT {

    private static final Duration STEP = Duration.ofSeconds(20);
    private static final List<String> NETWORKS = List.of("link", "host");
    private static final String WHY = "is unreachable on every network but its storage heartbeat goes on: no takeover";

    @Test
    void allNetworksCutWhileBothLiveIsNoTakeover(@TempDir Path work) throws Exception {
        try (Pair pair = cutPair(work)) {
            long markA = pair.journalMark(A);
            long markB = pair.journalMark(B);
            int logA = pair.log(A).length();
            int logB = pair.log(B).length();

            cut(pair, 100);
            awaitPartitionSeen(pair, A, logA);
            awaitPartitionSeen(pair, B, logB);
            // several times the detection time and the storage lease: no takeover, no opMode call
            Duration hold = pair.timing().detection().plus(lease(pair)).multipliedBy(3);
            pair.assertHolds("no takeover while the networks are cut: roles DAC/MASTER, DAC/SLAVE, no opMode call",
                    hold, Duration.ofMillis(100), () -> pair.roles("DAC/MASTER", "DAC/SLAVE")
                            && pair.opModes(A, markA).isEmpty() && pair.opModes(B, markB).isEmpty());
            for (Scm scm : Scm.values()) {
                JsonNode s = pair.status(scm);
                for (String network : NETWORKS) {
                    assertEquals("BAD", Pair.channel(s, "status", network).path("status").asText(),
                            scm.id() + ": " + s);
                }
                assertEquals("GOOD", Pair.channel(s, "status", "disk").path("status").asText(), scm.id() + ": " + s);
                assertEquals(scm.id(), OwnerWatch.read(pair.shared(), pair.volume(scm)).owner(),
                        pair.volume(scm) + " stays with " + scm.id());
            }

            cut(pair, 0);
            for (Scm scm : Scm.values()) {
                pair.awaitStatus(scm, "both networks GOOD again", STEP, s -> NETWORKS.stream()
                        .allMatch(n -> "GOOD".equals(Pair.channel(s, "status", n).path("status").asText())));
            }
            pair.assertHolds("still DAC after the networks came back, no opMode call",
                    pair.timing().detection().multipliedBy(4), () -> pair.roles("DAC/MASTER", "DAC/SLAVE")
                            && pair.opModes(A, markA).isEmpty() && pair.opModes(B, markB).isEmpty());
        }
    }

    @Test
    void allNetworksCutAndThePeerDiesThenTheStorageLeaseDecides(@TempDir Path work) throws Exception {
        try (Pair pair = cutPair(work)) {
            long markA = pair.journalMark(A);
            int logA = pair.log(A).length();
            Owner before = OwnerWatch.read(pair.shared(), pair.volume(B));

            cut(pair, 100);
            awaitPartitionSeen(pair, A, logA);
            long killed = System.nanoTime();
            pair.kill(B);

            pair.awaitState(A, "DEGRADED", "MASTER", STEP);
            long degraded = System.nanoTime();
            pair.awaitOpModes(A, markA, List.of("OPMODE(MASTER, DEGRADED)"), STEP);
            Owner after = OwnerWatch.read(pair.shared(), pair.volume(B));
            assertEquals(new Owner("scm-a", before.epoch() + 1), after, pair.volume(B) + " taken over by scm-a");
            pair.awaitExample(B, "personality B on scm-a (MASTER, DEGRADED)", STEP);

            // the order in scm-a's log: the heartbeat stopped (the lease ran out) before the takeover
            String log = pair.log(A).substring(logA);
            int heartbeatLost = LogEvents.indexOfChannelBad(log, "disk", "scm-b");
            int takeover = log.indexOf("volume " + pair.volume(B) + " acquired");
            assertTrue(heartbeatLost >= 0 && takeover > heartbeatLost, "scm-a took " + pair.volume(B)
                    + " over only after scm-b's storage heartbeat ran out; its log since the cut:\n" + log);
            System.out.println("# kill of scm-b to scm-a DEGRADED with every network cut: "
                    + Duration.ofNanos(degraded - killed).toMillis() + " ms (storage heartbeat lease "
                    + lease(pair).toMillis() + " ms)");
        }
    }

    /** A pair in DAC whose status monitors fence nothing: the storage heartbeat alone decides. */
    private static Pair cutPair(Path work) throws Exception {
        Pair pair = Pair.create(work, Timing.TEST.startedTogether());
        try {
            for (Scm scm : Scm.values()) {
                pair.editConfig(scm, "org.hasm.status.cfg", "fence.agent=process", "fence.agent=none");
            }
            PairFaultIT.startInDac(pair);
            return pair;
        } catch (Exception | Error e) {
            pair.close();
            throw e;
        }
    }

    /** Every SCM drops {@code percent} of what it receives on both networks. */
    private static void cut(Pair pair, int percent) throws Exception {
        for (Scm scm : Scm.values()) {
            for (String network : NETWORKS) {
                pair.drop(scm, network, percent);
            }
        }
    }

    /** The SCM's log says that it sees a partition and why it does not take over. */
    private static void awaitPartitionSeen(Pair pair, Scm scm, int logFrom) {
        String line = "the peer " + scm.other().id() + " " + WHY;
        Await.until(scm.id() + " to log '" + line + "'", STEP, () -> {
            String log = pair.log(scm);
            return log.length() > logFrom && log.substring(logFrom).contains(line);
        }, pair::diagnostics);
    }

    /** The storage heartbeat's lease as the demo configures it: its counter is twice the networks'. */
    private static Duration lease(Pair pair) {
        return pair.timing().detection().multipliedBy(2);
    }
}
