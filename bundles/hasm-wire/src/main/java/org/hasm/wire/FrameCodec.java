package org.hasm.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hasm.wire.FrameException.Reason;

/**
 * Encodes and decodes frames authenticated with the cluster key.
 *
 * <pre>
 * magic "HSM1"       4 bytes
 * version            u8   ({@value #VERSION})
 * type               u8
 * sender length      u8   (1..{@value #MAX_SENDER}), then the sender's name, [A-Za-z0-9_-]
 * incarnation        i64
 * sequence           i64
 * payload length     u32  (at most {@value #MAX_PAYLOAD}), then the payload
 * HMAC-SHA256        32 bytes over everything before it
 * </pre>
 * Big-endian throughout. Decoding checks only the framing (magic, version, lengths) before the
 * authentication code, and parses nothing of the payload or the name until the code matched.
 *
 * <p>Thread-safe: encoding and decoding each hold their own {@link Mac} under their own lock.
 */
public final class FrameCodec {
    /** The protocol version this release sends and accepts. */
    public static final int VERSION = 1;
    /** Largest payload accepted; longer frames are refused before anything is allocated. */
    public static final int MAX_PAYLOAD = 64 * 1024;
    /** Longest sender name, in bytes. */
    public static final int MAX_SENDER = 64;
    /** Length of the authentication code. */
    public static final int MAC_LENGTH = 32;
    /** Longest possible frame: the bound for a stream reader's length prefix. */
    public static final int MAX_FRAME = 27 + MAX_SENDER + MAX_PAYLOAD + MAC_LENGTH;

    private static final byte[] MAGIC = {'H', 'S', 'M', '1'};
    private static final String ALGORITHM = "HmacSHA256";
    private static final int FIXED = 27; // header bytes besides the sender's name

    private final Mac encodeMac;
    private final Mac decodeMac;
    private final byte[] computed = new byte[MAC_LENGTH];
    private final byte[] received = new byte[MAC_LENGTH];

    /** @param key the cluster key */
    public FrameCodec(ClusterKey key) {
        this(key.bytes());
    }

    FrameCodec(byte[] key) {
        encodeMac = mac(key);
        decodeMac = mac(key);
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return mac;
        } catch (GeneralSecurityException e) {
            // every Java SE platform must provide HmacSHA256
            throw new IllegalStateException(ALGORITHM + " unavailable", e);
        }
    }

    /** @return whether {@code name} may be sent as a sender's name */
    public static boolean validName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_SENDER) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!nameChar(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean nameChar(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    /**
     * @param type frame type, 0..255
     * @param sender this SCM's name
     * @param incarnation this SCM's incarnation
     * @param sequence the frame's sequence number, not negative
     * @param payload the data, at most {@link #MAX_PAYLOAD} bytes
     * @return the frame, ready to send
     * @throws IllegalArgumentException if an argument is out of range (a bug of the caller)
     */
    public byte[] encode(int type, String sender, long incarnation, long sequence, byte[] payload) {
        if (type < 0 || type > 255) {
            throw new IllegalArgumentException("frame type " + type);
        }
        if (!validName(sender)) {
            throw new IllegalArgumentException("sender name " + sender);
        }
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence " + sequence);
        }
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes, limit " + MAX_PAYLOAD);
        }
        byte[] name = sender.getBytes(StandardCharsets.US_ASCII);
        int n = name.length;
        byte[] out = new byte[FIXED + n + payload.length + MAC_LENGTH];
        System.arraycopy(MAGIC, 0, out, 0, 4);
        out[4] = (byte) VERSION;
        out[5] = (byte) type;
        out[6] = (byte) n;
        System.arraycopy(name, 0, out, 7, n);
        putLong(out, 7 + n, incarnation);
        putLong(out, 15 + n, sequence);
        putInt(out, 23 + n, payload.length);
        System.arraycopy(payload, 0, out, FIXED + n, payload.length);
        int signed = out.length - MAC_LENGTH;
        synchronized (encodeMac) {
            encodeMac.update(out, 0, signed);
            try {
                encodeMac.doFinal(out, signed);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e); // the buffer is sized for it
            }
        }
        return out;
    }

    /**
     * Checks and decodes one frame. Sender and sequence are not judged here (see {@link PeerFilter}).
     *
     * @param buf holds the frame
     * @param off where it starts
     * @param len its length: exactly one frame
     * @return the frame
     * @throws FrameException if it is not an authentic, well-formed frame of this version
     */
    public Frame decode(byte[] buf, int off, int len) throws FrameException {
        Header h = header(buf, off, len);
        int n = h.senderLength();
        int p = h.payloadLength();
        int expected = FIXED + n + p + MAC_LENGTH;
        int signed = expected - MAC_LENGTH;
        boolean authentic;
        synchronized (decodeMac) {
            decodeMac.update(buf, off, signed);
            try {
                decodeMac.doFinal(computed, 0);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e); // the buffer is sized for it
            }
            System.arraycopy(buf, off + signed, received, 0, MAC_LENGTH);
            authentic = MessageDigest.isEqual(computed, received); // constant time
        }
        if (!authentic) {
            throw new FrameException(Reason.BAD_MAC, "authentication code does not match the cluster key");
        }
        for (int i = 0; i < n; i++) {
            if (!nameChar(buf[off + 7 + i])) {
                throw new FrameException(Reason.MALFORMED, "sender name has a character outside [A-Za-z0-9_-]");
            }
        }
        String sender = new String(buf, off + 7, n, StandardCharsets.US_ASCII);
        long sequence = getLong(buf, off + 15 + n);
        if (sequence < 0) {
            throw new FrameException(Reason.MALFORMED, "negative sequence");
        }
        byte[] payload = new byte[p];
        System.arraycopy(buf, off + FIXED + n, payload, 0, p);
        return new Frame(VERSION, h.type(), sender, h.incarnation(), sequence, payload);
    }

    /**
     * What a frame's header says, read without authenticating it: for the checks that cost nothing
     * (its sender, its type, whether it is behind the replay window) before the authentication code
     * is computed. Nothing here may be trusted until {@link #decode} has passed.
     *
     * @param type the frame type
     * @param senderOffset where the sender's name starts in the buffer
     * @param senderLength the length of the sender's name, 1..{@value #MAX_SENDER}
     * @param incarnation the sender's incarnation, as claimed
     * @param sequence the sequence number, as claimed
     * @param payloadLength the payload's length
     */
    public record Header(int type, int senderOffset, int senderLength, long incarnation, long sequence,
            int payloadLength) {
    }

    /**
     * Checks a frame's framing (magic, version, lengths: exactly one frame) and reads its header.
     * The same checks {@link #decode} makes before the authentication code, with the same reasons.
     *
     * @throws FrameException if it is not a well-framed frame of this version
     */
    public static Header header(byte[] buf, int off, int len) throws FrameException {
        if (buf == null || off < 0 || len < 0 || off > buf.length - len) {
            throw new FrameException(Reason.TOO_SHORT, "no frame");
        }
        if (len < 4) {
            throw new FrameException(Reason.TOO_SHORT, len + " bytes");
        }
        for (int i = 0; i < 4; i++) {
            if (buf[off + i] != MAGIC[i]) {
                throw new FrameException(Reason.BAD_MAGIC, "not a hasm frame");
            }
        }
        if (len < 7) {
            throw new FrameException(Reason.TOO_SHORT, len + " bytes");
        }
        int version = buf[off + 4] & 0xff;
        if (version != VERSION) {
            throw new FrameException(Reason.BAD_VERSION, "version " + version + ", this SCM speaks " + VERSION);
        }
        int n = buf[off + 6] & 0xff;
        if (n == 0 || n > MAX_SENDER) {
            throw new FrameException(Reason.MALFORMED, "sender name of " + n + " bytes");
        }
        if (len < FIXED + n + MAC_LENGTH) {
            throw new FrameException(Reason.TOO_SHORT, len + " bytes");
        }
        long p = getInt(buf, off + 23 + n) & 0xffffffffL;
        if (p > MAX_PAYLOAD) {
            throw new FrameException(Reason.TOO_LONG, "payload of " + p + " bytes, limit " + MAX_PAYLOAD);
        }
        int expected = FIXED + n + (int) p + MAC_LENGTH;
        if (len < expected) {
            throw new FrameException(Reason.TOO_SHORT, len + " bytes, frame declares " + expected);
        }
        if (len > expected) {
            throw new FrameException(Reason.MALFORMED, (len - expected) + " bytes after the frame");
        }
        return new Header(buf[off + 5] & 0xff, off + 7, n, getLong(buf, off + 7 + n), getLong(buf, off + 15 + n),
                (int) p);
    }

    /** @return the length of a frame with a sender name of {@code senderLength} bytes and this payload length */
    public static int frameLength(int senderLength, int payloadLength) {
        return FIXED + senderLength + payloadLength + MAC_LENGTH;
    }

    static void putLong(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }

    static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }
}
