package org.hasm.spi.config;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.osgi.annotation.versioning.ProviderType;

/**
 * CTCM: the pair's configuration (the node folder's {@code etc/*.cfg} that both SCMs share:
 * personalities, exports, users, timing), changed only by the MASTER as transactions. A transaction is
 * checked as {@code hasm check} checks a node before anything is written, given the next generation
 * and a checksum, written to the replica on the shared storage and to this SCM's configuration
 * database, sent to the peer and applied through Configuration Admin on both. Implemented by hasm.
 */
@ProviderType
public interface PairConfiguration {

    /** @return the committed configuration in force on this SCM */
    Fingerprint fingerprint();

    /**
     * @return the pair's configurations as committed, by file ({@code PID} or {@code FACTORYPID~NAME}),
     *     each with its keys and values, sorted
     */
    SortedMap<String, SortedMap<String, String>> configurations();

    /**
     * Commits a transaction: sets (or, with a {@code null} value, removes) keys of one configuration.
     *
     * @param file {@code PID} or {@code FACTORYPID~NAME} of one of the pair's configurations (a new
     *     one of a factory is created)
     * @param changes the keys and their new values
     * @param by who asks, for the history and the log
     * @return the commit
     * @throws IllegalArgumentException with the check's words (the file, the key, the reason) when the
     *     configuration would be wrong, or the file is not one of the pair's; nothing was written
     * @throws IllegalStateException with why when this SCM may not commit now (it is not the MASTER, the
     *     replica cannot be written); nothing was written
     */
    Commit commit(String file, Map<String, String> changes, String by);

    /** @return the transactions kept, oldest first (a bounded window) */
    List<Commit> history();

    /**
     * @return what differs, one line each: this SCM's configuration files against its database (an
     *     edit by hand), and its configuration against the peer's (when the peer answers)
     */
    List<String> diff();
}
