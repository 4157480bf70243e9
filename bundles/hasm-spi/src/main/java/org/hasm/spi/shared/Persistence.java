package org.hasm.spi.shared;

/** How long a shared object lives. */
public enum Persistence {
    /**
     * Kept in the data folder of both SCMs: it survives the power cycle of either SCM and of both.
     */
    PERSISTENT,
    /**
     * Kept in the memory of both SCMs: it survives the restart of one SCM (the other gives it back
     * when it returns), not the power cycle of both. After that it does not exist: the service that
     * uses it creates it again.
     */
    VOLATILE
}
