package org.hasm.wire;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * One authenticated frame as received.
 *
 * <p>Extension fields (version 2 and later) are how a frame grows without breaking the previous
 * release: each is {@code tag u8 (1..255), length u16, value}, one after another. The rules:
 * <ul>
 * <li>a reader skips every tag it does not know; a field it knows but does not find has its
 *     default: new fields are optional, always;</li>
 * <li>a tag, once given a meaning for a frame type, keeps it: a field is never repurposed; a field
 *     no longer sent is simply left out, its tag never reused;</li>
 * <li>a field a receiver cannot do without is not an extension: that needs a new wire version,
 *     and the payload (the body) of every version stays what version 1 defined.</li>
 * </ul>
 *
 * @param version protocol version it was sent with
 * @param type the application's frame type
 * @param sender the sending SCM's name
 * @param incarnation the sender's incarnation (drawn at each boot, grows across restarts)
 * @param sequence the sender's sequence number within that incarnation
 * @param payload the application data (a fresh array owned by the receiver)
 * @param highest the highest version the sender speaks (1 for a version 1 frame)
 * @param fields the extension fields, as received ({@link #field} reads them); empty if none
 */
public record Frame(int version, int type, String sender, long incarnation, long sequence, byte[] payload,
        int highest, byte[] fields) {

    static final byte[] NO_FIELDS = {};

    /**
     * A frame without extension fields, from a sender that speaks its version only.
     *
     * @deprecated the constructor of org.hasm.wire 1.0; frames come from {@link FrameCodec#decode}
     */
    @Deprecated
    public Frame(int version, int type, String sender, long incarnation, long sequence, byte[] payload) {
        this(version, type, sender, incarnation, sequence, payload, version, NO_FIELDS);
    }

    /**
     * @param tag 1..255
     * @return the value of the first extension field with this tag, {@code null} if there is none
     * @since 1.1
     */
    public byte[] field(int tag) {
        int i = 0;
        while (i + 3 <= fields.length) {
            int t = fields[i] & 0xff;
            int n = (fields[i + 1] & 0xff) << 8 | (fields[i + 2] & 0xff);
            if (t == tag) {
                return Arrays.copyOfRange(fields, i + 3, i + 3 + n);
            }
            i += 3 + n;
        }
        return null;
    }

    /** @return whether {@code len} bytes at {@code off} are whole extension fields, with tags 1..255 */
    static boolean wellFormed(byte[] b, int off, int len) {
        int i = 0;
        while (i < len) {
            if (len - i < 3 || b[off + i] == 0) {
                return false;
            }
            int n = (b[off + i + 1] & 0xff) << 8 | (b[off + i + 2] & 0xff);
            if (n > len - i - 3) {
                return false;
            }
            i += 3 + n;
        }
        return true;
    }

    /**
     * Builds extension fields.
     *
     * @since 1.1
     */
    public static final class Fields {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        /**
         * @param tag 1..255
         * @param value at most {@link FrameCodec#MAX_EXTENSIONS} - 3 bytes
         * @return this
         */
        public Fields add(int tag, byte[] value) {
            if (tag < 1 || tag > 255 || value.length > FrameCodec.MAX_EXTENSIONS - 3) {
                throw new IllegalArgumentException("extension field " + tag + " of " + value.length + " bytes");
            }
            out.write(tag);
            out.write(value.length >>> 8);
            out.write(value.length);
            out.write(value, 0, value.length);
            return this;
        }

        /** @return the fields, as {@link FrameCodec} takes them */
        public byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
