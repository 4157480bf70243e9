package org.hasm.status.internal;

import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.wire.PeerFilter;

/**
 * One channel of the {@link Monitor}: the transport and its entry in the patent's status information
 * database — its counter and status, what was sent, received, missed, refused and dropped, the
 * receive budgets of its sockets and the window a flood is judged on.
 *
 * <p>Threads: {@code sent}, {@code errors} and {@code sendFailing} are the sender thread's; everything
 * else is the receiver thread's. The volatile fields are read by other threads for {@link #view}.
 */
final class Slot {
    final int index;
    final Channel channel;
    final boolean storage;
    final PeerFilter filter;
    final int start;
    SelectionKey mainKey;
    SelectionKey strayKey;
    // written by the sender thread only
    volatile long sent;
    volatile long errors;
    boolean sendFailing;
    // written by the receiver thread only
    volatile long received;
    // shown: the gaps counted so far plus the intervals overdue now
    volatile long missed;
    volatile long rejectedRead;
    volatile long strayDropped;
    volatile long dropped;
    volatile int counter;
    volatile ChannelStatus status = ChannelStatus.GOOD;
    // when the last frame of the peer arrived here, null before the first: for the note of a BAD channel
    volatile Instant lastArrival;
    // why the peer's last frame here was refused for its wire version, null once a frame is taken again:
    // a pair of two releases that cannot talk says so in the status, not as silence alone
    volatile String refusedVersion;
    long lastIncarnation = Long.MIN_VALUE;
    long lastSequence;
    long beatTick;
    long unreachableSeen;
    int mainLeft;
    int strayLeft;
    boolean flooding;
    long floodStart;
    long floodSince;
    InetSocketAddress strayFrom;
    private long mainDropsBase = -1;
    private long strayDropsBase = -1;
    private final long[] floodWindow;
    private long floodLastTotal;
    // missed frames known for certain: gaps in the sequence (network), overdue intervals that ended (storage)
    private long missedGaps;
    // intervals in a row in which nothing of the peer arrived while something was expected
    private long silentTicks;
    private boolean arrivedSinceTick;

    /**
     * @param start the counter's start: the network channels' {@code counter.start}, a storage channel's own
     * @param detection intervals a flood is judged over
     */
    Slot(int index, Channel channel, boolean storage, PeerFilter filter, int start, int detection, int mainBudget,
            int strayBudget) {
        this.index = index;
        this.channel = channel;
        this.storage = storage;
        this.filter = filter;
        this.start = start;
        this.counter = start;
        this.mainLeft = mainBudget;
        this.strayLeft = strayBudget;
        this.floodWindow = new long[Math.max(1, detection)];
    }

    /**
     * The patent's count for an accepted frame: grows by the sequence delta since the last frame,
     * capped at the channel's start value. A new life of the peer has no baseline to count gaps from,
     * and is given the full count, as every channel has at boot: counting it as 1 would leave a channel
     * that was BAD when the peer (re)started hovering at 1 (one up per frame, one down per interval)
     * and flapping.
     *
     * <p>What was missed: on a network channel, the gap in the peer's sequence, which replaces the
     * estimate {@link #tick} made while nothing arrived. The storage heartbeat is a register read once
     * an interval, not a queue: a read that finds two steps taken lost nothing, so there only the
     * overdue intervals count.
     *
     * @return whether the channel has just become GOOD
     */
    boolean count(long incarnation, long sequence) {
        arrivedSinceTick = true;
        long overdue = overdue();
        silentTicks = 0;
        long delta;
        if (lastIncarnation != incarnation) {
            delta = start;
            // no gap to count across lives: what the silence missed stays missed
            missedGaps += overdue;
            lastIncarnation = incarnation;
            lastSequence = sequence;
        } else if (sequence > lastSequence) {
            delta = sequence - lastSequence;
            // a gap far beyond the silence is no loss: the peer's monitor was started again in the same life
            // (its bundle updated in place) and numbers from higher up (Incarnation.firstSequence)
            long gap = delta - 1 > overdue + start ? overdue : delta - 1;
            missedGaps += storage ? overdue : gap;
            lastSequence = sequence;
        } else {
            delta = 1; // a late frame, counted as missed when its successor came: take that back
            if (missedGaps > 0 && !storage) {
                missedGaps--;
            }
        }
        missed = missedGaps;
        lastArrival = Instant.now().truncatedTo(ChronoUnit.MILLIS); // frames of one interval read as one instant
        counter = (int) Math.min(start, counter + Math.min(delta, start));
        if (status != ChannelStatus.GOOD) {
            status = ChannelStatus.GOOD;
            return true;
        }
        return false;
    }

    /**
     * The status analyzer's step: the counter drops by one. An interval in which nothing arrived
     * while the peer was expected to send counts as missed once it is overdue beyond the first: a
     * frame's arrival jitters around the tick, and one interval without a frame is how jitter looks.
     *
     * @param expecting the peer was heard in its current life and has not said it stops: an interval
     *     without its frame is a frame missed (also while it is held dead: it is missed all the same)
     * @param stopping the peer said it stops (HALTED): a channel that runs out is IDLE, not BAD
     * @return whether the channel has just become BAD or IDLE
     */
    boolean tick(boolean expecting, boolean stopping) {
        if (!arrivedSinceTick && expecting) {
            silentTicks++;
        }
        arrivedSinceTick = false;
        missed = missedGaps + overdue();
        int c = counter;
        if (c > 0) {
            counter = --c;
            if (c == 0 && status == ChannelStatus.GOOD) {
                status = stopping ? ChannelStatus.IDLE : ChannelStatus.BAD;
                return true;
            }
        } else if (stopping && status == ChannelStatus.BAD) {
            // it ran out before the peer's last word arrived on another channel: it is no outage either
            status = ChannelStatus.IDLE;
            return true;
        }
        return false;
    }

    private long overdue() {
        return Math.max(0, silentTicks - 1);
    }

    /**
     * What the kernel says it dropped for this channel's sockets, counted from the first reading.
     *
     * @param main the genuine socket's drops, {@code null} if not known
     * @param stray the stray socket's drops, {@code null} if not known
     */
    void kernelDrops(Long main, Long stray) {
        if (main != null) {
            mainDropsBase = mainDropsBase < 0 ? main : mainDropsBase;
            dropped = main - mainDropsBase;
        }
        if (stray != null) {
            strayDropsBase = strayDropsBase < 0 ? stray : strayDropsBase;
            strayDropped = stray - strayDropsBase;
        }
    }

    /** @return datagrams refused over the last detection time, counting this interval's */
    long floodTick(long tick) {
        long total = rejected();
        floodWindow[(int) (tick % floodWindow.length)] = total - floodLastTotal;
        floodLastTotal = total;
        long recent = 0;
        for (long n : floodWindow) {
            recent += n;
        }
        return recent;
    }

    /** @return datagrams refused: read and refused, and strays the kernel dropped unread */
    long rejected() {
        return rejectedRead + strayDropped;
    }

    /**
     * @param peer the peer's name, for the note
     * @param stopping the peer said it stops (HALTED)
     */
    Views.Channel view(String peer, boolean stopping) {
        ChannelStatus st = status;
        String note = null;
        if (st == ChannelStatus.BAD) {
            Instant last = lastArrival;
            if (storage) {
                note = last == null ? "no heartbeat of " + peer + " yet" : "the heartbeat of " + peer + " unchanged since "
                        + last;
            } else {
                note = "nothing received from " + peer + (last == null ? " yet" : " since " + last);
            }
            String refused = refusedVersion;
            if (refused != null) {
                note += " (its frames are refused: " + refused + ")";
            }
        } else if (st == ChannelStatus.IDLE && stopping) {
            note = peer + " said it stops (HALTED)";
        }
        return new Views.Channel(channel.name(), st, sent, received, missed, rejected(), errors, counter, dropped, note);
    }
}
