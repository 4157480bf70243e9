package org.hasm.spi;

/** Where a module is in its lifecycle, as the controller last saw it. */
public enum ModuleStatus {
    /** Registered, not called yet. */
    REGISTERED,
    /** {@code init} passed. */
    INITIALIZED,
    /** {@code test} passed. */
    TESTED,
    /** {@code opMode} passed: the module serves in the current mode. */
    ACTIVE,
    /** {@code stop} returned. */
    STOPPED,
    /** {@code shutDown} returned. */
    SHUT_DOWN,
    /** A call threw, or the module called {@link HaContext#panic}. */
    FAILED,
    /**
     * A call did not return by its deadline. While it still runs, {@link ModuleInfo#inCallSince()}
     * says since when; once it returns the status becomes what the call really did.
     */
    TIMED_OUT,
    /** Another module with the same name is registered: this one waits, uncalled, until that one leaves. */
    CONFLICT,
    /** Its service properties are invalid ({@link ModuleInfo#lastError()} says which): never called. */
    INVALID
}
