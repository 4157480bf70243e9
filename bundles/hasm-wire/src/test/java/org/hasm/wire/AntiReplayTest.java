package org.hasm.wire;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.hasm.wire.FrameException.Reason;
import org.junit.jupiter.api.Test;

class AntiReplayTest {
    private final AntiReplay window = new AntiReplay();

    private void accepted(long inc, long seq) {
        assertDoesNotThrow(() -> window.accept(inc, seq));
    }

    private void refused(long inc, long seq) {
        assertEquals(Reason.REPLAY, assertThrows(FrameException.class, () -> window.accept(inc, seq)).reason());
    }

    @Test
    void acceptsNewerAndLateUnseenRefusesSeenAndTooOld() {
        accepted(10, 5000);
        refused(10, 5000);
        accepted(10, 5001);
        accepted(10, 4990); // late but inside the window
        refused(10, 4990);
        accepted(10, 5001 - AntiReplay.WINDOW + 1);
        refused(10, 5001 - AntiReplay.WINDOW);
        accepted(10, 9000); // a jump clears the old window
        refused(10, 5001);
        accepted(10, 9000 - 1);
    }

    @Test
    void newIncarnationRestartsOlderIsRefused() {
        accepted(10, 100);
        accepted(11, 1); // the peer restarted: its sequence starts over
        assertEquals(11, window.incarnation());
        refused(10, 101);
        refused(11, 1);
        accepted(11, 2);
    }

    @Test
    void slotsReusedAfterTheWindowMovesAreFree() {
        accepted(1, 0);
        for (long s = 1; s <= 3 * AntiReplay.WINDOW; s++) {
            accepted(1, s);
        }
        accepted(1, 3 * AntiReplay.WINDOW + 5);
        accepted(1, 3 * AntiReplay.WINDOW + 2); // same slot as old, already-seen numbers
        refused(1, 2 * AntiReplay.WINDOW);
    }

    @Test
    void aWindowFromTheFloorOfTheOneBeforeRefusesWhatThatOneAcceptedAndOlder() throws FrameException {
        window.accept(10, 1);
        window.accept(10, 2);
        window.accept(10, 3);
        assertEquals(new AntiReplay.Floor(10, 3), window.floor());
        // the receiver restarts: a fresh window took a recorded frame of the sender's incarnation again
        AntiReplay fresh = new AntiReplay();
        assertDoesNotThrow(() -> fresh.accept(10, 2));
        AntiReplay next = new AntiReplay(window.floor());
        for (long seq : new long[] {1, 2, 3}) {
            assertEquals(Reason.REPLAY, assertThrows(FrameException.class, () -> next.check(10, seq)).reason());
            assertEquals(Reason.REPLAY, assertThrows(FrameException.class, () -> next.accept(10, seq)).reason());
        }
        assertEquals(Reason.REPLAY, assertThrows(FrameException.class, () -> next.accept(9, 500)).reason());
        assertEquals(new AntiReplay.Floor(10, 3), next.floor(), "nothing accepted yet: the floor it started from");
        next.accept(10, 4);
        next.accept(11, 1); // the sender restarted
        assertEquals(new AntiReplay.Floor(11, 1), next.floor());
        assertEquals(null, new AntiReplay().floor());
    }
}
