package org.hasm.itests.dist;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.BitSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds a range of ports that nothing on this machine uses, for a process the test starts and
 * that binds fixed ports of its own (a demo pair: base port P to P+span).
 *
 * <p>A probe only says the ports are free now; the process binds them a few seconds later. Test
 * classes run in parallel in one JVM, so every range handed out is also reserved here until
 * {@link #release}: two tests of this JVM never get overlapping ranges, whatever their timing.
 */
public final class FreePorts {

    private static final int TRIES = 50;
    private static final int LOW = 20_000;
    /*
     * Below Linux's ephemeral range (32768-60999): an outgoing connection takes its local port from
     * that range, so a port probed free there can be taken before the SCM binds it (seen: scm-b's
     * link connecting to scm-a's not yet listening link port on loopback held that very port, and
     * scm-a went to MONITOR with "Address already in use").
     */
    private static final int HIGH = 32_000;

    /* Guarded by itself: the ports handed out by range() and Pair and not released yet. */
    private static final BitSet RESERVED = new BitSet(65_536);

    private FreePorts() {
    }

    /**
     * Reserves base..base+span for the caller, unless a port of it is reserved already.
     *
     * @return whether the range is now the caller's
     */
    public static boolean reserve(int base, int span) {
        synchronized (RESERVED) {
            int taken = RESERVED.nextSetBit(base);
            if (taken >= 0 && taken <= base + span) {
                return false;
            }
            RESERVED.set(base, base + span + 1);
            return true;
        }
    }

    /** Gives back a range {@link #reserve} granted, once nothing of the caller's binds it any more. */
    public static void release(int base, int span) {
        synchronized (RESERVED) {
            RESERVED.clear(base, base + span + 1);
        }
    }

    /**
     * @param span the range is base..base+span
     * @param hosts the addresses the process binds (loopback only)
     * @return a base port whose whole range is free on every host, TCP and UDP, at this moment
     * @throws IllegalStateException if no such range was found in a bounded number of tries
     */
    public static int range(int span, String... hosts) throws IOException {
        for (int attempt = 0; attempt < TRIES; attempt++) {
            // random, so that parallel test runs rarely probe the same range
            int base = ThreadLocalRandom.current().nextInt(LOW, HIGH - span);
            if (!reserve(base, span)) {
                continue;
            }
            if (free(base, span, hosts)) {
                // kept reserved: the callers do not say when their process is gone, and a range
                // given out once is never given to another test of this JVM
                return base;
            }
            release(base, span);
        }
        throw new IllegalStateException("no free range of " + (span + 1) + " ports in " + TRIES + " tries");
    }

    private static boolean free(int base, int span, String... hosts) throws IOException {
        for (String host : hosts) {
            InetAddress address = InetAddress.getByName(host);
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException(host + " is not a loopback address");
            }
            for (int port = base; port <= base + span; port++) {
                InetSocketAddress socketAddress = new InetSocketAddress(address, port);
                try (ServerSocket tcp = new ServerSocket()) {
                    tcp.bind(socketAddress);
                } catch (IOException e) {
                    return false;
                }
                try (DatagramSocket udp = new DatagramSocket(socketAddress)) {
                    udp.getLocalPort();
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return true;
    }
}
