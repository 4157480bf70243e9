package org.hasm.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hasm.wire.FrameException.Reason;

/**
 * Encodes and decodes frames authenticated with the cluster key, in every wire version from
 * {@value #MIN_SUPPORTED} to {@value #CURRENT}, and keeps what the peer speaks.
 *
 * <pre>
 * magic "HSM1"       4 bytes
 * version            u8   (the version this frame is written in)
 * type               u8
 * sender length      u8   (1..{@value #MAX_SENDER}), then the sender's name, [A-Za-z0-9_-]
 * incarnation        i64
 * sequence           i64
 * payload length     u32  (at most {@value #MAX_PAYLOAD}), the body's length
 * -- version 2 and later only:
 * highest            u8   the highest version the sender speaks
 * extension length   u16  (at most {@value #MAX_EXTENSIONS}), then the extension fields
 * --
 * payload            the body (the same in every version)
 * HMAC-SHA256        32 bytes over everything before it
 * </pre>
 * Big-endian throughout. A version 1 frame is the whole of version 1: its sender speaks 1 only and
 * it has no extension fields. Every later version keeps this layout; what changes from one to the
 * next are only new extension fields (see {@link Frame#field}), which older readers skip, so a
 * release one version apart reads every frame of the other. The authentication code covers the
 * version and the highest version too: nobody can talk a pair down to an older version.
 *
 * <p>Negotiation: a codec sends at its {@link #highest()} until it has accepted a frame of the peer
 * ({@link #heard}); from then on at {@code min(its highest, the peer's highest)}, the peer's being
 * what its latest accepted frame says (a peer restarted on an older release is followed down at
 * once). A frame of a version outside this codec's range is refused with {@code BAD_VERSION}, the
 * peer refuses ours likewise, and the first frame each side accepts settles the version.
 *
 * <p>Decoding checks only the framing (magic, version, lengths) before the authentication code,
 * and parses nothing of the payload or the name until the code matched.
 *
 * <p>Thread-safe: encoding and decoding each hold their own {@link Mac} under their own lock; the
 * peer's highest version is a volatile field (the latest accepted frame wins).
 */
public final class FrameCodec {
    /** The oldest wire version this release reads and, to a peer that speaks nothing newer, sends. */
    public static final int MIN_SUPPORTED = 1;
    /**
     * The wire version this release writes when its peer speaks it too.
     *
     * @since 1.1 (org.hasm.wire 1.1.0)
     */
    public static final int CURRENT = 2;
    /**
     * The first wire version, all that org.hasm.wire 1.0 spoke (kept at its value: compilers copy
     * constants into the code that uses them).
     *
     * @deprecated a release speaks a range: {@link #MIN_SUPPORTED} to {@link #CURRENT}
     */
    @Deprecated
    public static final int VERSION = 1;
    /** Largest payload (body) accepted; longer frames are refused before anything is allocated. */
    public static final int MAX_PAYLOAD = 64 * 1024;
    /** Largest extension area of a frame (version 2 and later). */
    public static final int MAX_EXTENSIONS = 1024;
    /** Longest sender name, in bytes. */
    public static final int MAX_SENDER = 64;
    /** Length of the authentication code. */
    public static final int MAC_LENGTH = 32;
    /** Longest possible frame of any version: the bound for a stream reader's length prefix. */
    public static final int MAX_FRAME = 30 + MAX_SENDER + MAX_EXTENSIONS + MAX_PAYLOAD + MAC_LENGTH;

    private static final byte[] MAGIC = {'H', 'S', 'M', '1'};
    private static final String ALGORITHM = "HmacSHA256";
    private static final int FIXED_V1 = 27; // version 1 header bytes besides the sender's name
    private static final int FIXED = 30; // the same from version 2 on: + highest (1) + extension length (2)

    private final Mac encodeMac;
    private final Mac decodeMac;
    private final byte[] computed = new byte[MAC_LENGTH];
    private final byte[] received = new byte[MAC_LENGTH];
    private final int lowest;
    private final int highest;
    private final byte[] extension;
    // What the peer's latest accepted frame says it speaks; 0 until one was accepted.
    private volatile int peerHighest;
    // The version of the frame that began the episode of refusals, 0 if none: the episode ends with an
    // accepted frame once no frame was refused for QUIET_NANOS, so that a stranger interleaving bad
    // versions with the peer's genuine frames cannot make a line at every interval.
    private volatile int refusing;
    private volatile long refusedAt;
    private final long quietNanos;
    private static final long QUIET_NANOS = 10_000_000_000L;

    /** @param key the cluster key */
    public FrameCodec(ClusterKey key) {
        this(key.bytes());
    }

    /**
     * A codec that speaks other versions than this release's and adds extension fields of its own to
     * every frame of version 2 or later: how a test stands in for the previous or the next release.
     *
     * @param key the cluster key
     * @param lowest the oldest version it reads, at least 1
     * @param highest the version it sends when the peer speaks it, at least {@code lowest}, at most 255
     * @param extension extension fields ({@link Frame#fields}) added to every frame of version 2 or
     *     later, at most {@value #MAX_EXTENSIONS} bytes; empty for none
     * @throws IllegalArgumentException if a value is out of range or the fields are not well formed
     * @since 1.1
     */
    public FrameCodec(ClusterKey key, int lowest, int highest, byte[] extension) {
        this(key.bytes(), lowest, highest, extension);
    }

    FrameCodec(byte[] key) {
        this(key, MIN_SUPPORTED, CURRENT, new byte[0]);
    }

    FrameCodec(byte[] key, int lowest, int highest, byte[] extension) {
        this(key, lowest, highest, extension, QUIET_NANOS);
    }

    /** @param quietNanos how long without a refusal before an accepted frame ends an episode */
    FrameCodec(byte[] key, int lowest, int highest, byte[] extension, long quietNanos) {
        this.quietNanos = quietNanos;
        if (lowest < 1 || highest < lowest || highest > 255) {
            throw new IllegalArgumentException("wire versions " + lowest + ".." + highest);
        }
        if (extension.length > MAX_EXTENSIONS || !Frame.wellFormed(extension, 0, extension.length)) {
            throw new IllegalArgumentException("extension fields of " + extension.length + " bytes are not well formed");
        }
        encodeMac = mac(key);
        decodeMac = mac(key);
        this.lowest = lowest;
        this.highest = highest;
        this.extension = extension.clone();
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

    /** @return the oldest version this codec reads @since 1.1 */
    public int lowest() {
        return lowest;
    }

    /** @return the newest version this codec speaks @since 1.1 */
    public int highest() {
        return highest;
    }

    /** @return the highest version the peer's latest accepted frame says it speaks, 0 if none yet @since 1.1 */
    public int peerHighest() {
        return peerHighest;
    }

    /** @return the version the next frame is written in @since 1.1 */
    public int sendVersion() {
        int peer = peerHighest;
        return peer == 0 ? highest : Math.max(lowest, Math.min(highest, peer));
    }

    /**
     * Learns what the peer speaks from a frame of it that was accepted (authentic, not a replay,
     * from the peer): the receiver's part of the negotiation ({@link PeerFilter} calls it).
     *
     * @return the version spoken to the peer from now on if what the peer speaks changed (its first
     *     frame included), else 0
     * @since 1.1
     */
    public int heard(Frame frame) {
        if (refusing != 0 && System.nanoTime() - refusedAt >= quietNanos) {
            refusing = 0;
        }
        if (frame.highest() == peerHighest) {
            return 0;
        }
        peerHighest = frame.highest();
        return sendVersion();
    }

    /**
     * Notes a frame refused for its version, for one log line per episode. An episode ends with the
     * first frame accepted after ten seconds without a refusal.
     *
     * @return whether this refusal starts an episode
     * @since 1.1
     */
    public boolean refusedVersion(int version) {
        refusedAt = System.nanoTime();
        if (refusing != 0) {
            return false;
        }
        refusing = version;
        return true;
    }

    /**
     * Encodes a frame in the version the peer is spoken to ({@link #sendVersion}).
     *
     * @param type frame type, 0..255
     * @param sender this SCM's name
     * @param incarnation this SCM's incarnation
     * @param sequence the frame's sequence number, not negative
     * @param payload the data, at most {@link #MAX_PAYLOAD} bytes
     * @return the frame, ready to send
     * @throws IllegalArgumentException if an argument is out of range (a bug of the caller)
     */
    public byte[] encode(int type, String sender, long incarnation, long sequence, byte[] payload) {
        return encode(sendVersion(), type, sender, incarnation, sequence, payload);
    }

    /**
     * Encodes a frame in a given version.
     *
     * @param version between {@link #lowest()} and {@link #highest()}
     * @see #encode(int, String, long, long, byte[])
     * @since 1.1
     */
    public byte[] encode(int version, int type, String sender, long incarnation, long sequence, byte[] payload) {
        if (version < lowest || version > highest) {
            throw new IllegalArgumentException("wire version " + version + ", this codec speaks " + lowest + ".."
                    + highest);
        }
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
        int ext = version == 1 ? 0 : extension.length;
        int fixed = version == 1 ? FIXED_V1 : FIXED;
        byte[] out = new byte[fixed + n + ext + payload.length + MAC_LENGTH];
        System.arraycopy(MAGIC, 0, out, 0, 4);
        out[4] = (byte) version;
        out[5] = (byte) type;
        out[6] = (byte) n;
        System.arraycopy(name, 0, out, 7, n);
        putLong(out, 7 + n, incarnation);
        putLong(out, 15 + n, sequence);
        putInt(out, 23 + n, payload.length);
        if (version > 1) {
            out[27 + n] = (byte) highest;
            out[28 + n] = (byte) (ext >>> 8);
            out[29 + n] = (byte) ext;
            System.arraycopy(extension, 0, out, FIXED + n, ext);
        }
        System.arraycopy(payload, 0, out, fixed + n + ext, payload.length);
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
     * @throws FrameException if it is not an authentic, well-formed frame of a version this codec reads
     */
    public Frame decode(byte[] buf, int off, int len) throws FrameException {
        Header h = check(buf, off, len);
        int n = h.senderLength();
        int signed = len - MAC_LENGTH;
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
        int version = buf[off + 4] & 0xff;
        int senderHighest = 1;
        byte[] fields = Frame.NO_FIELDS;
        int body = off + FIXED_V1 + n;
        if (version > 1) {
            senderHighest = buf[off + 27 + n] & 0xff;
            if (senderHighest < version) {
                throw new FrameException(Reason.MALFORMED, "version " + version + " from a sender that speaks up to "
                        + senderHighest);
            }
            int ext = (buf[off + 28 + n] & 0xff) << 8 | (buf[off + 29 + n] & 0xff);
            body = off + FIXED + n + ext;
            if (ext > 0) {
                if (!Frame.wellFormed(buf, off + FIXED + n, ext)) {
                    throw new FrameException(Reason.MALFORMED, "extension fields do not add up to their length");
                }
                fields = Arrays.copyOfRange(buf, off + FIXED + n, body);
            }
        }
        int p = h.payloadLength();
        byte[] payload = new byte[p];
        System.arraycopy(buf, body, payload, 0, p);
        return new Frame(version, h.type(), sender, h.incarnation(), sequence, payload, senderHighest, fields);
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
     * Checks a frame's framing (magic, a version from {@value #MIN_SUPPORTED} to {@value #CURRENT},
     * lengths: exactly one frame) and reads its header, as a codec of this release's range does.
     *
     * @throws FrameException if it is not a well-framed frame of this release's versions
     */
    public static Header header(byte[] buf, int off, int len) throws FrameException {
        return header(buf, off, len, MIN_SUPPORTED, CURRENT);
    }

    /**
     * The checks {@link #decode} makes before the authentication code, with the same reasons.
     *
     * @throws FrameException if it is not a well-framed frame of a version this codec reads
     * @since 1.1
     */
    public Header check(byte[] buf, int off, int len) throws FrameException {
        return header(buf, off, len, lowest, highest);
    }

    private static Header header(byte[] buf, int off, int len, int lowest, int highest) throws FrameException {
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
        if (version < lowest || version > highest) {
            throw new FrameException(Reason.BAD_VERSION, "wire version " + version + ", this SCM speaks "
                    + (lowest == highest ? String.valueOf(lowest) : lowest + ".." + highest), version);
        }
        int n = buf[off + 6] & 0xff;
        if (n == 0 || n > MAX_SENDER) {
            throw new FrameException(Reason.MALFORMED, "sender name of " + n + " bytes");
        }
        int fixed = version == 1 ? FIXED_V1 : FIXED;
        if (len < fixed + n + MAC_LENGTH) {
            throw new FrameException(Reason.TOO_SHORT, len + " bytes");
        }
        long p = getInt(buf, off + 23 + n) & 0xffffffffL;
        if (p > MAX_PAYLOAD) {
            throw new FrameException(Reason.TOO_LONG, "payload of " + p + " bytes, limit " + MAX_PAYLOAD);
        }
        int ext = 0;
        if (version > 1) {
            ext = (buf[off + 28 + n] & 0xff) << 8 | (buf[off + 29 + n] & 0xff);
            if (ext > MAX_EXTENSIONS) {
                throw new FrameException(Reason.TOO_LONG, "extension fields of " + ext + " bytes, limit "
                        + MAX_EXTENSIONS);
            }
        }
        int expected = fixed + n + ext + (int) p + MAC_LENGTH;
        if (len < expected) {
            throw new FrameException(Reason.TOO_SHORT, len + " bytes, frame declares " + expected);
        }
        if (len > expected) {
            throw new FrameException(Reason.MALFORMED, (len - expected) + " bytes after the frame");
        }
        return new Header(buf[off + 5] & 0xff, off + 7, n, getLong(buf, off + 7 + n), getLong(buf, off + 15 + n),
                (int) p);
    }

    /**
     * @return the length of a version 1 frame with a sender name of {@code senderLength} bytes and this
     *     payload length: the shortest frame of that payload in any version
     */
    public static int frameLength(int senderLength, int payloadLength) {
        return frameLength(1, senderLength, payloadLength, 0);
    }

    /**
     * @return the length of a frame of {@code version} with a sender name of {@code senderLength} bytes,
     *     this payload length and this many bytes of extension fields (none in version 1)
     * @since 1.1
     */
    public static int frameLength(int version, int senderLength, int payloadLength, int extensionLength) {
        return (version == 1 ? FIXED_V1 : FIXED + extensionLength) + senderLength + payloadLength + MAC_LENGTH;
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
