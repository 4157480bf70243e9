package org.hasm.netif.internal;

import java.net.Inet4Address;
import java.util.Comparator;

/**
 * One established TCP connection of a service address, seen from the server: the service's address
 * and port, the client's address and port. Only IPv4: linux mode serves IPv4 addresses only (a
 * dual-stack socket's client shows up in {@code tcp6} as an IPv4-mapped address and is taken as IPv4).
 */
record TcpConnection(Inet4Address local, int localPort, Inet4Address remote, int remotePort) {

    /** A stable order, so that two reads of the same connections compare equal and write the same file. */
    static final Comparator<TcpConnection> ORDER = Comparator
            .comparing((TcpConnection c) -> c.local().getHostAddress())
            .thenComparingInt(TcpConnection::localPort)
            .thenComparing(c -> c.remote().getHostAddress())
            .thenComparingInt(TcpConnection::remotePort);

    TcpConnection {
        if (localPort < 1 || localPort > 65535 || remotePort < 1 || remotePort > 65535) {
            throw new IllegalArgumentException("port out of range 1..65535: " + localPort + ", " + remotePort);
        }
    }

    @Override
    public String toString() {
        return local.getHostAddress() + ":" + localPort + " <- " + remote.getHostAddress() + ":" + remotePort;
    }
}
