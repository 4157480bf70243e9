package org.hasm.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.hasm.wire.FrameException.Reason;

/**
 * Reads a payload that has passed authentication. Any read past the end or any impossible value is
 * a {@link FrameException} {@code MALFORMED}, so a payload parser never throws anything else.
 */
public final class Bytes {
    private final byte[] b;
    private int pos;

    /** @param payload the payload to read */
    public Bytes(byte[] payload) {
        this.b = payload;
    }

    private void need(int n) throws FrameException {
        if (n < 0 || b.length - pos < n) {
            throw new FrameException(Reason.MALFORMED, "payload ends early");
        }
    }

    /** @return the next unsigned byte */
    public int u8() throws FrameException {
        need(1);
        return b[pos++] & 0xff;
    }

    /** @return the next big-endian long */
    public long i64() throws FrameException {
        need(8);
        long v = FrameCodec.getLong(b, pos);
        pos += 8;
        return v;
    }

    /** @return a string of at most 255 UTF-8 bytes, prefixed by its u8 length */
    public String shortString() throws FrameException {
        int n = u8();
        need(n);
        String s = new String(b, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** @return every byte left */
    public byte[] rest() {
        byte[] r = new byte[b.length - pos];
        System.arraycopy(b, pos, r, 0, r.length);
        pos = b.length;
        return r;
    }

    /** @throws FrameException MALFORMED if bytes are left over */
    public void end() throws FrameException {
        if (pos != b.length) {
            throw new FrameException(Reason.MALFORMED, (b.length - pos) + " bytes after the payload");
        }
    }

    /** Builds a payload. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        private final byte[] scratch = new byte[8];

        /** @return this */
        public Writer u8(int v) {
            out.write(v);
            return this;
        }

        /** @return this */
        public Writer i64(long v) {
            FrameCodec.putLong(scratch, 0, v);
            out.write(scratch, 0, 8);
            return this;
        }

        /**
         * @return this
         * @throws IllegalArgumentException if it is over 255 bytes in UTF-8
         */
        public Writer shortString(String s) {
            byte[] v = s.getBytes(StandardCharsets.UTF_8);
            if (v.length > 255) {
                throw new IllegalArgumentException("string of " + v.length + " bytes, limit 255");
            }
            out.write(v.length);
            out.write(v, 0, v.length);
            return this;
        }

        /** @return this */
        public Writer bytes(byte[] v) {
            out.write(v, 0, v.length);
            return this;
        }

        /** @return the payload */
        public byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
