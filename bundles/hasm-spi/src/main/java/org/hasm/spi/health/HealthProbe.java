package org.hasm.spi.health;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A module's own health check, optional. Registered as an OSGi service with the service property
 * {@link org.hasm.spi.HaModule#MODULE_NAME} naming the module it checks (usually by the same component
 * that registers the {@link org.hasm.spi.HaModule}). The health monitor calls it at its check interval,
 * from its own thread, while the module serves; a probe that finds a problem, throws, or does not
 * return within the monitor's probe deadline counts as a failure of the module: a service is restarted
 * (and disabled if it keeps failing), a module of the {@code hasm} tier makes the SCM reboot.
 *
 * <p>Implemented by modules.
 */
@ConsumerType
public interface HealthProbe {

    /**
     * Checks the module. Must be quick (well under a second) and must not block on the module's own
     * lifecycle calls.
     *
     * @return {@code null} when healthy, otherwise what is wrong, for the operator
     * @throws Exception counted as a failed probe, with the exception's message
     */
    String probe() throws Exception;
}
