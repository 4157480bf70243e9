package org.hasm.itests.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.SplittableRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a stranger on the network can send an SCM: random bytes, bytes that look like the start
 * of a frame, frames built to the wire layout but signed with a key that is not the cluster's,
 * and genuine frames recorded earlier, replayed as they were or mutated.
 *
 * <p>The frame layout is written out here on purpose, from the wire format's description, rather
 * than taken from hasm's codec: a forgery made with the code under test would share its bugs.
 * Layout: "HSM1", version u8, type u8, sender length u8, sender, incarnation i64, sequence i64,
 * payload length u32, payload, HMAC-SHA256 over everything before it; big-endian.
 */
public final class Garbage {

    /** The kinds of datagram {@link #next} makes, in the order it cycles through them. */
    enum Kind { RANDOM, HEADER_ONLY, FORGED, FORGED_OWN_NAME, REPLAYED, MUTATED, TRUNCATED_OR_EXTENDED }

    private static final byte[] MAGIC = "HSM1".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final String[] STRANGERS = {"mallory", "scm-c", "", "scm-a-", "SCM-A"};

    private final SplittableRandom random;
    private final List<byte[]> recorded;
    private final Mac wrongKey;

    /**
     * @param seed makes a failing run repeatable (it is in the test's failure message)
     * @param recorded genuine frames to replay and mutate; may be empty
     */
    public Garbage(long seed, List<byte[]> recorded) {
        this.random = new SplittableRandom(seed);
        this.recorded = List.copyOf(recorded);
        byte[] key = new byte[32];
        random.nextBytes(key);
        try {
            wrongKey = Mac.getInstance("HmacSHA256");
            wrongKey.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java SE", e);
        }
    }

    Kind kind(long n) {
        Kind k = Kind.values()[(int) (n % Kind.values().length)];
        if (recorded.isEmpty() && (k == Kind.REPLAYED || k == Kind.MUTATED || k == Kind.TRUNCATED_OR_EXTENDED)) {
            return Kind.FORGED;
        }
        return k;
    }

    /**
     * @param n the datagram's number: picks the kind
     * @param peerOfTarget the name the target expects frames from (a forger would use it)
     * @param target the target's own name
     */
    public byte[] next(long n, String peerOfTarget, String target) {
        return switch (kind(n)) {
            case RANDOM -> bytes(random.nextInt(0, 600));
            case HEADER_ONLY -> {
                // past the magic and version checks, then nonsense lengths
                byte[] b = bytes(random.nextInt(6, 200));
                System.arraycopy(MAGIC, 0, b, 0, 4);
                b[4] = (byte) VERSION;
                yield b;
            }
            case FORGED -> forge(random.nextInt(0, 4), peerOfTarget, random.nextLong(1, Long.MAX_VALUE),
                    random.nextLong(0, Long.MAX_VALUE), bytes(random.nextInt(0, 120)));
            case FORGED_OWN_NAME -> forge(random.nextInt(0, 4), random.nextBoolean() ? target
                    : STRANGERS[random.nextInt(STRANGERS.length)], random.nextLong(1, Long.MAX_VALUE),
                    random.nextLong(0, Long.MAX_VALUE), bytes(random.nextInt(0, 120)));
            case REPLAYED -> recorded.get(random.nextInt(recorded.size())).clone();
            case MUTATED -> {
                byte[] b = recorded.get(random.nextInt(recorded.size())).clone();
                int flips = random.nextInt(1, 4);
                for (int i = 0; i < flips; i++) {
                    b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                }
                yield b;
            }
            case TRUNCATED_OR_EXTENDED -> {
                byte[] genuine = recorded.get(random.nextInt(recorded.size()));
                int length = random.nextBoolean() ? random.nextInt(0, genuine.length)
                        : genuine.length + random.nextInt(1, 64);
                byte[] b = bytes(length);
                System.arraycopy(genuine, 0, b, 0, Math.min(length, genuine.length));
                yield b;
            }
        };
    }

    /** @return a stream chunk for a link's TCP port: length-prefixed garbage, forgeries, or raw noise */
    byte[] stream(long n, String peerOfTarget, String target) {
        ByteBuffer out;
        switch ((int) (n % 5)) {
            case 0 -> {
                return bytes(random.nextInt(1, 2048)); // no framing at all
            }
            case 1 -> {
                // an impossible length prefix: the reader must refuse it before allocating
                out = ByteBuffer.allocate(4 + 64);
                out.putInt(random.nextBoolean() ? -1 - random.nextInt(1 << 20) : (1 << 24) + random.nextInt(1 << 30));
                out.put(bytes(64));
                return out.array();
            }
            case 2 -> {
                // several well-framed forgeries on one connection
                int count = random.nextInt(1, 10);
                byte[][] frames = new byte[count][];
                int total = 0;
                for (int i = 0; i < count; i++) {
                    frames[i] = i % 2 == 0 ? next(n + i, peerOfTarget, target)
                            : forge(random.nextInt(0, 16), peerOfTarget, random.nextLong(1, Long.MAX_VALUE),
                            random.nextLong(0, Long.MAX_VALUE), bytes(random.nextInt(0, 300)));
                    total += 4 + frames[i].length;
                }
                out = ByteBuffer.allocate(total);
                for (byte[] f : frames) {
                    out.putInt(f.length).put(f);
                }
                return out.array();
            }
            case 3 -> {
                // a plausible prefix, then fewer bytes than it promised, then the connection ends
                byte[] body = bytes(random.nextInt(0, 500));
                out = ByteBuffer.allocate(4 + body.length);
                out.putInt(body.length + random.nextInt(1, 1000)).put(body);
                return out.array();
            }
            default -> {
                byte[] body = bytes(random.nextInt(0, 4000));
                out = ByteBuffer.allocate(4 + body.length);
                out.putInt(body.length).put(body);
                return out.array();
            }
        }
    }

    /** A frame to the wire layout, authenticated with a key that is not the cluster's. */
    byte[] forge(int type, String sender, long incarnation, long sequence, byte[] payload) {
        byte[] name = sender.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(27 + name.length + payload.length + 32);
        b.put(MAGIC).put((byte) VERSION).put((byte) type).put((byte) name.length).put(name)
                .putLong(incarnation).putLong(sequence).putInt(payload.length).put(payload);
        byte[] out = b.array();
        int signed = out.length - 32;
        wrongKey.update(out, 0, signed);
        try {
            wrongKey.doFinal(out, signed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e); // the buffer is sized for it
        }
        return out;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
