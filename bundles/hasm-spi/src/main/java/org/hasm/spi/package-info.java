/**
 * The hasm lifecycle SPI.
 *
 * <p>Every HASM module and every NAS service is an OSGi service of type {@link org.hasm.spi.HaModule}.
 * The controller finds them through the whiteboard pattern and calls them in a documented order;
 * {@link org.hasm.spi.HaController} is the controller's read-only view plus its operator commands.
 *
 * <p>This package is semantically versioned and baselined by the build: a bundle compiled against
 * 1.x keeps resolving against every later 1.x.
 *
 * <p>1.1: a module may declare the services it must follow ({@link org.hasm.spi.HaModule#MODULE_AFTER})
 * and its own deadline per call ({@link org.hasm.spi.HaModule#MODULE_DEADLINE_OPMODE} and the other
 * {@code MODULE_DEADLINE_*}); services that do not follow each other are called in parallel; the
 * status shows a call in progress ({@link org.hasm.spi.ModuleInfo#inCallSince()}) and the journal a
 * call that returned after its deadline ({@link org.hasm.spi.CallRecord#late()}); the controller says since
 * when it is in its state ({@link org.hasm.spi.HaController#since()}), why in every state that needs it, and
 * refuses a command it cannot carry out with why; it says where the pair is administered
 * ({@link org.hasm.spi.HaController#master()}) and carries a command out on the peer
 * ({@link org.hasm.spi.HaController#peerCommand}); the everyday operations on a cooperative handover
 * (move, standby, unstandby, failback, maintenance) and what the status shows of them.
 *
 * <p>1.2: every personality of the pair as configured ({@link org.hasm.spi.HaController#pairPersonalities()}).
 */
@Export
@Version("1.2.0")
package org.hasm.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
