package org.hasm.wire;

import org.hasm.wire.FrameException.Reason;

/**
 * Everything a receiver checks, in order: first what costs nothing ({@link #precheck}: the framing,
 * that its sender is the configured peer and not this SCM, a type this receiver takes, not behind the
 * replay window), then the authentication code ({@link FrameCodec#decode}), then the replay window
 * again, for good. A stranger's datagram is thus refused before any cryptography is spent on it. A
 * frame that passes has been accepted: a second copy of it is refused, and the codec learns from it
 * which wire version the peer speaks ({@link FrameCodec#heard}).
 *
 * <p>What a pair of two releases needs to know is said through the notices: once per episode, a
 * frame refused for its wire version (naming both versions), and every change of the version spoken.
 *
 * <p>Thread-safe.
 */
public final class PeerFilter {
    /**
     * Told what a pair of two releases needs to know about the wire version.
     *
     * @since 1.1
     */
    @FunctionalInterface
    public interface Notices {
        /**
         * @param problem {@code true} for frames refused for their version (once per episode: until a
         *     frame is accepted again), {@code false} for the version spoken to the peer, told when what
         *     the peer speaks changes (its first frame included)
         * @param message a line for the log, naming both sides' versions
         */
        void notice(boolean problem, String message);
    }

    private final FrameCodec codec;
    private final String self;
    private final String peer;
    private final AntiReplay replay;
    private final int[] types;
    private final byte[] selfName;
    private final byte[] peerName;
    private final Notices notices;

    /**
     * @param codec keyed with the cluster key
     * @param self this SCM's name
     * @param peer the peer's name; frames from any other sender are refused
     * @param replay the window to check against (shared by every path the same frames may take)
     * @param types the frame types this receiver takes; any other is refused before the replay window
     *     sees it, so that a genuine frame of another kind cannot move the window
     */
    public PeerFilter(FrameCodec codec, String self, String peer, AntiReplay replay, int... types) {
        this(codec, self, peer, replay, (problem, notice) -> { }, types);
    }

    /**
     * @param notices told, on the receiving thread, of a version refused (once per episode, see
     *     {@link Notices}) and of a change of the version spoken to the peer
     * @see #PeerFilter(FrameCodec, String, String, AntiReplay, int...)
     * @since 1.1
     */
    public PeerFilter(FrameCodec codec, String self, String peer, AntiReplay replay,
            Notices notices, int... types) {
        this.notices = notices;
        this.codec = codec;
        this.self = self;
        this.peer = peer;
        this.replay = replay;
        this.types = types.clone();
        this.selfName = self.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        this.peerName = peer.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * @return the accepted frame
     * @throws FrameException why it was refused
     */
    public Frame accept(byte[] buf, int off, int len) throws FrameException {
        precheck(buf, off, len);
        Frame f = codec.decode(buf, off, len);
        if (f.sender().equals(self)) {
            throw new FrameException(Reason.OWN_FRAME, "frame carries this SCM's own name " + self);
        }
        if (!f.sender().equals(peer)) {
            throw new FrameException(Reason.UNKNOWN_SENDER, "sender " + f.sender() + " is not the peer " + peer);
        }
        if (!takes(f.type())) {
            throw new FrameException(Reason.MALFORMED, "frame type " + f.type() + " is not one this receiver takes");
        }
        replay.accept(f.incarnation(), f.sequence());
        int speaking = codec.heard(f);
        if (speaking != 0) {
            notices.notice(false, "speaking wire version " + speaking + " to " + peer + " (it speaks up to " + f.highest()
                    + ", this SCM " + codec.lowest() + ".." + codec.highest() + ")");
        }
        return f;
    }

    /**
     * The checks that cost no authentication code: the framing, the sender's name (the peer's, byte
     * for byte), the type, and the replay window (without moving it). A frame that passes may still
     * be forged: only {@link #accept} says it is genuine.
     *
     * @return the frame's header, as claimed
     * @throws FrameException why it would be refused
     */
    public FrameCodec.Header precheck(byte[] buf, int off, int len) throws FrameException {
        FrameCodec.Header h;
        try {
            h = codec.check(buf, off, len);
        } catch (FrameException e) {
            if (e.reason() == Reason.BAD_VERSION && codec.refusedVersion(e.version())) {
                notices.notice(true, "frames of wire version " + e.version() + " refused (sent as " + peer
                        + ", not yet authenticated): this SCM speaks wire versions " + codec.lowest() + ".."
                        + codec.highest() + "; the pair talks once either side speaks a version of the other");
            }
            throw e;
        }
        if (!named(buf, h, peerName)) {
            if (named(buf, h, selfName)) {
                throw new FrameException(Reason.OWN_FRAME, "frame carries this SCM's own name " + self);
            }
            throw new FrameException(Reason.UNKNOWN_SENDER, "sender is not the peer " + peer);
        }
        if (!takes(h.type())) {
            throw new FrameException(Reason.MALFORMED, "frame type " + h.type() + " is not one this receiver takes");
        }
        replay.check(h.incarnation(), h.sequence());
        return h;
    }

    private static boolean named(byte[] buf, FrameCodec.Header h, byte[] name) {
        return h.senderLength() == name.length
                && java.util.Arrays.equals(buf, h.senderOffset(), h.senderOffset() + name.length, name, 0, name.length);
    }

    private boolean takes(int type) {
        if (types.length == 0) {
            return true;
        }
        for (int t : types) {
            if (type == t) {
                return true;
            }
        }
        return false;
    }
}
