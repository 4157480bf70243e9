package org.hasm.spi.config;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One configuration transaction, as committed.
 *
 * @param fingerprint the configuration it produced
 * @param time when the MASTER committed it
 * @param by who asked (the credential and address the admin API names)
 * @param file the configuration it changed ({@code PID} or {@code FACTORYPID~NAME})
 * @param changes the keys it set, with their new values; a key mapped to {@code null} was removed
 * @param peer what became of it on the peer: {@code applied}, or why not (it then restores the
 *     configuration from the replica when it boots)
 * @param resetNeeded the configurations of this commit that services take only at their next boot:
 *     a RESET of each SCM applies them; empty when everything was applied live
 */
public record Commit(Fingerprint fingerprint, Instant time, String by, String file, Map<String, String> changes,
        String peer, List<String> resetNeeded) {
}
