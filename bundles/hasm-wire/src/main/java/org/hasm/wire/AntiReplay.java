package org.hasm.wire;

import org.hasm.wire.FrameException.Reason;

/**
 * Refuses frames seen before. Per incarnation of the sender it keeps the highest sequence accepted
 * and a window of {@value #WINDOW} below it: a newer sequence is accepted, an older one only if it
 * is inside the window and not seen yet (frames may arrive out of order over several channels).
 * A higher incarnation is the sender's restart and starts afresh; a lower one is an old recording.
 *
 * <p>Thread-safe.
 */
public final class AntiReplay {
    /** How far below the highest sequence a late frame is still accepted. */
    public static final int WINDOW = 1024;

    /**
     * The newest frame a receiver accepted from its peer, kept across the receiver's restarts: without
     * it, a new window would take again any frame an eavesdropper recorded from the sender's current
     * incarnation (a command the receiver carried out before it restarted).
     *
     * @param incarnation the sender's incarnation
     * @param sequence the highest sequence accepted in it
     */
    public record Floor(long incarnation, long sequence) {
    }

    // Guarded by this. seen holds one bit per sequence in (highest - WINDOW, highest], at seq mod WINDOW.
    private final long[] seen = new long[WINDOW / 64];
    private boolean any;
    private long incarnation;
    private long highest;
    // Frames at or below it are refused (null: none); final.
    private final Floor floor;

    /** A window that accepts the first frame of any incarnation. */
    public AntiReplay() {
        this(null);
    }

    /**
     * A window that refuses every frame at or below {@code floor}: of an older incarnation, or of its
     * incarnation up to its sequence.
     *
     * @param floor what an earlier window of this receiver accepted last, or {@code null}
     * @since 1.2 (org.hasm.wire 1.2.0)
     */
    public AntiReplay(Floor floor) {
        this.floor = floor;
    }

    /**
     * Accepts a frame's (incarnation, sequence) once.
     *
     * @throws FrameException REPLAY if it was accepted before, is too old, or from an older incarnation
     */
    public synchronized void accept(long frameIncarnation, long sequence) throws FrameException {
        if (sequence < 0) {
            throw new FrameException(Reason.MALFORMED, "negative sequence");
        }
        belowFloor(frameIncarnation, sequence);
        if (!any || frameIncarnation > incarnation) {
            any = true;
            incarnation = frameIncarnation;
            java.util.Arrays.fill(seen, 0L);
            highest = sequence;
            mark(sequence);
            return;
        }
        if (frameIncarnation < incarnation) {
            throw new FrameException(Reason.REPLAY, "incarnation " + frameIncarnation + " older than " + incarnation);
        }
        if (sequence > highest) {
            long advance = Math.min(sequence - highest, WINDOW);
            for (long s = highest + 1, end = highest + advance; s <= end; s++) {
                clear(s);
            }
            highest = sequence;
            mark(sequence);
            return;
        }
        if (highest - sequence >= WINDOW) {
            throw new FrameException(Reason.REPLAY, "sequence " + sequence + " is older than the window");
        }
        if (isMarked(sequence)) {
            throw new FrameException(Reason.REPLAY, "sequence " + sequence + " seen before");
        }
        mark(sequence);
    }

    /**
     * Says whether {@link #accept} would take a frame's (incarnation, sequence), without taking it:
     * the check a receiver makes before spending an authentication code on a frame.
     *
     * @throws FrameException REPLAY if it was accepted before, is too old, or from an older incarnation
     */
    public synchronized void check(long frameIncarnation, long sequence) throws FrameException {
        if (sequence < 0) {
            throw new FrameException(Reason.MALFORMED, "negative sequence");
        }
        belowFloor(frameIncarnation, sequence);
        if (!any || frameIncarnation > incarnation) {
            return;
        }
        if (frameIncarnation < incarnation) {
            throw new FrameException(Reason.REPLAY, "incarnation " + frameIncarnation + " older than " + incarnation);
        }
        if (sequence > highest) {
            return;
        }
        if (highest - sequence >= WINDOW) {
            throw new FrameException(Reason.REPLAY, "sequence " + sequence + " is older than the window");
        }
        if (isMarked(sequence)) {
            throw new FrameException(Reason.REPLAY, "sequence " + sequence + " seen before");
        }
    }

    private void belowFloor(long frameIncarnation, long sequence) throws FrameException {
        if (floor != null && (frameIncarnation < floor.incarnation()
                || frameIncarnation == floor.incarnation() && sequence <= floor.sequence())) {
            throw new FrameException(Reason.REPLAY, "incarnation " + frameIncarnation + " sequence " + sequence
                    + " is at or below what this receiver accepted before it restarted");
        }
    }

    /**
     * @return the newest frame accepted, for the next window of this receiver ({@link #AntiReplay(Floor)}):
     *     this window's floor while it accepted nothing
     * @since 1.2 (org.hasm.wire 1.2.0)
     */
    public synchronized Floor floor() {
        return any ? new Floor(incarnation, highest) : floor;
    }

    /** @return the incarnation of the sender last accepted, 0 if none */
    public synchronized long incarnation() {
        return any ? incarnation : 0;
    }

    private void mark(long s) {
        int bit = (int) (s % WINDOW);
        seen[bit >>> 6] |= 1L << (bit & 63);
    }

    private void clear(long s) {
        int bit = (int) (s % WINDOW);
        seen[bit >>> 6] &= ~(1L << (bit & 63));
    }

    private boolean isMarked(long s) {
        int bit = (int) (s % WINDOW);
        return (seen[bit >>> 6] & (1L << (bit & 63))) != 0;
    }
}
