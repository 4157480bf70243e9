package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two releases one wire version apart, as in the middle of a rolling upgrade: scm-a runs this
 * release, scm-b stands in for the next (the test-only switch {@code hasm.faults.wire.next}: its
 * codecs speak up to wire version {@code CURRENT + 1} and add an extension field this release does
 * not know to every frame, its GETSTATE answers carry a field this release does not know). The pair
 * boots into DAC, each SCM takes the other's personality over when it is killed, and hands it back
 * when it returns; throughout, each side reads the other's frames (the older skipping the newer's
 * field) in the version both speak.
 */
class PairMixedVersionIT {

    private static final Duration STEP = Duration.ofSeconds(20);

    @Test
    void thisReleaseAndTheNextBootTakeOverAndFailBackBothWays(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            Files.writeString(pair.node(B).resolve("etc/hasm.properties"),
                    "\n# test only: scm-b stands in for the next release\nhasm.faults.wire.next=true\n",
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            PairFaultIT.startInDac(pair);
            pair.awaitExample(A, "personality A on scm-a (MASTER, DAC)", STEP);
            pair.awaitExample(B, "personality B on scm-b (SLAVE, DAC)", STEP);
            // each side took the other's frames: scm-a those of a peer that speaks up to CURRENT + 1
            // (with the field it does not know), scm-b those of this release, which it now speaks
            for (String purpose : List.of("status", "link")) {
                awaitLine(pair, A, purpose + ": speaking wire version 2 to scm-b (it speaks up to 3, this SCM 1..2)");
                awaitLine(pair, B, purpose + ": speaking wire version 2 to scm-a (it speaks up to 2, this SCM 1..3)");
            }
            assertTrue(pair.log(B).contains("test only (hasm.faults.wire.next)"), "scm-b is the next release");
            assertFalse(pair.log(B).contains("refused (sent as"), "the next release reads every frame of this one");

            // scm-b (the next release) faults: scm-a takes B over, then hands it back when it returns
            pair.kill(B);
            pair.awaitState(A, "DEGRADED", "MASTER", STEP);
            pair.awaitExample(B, "personality B on scm-a (MASTER, DEGRADED)", STEP);
            pair.start(B);
            pair.awaitState(B, "DAC", "SLAVE", Pair.BOOT);
            pair.awaitState(A, "DAC", "MASTER", STEP);
            pair.awaitExample(B, "personality B on scm-b (SLAVE, DAC)", STEP);

            // scm-a (this release) faults: scm-b impersonates MASTER and takes A over; scm-a returns
            // as SLAVE (the roles stay swapped) and gets A back
            pair.kill(A);
            pair.awaitState(B, "DEGRADED", "MASTER", STEP);
            pair.awaitExample(A, "personality A on scm-b (MASTER, DEGRADED)", STEP);
            pair.start(A);
            pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
            pair.awaitState(B, "DAC", "MASTER", STEP);
            pair.awaitExample(A, "personality A on scm-a (SLAVE, DAC)", STEP);
            pair.awaitExample(B, "personality B on scm-b (MASTER, DAC)", STEP);
            pair.assertHolds("settled: scm-a DAC/SLAVE, scm-b DAC/MASTER", pair.timing().detection().multipliedBy(4),
                    () -> pair.roles("DAC/SLAVE", "DAC/MASTER"));
            assertFalse(pair.log(B).contains("refused (sent as"), "the next release reads every frame of this one");
        }
    }

    private static void awaitLine(Pair pair, Pair.Scm scm, String line) {
        Await.until(scm.id() + "'s log says '" + line + "'", STEP, () -> pair.log(scm).contains(line),
                () -> pair.log(scm).lines().filter(l -> l.contains("wire version")).collect(Collectors.joining("\n"))
                        + pair.diagnostics());
    }
}
