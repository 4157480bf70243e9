package org.hasm.status.internal;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The kernel's count of datagrams it dropped for a socket whose receive buffer was full: the last
 * column of {@code /proc/net/udp} and {@code /proc/net/udp6} (Linux), per socket, keyed by its local
 * and remote address. Where there is no such file, nothing is known and nothing is counted.
 */
final class KernelDrops {

    /**
     * A socket as the table names it.
     *
     * @param local its bound address
     * @param remote the address it is connected to, {@code null} if it is not connected
     */
    record Socket(InetSocketAddress local, InetSocketAddress remote) {
    }

    // The table is a few lines per socket of the host: bounded so that a huge one cannot stall the receiver.
    private static final int MAX_LINES = 100_000;

    private final Path udp;
    private final Path udp6;

    /** @param net the folder of the {@code udp} and {@code udp6} tables, normally {@code /proc/self/net} */
    KernelDrops(Path net) {
        this.udp = net.resolve("udp");
        this.udp6 = net.resolve("udp6");
    }

    static KernelDrops system() {
        return new KernelDrops(Path.of("/proc/self/net"));
    }

    /** @return the drops of each of {@code sockets} found in the tables; a socket not found is absent */
    Map<Socket, Long> read(Collection<Socket> sockets) {
        Map<String, Socket> wanted = new HashMap<>();
        boolean v4 = false;
        boolean v6 = false;
        for (Socket s : sockets) {
            wanted.put(key(s), s);
            boolean six = s.local().getAddress() instanceof Inet6Address;
            v4 |= !six;
            v6 |= six;
        }
        Map<Socket, Long> drops = new HashMap<>();
        if (v4) {
            scan(udp, wanted, drops);
        }
        if (v6) {
            scan(udp6, wanted, drops);
        }
        return drops;
    }

    private static void scan(Path table, Map<String, Socket> wanted, Map<Socket, Long> drops) {
        List<String> lines;
        try {
            lines = Files.readAllLines(table, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return; // not Linux, or no such table: nothing known
        }
        Set<Socket> seen = new HashSet<>();
        for (int i = 1; i < lines.size() && i < MAX_LINES; i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length < 13) {
                continue;
            }
            Socket s = wanted.get(f[1] + " " + f[2]);
            if (s != null && seen.add(s)) {
                try {
                    drops.put(s, Long.parseLong(f[12]));
                } catch (NumberFormatException e) {
                    // a format this code does not know: leave it uncounted
                }
            }
        }
    }

    /** @return the socket's "local remote" columns as the table prints them */
    static String key(Socket s) {
        return hex(s.local()) + " " + (s.remote() == null ? unconnected(s.local().getAddress() instanceof Inet6Address)
                : hex(s.remote()));
    }

    private static String hex(InetSocketAddress a) {
        return hex(a.getAddress()) + ":" + String.format(Locale.ROOT, "%04X", a.getPort());
    }

    private static String unconnected(boolean six) {
        return (six ? "0".repeat(32) : "0".repeat(8)) + ":0000";
    }

    /**
     * The kernel prints the address as 32-bit words in the host's byte order: on a little-endian host
     * each word's bytes come out reversed.
     */
    static String hex(InetAddress address) {
        byte[] b = address.getAddress();
        boolean reverse = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        StringBuilder out = new StringBuilder(b.length * 2);
        for (int word = 0; word < b.length; word += 4) {
            for (int i = 0; i < 4; i++) {
                out.append(String.format(Locale.ROOT, "%02X", b[word + (reverse ? 3 - i : i)] & 0xff));
            }
        }
        return out.toString();
    }
}
