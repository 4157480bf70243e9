package org.hasm.spi.peer;

/**
 * What became of the link's connection to the peer on one channel: the evidence a kernel gives when
 * the process at the other end is gone (its connections reset, its port refusing) or merely out of
 * reach (silence).
 *
 * @since package 1.1.0, hasm 1.0.0
 */
public enum LinkState {
    /** A connection to the peer is open on the channel. */
    CONNECTED,
    /** The peer's end closed or reset the connection (EOF or RST): its kernel answered for it. */
    CLOSED,
    /** A new connection was refused: nothing listens on the peer's port, its kernel said so. */
    REFUSED,
    /** A connection could not be opened or broke without an answer (timeout, no route): no evidence. */
    FAILED
}
