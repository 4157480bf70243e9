package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Exclusive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A stranger floods one SCM's status ports as fast as it can, at the tuned timing, while both SCMs
 * are healthy: 200,000 datagrams of 0 to 1,500 random bytes at each of scm-a's two status ports, then
 * 50,000 frames of the right shape, in scm-b's name, signed with a wrong key. A flood is an event with
 * counters, never a verdict: nobody is fenced, nothing fails over, scm-b's process lives on, scm-a
 * never calls scm-b dead, and scm-a's status document counts the datagrams it refused.
 */
@ResourceLock(Exclusive.CPU_LOAD)
// alone: its tuned timing calls a peer dead after 200 ms of silence, and beside another class's pair
// booting on 2 cores scm-b was fenced before the flood even began (twice in two parallel runs)
@Isolated
class PairFloodIT {

    /** The tuned timing of the issue: a channel is BAD after 200 ms without a genuine frame. */
    static final Timing TUNED = new Timing(50, 4, 2000);
    static final int RANDOM_PER_PORT = 200_000;
    static final int FORGED_PER_PORT = 50_000;
    private static final Duration FLOOD_TIME = Duration.ofSeconds(40);
    private static final List<String> NETWORKS = List.of("link", "host");

    @Test
    void aGarbageFloodAtTheStatusPortsFencesNobody(@TempDir Path work) throws Exception {
        long seed = System.nanoTime();
        try (Pair pair = Pair.create(work, TUNED.startedTogether())) {
            // how fast an SCM refuses a flood is part of what this judges: as shipped, C2 compiler included
            pair.shippedJvm();
            pair.start(A);
            pair.start(B);
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", pair.timing().detection().multipliedBy(4), Pair.BOOT);
            long markA = pair.journalMark(A);
            long markB = pair.journalMark(B);
            long pidB = pair.pid(B);
            int logA = pair.log(A).length();
            int logB = pair.log(B).length();
            long rejectedBefore = rejected(pair.status(A));

            String context = "seed " + seed;
            long sent;
            try (Flood flood = new Flood(pair, A, seed, RANDOM_PER_PORT, FORGED_PER_PORT, FLOOD_TIME).start()) {
                // watched throughout the flood, then for a while after it: anything it set in motion shows
                long deadline = System.nanoTime() + FLOOD_TIME.toNanos();
                while (flood.running() && System.nanoTime() < deadline) {
                    check(pair, pidB, logA, context + ", " + flood.sent() + " datagrams sent so far");
                    LockSupport.parkNanos(Duration.ofMillis(25).toNanos());
                }
                assertFalse(flood.running(), "the flood did not end within " + FLOOD_TIME.toSeconds() + " s");
                if (flood.failure() != null) {
                    throw new AssertionError("the flood failed", flood.failure());
                }
                sent = flood.sent();
            }
            pair.assertHolds("no fence, no failover after the flood (" + context + ")",
                    pair.timing().detection().multipliedBy(10), () -> holds(pair, pidB, logA));
            assertEquals(2L * (RANDOM_PER_PORT + FORGED_PER_PORT), sent);
            // every datagram the kernel took for scm-a's status ports is refused and counted: read and
            // judged, or dropped unread by the kernel for a full buffer
            pair.awaitStatus(A, "the flood counted as rejected", Duration.ofSeconds(10),
                    s -> rejected(s) - rejectedBefore >= sent * 9 / 10);
            JsonNode a = pair.status(A);
            System.out.printf("scm-a: %d datagrams sent to its status ports, %d counted as rejected (%s)%n", sent,
                    rejected(a) - rejectedBefore, context);
            assertAll(
                    () -> assertEquals(List.of(), pair.journal(A, markA).stream().map(JsonNode::toString).toList(),
                            "no lifecycle call on scm-a (" + context + ")"),
                    () -> assertEquals(List.of(), pair.journal(B, markB).stream().map(JsonNode::toString).toList(),
                            "no lifecycle call on scm-b (" + context + ")"),
                    () -> assertFalse(pair.log(A).substring(logA).contains("fencing the peer"), pair.diagnostics()),
                    () -> assertFalse(pair.log(B).substring(logB).contains("fencing the peer"), pair.diagnostics()),
                    () -> assertTrue(a.path("peer").path("alive").asBoolean(), a.toString()),
                    () -> NETWORKS.forEach(n -> assertEquals("GOOD", PairChannelIT.channelStatus(a, n), a.toString())));
        }
    }

    private static void check(Pair pair, long pidB, int logA, String context) {
        if (!holds(pair, pidB, logA)) {
            throw new AssertionError("a fence or a failover during the flood (" + context + ")\n" + pair.diagnostics());
        }
    }

    /** @return whether the pair is as it was: both in DAC, scm-b's process the same, scm-a fenced nothing */
    private static boolean holds(Pair pair, long pidB, int logA) {
        String log = pair.log(A);
        return pair.isAlive(B) && pair.pid(B) == pidB && !log.substring(logA).contains("fencing the peer")
                && !log.substring(logA).contains("is DEAD") && pair.roles("DAC/MASTER", "DAC/SLAVE");
    }

    /** @return the datagrams refused on the status channels {@code link} and {@code host} */
    static long rejected(JsonNode status) {
        long sum = 0;
        for (String n : NETWORKS) {
            sum += Pair.channel(status, "status", n).path("rejected").asLong();
        }
        return sum;
    }
}
