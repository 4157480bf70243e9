/**
 * Service addresses: when a service may listen on a personality's addresses.
 *
 * <p>After a takeover a personality's address is not always usable at once: in linux mode another
 * host may still answer for it (a paused former owner), and on loopback a paused former owner keeps
 * its listening sockets until it wakes and lets go. A service does not retry on its own: it asks
 * {@link org.hasm.spi.address.AddressReadiness}, provided by hasm's address module, and is told
 * through an {@link org.hasm.spi.address.AddressWait} once it can listen, or that the personality is
 * no longer its to serve.
 *
 * @since org.hasm.spi.address 1.0.0, hasm 1.0.0
 */
@Export
@Version("1.0.0")
package org.hasm.spi.address;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
