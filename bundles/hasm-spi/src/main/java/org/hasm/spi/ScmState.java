package org.hasm.spi;

/** The states of an SCM's controller (DESIGN §3). */
public enum ScmState {
    /** Not running. */
    OFF,
    /** Modules are initialised and tested. */
    BOOT,
    /** Handshake with the peer, as MASTER or SLAVE. */
    INIT,
    /** Dual active: serving its own personality. */
    DAC,
    /** Serving both personalities: the peer is down. */
    DEGRADED,
    /** Faulted or misconfigured: serves nothing, only administration stays up. */
    MONITOR,
    /** Shut down on command; everything released. */
    HALTED
}
