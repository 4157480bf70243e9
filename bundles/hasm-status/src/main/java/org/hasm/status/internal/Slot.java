package org.hasm.status.internal;

import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
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
    volatile long missed;
    volatile long rejectedRead;
    volatile long strayDropped;
    volatile long dropped;
    volatile int counter;
    volatile ChannelStatus status = ChannelStatus.GOOD;
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
     * @return whether the channel has just become GOOD
     */
    boolean count(long incarnation, long sequence) {
        long delta;
        if (lastIncarnation != incarnation) {
            delta = start;
            lastIncarnation = incarnation;
            lastSequence = sequence;
        } else if (sequence > lastSequence) {
            delta = sequence - lastSequence;
            missed += delta - 1;
            lastSequence = sequence;
        } else {
            delta = 1; // a late frame, counted as missed when its successor came: take that back
            if (missed > 0) {
                missed--;
            }
        }
        counter = (int) Math.min(start, counter + Math.min(delta, start));
        if (status == ChannelStatus.BAD) {
            status = ChannelStatus.GOOD;
            return true;
        }
        return false;
    }

    /**
     * The status analyzer's step: the counter drops by one.
     *
     * @return whether the channel has just become BAD
     */
    boolean tick() {
        int c = counter;
        if (c > 0) {
            counter = --c;
            if (c == 0 && status == ChannelStatus.GOOD) {
                status = ChannelStatus.BAD;
                return true;
            }
        }
        return false;
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

    Views.Channel view() {
        return new Views.Channel(channel.name(), status, sent, received, missed, rejected(), errors, counter, dropped);
    }
}
