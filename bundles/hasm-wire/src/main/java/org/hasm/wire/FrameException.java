package org.hasm.wire;

/**
 * A received frame was refused. The only exception decoding ever throws: whatever arrives from the
 * network, the receiver sees either a valid frame or one of these, with the reason to count.
 */
public final class FrameException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a frame was refused. */
    public enum Reason {
        /** Does not start with the frame magic: not ours at all. */
        BAD_MAGIC,
        /** A protocol version this release does not speak. */
        BAD_VERSION,
        /** Shorter than its header or its declared length. */
        TOO_SHORT,
        /** Declares a payload over the limit. */
        TOO_LONG,
        /** The authentication code does not match: forged, corrupted, or another cluster's key. */
        BAD_MAC,
        /** Authentic framing but impossible content (bad name, trailing bytes, bad payload). */
        MALFORMED,
        /** A sequence number already seen, too old, or from an older incarnation of the sender. */
        REPLAY,
        /** Sent by an SCM that is not our peer. */
        UNKNOWN_SENDER,
        /** Sent by an SCM with our own name: a loop or a misconfigured peer. */
        OWN_FRAME
    }

    private final Reason reason;
    private final int version;

    /**
     * @param reason why the frame was refused
     * @param message detail for a log line
     */
    public FrameException(Reason reason, String message) {
        // No stack trace: rejects are counted by the thousand under attack, and the trace says nothing.
        this(reason, message, 0);
    }

    /**
     * @param reason why the frame was refused
     * @param message detail for a log line
     * @param version the wire version the frame claims, 0 if not read
     * @since 1.1
     */
    public FrameException(Reason reason, String message, int version) {
        // No stack trace: rejects are counted by the thousand under attack, and the trace says nothing.
        super(reason + ": " + message, null, false, false);
        this.reason = reason;
        this.version = version;
    }

    /** @return the wire version the refused frame claims, 0 if it was not read @since 1.1 */
    public int version() {
        return version;
    }

    /** @return why the frame was refused */
    public Reason reason() {
        return reason;
    }
}
