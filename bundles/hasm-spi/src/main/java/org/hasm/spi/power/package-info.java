/**
 * Power: what this SCM knows of the UPS that feeds the pair, for the admin API and its clients.
 * {@link org.hasm.spi.power.PowerMonitor} is provided by hasm's UPS bundle when it is configured.
 *
 * @since package 1.0.0, hasm 1.0.0
 */
@Export
@Version("1.0.0")
package org.hasm.spi.power;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
