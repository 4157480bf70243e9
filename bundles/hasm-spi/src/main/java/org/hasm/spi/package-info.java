/**
 * The hasm lifecycle SPI.
 *
 * <p>Every HASM module and every NAS service is an OSGi service of type {@link org.hasm.spi.HaModule}.
 * The controller finds them through the whiteboard pattern and calls them in a documented order;
 * {@link org.hasm.spi.HaController} is the controller's read-only view plus its operator commands.
 *
 * <p>This package is semantically versioned and baselined by the build: a bundle compiled against
 * 1.x keeps resolving against every later 1.x.
 */
@Export
@Version("1.0.0")
package org.hasm.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
