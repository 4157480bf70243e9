package org.hasm.status.internal;

import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.wire.Bytes;
import org.hasm.wire.FrameException;
import org.hasm.wire.FrameException.Reason;

/**
 * The payload of a status frame: the sender's state, running role, configured role and incarnation.
 * Enums travel as fixed codes, not ordinals, so reordering an enum never changes the wire.
 */
record StatusMessage(ScmState state, OpMode opMode, OpMode configuredRole, long incarnation) {
    /** Frame type of a status message. */
    static final int TYPE = 1;
    /** Length of the payload: state, opMode, configured role (a byte each), incarnation (8). */
    static final int LENGTH = 11;

    private static final ScmState[] STATES = {null, ScmState.OFF, ScmState.BOOT, ScmState.INIT, ScmState.DAC,
        ScmState.DEGRADED, ScmState.MONITOR, ScmState.HALTED};
    private static final OpMode[] MODES = {null, OpMode.MASTER, OpMode.SLAVE};

    byte[] encode() {
        return new Bytes.Writer().u8(code(STATES, state)).u8(code(MODES, opMode)).u8(code(MODES, configuredRole))
                .i64(incarnation).toByteArray();
    }

    static StatusMessage decode(byte[] payload) throws FrameException {
        Bytes in = new Bytes(payload);
        ScmState state = value(STATES, in.u8());
        OpMode mode = value(MODES, in.u8());
        OpMode role = value(MODES, in.u8());
        long incarnation = in.i64();
        in.end();
        if (state == null) {
            throw new FrameException(Reason.MALFORMED, "status without a state");
        }
        return new StatusMessage(state, mode, role, incarnation);
    }

    private static <T> int code(T[] table, T value) {
        for (int i = 0; i < table.length; i++) {
            if (table[i] == value) {
                return i;
            }
        }
        throw new IllegalArgumentException(String.valueOf(value)); // a new enum constant needs a code here
    }

    private static <T> T value(T[] table, int code) throws FrameException {
        if (code >= table.length) {
            throw new FrameException(Reason.MALFORMED, "unknown code " + code);
        }
        return table[code];
    }
}
