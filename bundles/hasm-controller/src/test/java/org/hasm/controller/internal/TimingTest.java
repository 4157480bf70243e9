package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TimingTest {

    @Test
    void theFingerprintSurvivesGetstatesLines() {
        Map<String, String> timing = Map.of("org.hasm.status interval.ms", "50", "org.hasm.status.channel~disk counter",
                "8", "org.hasm.storage lease.ms", "200");
        byte[] answer = PeerMessages.of("STATE", Timing.FIELD, Timing.encode(timing));
        assertEquals(timing, Timing.decode(PeerMessages.decode(answer).get(Timing.FIELD)));
        assertEquals(Map.of(), Timing.decode(null), "a peer that sends none");
    }

    @Test
    void everyValueThatDiffersIsNamedWithBothSides() {
        Map<String, String> own = Map.of("org.hasm.status interval.ms", "50", "org.hasm.storage lease.ms", "200");
        assertNull(Timing.mismatch(own, own, "scm-b"));
        assertNull(Timing.mismatch(own, Map.of(), "scm-b"), "nothing to compare: a release that reports none");
        assertEquals("timing differs from the peer's: org.hasm.status interval.ms is 50 here and 1000 on scm-b;"
                + " org.hasm.storage lease.ms is 200 here and 10000 on scm-b (both SCMs of a pair must use the same"
                + " timing: correct the configuration of one, then reset it)", Timing.mismatch(own,
                        Map.of("org.hasm.status interval.ms", "1000", "org.hasm.storage lease.ms", "10000"), "scm-b"));
    }
}
