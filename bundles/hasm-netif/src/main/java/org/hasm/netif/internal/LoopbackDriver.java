package org.hasm.netif.internal;

import java.net.InetAddress;
import java.util.Set;

/**
 * Loopback mode: every personality has its own 127.x address, which is always there, so taking one
 * over is bookkeeping only (the services then bind it). What is checked is that nobody configured a
 * real address in this mode: serving it would need linux mode.
 */
final class LoopbackDriver implements Driver {

    @Override
    public String refuse(InetAddress address) {
        return address.isLoopbackAddress() ? null
                : "is not a loopback address (127.0.0.0/8 or ::1): mode=loopback cannot serve it; use mode=linux";
    }

    @Override
    public Up up(String address) {
        return Up.ADDED;
    }

    @Override
    public void down(String address) {
        // nothing was configured
    }

    @Override
    public Set<String> leftovers() {
        return Set.of();
    }

    @Override
    public void selfTest() {
        // needs nothing
    }

    @Override
    public void close() {
        // nothing runs
    }
}
