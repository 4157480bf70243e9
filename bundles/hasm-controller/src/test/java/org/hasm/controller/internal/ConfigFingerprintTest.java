package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.junit.jupiter.api.Test;

class ConfigFingerprintTest {

    private static final String A = "3:" + "a".repeat(64);
    private static final String B = "3:" + "b".repeat(64);

    @Test
    void sameGenerationDifferentChecksumContradicts() {
        String why = ConfigFingerprint.conflict(A, B, "scm-b");
        assertTrue(why.startsWith("configuration contradictory: this SCM and scm-b have different configurations at"
                + " generation 3: field checksum " + "a".repeat(64) + " here, " + "b".repeat(64)), why);
    }

    @Test
    void equalDifferentGenerationsOrAbsentAreNoContradiction() {
        assertNull(ConfigFingerprint.conflict(A, A, "scm-b"));
        assertNull(ConfigFingerprint.conflict(A, "4:" + "b".repeat(64), "scm-b"));
        assertNull(ConfigFingerprint.conflict(A, null, "scm-b")); // a release without CTCM pairs all the same
        assertNull(ConfigFingerprint.conflict(null, B, "scm-b"));
        assertNull(ConfigFingerprint.conflict(A, "garbage", "scm-b"));
    }

    @Test
    void getStateCarriesTheFingerprintOnlyWhenThereIsOne() {
        ConfigFingerprint config = new ConfigFingerprint();
        PeerServer server = new PeerServer(() -> new PeerServer.View("scm-a", ScmState.DAC, OpMode.MASTER, null,
                OpMode.MASTER, Map.of(), null, null, false), e -> { }, (c, r) -> { }, config);
        Map<String, String> without = PeerMessages.decode(server.handle(PeerMessages.of("GETSTATE")));
        assertNull(without.get(ConfigFingerprint.FIELD));
        config.source(() -> A);
        Map<String, String> with = PeerMessages.decode(server.handle(PeerMessages.of("GETSTATE")));
        assertEquals(A, with.get(ConfigFingerprint.FIELD));
        config.source(() -> {
            throw new IllegalStateException("not settled");
        });
        assertNull(PeerMessages.decode(server.handle(PeerMessages.of("GETSTATE"))).get(ConfigFingerprint.FIELD));
    }
}
