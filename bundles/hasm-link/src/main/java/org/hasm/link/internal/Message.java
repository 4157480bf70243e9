package org.hasm.link.internal;

import java.nio.charset.StandardCharsets;
import org.hasm.wire.Bytes;
import org.hasm.wire.FrameException;
import org.hasm.wire.FrameException.Reason;

/** The payloads of link frames. */
final class Message {
    static final int REQUEST = 16;
    static final int RESPONSE = 17;
    static final int ONEWAY = 18;

    private Message() {
    }

    /** A request or a one-way message ({@code id} 0). */
    record Call(long id, String service, byte[] payload) {
        static byte[] encode(long id, String service, byte[] payload) {
            return new Bytes.Writer().i64(id).shortString(service).bytes(payload).toByteArray();
        }

        static Call decode(byte[] p) throws FrameException {
            Bytes in = new Bytes(p);
            long id = in.i64();
            String service = in.shortString();
            return new Call(id, service, in.rest());
        }
    }

    /** The answer to request {@code id}: the handler's result, or its error message. */
    record Response(long id, boolean ok, byte[] payload) {
        static Response error(long id, String message) {
            byte[] m = message.getBytes(StandardCharsets.UTF_8);
            if (m.length > 4096) { // an error message, not a payload
                m = java.util.Arrays.copyOf(m, 4096);
            }
            return new Response(id, false, m);
        }

        byte[] encode() {
            return new Bytes.Writer().i64(id).u8(ok ? 1 : 0).bytes(payload).toByteArray();
        }

        String message() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        static Response decode(byte[] p) throws FrameException {
            Bytes in = new Bytes(p);
            long id = in.i64();
            int ok = in.u8();
            if (ok > 1) {
                throw new FrameException(Reason.MALFORMED, "response status " + ok);
            }
            return new Response(id, ok == 1, in.rest());
        }
    }
}
