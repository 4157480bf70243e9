package org.hasm.netif.internal;

import java.net.InetAddress;
import java.util.Set;
import org.hasm.spi.HaException;

/** Brings addresses up and down in one mode; called by {@link Addresses} only, one call at a time. */
interface Driver {

    /** What {@link #up} did. */
    enum Up {
        /** The address was brought up here: it is ours to take down. */
        ADDED,
        /** The address was already on the device, configured by someone else: never take it down. */
        PRESENT
    }

    /**
     * @param address a parsed address
     * @return why this mode cannot serve it, or {@code null} if it can
     */
    String refuse(InetAddress address);

    /**
     * Brings an address up.
     *
     * @param address canonical text of an address {@link #refuse} accepted
     * @throws DuplicateAddressException if another host on the link answers for it (nothing added)
     * @throws HaException if it could not be brought up
     */
    Up up(String address) throws DuplicateAddressException, HaException;

    /**
     * Takes down an address {@link #up} added. An address that is gone already is fine.
     *
     * @throws HaException if it is still there
     */
    void down(String address) throws HaException;

    /**
     * @return addresses this module left behind in an earlier run (it crashed before it could take
     *     them down); none if the mode cannot tell
     * @throws HaException if they could not be listed
     */
    Set<String> leftovers() throws HaException;

    /** @throws HaException if the tools or the device this mode needs are not there */
    void selfTest() throws HaException;

    /** Waits, bounded, for background work to end. */
    void close();

    /** Another host on the link answered duplicate address detection for an address. */
    final class DuplicateAddressException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String holder;

        DuplicateAddressException(String message, String holder) {
            super(message);
            this.holder = holder;
        }

        /** @return the link-layer address that answered, or "" if not known */
        String holder() {
            return holder;
        }
    }
}
