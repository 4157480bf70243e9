package org.hasm.spi.peer;

import org.osgi.annotation.versioning.ProviderType;

/** One channel to the peer and its statistics, as a snapshot. Implemented by hasm. */
@ProviderType
public interface ChannelView {

    /** @return the channel's configured name ({@code link}, {@code host}, ...) */
    String name();

    /** @return GOOD, BAD, or IDLE when nothing is expected on it */
    ChannelStatus status();

    /**
     * @return why the channel is BAD or IDLE (e.g. "nothing received since ...", "the peer said it stops
     *     (HALTED)", "cannot connect to ...: Connection refused"), or {@code null} when there is nothing to
     *     say (a GOOD channel)
     * @since package 1.1.0, hasm 1.0.0
     */
    default String note() {
        return null;
    }

    /** @return messages sent on this channel */
    long sent();

    /** @return valid messages received on this channel */
    long received();

    /**
     * @return messages expected from the peer that did not arrive: gaps in its sequence numbers, and,
     *     while nothing arrives (the peer silent or dead), every interval overdue beyond the first; a
     *     frame that then arrives replaces that estimate with the exact gap. Not counted before the
     *     peer was first heard, nor after it said it stops.
     */
    long missed();

    /**
     * @return messages received and dropped: from another address than the peer's (counted also
     *     when the kernel dropped them unread for a full buffer), bad authentication code, replayed or
     *     old sequence, unknown protocol version, malformed
     */
    long rejected();

    /**
     * @return datagrams from the peer's own address that the kernel dropped for a full receive
     *     buffer before the monitor could read them; 0 where this is not known (the link, storage)
     * @since package 1.1.0, hasm 1.0.0
     */
    default long dropped() {
        return 0;
    }

    /** @return errors while sending or connecting on this channel */
    long errors();

    /** @return this channel's current counter (status monitor channels; 0 for the link) */
    int counter();
}
