package org.hasm.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.hasm.wire.FrameException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two releases one wire version apart: this one (N), the previous (N-1, version 1 only) and a next
 * one (N+1: version {@code CURRENT + 1}, with an extension field this release does not know).
 */
class WireVersionsTest {
    private static final byte[] KEY = FrameCodecTest.KEY;
    private static final int NEXT = FrameCodec.CURRENT + 1;
    private static final int EXTRA_TAG = 200;
    private static final byte[] EXTRA = new Frame.Fields().add(EXTRA_TAG, "from the next release".getBytes(
            StandardCharsets.UTF_8)).toByteArray();

    /** A frame of type 1 from "scm-b", written by main at 5d72fee (wire version 1), key = 32 bytes of 7 derived for "status". */
    static final String STATUS_V1 = "48534d3101010573636d2d620000019ab84f5c00000000000000002a0000000b0401020000019ab84f"
            + "5c00cbfe2ab71c7cb3132a04f31710c0d58943780af7c40ebf6f8c6a4b38982944fa";

    private final FrameCodec n = new FrameCodec(KEY);
    private final FrameCodec previous = new FrameCodec(KEY, 1, 1, new byte[0]);
    private final FrameCodec next = new FrameCodec(KEY, FrameCodec.MIN_SUPPORTED, NEXT, EXTRA);

    /** One side of a pair: its codec and what its filter of the peer's frames said. */
    private static final class Side {
        final FrameCodec codec;
        final String name;
        final PeerFilter filter;
        final List<String> notices = new ArrayList<>();
        long sequence;

        Side(FrameCodec codec, String name, String peer) {
            this.codec = codec;
            this.name = name;
            this.filter = new PeerFilter(codec, name, peer, new AntiReplay(), (problem, m) -> notices.add(m), 1);
        }

        byte[] send(String text) {
            return codec.encode(1, name, 100, ++sequence, text.getBytes(StandardCharsets.UTF_8));
        }

        Frame take(byte[] frame) throws FrameException {
            return filter.accept(frame, 0, frame.length);
        }
    }

    private static Reason refused(Side side, byte[] frame) {
        return assertThrows(FrameException.class, () -> side.take(frame)).reason();
    }

    @Test
    void thisReleaseReadsTheNextOnesFramesAndSkipsItsExtraField() throws FrameException {
        byte[] f = next.encode(FrameCodec.CURRENT, 1, "scm-b", 1, 1, new byte[] {9, 8, 7});
        Frame d = n.decode(f, 0, f.length);
        assertEquals(FrameCodec.CURRENT, d.version());
        assertEquals(NEXT, d.highest());
        assertArrayEquals(new byte[] {9, 8, 7}, d.payload(), "the body is the body, whatever fields precede it");
        assertNull(d.field(1), "a field this release knows is absent: its default");
        assertArrayEquals("from the next release".getBytes(StandardCharsets.UTF_8), d.field(EXTRA_TAG));
    }

    @Test
    void theNextReleaseReadsThisOnesFrames() throws FrameException {
        byte[] f = n.encode(1, "scm-a", 1, 1, new byte[] {1, 2});
        Frame d = next.decode(f, 0, f.length);
        assertEquals(FrameCodec.CURRENT, d.version());
        assertEquals(FrameCodec.CURRENT, d.highest());
        assertNull(d.field(EXTRA_TAG), "a field the older release never sends: absent, so its default");
        assertArrayEquals(new byte[] {1, 2}, d.payload());
    }

    @Test
    void aPairOfThisAndTheNextReleaseSettlesOnThisOnesVersionAndSaysSoOnce() throws FrameException {
        Side a = new Side(n, "scm-a", "scm-b");
        Side b = new Side(next, "scm-b", "scm-a");
        // both start at their own highest: the next release's first frames are beyond this one
        byte[] first = b.send("hello");
        assertEquals(NEXT, first[4]);
        assertEquals(Reason.BAD_VERSION, refused(a, first));
        assertEquals(Reason.BAD_VERSION, refused(a, b.send("again")));
        assertEquals(1, a.notices.size(), "one line per episode: " + a.notices);
        assertTrue(a.notices.get(0).contains("wire version " + NEXT) && a.notices.get(0).contains("1.." + FrameCodec.CURRENT),
                a.notices.get(0));
        a.notices.clear();
        // this release's frame is within the next one's range: it learns, and steps down
        assertEquals("from a", new String(b.take(a.send("from a")).payload(), StandardCharsets.UTF_8));
        assertEquals(FrameCodec.CURRENT, b.codec.sendVersion());
        assertTrue(b.notices.get(0).startsWith("speaking wire version " + FrameCodec.CURRENT + " to scm-a"), b.notices.toString());
        Frame got = a.take(b.send("from b"));
        assertEquals("from b", new String(got.payload(), StandardCharsets.UTF_8));
        assertEquals(NEXT, a.codec.peerHighest());
        assertEquals(List.of("speaking wire version 2 to scm-b (it speaks up to 3, this SCM 1..2)"), a.notices);
        a.notices.clear();
        assertEquals(FrameCodec.CURRENT, a.codec.sendVersion(), "min(own highest, peer's highest)");
        // frames of a bad version between the peer's genuine ones (a stranger's): no line at every interval
        for (int i = 0; i < 20; i++) {
            assertEquals(Reason.BAD_VERSION, refused(a, b.codec.encode(NEXT, 1, "scm-b", 100, 1000 + i, new byte[0])));
            a.take(b.send("genuine"));
        }
        assertEquals(List.of(), a.notices);
    }

    @Test
    void anEpisodeEndsWithAFrameAcceptedAfterAQuietTimeAndTheNextIsALineAgain() throws FrameException {
        Side a = new Side(new FrameCodec(KEY, FrameCodec.MIN_SUPPORTED, FrameCodec.CURRENT, new byte[0], 0), "scm-a",
                "scm-b");
        Side b = new Side(next, "scm-b", "scm-a");
        assertEquals(Reason.BAD_VERSION, refused(a, b.send("first")));
        b.take(a.send("hello"));
        a.take(b.send("in this release's version"));
        assertEquals(Reason.BAD_VERSION, refused(a, b.codec.encode(NEXT, 1, "scm-b", 100, 50, new byte[0])));
        assertEquals(3, a.notices.size(), a.notices.toString()); // refused, speaking, refused again
        assertTrue(a.notices.get(2).startsWith("frames of wire version " + NEXT), a.notices.get(2));
    }

    @Test
    void twoNextReleasesSpeakTheNextVersionAndFollowAPeerRolledBack() throws FrameException {
        Side a = new Side(new FrameCodec(KEY, FrameCodec.MIN_SUPPORTED, NEXT, EXTRA), "scm-a", "scm-b");
        Side b = new Side(next, "scm-b", "scm-a");
        assertEquals(NEXT, b.take(a.send("x")).version());
        assertEquals(NEXT, a.take(b.send("y")).version());
        assertEquals(NEXT, a.codec.sendVersion());
        // scm-b comes back on this release (a rollback): a new incarnation, frames of CURRENT
        FrameCodec rolledBack = new FrameCodec(KEY);
        byte[] f = rolledBack.encode(1, "scm-b", 200, 1, new byte[0]);
        a.take(f);
        assertEquals(FrameCodec.CURRENT, a.codec.sendVersion(), "followed down at once");
    }

    @Test
    void thePreviousReleaseAndThisOneTalkVersionOne() throws FrameException {
        Side old = new Side(previous, "scm-a", "scm-b");
        Side b = new Side(n, "scm-b", "scm-a");
        assertEquals(Reason.BAD_VERSION, refused(old, b.send("v2 first")));
        assertEquals(1, b.take(old.send("v1")).version());
        assertEquals(1, b.codec.sendVersion());
        byte[] answer = b.send("answer");
        assertEquals(1, answer[4]);
        assertEquals(FrameCodec.frameLength(5, 6), answer.length, "exactly the version 1 layout");
        assertEquals("answer", new String(old.take(answer).payload(), StandardCharsets.UTF_8));
    }

    @Test
    void versionsWithNoOverlapAreRefusedBothWaysWithOneLineEach() {
        Side a = new Side(n, "scm-a", "scm-b");
        Side far = new Side(new FrameCodec(KEY, NEXT + 1, NEXT + 2, new byte[0]), "scm-b", "scm-a");
        for (int i = 0; i < 50; i++) {
            assertEquals(Reason.BAD_VERSION, refused(a, far.send("x")));
            assertEquals(Reason.BAD_VERSION, refused(far, a.send("y")));
        }
        assertEquals(1, a.notices.size(), a.notices.toString());
        assertEquals(1, far.notices.size(), far.notices.toString());
        assertTrue(a.notices.get(0).contains("wire version " + (NEXT + 2)), a.notices.get(0));
        assertTrue(far.notices.get(0).contains("wire version " + FrameCodec.CURRENT) && far.notices.get(0)
                .contains((NEXT + 1) + ".." + (NEXT + 2)), far.notices.get(0));
    }

    @Test
    void everyVersionIsAuthenticatedAndReplayChecked() throws FrameException {
        FrameCodec[] writers = {previous, n, next};
        for (FrameCodec w : writers) {
            int version = w.highest();
            Side receiver = new Side(next, "scm-a", "scm-b");
            byte[] f = w.encode(version, 1, "scm-b", 5, 1, new byte[] {1, 2, 3});
            byte[] foreign = new FrameCodec(FrameCodecTest.OTHER_KEY, 1, version, version > 1 ? EXTRA : new byte[0])
                    .encode(version, 1, "scm-b", 5, 2, new byte[] {1, 2, 3});
            assertEquals(Reason.BAD_MAC, refused(receiver, foreign), "version " + version + ", another key");
            for (int i = 4; i < f.length - FrameCodec.MAC_LENGTH; i++) {
                if (i == 6 || i >= 23 + 5 && i < 27 + 5) {
                    continue; // lengths: refused by the framing instead
                }
                byte[] changed = f.clone();
                changed[i] ^= 1;
                FrameException e = assertThrows(FrameException.class, () -> receiver.take(changed),
                        "version " + version + ", byte " + i + " changed");
                assertTrue(e.reason() != Reason.REPLAY, e.getMessage());
            }
            assertEquals(version, receiver.take(f).version());
            assertEquals(Reason.REPLAY, refused(receiver, f), "version " + version + ", a second copy");
        }
    }

    @Test
    void aFrameTalkedDownToAnOlderVersionFailsAuthentication() throws FrameException {
        byte[] f = n.encode(FrameCodec.CURRENT, 1, "scm-b", 1, 1, new byte[0]);
        byte[] down = f.clone();
        down[4] = 1;
        // as version 1 it is three bytes too long; without them its code is over other bytes
        assertThrows(FrameException.class, () -> n.decode(down, 0, down.length));
        byte[] cut = new byte[f.length - 3];
        System.arraycopy(down, 0, cut, 0, 27 + 5);
        System.arraycopy(down, 30 + 5, cut, 27 + 5, f.length - 30 - 5);
        assertEquals(Reason.BAD_MAC, assertThrows(FrameException.class, () -> n.decode(cut, 0, cut.length)).reason());
    }

    @Test
    void badExtensionFieldsAreRefused() throws FrameException {
        assertThrows(IllegalArgumentException.class, () -> new FrameCodec(KEY, 1, 2, new byte[] {0, 0, 0}));
        assertThrows(IllegalArgumentException.class, () -> new FrameCodec(KEY, 1, 2, new byte[] {5, 0, 9}));
        assertThrows(IllegalArgumentException.class, () -> new FrameCodec(KEY, 2, 1, new byte[0]));
        byte[] f = next.encode(2, 1, "scm-b", 1, 1, new byte[0]);
        byte[] longer = f.clone();
        longer[27 + 5 + 2] += 1; // extension length one more than there is
        assertThrows(FrameException.class, () -> n.decode(longer, 0, longer.length));
        byte[] huge = f.clone();
        huge[27 + 5 + 1] = (byte) 0xff;
        assertEquals(Reason.TOO_LONG, assertThrows(FrameException.class, () -> n.decode(huge, 0, huge.length)).reason());
    }

    @Test
    void aVersionOneFrameOfThePreviousReleaseStillDecodes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cluster.key");
        Files.writeString(file, "07".repeat(32) + "\n");
        FrameCodec status = new FrameCodec(ClusterKey.load(file).derive("status"));
        byte[] f = HexFormat.of().parseHex(STATUS_V1);
        Frame d = status.decode(f, 0, f.length);
        assertEquals(1, d.version());
        assertEquals(1, d.highest());
        assertEquals("scm-b", d.sender());
        assertEquals(42, d.sequence());
        assertEquals(1764028800000L, d.incarnation());
        assertEquals(11, d.payload().length);
    }
}
