package org.hasm.netif.internal;

import java.util.Map;

/**
 * Where the address module's events and log lines go: EventAdmin and the OSGi log in the framework,
 * a recorder in tests. Public only so that the tests of services in other bundles can build a
 * {@link Readiness}; the package is private to the bundle.
 */
public interface Observer {

    /** The level of a log line. */
    enum Level { DEBUG, INFO, WARN, ERROR }

    /** Posts an event; must not block. */
    void event(String topic, Map<String, Object> properties);

    void log(Level level, String message);
}
