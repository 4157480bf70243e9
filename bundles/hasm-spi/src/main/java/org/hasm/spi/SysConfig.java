package org.hasm.spi;

/** The system configuration the pair is in, given with every {@link HaModule#opMode} call. */
public enum SysConfig {
    /** Dual active: each SCM serves its own personality. */
    DAC,
    /** One SCM is down: the MASTER serves both personalities. */
    DEGRADED,
    /**
     * A booting SCM impersonates a SLAVE while the running peer is DEGRADED: it serves nothing yet
     * and assumes DAC once the peer has handed its personality back.
     */
    ASSUMEDAC
}
