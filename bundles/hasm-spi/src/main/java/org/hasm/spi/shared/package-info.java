/**
 * Persistent shared objects (the patent's PSOM): small named values that both SCMs of the pair
 * hold, changed only under a cluster-wide lock that the MASTER grants. A service keeps here the
 * state that must outlive the SCM that held it: a WebDAV lock, a client list.
 *
 * <p>{@link org.hasm.spi.shared.SharedObjects} is provided by hasm's PSOM module (bundle
 * {@code org.hasm.psom}), one instance per using bundle: the locks a bundle holds are released when
 * it stops using the service (its bundle stops).
 *
 * @since org.hasm.spi.shared 1.0.0, hasm 1.0.0
 */
@Export
@Version("1.0.0")
package org.hasm.spi.shared;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
