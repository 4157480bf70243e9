package org.hasm.spi.node;

import org.osgi.annotation.versioning.ProviderType;

/** Where a {@link ConfigurationCheck} says what it found. Implemented by hasm. */
@ProviderType
public interface Findings {

    /**
     * A key whose value the node cannot run with.
     *
     * @param pid the configuration's PID, or {@code FACTORY~NAME} for a factory configuration
     * @param key the key that is wrong (or that is missing)
     * @param reason what is wrong, for the operator: the value and what is expected
     */
    void problem(String pid, String key, String reason);

    /**
     * A timing value both SCMs of the pair must share (an interval, a lease): the controllers
     * compare them in the INIT handshake, and one that differs puts the SCM in MONITOR naming both
     * values. Report the value in force, the default included.
     *
     * @param pid the configuration's PID, or {@code FACTORY~NAME}
     * @param key the key
     * @param value its value in force
     */
    void timing(String pid, String key, long value);
}
