package org.hasm.spi;

/**
 * The role an SCM runs in. Exactly one SCM of a pair runs as {@link #MASTER}; the MASTER
 * administers the pair and, in {@link SysConfig#DEGRADED}, serves both personalities.
 */
public enum OpMode {
    /** The SCM that administers the pair and takes over a failed peer. */
    MASTER,
    /** The SCM that serves its own personality and follows the MASTER. */
    SLAVE
}
