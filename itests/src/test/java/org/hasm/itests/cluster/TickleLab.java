package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.support.Await;

/**
 * For {@link TickleIT} and {@link TickleBench}: a pair in {@code linux} mode in namespaces, laid out as {@link NetnsPairIT}'s: a "switch" with
 * the bridges {@code host} (the SCMs' own addresses, the personalities', the client) and
 * {@code link}; each SCM fences the other with the {@code netns} agent (its switch ports down).
 */
final class TickleLab {
    private static final Duration STEP = Duration.ofSeconds(20);
    static final String NET = "198.51.100.";
    static final int PREFIX = 25;
    static final String CLIENT = NET + "100";
    static final String ADDRESS_A = NET + "21";
    static final String ADDRESS_B = NET + "22";
    static final String FILE = "tickle.txt";

    private final NetnsLab lab;
    private final Pair pair;

    TickleLab(NetnsLab lab, Pair pair) {
        this.lab = lab;
        this.pair = pair;
    }

    /** Lays the network out, configures both SCMs with tickles on, starts the pair and waits for DAC. */
    static TickleLab inDac(NetnsLab lab, Pair pair) throws Exception {
        TickleLab t = new TickleLab(lab, pair);
        t.network();
        t.configure(A, true);
        t.configure(B, true);
        PairFaultIT.startInDac(pair);
        return t;
    }

    static void requireTools(String test) {
        Requirements.require(Requirements.isRoot(), test + " needs root: it makes network namespaces and the"
                + " SCMs send tickles from a raw socket");
        for (String tool : List.of("ip", "arping", "curl")) {
            Requirements.require(Requirements.tool(tool) != null, test + " needs '" + tool
                    + "' (apt-get install iproute2 iputils-arping curl)");
        }
    }

    static String machine(Scm scm) {
        return scm == A ? "a" : "b";
    }

    static String address(Scm personality) {
        return personality == A ? ADDRESS_A : ADDRESS_B;
    }

    static String own(Scm scm, String network) {
        return NET + (network.equals("host") ? (scm == A ? 11 : 12) : (scm == A ? 139 : 140));
    }

    static List<String> ports(Scm scm) {
        return List.of(machine(scm) + "-host", machine(scm) + "-link");
    }

    void network() throws IOException, InterruptedException {
        lab.bridge("host");
        lab.bridge("link");
        for (Scm scm : Scm.values()) {
            String m = machine(scm);
            lab.machine(m);
            lab.plug(m, "eth0", "02:68:61:00:0" + m + ":00", own(scm, "host") + "/" + PREFIX, "host");
            lab.plug(m, "eth1", "02:68:61:00:0" + m + ":01", own(scm, "link") + "/" + PREFIX, "link");
            pair.wrap(scm, List.of("ip", "netns", "exec", lab.ns(m)));
        }
        lab.machine("c");
        lab.plug("c", "eth0", "02:68:61:00:0c:00", CLIENT + "/" + PREFIX, "host");
        pair.admin((scm, method, path) -> NetnsAdmin.call(lab, pair, machine(scm), scm, method, path));
    }

    /** Channels on the namespaces' networks, addresses, netif in linux mode, the netns agent, long keep-alive. */
    void configure(Scm scm, boolean tickles) throws IOException {
        NetnsAdmin.moveChannels(pair, scm, TickleLab::own);
        for (Scm p : Scm.values()) {
            pair.editConfig(scm, "org.hasm.personality~" + p.personality().toLowerCase() + ".cfg",
                    "addresses=" + pair.personalityAddress(p), "addresses=" + address(p));
        }
        tickles(scm, tickles);
        // an idle client stays connected for the whole test unless the server goes away
        pair.writeConfig(scm, "org.hasm.nas.http.cfg", "keepalive.timeout.ms=120000\n");
        pair.editConfig(scm, "org.hasm.status.cfg", "fence.agent=process", "fence.agent=netns");
        StringBuilder downs = new StringBuilder();
        for (String port : ports(scm.other())) {
            downs.append(downs.length() == 0 ? "" : " && ").append("ip -n ").append(lab.switchNs())
                    .append(" link set dev ").append(port).append(" down");
        }
        pair.writeConfig(scm, "org.hasm.fence.cfg", "fence.netns.command=sh -c '" + downs + "'\n");
        Path volume = pair.shared().resolve("volumes").resolve(pair.volume(scm));
        Files.createDirectories(volume);
        Files.writeString(volume.resolve(FILE), "personality " + scm.personality() + "\n", StandardCharsets.UTF_8);
    }

    /** netif in linux mode, with tickles on or off, the connection list read every 200 ms; before a start. */
    void tickles(Scm scm, boolean on) throws IOException {
        pair.writeConfig(scm, "org.hasm.netif.cfg", "mode=linux\ndevice=eth0\nprefix=" + PREFIX
                + "\ntickle.enabled=" + on + "\ntickle.interval.ms=200\n");
    }

    /** @return the command prefix that runs a program on the client machine */
    List<String> onClient() {
        return List.of("ip", "netns", "exec", lab.ns("c"));
    }

    ClientProcess client(Scm personality) throws IOException {
        return ClientProcess.start(lab, "c", address(personality), pair.httpPort(), "/files/" + FILE);
    }

    /**
     * Opens the client's connection to the personality, gets the file once, and waits until the
     * serving SCM's connection list on the shared storage names the connection.
     */
    void connectAndWait(ClientProcess client, Scm personality) throws IOException, InterruptedException {
        Duration first = Duration.ofSeconds(30); // a JVM start in a namespace, on a loaded machine
        for (int attempt = 1; ; attempt++) {
            client.command("connect");
            if (client.expect("connect", first).text().equals("connected")) {
                break;
            }
            if (attempt == 20) {
                throw new AssertionError("the client cannot connect to " + address(personality) + ": "
                        + client.said() + pair.diagnostics());
            }
            first = STEP;
        }
        client.command("get");
        client.expect("sent", STEP);
        client.expect("response 200", STEP);
        awaitListed(personality, pair.httpPort());
    }

    /**
     * Waits until the connection list of the SCM serving {@code personality} (in DAC, its own) on
     * the shared storage names a connection of the client to the personality's address and {@code port}.
     */
    void awaitListed(Scm personality, int port) throws InterruptedException {
        Scm server = personality;
        Path list = pair.shared().resolve("connections").resolve(server.id() + ".tcp");
        String entry = address(personality) + " " + port + " " + CLIENT + " ";
        Await.until(server.id() + "'s connection list to name the client's connection", STEP, () -> {
            try {
                return Files.exists(list) && Files.readString(list, StandardCharsets.US_ASCII).contains(entry);
            } catch (IOException e) {
                return false; // replaced while read: the next poll reads the new one
            }
        }, () -> list + ": " + read(list) + pair.diagnostics());
    }

    private boolean isServing(Scm scm, Scm personality) {
        try {
            return lab.addresses(machine(scm), "eth0").contains(address(personality));
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    /**
     * A machine crash: the SCM's switch ports go down (nothing it sends reaches anyone), then its
     * JVM is killed. Waits until the peer is DEGRADED/MASTER and holds the address.
     *
     * @return when the takeover was seen complete ({@link System#nanoTime()})
     */
    long crash(Scm scm) throws IOException, InterruptedException {
        cut(scm);
        return awaitTakeover(scm);
    }

    /** The machine crash alone: the SCM's switch ports down, then its JVM killed. */
    void cut(Scm scm) throws IOException, InterruptedException {
        for (String port : ports(scm)) {
            lab.setPort(port, false);
        }
        pair.kill(scm);
    }

    /**
     * @return when the peer of the crashed {@code scm} was seen DEGRADED/MASTER and holding its
     *     address ({@link System#nanoTime()})
     */
    long awaitTakeover(Scm scm) throws IOException, InterruptedException {
        pair.awaitState(scm.other(), "DEGRADED", "MASTER", STEP);
        Await.until(scm.other().id() + " to hold " + address(scm), STEP, () -> isServing(scm.other(), scm),
                pair::diagnostics);
        return System.nanoTime();
    }

    /** The crashed SCM's ports up again, the SCM restarted; back to DAC with its personality. */
    void restartAndFailBack(Scm scm) throws IOException, InterruptedException {
        for (String port : ports(scm)) {
            lab.setPort(port, true);
        }
        pair.start(scm);
        pair.awaitState(scm, "DAC", null, Pair.BOOT);
        pair.awaitState(scm.other(), "DAC", null, STEP);
        Await.until(scm.id() + " to hold " + address(scm) + " again", STEP,
                () -> isServing(scm, scm) && !isServing(scm.other(), scm), pair::diagnostics);
    }
}
