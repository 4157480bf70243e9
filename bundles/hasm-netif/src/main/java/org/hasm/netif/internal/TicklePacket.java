package org.hasm.netif.internal;

import java.net.Inet4Address;
import java.nio.ByteBuffer;

/**
 * The bytes of a TCP segment with its IPv4 header, as a raw socket with {@code IP_HDRINCL} sends
 * it: no options, no payload.
 *
 * <p>A <em>tickle</em> is such a segment from a personality's address and service port to a client,
 * with the flag ACK alone and sequence and acknowledgement numbers the client's connection cannot
 * expect (it did not send them): the client's stack finds it outside its window and answers with an
 * ACK that carries its real numbers (RFC 793, 3.9; RFC 5961, 4 and 5). That answer reaches the SCM
 * that now holds the address, which has no such connection and resets it, so the client learns at
 * once that its connection is gone instead of after its retransmissions time out, or never, if it
 * was waiting for the server.
 */
final class TicklePacket {
    static final int LENGTH = 40;
    static final int FLAG_RST = 0x04;
    static final int FLAG_ACK = 0x10;
    private static final int TTL = 64;
    private static final int PROTO_TCP = 6;
    private static final int DONT_FRAGMENT = 0x4000;

    private TicklePacket() {
    }

    /**
     * @param seq the sequence number; for a tickle one the client cannot find in its window
     * @param flags TCP flags ({@link #FLAG_ACK} for a tickle)
     * @param window the window field
     * @return the 40 bytes of the IPv4 header and the TCP header, both checksums filled in
     */
    static byte[] segment(Inet4Address from, int fromPort, Inet4Address to, int toPort, int seq, int ack,
            int flags, int window) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH); // network byte order
        // IPv4: version 4, 5 words; no TOS; total length; id 0 with DF (nothing to fragment); TTL; TCP
        b.put((byte) 0x45).put((byte) 0).putShort((short) LENGTH).putShort((short) 0)
                .putShort((short) DONT_FRAGMENT).put((byte) TTL).put((byte) PROTO_TCP).putShort((short) 0)
                .put(from.getAddress()).put(to.getAddress());
        // TCP: ports, numbers, 5 words and the flags, window, checksum, no urgent pointer
        b.putShort((short) fromPort).putShort((short) toPort).putInt(seq).putInt(ack)
                .put((byte) 0x50).put((byte) flags).putShort((short) window).putShort((short) 0).putShort((short) 0);
        byte[] p = b.array();
        put16(p, 10, checksum(p, 0, 20, 0));
        // the pseudo-header: source, destination, zero, protocol, TCP length
        long pseudo = sum(p, 12, 8) + PROTO_TCP + (LENGTH - 20);
        put16(p, 36, checksum(p, 20, LENGTH - 20, pseudo));
        return p;
    }

    /** @return a tickle: ACK from the service's endpoint to the client's with numbers it cannot expect */
    static byte[] tickle(TcpConnection c, int seq) {
        return segment(c.local(), c.localPort(), c.remote(), c.remotePort(), seq, 0, FLAG_ACK, 0);
    }

    /** The Internet checksum (RFC 1071) of {@code length} bytes from {@code offset}, plus {@code initial}. */
    static int checksum(byte[] p, int offset, int length, long initial) {
        long sum = initial + sum(p, offset, length);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static long sum(byte[] p, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int hi = p[offset + i] & 0xff;
            int lo = i + 1 < length ? p[offset + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        return sum;
    }

    private static void put16(byte[] p, int at, int v) {
        p[at] = (byte) (v >>> 8);
        p[at + 1] = (byte) v;
    }
}
