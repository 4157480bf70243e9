package org.hasm.spi.peer;

import org.osgi.annotation.versioning.ProviderType;

/** One channel to the peer and its statistics, as a snapshot. Implemented by hasm. */
@ProviderType
public interface ChannelView {

    /** @return the channel's configured name ({@code link}, {@code host}, ...) */
    String name();

    /** @return GOOD or BAD */
    ChannelStatus status();

    /** @return messages sent on this channel */
    long sent();

    /** @return valid messages received on this channel */
    long received();

    /** @return messages the peer sent that never arrived (gaps in its sequence numbers) */
    long missed();

    /**
     * @return messages received and dropped: bad authentication code, replayed or old sequence,
     *     unknown protocol version, malformed
     */
    long rejected();

    /** @return errors while sending or connecting on this channel */
    long errors();

    /** @return this channel's current counter (status monitor channels; 0 for the link) */
    int counter();
}
