package org.hasm.spi.address;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A service's wait for the endpoints of one personality, from
 * {@link AddressReadiness#whenUsable}. It ends exactly once: usable, or cancelled. Safe to use from
 * any thread.
 *
 * @since org.hasm.spi.address 1.0.0, hasm 1.0.0
 */
@ProviderType
public interface AddressWait {

    /** Where a wait stands. */
    enum State {
        /** The endpoints are not usable yet: an address is not up here, or a port is taken. */
        WAITING,
        /** The endpoints were usable when the wait ended: listen now. */
        USABLE,
        /** The wait ended without the endpoints: given away, not served here, or cancelled. */
        CANCELLED
    }

    /** @return the name of the personality waited for */
    String personality();

    /** @return the addresses waited for, as the personality gives them */
    List<String> addresses();

    /** @return the ports waited for at each address */
    List<Integer> ports();

    /** @return where the wait stands now */
    State state();

    /**
     * @return why it waits (an address not up here yet, a port in use: the latest check's finding),
     *     why it was cancelled, or an empty string once usable
     */
    String reason();

    /**
     * @return a stage that completes normally once the endpoints are usable, or with a
     *     {@link java.util.concurrent.CancellationException} saying why the wait was cancelled. Its
     *     {@code toCompletableFuture()} is a copy: completing that changes nothing here.
     */
    CompletionStage<Void> usable();

    /**
     * Ends the wait, if it still waits: its stage completes with a
     * {@link java.util.concurrent.CancellationException}. Call it when the personality is no longer
     * yours to serve. Does nothing once the wait has ended.
     */
    void cancel();
}
