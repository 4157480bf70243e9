package org.hasm.itests.cluster;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Which process listens on a TCP address: the one fact that tells, on loopback, which SCM
 * answered a request to a personality's address (both serve the same port on the same address,
 * one at a time). Read from Linux's {@code /proc/net/tcp{,6}} (the socket's inode) and the
 * processes' {@code /proc/<pid>/fd} links; only the given processes are looked at.
 */
public final class Listeners {

    private static final String LISTEN = "0A";

    private Listeners() {
    }

    /**
     * @param pids name → pid of the processes that may hold it
     * @return the names of those that hold a listening socket on {@code ipv4:port}, joined with
     *     '+' ("scm-a", "scm-a+scm-b"); {@code "none"} if none does
     */
    static String holder(Map<String, Long> pids, String ipv4, int port) {
        Set<String> inodes = listeningInodes(ipv4, port);
        StringJoiner names = new StringJoiner("+");
        if (!inodes.isEmpty()) {
            pids.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                if (holdsAny(e.getValue(), inodes)) {
                    names.add(e.getKey());
                }
            });
        }
        return names.length() == 0 ? "none" : names.toString();
    }

    /** The Pair's two SCMs, as far as they run (a pid is that of the current process). */
    public static String holder(Pair pair, String ipv4, int port) {
        Map<String, Long> pids = new TreeMap<>();
        for (Pair.Scm scm : Pair.Scm.values()) {
            if (pair.isAlive(scm)) {
                pids.put(scm.id(), pair.pid(scm));
            }
        }
        return holder(pids, ipv4, port);
    }

    private static Set<String> listeningInodes(String ipv4, int port) {
        String[] octets = ipv4.split("\\.");
        // /proc prints an IPv4 address as one 32-bit word in host (little-endian) order
        String v4 = String.format(Locale.ROOT, "%02X%02X%02X%02X", Integer.parseInt(octets[3]),
                Integer.parseInt(octets[2]), Integer.parseInt(octets[1]), Integer.parseInt(octets[0]));
        String p = String.format(Locale.ROOT, "%04X", port);
        Set<String> inodes = new HashSet<>();
        // a Java server socket is usually an IPv6 one bound to the mapped address ::ffff:a.b.c.d
        collect(Paths.get("/proc/net/tcp"), v4 + ":" + p, inodes);
        collect(Paths.get("/proc/net/tcp6"), "0000000000000000FFFF0000" + v4 + ":" + p, inodes);
        return inodes;
    }

    private static void collect(Path table, String local, Set<String> inodes) {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (IOException e) {
            return; // no IPv6 on this machine: nothing listens there
        }
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            if (f.length > 9 && f[1].equals(local) && f[3].equals(LISTEN)) {
                inodes.add(f[9]);
            }
        }
    }

    private static boolean holdsAny(long pid, Set<String> inodes) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Paths.get("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                        return true;
                    }
                } catch (IOException e) {
                    // closed between the listing and the read
                }
            }
        } catch (IOException e) {
            return false; // the process is gone
        }
        return false;
    }
}
