package org.hasm.spi;

import java.time.Instant;
import org.osgi.annotation.versioning.ProviderType;

/** A snapshot of one module as the controller sees it. Implemented by hasm. */
@ProviderType
public interface ModuleInfo {

    /** @return the module's name */
    String name();

    /** @return the module's tier */
    Tier tier();

    /** @return the module's rank in its tier */
    int rank();

    /** @return the symbolic name of the bundle that registered it */
    String bundle();

    /** @return the version of that bundle */
    String version();

    /** @return the module's status */
    ModuleStatus status();

    /** @return the last call made to it, or {@code null} if none */
    Call lastCall();

    /** @return the last failure (message of what was thrown, or why it timed out), or {@code null} */
    String lastError();

    /** @return when the status last changed */
    Instant since();

    /**
     * When the call now running in the module started: while a call runs, {@link #lastCall()} is
     * that call. A module whose call overran its deadline is {@link ModuleStatus#TIMED_OUT} with this
     * still set until the call returns.
     *
     * @return the start of the call in progress, or {@code null} when the module is not in a call
     * @since 1.1
     */
    default Instant inCallSince() {
        return null;
    }
}
