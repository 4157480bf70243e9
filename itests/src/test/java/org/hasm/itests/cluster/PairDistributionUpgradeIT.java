package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rolling upgrade of the whole distribution across two real SCMs, each started by
 * {@code bin/hasm supervise}: each SCM in turn hands its personality over, its process restarts on the new
 * distribution folder (the launcher exits 75, the script execs the new release's bin/hasm), it rejoins;
 * while clients that retry a refused or reset connection once PUT and GET through both personalities.
 * The new release is a copy of this one whose hasm version differs and whose hasm-core speaks the next wire
 * version (as PairMixedVersionIT's scm-b), so the pair runs mixed in the middle. A release that does not
 * start goes back to the old one by itself, and the upgrade rolls back.
 */
class PairDistributionUpgradeIT {

    private static final Duration STEP = Duration.ofSeconds(20);
    private static final Duration UPGRADE = Duration.ofSeconds(80);
    private static final int SOME = 10;
    private static final String NEXT = "1.0.1";

    /** Every module of the distribution must pass its TEST here, the SMB service's included. */
    @BeforeEach
    void smbServer() {
        Smb.requireServer();
    }

    @Test
    void aNewDistributionIsRolledOutWithProcessRestartsAndTheRolesSwappedBackWithNoFailedRequest(@TempDir Path work)
            throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            tuned(pair);
            pair.supervised();
            PairFaultIT.startInDac(pair);
            Path old = pair.distribution().toRealPath();
            String before = pair.status(A).path("version").asText();
            Path next = Distributions.next(pair.distribution(), work.resolve("hasm-next"), NEXT);
            long jvmA = pair.pid(A);
            long jvmB = pair.pid(B);
            try (RetryOnceLoop onA = RetryOnceLoop.start(pair.filesUrl(A), "da-", Duration.ofSeconds(5), UPGRADE);
                    RetryOnceLoop onB = RetryOnceLoop.start(pair.filesUrl(B), "db-", Duration.ofSeconds(5), UPGRADE)) {
                awaitAcks(pair, onA, onB);
                HasmCtlRun run = ctl(pair, B, "upgrade", next.toString(), "--swap-back", "--reason", "hasm " + NEXT);
                System.out.println(run.stdout());
                assertEquals(0, run.code(), run + "\n" + pair.diagnostics());
                assertTrue(run.stdout().contains("6/8 scm-a rejoins on " + NEXT + ": done"), run.stdout());
                assertTrue(run.stdout().contains("8/8 scm-b rejoins on " + NEXT + ": done"), run.stdout());
                awaitAcks(pair, onA, onB);
                handovers(pair);
                checked(pair, onA, onB);
            }
            // swapped back: each SCM in the role it had, serving its own personality
            pair.awaitState(A, "DAC", "MASTER", STEP);
            pair.awaitState(B, "DAC", "SLAVE", STEP);
            pair.awaitExample(A, "personality A on scm-a (MASTER, DAC)", STEP);
            pair.awaitExample(B, "personality B on scm-b (SLAVE, DAC)", STEP);
            for (Scm scm : Scm.values()) {
                JsonNode s = pair.status(scm);
                assertEquals(NEXT, s.path("version").asText(), scm.id() + " runs the new release: " + s);
                assertEquals(next + "\n", Files.readString(pair.node(scm).resolve("distribution"), StandardCharsets.UTF_8),
                        scm.id() + "'s node folder names the new distribution");
                // both speak the next wire version now; in the middle they spoke this one's
                assertTrue(pair.log(scm).contains("speaking wire version 3 to " + scm.other().id()), pair.log(scm));
                assertTrue(pair.log(scm).contains("speaking wire version 2 to " + scm.other().id()), pair.log(scm));
            }
            assertNotEquals(jvmA, pair.pid(A), "scm-a's process restarted");
            assertNotEquals(jvmB, pair.pid(B), "scm-b's process restarted");
            assertTrue(pair.isAlive(A) && pair.isAlive(B), "under the same supervising scripts");
            JsonNode u = upgradeDocument(pair, A);
            assertEquals("DONE", u.path("status").asText(), u.toString());
            assertEquals("distribution", u.path("bundle").asText(), u.toString());
            assertEquals(before, u.path("from").asText(), u.toString());
            assertEquals(NEXT, u.path("to").asText(), u.toString());
            assertTrue(pair.log(B).contains("upgrade: scm-b restarts on " + next), pair.log(B));
            assertTrue(pair.log(A).contains("upgrade: scm-a restarts on " + next), pair.log(A));
            assertNotEquals(old, next);
        }
    }

    @Test
    void aNewDistributionThatDoesNotStartGoesBackAndThePairEndsInDacOnTheOldRelease(@TempDir Path work)
            throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            tuned(pair);
            pair.supervised();
            PairFaultIT.startInDac(pair);
            Path old = pair.distribution().toRealPath();
            String before = pair.status(A).path("version").asText();
            Path broken = Distributions.broken(pair.distribution(), work.resolve("hasm-broken"), NEXT);
            try (RetryOnceLoop onA = RetryOnceLoop.start(pair.filesUrl(A), "fa-", Duration.ofSeconds(5), UPGRADE);
                    RetryOnceLoop onB = RetryOnceLoop.start(pair.filesUrl(B), "fb-", Duration.ofSeconds(5), UPGRADE)) {
                awaitAcks(pair, onA, onB);
                HasmCtlRun run = ctl(pair, A, "upgrade", broken.toString());
                System.out.println(run.stdout());
                handovers(pair);
                assertEquals(1, run.code(), run + "\n" + pair.diagnostics());
                assertTrue(run.stdout().contains("ROLLED_BACK"), run.stdout());
                awaitAcks(pair, onA, onB);
                checked(pair, onA, onB);
            }
            pair.awaitState(A, "DAC", "MASTER", STEP);
            pair.awaitState(B, "DAC", "SLAVE", STEP);
            for (Scm scm : Scm.values()) {
                assertEquals(before, pair.status(scm).path("version").asText(), scm.id() + " runs the old release");
            }
            assertEquals(old + "\n", Files.readString(pair.node(B).resolve("distribution"), StandardCharsets.UTF_8),
                    "scm-b's node folder names the old distribution again");
            JsonNode u = upgradeDocument(pair, B);
            assertEquals("ROLLED_BACK", u.path("status").asText(), u.toString());
            assertTrue(u.path("cause").asText().contains("scm-b did not start on " + broken), u.toString());
            assertTrue(u.path("cause").asText().contains("cannot be installed"), u.toString());
            HasmCtlRun status = ctl(pair, B, "upgrade", "--status");
            assertTrue(status.stdout().contains("ROLLED_BACK") && status.stdout().contains("did not start on " + broken),
                    status.stdout());
            // scm-a never left the old release
            assertTrue(!Files.exists(pair.node(A).resolve("distribution")), "scm-a was never restarted");
        }
    }

    private static void awaitAcks(Pair pair, RetryOnceLoop onA, RetryOnceLoop onB) {
        onA.awaitAcks(onA.ackCount(), SOME, STEP, pair::diagnostics);
        onB.awaitAcks(onB.ackCount(), SOME, STEP, pair::diagnostics);
    }

    /*
     * No request failed for a client that retries a refused or reset connection once after a second, and every
     * acknowledged PUT reads back identical. A restarted SCM says READY only once its HTTP service served its
     * self-check (its request path loaded), so the FAILBACK that follows opens its personality at once; before
     * that, a cold JVM took over a second and a client's retry met no server.
     */
    private static void checked(Pair pair, RetryOnceLoop onA, RetryOnceLoop onB) throws InterruptedException {
        onA.stop();
        onB.stop();
        System.out.println("# " + onA.summary() + "\n# " + onB.summary());
        assertEquals(0, onA.failureCount(), onA.summary());
        assertEquals(0, onB.failureCount(), onB.summary());
        assertEquals(List.of(), PutLoop.verify(pair.filesUrl(A), onA.acks()), "A's acknowledged PUTs");
        assertEquals(List.of(), PutLoop.verify(pair.filesUrl(B), onB.acks()), "B's acknowledged PUTs");
    }

    /* When each SCM let personalities go and took them, for a failure's reader: a freshly restarted JVM is slow */
    private static void handovers(Pair pair) {
        for (Scm scm : Scm.values()) {
            pair.log(scm).lines().filter(l -> l.contains("serving personality") || l.contains(") is up")
                    || l.contains(") is down") || l.contains("released personality") || l.contains("FAILBACK")
                    || l.contains("TAKEOVER") || l.contains("restarts on")).forEach(l -> System.out.println(scm.id() + " " + l));
        }
    }

    /** The upgrade's steps at test timing: a step that does not end within 40 s (two JVM starts) is a failed one. */
    static void tuned(Pair pair) throws IOException {
        UpgradeRuns.stepTimeout(pair, Duration.ofSeconds(40));
    }

    private static HasmCtlRun ctl(Pair pair, Scm scm, String... args) throws Exception {
        return UpgradeRuns.ctl(pair, scm, UPGRADE.plusSeconds(10), args);
    }

    static JsonNode upgradeDocument(Pair pair, Scm scm) {
        return UpgradeRuns.document(pair, scm);
    }
}
