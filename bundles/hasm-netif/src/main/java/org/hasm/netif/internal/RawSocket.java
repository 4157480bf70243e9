package org.hasm.netif.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A raw IPv4 socket ({@code socket(AF_INET, SOCK_RAW, IPPROTO_RAW)}, which implies {@code IP_HDRINCL}:
 * the caller writes the IP header) through the C library, by JNA: Java has no raw sockets. It needs
 * CAP_NET_RAW. It lives in the network namespace of this JVM, like the addresses it sends from.
 *
 * <p>Every use of JNA is in this class, so that without the JNA bundle (its import is optional)
 * only {@link #open()} fails, with a {@link LinkageError} its caller reports.
 */
final class RawSocket implements Tickles.Sender {
    private static final int AF_INET = 2;
    private static final int SOCK_RAW = 3;
    private static final int IPPROTO_RAW = 255;
    private static final int EPERM = 1;
    private static final int EACCES = 13;

    /** The three calls of the C library used here. */
    public interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        NativeLong sendto(int fd, byte[] buffer, NativeLong length, int flags, byte[] to, int toLength)
                throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private final LibC libc;
    // Guarded by this: -1 once closed.
    private int fd;

    private RawSocket(LibC libc, int fd) {
        this.libc = libc;
        this.fd = fd;
    }

    /**
     * @return an open raw socket
     * @throws IOException saying why not: without CAP_NET_RAW, or the call failed
     * @throws LinkageError if JNA or its native part cannot be loaded
     */
    static RawSocket open() throws IOException {
        LibC libc = Native.load("c", LibC.class);
        try {
            return new RawSocket(libc, libc.socket(AF_INET, SOCK_RAW, IPPROTO_RAW));
        } catch (LastErrorException e) {
            if (e.getErrorCode() == EPERM || e.getErrorCode() == EACCES) {
                throw new IOException("a raw socket needs CAP_NET_RAW (root), which this SCM lacks (errno "
                        + e.getErrorCode() + ")", e);
            }
            throw new IOException("socket(AF_INET, SOCK_RAW, IPPROTO_RAW) failed: errno " + e.getErrorCode(), e);
        }
    }

    @Override
    public synchronized void send(byte[] packet, Inet4Address to) throws IOException {
        if (fd < 0) {
            throw new IOException("the raw socket is closed");
        }
        // struct sockaddr_in: family in host order, port (unused by raw sockets) and address in network order
        byte[] sin = new byte[16];
        ByteBuffer.wrap(sin).order(ByteOrder.nativeOrder()).putShort((short) AF_INET);
        System.arraycopy(to.getAddress(), 0, sin, 4, 4);
        try {
            long sent = libc.sendto(fd, packet, new NativeLong(packet.length), 0, sin, sin.length).longValue();
            if (sent != packet.length) {
                throw new IOException("sent " + sent + " of " + packet.length + " bytes to " + to.getHostAddress());
            }
        } catch (LastErrorException e) {
            throw new IOException("sendto " + to.getHostAddress() + " failed: errno " + e.getErrorCode(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            try {
                libc.close(fd);
            } catch (LastErrorException e) {
                // nothing to do about a failed close of a socket we only sent on
            }
            fd = -1;
        }
    }
}
