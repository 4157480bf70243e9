package org.hasm.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.hasm.wire.FrameException.Reason;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated input never gets anything but a FrameException out of the receiver, and
 * nothing is accepted that the peer did not send, or twice.
 */
class FuzzTest {
    private static final int ROUNDS = 150_000;

    @Test
    void noMutationIsAcceptedAndNothingButFrameExceptionEscapes() throws FrameException {
        SplittableRandom random = new SplittableRandom(20261125L);
        // frames of every version a codec reads, with extension fields from version 2 on
        FrameCodec codec = new FrameCodec(FrameCodecTest.KEY, 1, FrameCodec.CURRENT + 1,
                new Frame.Fields().add(7, new byte[] {1, 2, 3}).add(200, new byte[0]).toByteArray());
        FrameCodec foreign = new FrameCodec(FrameCodecTest.OTHER_KEY);
        PeerFilter filter = new PeerFilter(codec, "scm-a", "scm-b", new AntiReplay());
        long incarnation = 1_700_000_000_000L;

        byte[][] originals = new byte[64][];
        Map<ByteBuffer, Integer> known = new HashMap<>();
        for (int i = 0; i < originals.length; i++) {
            byte[] payload = new byte[random.nextInt(i % 8 == 0 ? 3000 : 200)];
            random.nextBytes(payload);
            originals[i] = codec.encode(1 + i % codec.highest(), random.nextInt(256), "scm-b", incarnation, i + 1,
                    payload);
            known.put(ByteBuffer.wrap(originals[i]), i);
            filter.accept(originals[i], 0, originals[i].length); // each original once: accepted
        }

        Map<Reason, Integer> reasons = new EnumMap<>(Reason.class);
        for (int round = 0; round < ROUNDS; round++) {
            byte[] original = originals[random.nextInt(originals.length)];
            byte[] input = mutate(original, random, foreign, incarnation);
            try {
                Frame f = codec.decode(input, 0, input.length);
                // decoding may only succeed for bytes the peer really sent (or an authentic replay)
                if (!known.containsKey(ByteBuffer.wrap(input))
                        && !(f.sender().equals("scm-a") || f.sender().equals("scm-c")
                                || f.incarnation() != incarnation)) {
                    fail("round " + round + ": a mutated frame decoded: " + f);
                }
            } catch (FrameException expected) {
                // fine
            } catch (Throwable t) {
                fail("round " + round + ": decode threw " + t, t);
            }
            try {
                filter.accept(input, 0, input.length);
                fail("round " + round + ": accepted " + Arrays.toString(Arrays.copyOf(input, 16)));
            } catch (FrameException expected) {
                reasons.merge(expected.reason(), 1, Integer::sum);
            } catch (Throwable t) {
                fail("round " + round + ": filter threw " + t, t);
            }
        }
        assertEquals(ROUNDS, reasons.values().stream().mapToInt(Integer::intValue).sum());
        for (Reason r : Reason.values()) {
            assertTrue(reasons.getOrDefault(r, 0) > 0, "no input was refused as " + r + ": " + reasons);
        }
        // and the filter still takes the peer's next frame
        byte[] next = codec.encode(1, "scm-b", incarnation, 1000, new byte[0]);
        filter.accept(next, 0, next.length);
    }

    private static byte[] mutate(byte[] o, SplittableRandom r, FrameCodec foreign, long incarnation) {
        int n = o[6] & 0xff;
        switch (r.nextInt(12)) {
            case 0: { // bit flips
                byte[] b = o.clone();
                for (int k = 1 + r.nextInt(4); k > 0; k--) {
                    int at = r.nextInt(b.length);
                    b[at] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 1: // truncation
                return Arrays.copyOf(o, r.nextInt(o.length));
            case 2: { // extension
                byte[] b = Arrays.copyOf(o, o.length + 1 + r.nextInt(64));
                for (int i = o.length; i < b.length; i++) {
                    b[i] = (byte) r.nextInt(256);
                }
                return b;
            }
            case 3: { // length field set to a huge or wrong value
                byte[] b = o.clone();
                int[] values = {-1, Integer.MAX_VALUE, FrameCodec.MAX_PAYLOAD + 1, r.nextInt(), r.nextInt(100)};
                FrameCodec.putInt(b, 23 + n, values[r.nextInt(values.length)]);
                return b;
            }
            case 4: { // sender length field
                byte[] b = o.clone();
                b[6] = (byte) r.nextInt(256);
                return b;
            }
            case 5: // the right shape under another key
                return foreign.encode(r.nextInt(256), "scm-b", incarnation, r.nextLong(0, Long.MAX_VALUE), new byte[r.nextInt(100)]);
            case 6: { // another version
                byte[] b = o.clone();
                b[4] = (byte) (2 + r.nextInt(254));
                return b;
            }
            case 7: // a replay, byte for byte
                return o;
            case 8: { // random bytes, sometimes behind a valid magic
                byte[] b = new byte[r.nextInt(200)];
                r.nextBytes(b);
                if (b.length >= 5 && r.nextBoolean()) {
                    System.arraycopy(o, 0, b, 0, 5);
                }
                return b;
            }
            case 9: { // splice two frames
                byte[] b = o.clone();
                int at = r.nextInt(b.length);
                b[at] = (byte) r.nextInt(256);
                byte[] c = Arrays.copyOf(b, b.length + o.length);
                System.arraycopy(o, 0, c, b.length, o.length);
                return c;
            }
            case 10: { // authentic, but not from the peer (for the filter), or an old incarnation
                FrameCodec own = new FrameCodec(FrameCodecTest.KEY);
                String sender = r.nextBoolean() ? "scm-a" : "scm-c";
                if (r.nextInt(3) == 0) {
                    return own.encode(1, "scm-b", incarnation - 1 - r.nextInt(1000), r.nextInt(10_000), new byte[0]);
                }
                return own.encode(1, sender, incarnation, r.nextInt(10_000), new byte[0]);
            }
            default: { // tiny inputs
                byte[] b = new byte[r.nextInt(8)];
                r.nextBytes(b);
                if (b.length >= 4 && r.nextBoolean()) {
                    System.arraycopy(o, 0, b, 0, 4);
                }
                return b;
            }
        }
    }
}
