package org.hasm.itests.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Network namespaces made for one test: a "switch" namespace with bridges, and namespaces for
 * machines plugged into them by veth pairs (the machine's end named as a NIC, {@code eth0}; the
 * switch's end a port named {@code <machine>-<bridge>}). Names carry a random prefix so that
 * tests running at the same time never meet. {@link #close()} deletes every namespace it made,
 * which takes the veths with it. Needs root and {@code ip}.
 */
final class NetnsLab implements AutoCloseable {

    /** What a command printed and how it ended. */
    record Result(int exit, String output) {
    }

    private static final Duration COMMAND = Duration.ofSeconds(10);
    private static final Pattern LLADDR = Pattern.compile("\\blladdr\\s+([0-9a-f:]{17})");

    private final String prefix;
    private final String sw;
    // The namespaces this lab made, in order; deleted in reverse.
    private final List<String> made = Collections.synchronizedList(new ArrayList<>());

    private NetnsLab(String prefix) {
        this.prefix = prefix;
        this.sw = prefix + "sw";
    }

    /** Makes the switch namespace; bridges and machines are added with {@link #bridge} and {@link #machine}. */
    static NetnsLab create() throws IOException, InterruptedException {
        // "hn" + 5 hex digits + a role: at most 10 characters, well inside IFNAMSIZ should one be used as a name
        String prefix = String.format(Locale.ROOT, "hn%05x", new SplittableRandom().nextInt(1 << 20)) + "-";
        NetnsLab lab = new NetnsLab(prefix);
        try {
            lab.namespace(lab.sw);
        } catch (IOException | RuntimeException | Error e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    /** @return the namespace of a machine (or "sw" for the switch) */
    String ns(String name) {
        return prefix + name;
    }

    String switchNs() {
        return sw;
    }

    /** Adds a bridge to the switch, up, without spanning tree (ports forward at once). */
    void bridge(String bridge) throws IOException, InterruptedException {
        ip("-n", sw, "link", "add", "name", bridge, "type", "bridge", "stp_state", "0");
        ip("-n", sw, "link", "set", "dev", bridge, "up");
    }

    /** Makes a machine's namespace with its loopback up. */
    String machine(String name) throws IOException, InterruptedException {
        String ns = ns(name);
        namespace(ns);
        return ns;
    }

    /**
     * Plugs a NIC of a machine into a bridge of the switch.
     *
     * @param cidr the NIC's own address
     * @return the switch's port name
     */
    String plug(String machine, String nic, String mac, String cidr, String bridge)
            throws IOException, InterruptedException {
        String ns = ns(machine);
        String port = machine + "-" + bridge;
        ip("-n", sw, "link", "add", "name", port, "type", "veth", "peer", "name", nic, "netns", ns);
        ip("-n", sw, "link", "set", "dev", port, "master", bridge);
        ip("-n", sw, "link", "set", "dev", port, "up");
        ip("-n", ns, "link", "set", "dev", nic, "address", mac);
        ip("-n", ns, "addr", "add", cidr, "dev", nic);
        ip("-n", ns, "link", "set", "dev", nic, "up");
        return port;
    }

    /** @return whether a switch port is administratively up */
    boolean portUp(String port) throws IOException, InterruptedException {
        String line = ip("-n", sw, "-o", "link", "show", "dev", port);
        int open = line.indexOf('<');
        int close = line.indexOf('>');
        return open >= 0 && close > open && List.of(line.substring(open + 1, close).split(",")).contains("UP");
    }

    void setPort(String port, boolean up) throws IOException, InterruptedException {
        ip("-n", sw, "link", "set", "dev", port, up ? "up" : "down");
    }

    /** @return the IPv4 addresses on a machine's NIC */
    List<String> addresses(String machine, String nic) throws IOException, InterruptedException {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("\\binet\\s+([0-9.]+)/").matcher(ip("-n", ns(machine), "-o", "-4", "addr", "show",
                "dev", nic));
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** @return the MAC a machine's neighbour table has for {@code address}, or {@code null} if none (or not resolved) */
    String neighbour(String machine, String address) throws IOException, InterruptedException {
        Matcher m = LLADDR.matcher(ip("-n", ns(machine), "neigh", "show", "to", address));
        return m.find() ? m.group(1) : null;
    }

    /** The whole neighbour table of a machine, for messages. */
    String neighbours(String machine) {
        try {
            return ip("-n", ns(machine), "neigh", "show").strip();
        } catch (IOException | InterruptedException | AssertionError e) {
            return "(" + e + ")";
        }
    }

    /** Runs a command inside a machine's namespace. */
    Result exec(String machine, List<String> command, Duration timeout) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns(machine)));
        all.addAll(command);
        return run(all, timeout);
    }

    private String ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        Result r = run(command, COMMAND);
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", command) + ": exit " + r.exit() + ": " + r.output());
        }
        return r.output();
    }

    private void namespace(String ns) throws IOException, InterruptedException {
        ip("netns", "add", ns);
        made.add(ns);
        ip("-n", ns, "link", "set", "dev", "lo", "up");
    }

    /** Runs a command with stdin closed, bounded by {@code timeout} (then killed). */
    static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("hasm-netns-", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout.toMillis()
                        + " ms: " + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Deletes every namespace made, the switch last; reports the first failure after trying all. */
    @Override
    public void close() throws IOException, InterruptedException {
        List<String> failures = new ArrayList<>();
        List<String> all;
        synchronized (made) {
            all = new ArrayList<>(made);
        }
        Collections.reverse(all);
        for (String ns : all) {
            Result r = run(List.of("ip", "netns", "del", ns), COMMAND);
            if (r.exit() != 0) {
                failures.add("ip netns del " + ns + ": " + r.output().strip());
            } else {
                made.remove(ns);
            }
        }
        if (!failures.isEmpty()) {
            throw new IOException(String.join("; ", failures));
        }
    }
}
