package org.hasm.netif.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The kernel's table of TCP sockets of this SCM's network namespace, {@code /proc/net/tcp} and
 * {@code tcp6}: which clients are connected to which service address. No service registers its
 * connections: whatever listens on a personality's address is seen here.
 *
 * <p>A line is {@code sl local rem st ...}; an address is the kernel's 32-bit words printed with
 * {@code %08X} in the host's byte order (one word for IPv4, four for IPv6), a port four hex digits.
 * The state {@code 01} is ESTABLISHED, {@code 0A} LISTEN.
 */
final class TcpTable {
    /** Where the kernel shows the sockets of the namespace this JVM runs in. */
    static final Path PROC_NET = Path.of("/proc/self/net");

    private static final String ESTABLISHED = "01";
    private static final String LISTEN = "0A";
    // ::ffff:0:0/96, the IPv4-mapped prefix, as 12 bytes
    private static final byte[] MAPPED = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    /** What one read found: the connections kept, and how many more matched beyond the bound. */
    record Found(List<TcpConnection> connections, int dropped) {
    }

    /**
     * The TCP ports listening in this namespace: on every address (a wildcard listener, IPv4 or
     * dual-stack IPv6) or on one IPv4 address.
     */
    record Listening(Set<Integer> anyAddress, Set<Endpoint> on) {
        /** @return whether a connection to this address and port would be accepted here */
        boolean accepts(Inet4Address address, int port) {
            return anyAddress.contains(port) || on.contains(new Endpoint(address, port));
        }
    }

    private TcpTable() {
    }

    /**
     * Reads the listeners of {@code tcp} and {@code tcp6} under {@code dir}, at most {@code max} of
     * them (a namespace listens on few ports; the bound keeps a hostile table from taking memory).
     *
     * @throws IOException if a file exists but cannot be read
     * @throws IllegalArgumentException naming the line if a listener's line is not in the kernel's format
     */
    static Listening listening(Path dir, int max, ByteOrder order) throws IOException {
        Set<Integer> any = new HashSet<>();
        Set<Endpoint> on = new HashSet<>();
        int[] f = new int[8];
        for (String name : List.of("tcp", "tcp6")) {
            try (BufferedReader in = Files.newBufferedReader(dir.resolve(name), StandardCharsets.US_ASCII)) {
                String line;
                while ((line = in.readLine()) != null && any.size() + on.size() < max) {
                    if (fields(line, f) < 4 || !line.startsWith(LISTEN, f[6]) || f[7] - f[6] != 2
                            || line.startsWith("sl", f[0])) {
                        continue;
                    }
                    String text = line.substring(f[2], f[3]);
                    int colon = text.indexOf(':');
                    if (colon > 0 && text.substring(0, colon).chars().allMatch(c -> c == '0')) {
                        any.add(port(text, colon, line));
                        continue;
                    }
                    Endpoint e = endpoint(text, order, line);
                    if (e != null) {
                        on.add(e);
                    }
                }
            } catch (NoSuchFileException e) {
                // a kernel without IPv6 has no tcp6
            }
        }
        return new Listening(Set.copyOf(any), Set.copyOf(on));
    }

    /**
     * Reads {@code tcp} and {@code tcp6} under {@code dir} line by line (memory stays bounded
     * whatever the number of sockets).
     *
     * @param dir {@link #PROC_NET}, or a folder with files of that format
     * @param local the service addresses whose connections are wanted
     * @param max how many to keep; the rest are counted
     * @param order the byte order of the host that printed the files
     * @throws IOException if a file exists but cannot be read
     */
    static Found read(Path dir, Set<Inet4Address> local, int max, ByteOrder order) throws IOException {
        // Most lines are other sockets: they are told apart by their text, without being parsed.
        Set<String> wanted = new HashSet<>();
        for (Inet4Address a : local) {
            String hex = hex(a.getAddress(), order);
            wanted.add(hex);
            wanted.add(hex(MAPPED, order) + hex);
        }
        List<TcpConnection> kept = new ArrayList<>();
        int dropped = 0;
        int[] f = new int[8];
        for (String name : List.of("tcp", "tcp6")) {
            try (BufferedReader in = Files.newBufferedReader(dir.resolve(name), StandardCharsets.US_ASCII)) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (fields(line, f) < 4 || !line.startsWith(ESTABLISHED, f[6]) || f[7] - f[6] != 2) {
                        continue;
                    }
                    int colon = line.indexOf(':', f[2]);
                    if (colon < 0 || colon > f[3] || !wanted.contains(line.substring(f[2], colon))) {
                        continue;
                    }
                    TcpConnection c = parse(line, order);
                    if (c == null) {
                        continue;
                    }
                    if (kept.size() < max) {
                        kept.add(c);
                    } else {
                        dropped++;
                    }
                }
            } catch (NoSuchFileException e) {
                // a kernel without IPv6 has no tcp6
            }
        }
        return new Found(kept, dropped);
    }

    /**
     * @param line a line of {@code /proc/net/tcp} or {@code tcp6}
     * @param order the byte order of the host that printed it
     * @return the connection if the line is an ESTABLISHED IPv4 (or IPv4-mapped) connection, else
     *     {@code null} (the header, a listener, another state, a pure IPv6 connection)
     * @throws IllegalArgumentException naming the line if it is not in the kernel's format
     */
    static TcpConnection parse(String line, ByteOrder order) {
        int[] f = new int[8];
        if (fields(line, f) < 4 || line.startsWith("sl", f[0])) {
            return null;
        }
        if (line.charAt(f[1] - 1) != ':') {
            throw new IllegalArgumentException("not a line of /proc/net/tcp: '" + line.strip() + "'");
        }
        if (f[7] - f[6] != 2 || !line.startsWith(ESTABLISHED, f[6])) {
            return null;
        }
        Endpoint l = endpoint(line.substring(f[2], f[3]), order, line);
        Endpoint r = endpoint(line.substring(f[4], f[5]), order, line);
        if (l == null || r == null || l.port == 0 || r.port == 0) {
            return null;
        }
        return new TcpConnection(l.address, l.port, r.address, r.port);
    }

    /**
     * Finds the first four blank-separated fields of a line: {@code bounds[2i]} is where field
     * {@code i} starts, {@code bounds[2i+1]} where it ends.
     *
     * @return how many of the four were found
     */
    private static int fields(String line, int[] bounds) {
        int n = 0;
        int i = 0;
        int length = line.length();
        while (n < 4) {
            while (i < length && line.charAt(i) == ' ') {
                i++;
            }
            if (i == length) {
                break;
            }
            bounds[2 * n] = i;
            while (i < length && line.charAt(i) != ' ') {
                i++;
            }
            bounds[2 * n + 1] = i;
            n++;
        }
        return n;
    }

    /** @return the address as the kernel prints it: each 32-bit word with %08X in the host's order */
    private static String hex(byte[] bytes, ByteOrder order) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(order);
        StringBuilder s = new StringBuilder(bytes.length * 2);
        while (b.remaining() >= 4) {
            s.append(String.format(Locale.ROOT, "%08X", b.getInt()));
        }
        return s.toString();
    }

    /** An IPv4 address and a TCP port. */
    record Endpoint(Inet4Address address, int port) {
    }

    private static int port(String text, int colon, String line) {
        try {
            if (text.length() - colon - 1 == 4) {
                return Integer.parseInt(text.substring(colon + 1), 16);
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("'" + text + "' is not an address:port of /proc/net/tcp in '"
                + line.strip() + "'");
    }

    // null for an IPv6 address that is not IPv4-mapped
    private static Endpoint endpoint(String text, ByteOrder order, String line) {
        int colon = text.indexOf(':');
        String hex = colon < 0 ? "" : text.substring(0, colon);
        if (colon < 0 || (hex.length() != 8 && hex.length() != 32) || text.length() - colon - 1 != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an address:port of /proc/net/tcp in '"
                    + line.strip() + "'");
        }
        byte[] bytes;
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1), 16);
            ByteBuffer b = ByteBuffer.allocate(hex.length() / 2).order(order);
            for (int i = 0; i < hex.length(); i += 8) {
                b.putInt((int) Long.parseLong(hex.substring(i, i + 8), 16));
            }
            bytes = b.array();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not hexadecimal in '" + line.strip() + "'", e);
        }
        if (bytes.length == 16) {
            for (int i = 0; i < MAPPED.length; i++) {
                if (bytes[i] != MAPPED[i]) {
                    return null;
                }
            }
            bytes = new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
        }
        try {
            return new Endpoint((Inet4Address) InetAddress.getByAddress(bytes), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are an IPv4 address", e);
        }
    }
}
