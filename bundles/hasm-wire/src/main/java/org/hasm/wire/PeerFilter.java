package org.hasm.wire;

import org.hasm.wire.FrameException.Reason;

/**
 * Everything a receiver checks, in order: the frame itself ({@link FrameCodec#decode}), that its
 * sender is the configured peer and not this SCM, and that it is not a replay. A frame that passes
 * has been accepted: a second copy of it is refused.
 *
 * <p>Thread-safe.
 */
public final class PeerFilter {
    private final FrameCodec codec;
    private final String self;
    private final String peer;
    private final AntiReplay replay;
    private final int[] types;

    /**
     * @param codec keyed with the cluster key
     * @param self this SCM's name
     * @param peer the peer's name; frames from any other sender are refused
     * @param replay the window to check against (shared by every path the same frames may take)
     * @param types the frame types this receiver takes; any other is refused before the replay window
     *     sees it, so that a genuine frame of another kind cannot move the window
     */
    public PeerFilter(FrameCodec codec, String self, String peer, AntiReplay replay, int... types) {
        this.codec = codec;
        this.self = self;
        this.peer = peer;
        this.replay = replay;
        this.types = types.clone();
    }

    /**
     * @return the accepted frame
     * @throws FrameException why it was refused
     */
    public Frame accept(byte[] buf, int off, int len) throws FrameException {
        Frame f = codec.decode(buf, off, len);
        if (f.sender().equals(self)) {
            throw new FrameException(Reason.OWN_FRAME, "frame carries this SCM's own name " + self);
        }
        if (!f.sender().equals(peer)) {
            throw new FrameException(Reason.UNKNOWN_SENDER, "sender " + f.sender() + " is not the peer " + peer);
        }
        boolean known = types.length == 0;
        for (int t : types) {
            known |= f.type() == t;
        }
        if (!known) {
            throw new FrameException(Reason.MALFORMED, "frame type " + f.type() + " is not one this receiver takes");
        }
        replay.accept(f.incarnation(), f.sequence());
        return f;
    }
}
