package org.hasm.testkit;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The sockets held on this host, as Linux lists them in {@code /proc/net}, and a bind that proves an
 * endpoint free. The kit gives each personality an address of its own, so what is bound there is the
 * module's.
 */
final class Sockets {
    private static final Path PROC = Path.of("/proc/net");
    /** TCP's LISTEN state in {@code /proc/net/tcp}. */
    private static final String LISTEN = "0A";

    /** An address and port held by a socket. */
    record Endpoint(String protocol, String address, int port) implements Comparable<Endpoint> {
        @Override
        public int compareTo(Endpoint o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return address + ":" + port + " (" + protocol + ")";
        }
    }

    private Sockets() {
    }

    /** @return whether this system lists its sockets in {@code /proc/net} */
    static boolean listed() {
        return Files.isReadable(PROC.resolve("tcp"));
    }

    /**
     * @param addresses IP literals
     * @return every TCP socket listening and every UDP socket bound on one of them
     */
    static Set<Endpoint> held(Collection<String> addresses) {
        Set<Endpoint> found = new TreeSet<>();
        if (!listed()) {
            return found;
        }
        Set<String> wanted = new TreeSet<>();
        for (String a : addresses) {
            wanted.add(canonical(a));
        }
        for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(PROC.resolve(table));
            } catch (IOException e) {
                continue; // no IPv6, say
            }
            String protocol = table.startsWith("tcp") ? "tcp" : "udp";
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 4 || (protocol.equals("tcp") && !f[3].equals(LISTEN))) {
                    continue;
                }
                int colon = f[1].indexOf(':');
                String address = decode(f[1].substring(0, colon));
                if (address != null && wanted.contains(address)) {
                    found.add(new Endpoint(protocol, address, Integer.parseInt(f[1].substring(colon + 1), 16)));
                }
            }
        }
        return found;
    }

    /** @return why the endpoint cannot be bound now, or {@code null} if it can: it is free */
    static String bindProblem(Endpoint e) {
        try {
            InetSocketAddress at = new InetSocketAddress(InetAddress.getByName(e.address()), e.port());
            if (e.protocol().equals("tcp")) {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true); // a connection in TIME_WAIT holds nothing
                    s.bind(at);
                }
            } else {
                try (DatagramSocket s = new DatagramSocket(null)) {
                    s.setReuseAddress(false);
                    s.bind(at);
                }
            }
            return null;
        } catch (IOException x) {
            return x.getMessage();
        }
    }

    /** @return the address as {@link InetAddress#getHostAddress()} writes it, IPv4-mapped IPv6 as IPv4 */
    static String canonical(String literal) {
        try {
            return InetAddress.getByName(literal).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + literal + "' is not an IP address", e);
        }
    }

    /** {@code /proc/net} writes each 32-bit word of an address in the host's byte order. */
    private static String decode(String hex) {
        if (hex.length() != 8 && hex.length() != 32) {
            return null;
        }
        byte[] bytes = new byte[hex.length() / 2];
        for (int w = 0; w < hex.length() / 8; w++) {
            long word = Long.parseLong(hex.substring(w * 8, w * 8 + 8), 16);
            for (int i = 0; i < 4; i++) {
                int shift = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 8 * i : 8 * (3 - i);
                bytes[w * 4 + i] = (byte) (word >>> shift);
            }
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress(); // an IPv4-mapped address comes back as IPv4
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
