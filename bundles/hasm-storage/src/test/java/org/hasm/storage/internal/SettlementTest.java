package org.hasm.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hasm.storage.internal.Settlement.PeerHold;
import org.hasm.storage.internal.Settlement.Verdict;
import org.junit.jupiter.api.Test;

class SettlementTest {

    private static Verdict decide(boolean peerDown, PeerHold answer, long floor, long held) {
        return Settlement.decide("scm-a", peerDown, answer, "no answer within 1000 ms", floor, held);
    }

    @Test
    void nothingIsWrittenWithoutThePeersWordUnlessThePeerIsDown() {
        for (long held : new long[] {-1, 3}) {
            Verdict unanswered = decide(false, null, 5, held);
            assertInstanceOf(Verdict.Wait.class, unanswered);
            assertTrue(((Verdict.Wait) unanswered).how().contains("cannot be asked (no answer within 1000 ms)"));
            // whatever it would have said: the controller declared it dead, the lease and fence rules decided
            for (PeerHold answer : new PeerHold[] {null, new PeerHold("scm-b", true, false, 9),
                    new PeerHold("scm-b", false, true, 9)}) {
                assertEquals(new Verdict.Rewrite(5, "the peer is down"), decide(true, answer, 5, held));
            }
        }
    }

    @Test
    void aPeerThatDoesNotHoldItLetsItBeWrittenAboveEveryEpochEitherKnows() {
        assertEquals(new Verdict.Rewrite(7, "scm-b does not hold it"), decide(false, new PeerHold("scm-b", false, false, 7), 4, 4));
        assertEquals(new Verdict.Rewrite(9, "scm-b does not hold it"), decide(false, new PeerHold("scm-b", false, false, 2), 9, -1));
    }

    @Test
    void aPeerThatWantsItTooWaits() {
        assertInstanceOf(Verdict.Wait.class, decide(false, new PeerHold("scm-b", false, true, 1), 1, 1));
    }

    @Test
    void theHigherEpochHoldsTheVolume() {
        assertEquals(new Verdict.Lost("scm-b", 5), decide(false, new PeerHold("scm-b", true, false, 5), 4, 4));
        assertInstanceOf(Verdict.Wait.class, decide(false, new PeerHold("scm-b", true, false, 3), 4, 4),
                "the peer's ownership is older: it gives way when it asks us");
        Verdict notOurs = decide(false, new PeerHold("scm-b", true, false, 5), 4, -1);
        assertEquals(new Verdict.Wait("scm-b holds it at epoch 5"), notOurs, "not held here: nothing to lose, nothing written");
        // equal epochs (cannot both have been written): the smaller name keeps it, seen from either side
        assertInstanceOf(Verdict.Wait.class, decide(false, new PeerHold("scm-b", true, false, 4), 4, 4));
        assertEquals(new Verdict.Lost("scm-a", 4),
                Settlement.decide("scm-b", false, new PeerHold("scm-a", true, false, 4), "", 4, 4));
    }
}
