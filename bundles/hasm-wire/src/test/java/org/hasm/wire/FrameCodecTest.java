package org.hasm.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.hasm.wire.FrameException.Reason;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    static final byte[] KEY = new byte[32];
    static final byte[] OTHER_KEY = new byte[32];

    static {
        Arrays.fill(KEY, (byte) 7);
        Arrays.fill(OTHER_KEY, (byte) 8);
    }

    private final FrameCodec codec = new FrameCodec(KEY);

    private static Reason reason(ThrowingDecode d) {
        return assertThrows(FrameException.class, d::run).reason();
    }

    interface ThrowingDecode {
        void run() throws FrameException;
    }

    @Test
    void roundTripKeepsEveryField() throws FrameException {
        byte[] payload = {1, 2, 3, (byte) 255};
        byte[] f = codec.encode(9, "scm-b", 1234567890123L, 42, payload);
        Frame d = codec.decode(f, 0, f.length);
        assertEquals(FrameCodec.CURRENT, d.version());
        assertEquals(9, d.type());
        assertEquals("scm-b", d.sender());
        assertEquals(1234567890123L, d.incarnation());
        assertEquals(42, d.sequence());
        assertArrayEquals(payload, d.payload());
    }

    @Test
    void roundTripOfTheLargestFrame() throws FrameException {
        String name = "n".repeat(FrameCodec.MAX_SENDER);
        byte[] fields = new Frame.Fields().add(1, new byte[FrameCodec.MAX_EXTENSIONS - 3]).toByteArray();
        FrameCodec widest = new FrameCodec(KEY, FrameCodec.MIN_SUPPORTED, FrameCodec.CURRENT, fields);
        byte[] f = widest.encode(255, name, Long.MAX_VALUE, Long.MAX_VALUE, new byte[FrameCodec.MAX_PAYLOAD]);
        assertEquals(FrameCodec.MAX_FRAME, f.length);
        byte[] shifted = new byte[f.length + 10];
        System.arraycopy(f, 0, shifted, 5, f.length);
        assertEquals(name, codec.decode(shifted, 5, f.length).sender());
    }

    @Test
    void refusesEachKindOfBadFrame() {
        byte[] f = codec.encode(1, "scm-b", 1, 1, new byte[10]);

        assertEquals(Reason.TOO_SHORT, reason(() -> codec.decode(f, 0, 3)));
        assertEquals(Reason.TOO_SHORT, reason(() -> codec.decode(f, 0, f.length - 1)));
        assertEquals(Reason.TOO_SHORT, reason(() -> codec.decode(null, 0, 0)));
        assertEquals(Reason.TOO_SHORT, reason(() -> codec.decode(f, 5, f.length)));

        byte[] magic = f.clone();
        magic[0] = 'X';
        assertEquals(Reason.BAD_MAGIC, reason(() -> codec.decode(magic, 0, magic.length)));

        byte[] version = f.clone();
        version[4] = (byte) (FrameCodec.CURRENT + 1);
        assertEquals(Reason.BAD_VERSION, reason(() -> codec.decode(version, 0, version.length)));

        byte[] huge = f.clone();
        FrameCodec.putInt(huge, 23 + 5, -1); // payload length 4 GiB
        assertEquals(Reason.TOO_LONG, reason(() -> codec.decode(huge, 0, huge.length)));
        FrameCodec.putInt(huge, 23 + 5, FrameCodec.MAX_PAYLOAD + 1);
        assertEquals(Reason.TOO_LONG, reason(() -> codec.decode(huge, 0, huge.length)));

        byte[] flipped = f.clone();
        flipped[35] ^= 1; // inside the payload
        assertEquals(Reason.BAD_MAC, reason(() -> codec.decode(flipped, 0, flipped.length)));
        byte[] foreign = new FrameCodec(OTHER_KEY).encode(1, "scm-b", 1, 1, new byte[10]);
        assertEquals(Reason.BAD_MAC, reason(() -> codec.decode(foreign, 0, foreign.length)));

        byte[] longer = Arrays.copyOf(f, f.length + 1);
        assertEquals(Reason.MALFORMED, reason(() -> codec.decode(longer, 0, longer.length)));
        byte[] noName = f.clone();
        noName[6] = 0;
        assertEquals(Reason.MALFORMED, reason(() -> codec.decode(noName, 0, noName.length)));
    }

    @Test
    void refusesAnAuthenticNameWithForbiddenCharacters() throws Exception {
        // built by hand: encode() itself refuses such a name
        byte[] f = codec.encode(1, "scm-b", 1, 1, new byte[0]);
        f[7 + 3] = '/';
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(KEY, "HmacSHA256"));
        mac.update(f, 0, f.length - 32);
        mac.doFinal(f, f.length - 32);
        assertEquals(Reason.MALFORMED, reason(() -> codec.decode(f, 0, f.length)));
    }

    @Test
    void filterRefusesOwnStrangersAndReplays() throws FrameException {
        PeerFilter filter = new PeerFilter(codec, "scm-a", "scm-b", new AntiReplay());
        byte[] good = codec.encode(1, "scm-b", 5, 1, new byte[0]);
        filter.accept(good, 0, good.length);
        assertEquals(Reason.REPLAY, reason(() -> filter.accept(good, 0, good.length)));
        byte[] own = codec.encode(1, "scm-a", 5, 2, new byte[0]);
        assertEquals(Reason.OWN_FRAME, reason(() -> filter.accept(own, 0, own.length)));
        byte[] stranger = codec.encode(1, "scm-c", 5, 3, new byte[0]);
        assertEquals(Reason.UNKNOWN_SENDER, reason(() -> filter.accept(stranger, 0, stranger.length)));
        byte[] older = codec.encode(1, "scm-b", 4, 100, new byte[0]);
        assertEquals(Reason.REPLAY, reason(() -> filter.accept(older, 0, older.length)));
    }

    @Test
    void payloadReaderRefusesShortPayloads() throws FrameException {
        byte[] p = new Bytes.Writer().u8(3).shortString("abc").i64(9).toByteArray();
        Bytes r = new Bytes(p);
        assertEquals(3, r.u8());
        assertEquals("abc", r.shortString());
        assertEquals(9, r.i64());
        r.end();
        assertEquals(Reason.MALFORMED, reason(() -> new Bytes(new byte[] {5, 'a'}).shortString()));
        assertEquals(Reason.MALFORMED, reason(() -> new Bytes(new byte[7]).i64()));
        assertEquals(Reason.MALFORMED, reason(() -> new Bytes(new byte[2]).end()));
    }

    @Test
    void aFrameOfOnePurposeFailsTheKeyOfAnother(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ClusterKey key = ClusterKey.generate(dir.resolve("k"));
        FrameCodec status = new FrameCodec(key.derive("status"));
        FrameCodec link = new FrameCodec(key.derive("link"));
        byte[] frame = link.encode(16, "scm-a", 7, 1, new byte[] {1, 2, 3});
        assertEquals(16, link.decode(frame, 0, frame.length).type());
        FrameException e = assertThrows(FrameException.class, () -> status.decode(frame, 0, frame.length));
        assertEquals(FrameException.Reason.BAD_MAC, e.reason());
        assertEquals(key.derive("status").toString(), key.toString());
        assertFalse(java.util.Arrays.equals(key.derive("status").bytes(), key.derive("link").bytes()));
    }

    @Test
    void aReceiverRefusesTypesItDoesNotTakeBeforeItsReplayWindowMoves(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        FrameCodec codec = new FrameCodec(ClusterKey.generate(dir.resolve("k")));
        PeerFilter filter = new PeerFilter(codec, "scm-b", "scm-a", new AntiReplay(), 1);
        byte[] other = codec.encode(2, "scm-a", 99, 5, new byte[0]);
        assertThrows(FrameException.class, () -> filter.accept(other, 0, other.length));
        // the higher incarnation of the refused frame did not replace the window's
        byte[] mine = codec.encode(1, "scm-a", 7, 1, new byte[0]);
        assertEquals(7, filter.accept(mine, 0, mine.length).incarnation());
    }

    @Test
    void aStrangerOrAReplayIsRefusedBeforeItsAuthenticationCodeIsComputed() throws FrameException {
        PeerFilter filter = new PeerFilter(codec, "scm-a", "scm-b", new AntiReplay(), 1);
        FrameCodec wrong = new FrameCodec(new byte[32]);
        // the wrong key would be BAD_MAC; the name, the type and the window are judged first
        byte[] stranger = wrong.encode(1, "mallory", 5, 1, new byte[3]);
        assertEquals(Reason.UNKNOWN_SENDER, reason(() -> filter.accept(stranger, 0, stranger.length)));
        byte[] own = wrong.encode(1, "scm-a", 5, 1, new byte[3]);
        assertEquals(Reason.OWN_FRAME, reason(() -> filter.accept(own, 0, own.length)));
        byte[] otherType = wrong.encode(2, "scm-b", 5, 1, new byte[3]);
        assertEquals(Reason.MALFORMED, reason(() -> filter.accept(otherType, 0, otherType.length)));
        byte[] good = codec.encode(1, "scm-b", 5, 2000, new byte[3]);
        filter.accept(good, 0, good.length);
        byte[] behind = wrong.encode(1, "scm-b", 5, 2000 - AntiReplay.WINDOW, new byte[3]);
        assertEquals(Reason.REPLAY, reason(() -> filter.accept(behind, 0, behind.length)));
        byte[] olderLife = wrong.encode(1, "scm-b", 4, 9000, new byte[3]);
        assertEquals(Reason.REPLAY, reason(() -> filter.accept(olderLife, 0, olderLife.length)));
        // a forgery that passes the cheap checks is still refused by its code, and moves no window
        byte[] forged = wrong.encode(1, "scm-b", 5, 2001, new byte[3]);
        assertEquals(FrameCodec.header(forged, 0, forged.length).sequence(), filter.precheck(forged, 0, forged.length)
                .sequence());
        assertEquals(Reason.BAD_MAC, reason(() -> filter.accept(forged, 0, forged.length)));
        byte[] next = codec.encode(1, "scm-b", 5, 2001, new byte[3]);
        assertEquals(2001, filter.accept(next, 0, next.length).sequence());
    }

    @Test
    void theReplayWindowCheckedAloneDoesNotMove() throws FrameException {
        AntiReplay window = new AntiReplay();
        window.check(7, 10);
        window.accept(7, 10);
        window.check(7, 11);
        window.check(7, 11);
        window.accept(7, 11);
        assertEquals(Reason.REPLAY, reason(() -> window.check(7, 11)));
        assertEquals(Reason.REPLAY, reason(() -> window.check(6, 100)));
        window.check(8, 1);
        assertEquals(7, window.incarnation());
    }
}
