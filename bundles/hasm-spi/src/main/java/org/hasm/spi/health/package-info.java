/**
 * Health of the modules of one SCM: a module's own probe ({@link org.hasm.spi.health.HealthProbe}),
 * which the health monitor calls, and the controller's operations on one module
 * ({@link org.hasm.spi.health.ModuleControl}), which the health monitor uses to restart a failed
 * service or disable one that keeps failing; and the request counters a NAS service offers the SCM's
 * metrics ({@link org.hasm.spi.health.ServiceRequests}, kept by a {@link org.hasm.spi.health.RequestTally}).
 */
@Export
@Version("1.0.0")
package org.hasm.spi.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
