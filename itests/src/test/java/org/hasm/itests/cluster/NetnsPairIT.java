package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.Exclusive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Real address takeover between two SCM processes of the built distribution, each in a network
 * namespace of its own, with a client in a third; all plugged into two bridges of a "switch"
 * namespace: {@code host} (the SCMs' own addresses, the personalities' service addresses, the
 * client; the status monitor's and the link's {@code host} channels) and {@code link} (the SCMs only;
 * the {@code link} channels). The shared storage is a folder both processes see. netif runs in
 * {@code linux} mode on {@code eth0}: {@code ip addr}, duplicate detection and gratuitous ARP. The
 * admin API is reached by curl run inside each SCM's namespace.
 *
 * <p>scm-b fences with the {@code netns} agent, whose command takes scm-a's switch ports down, as a
 * managed switch would; scm-a fences nothing ({@code none}): the command runs on the test machine,
 * so a scm-a cut off could still reach the switch here, which a real one could not. The status
 * settings are the demo's: a scm-a that serves and falls silent on the networks and on the storage
 * alike is fenced at once, before its storage lease runs out, so scm-b fences it instead of taking it
 * over on the lease alone, which would leave A's address answering from scm-a's living namespace.
 *
 * <p>One run, in order: the client reads a file of A's export on A's address and has scm-a's MAC
 * for it; {@code kill -9} scm-a: scm-b fences it (ports down), takes A over, and the client's
 * neighbour entry turns to scm-b's MAC by gratuitous ARP alone, before the client sends anything;
 * the ports back up and scm-a restarted: it takes down the address its killed run left, rejoins as
 * SLAVE and A comes back to it (scm-a's MAC); SIGSTOP scm-a: fenced by the agent for real, taken
 * over before its storage heartbeat could run out; SIGCONT: scm-a finds the new epoch and takes A's
 * address off its NIC, and the client sees only scm-b's MAC.
 */
@ResourceLock(Exclusive.NAMESPACES)
class NetnsPairIT {

    private static final Duration STEP = Duration.ofSeconds(20);
    private static final Duration ARP = Duration.ofSeconds(5);
    private static final String NET = "198.51.100.";
    private static final int PREFIX = 25;
    // host network 198.51.100.0/25; link network 198.51.100.128/25
    private static final String HOST_A = NET + "11";
    private static final String HOST_B = NET + "12";
    private static final String CLIENT = NET + "100";
    private static final String LINK_A = NET + "139";
    private static final String LINK_B = NET + "140";
    private static final String ADDRESS_A = NET + "21";
    private static final String ADDRESS_B = NET + "22";
    private static final String MAC_A = "02:68:61:00:0a:00";
    private static final String MAC_B = "02:68:61:00:0b:00";
    private static final String FILE = "netns.bin";
    /** A channel's address in its configuration (org.hasm.status.channel~NAME.cfg, org.hasm.link.channel~NAME.cfg). */
    private static final Pattern CHANNEL = Pattern.compile("^(local|peer)=[^:]+:(\\d+)$", Pattern.MULTILINE);

    private static final List<String> PORTS_A = List.of("a-host", "a-link");

    // Set by the test before its steps run; one instance per test (JUnit's default lifecycle).
    private NetnsLab lab;
    private Pair pair;
    private String url;
    private byte[] content;
    private long origin;

    @Test
    void addressesMoveByGratuitousArpAndTheNetnsAgentCutsThePausedPeerOff(@TempDir Path work) throws Exception {
        Requirements.require(Requirements.isRoot(), "NetnsPairIT needs root: it makes network namespaces");
        for (String tool : List.of("ip", "arping", "curl")) {
            Requirements.require(Requirements.tool(tool) != null, "NetnsPairIT needs '" + tool
                    + "' (apt-get install iproute2 iputils-arping curl)");
        }
        origin = System.nanoTime();
        try (NetnsLab l = NetnsLab.create(); Pair p = Pair.create(work, Timing.TEST.startedTogether())) {
            lab = l;
            pair = p;
            network();
            configure();
            content = new byte[96 * 1024];
            new SplittableRandom().nextBytes(content);
            Path volumeA = pair.shared().resolve("volumes").resolve(pair.volume(A));
            Files.createDirectories(volumeA);
            Files.write(volumeA.resolve(FILE), content);
            url = "http://" + ADDRESS_A + ":" + pair.httpPort() + "/files/" + FILE;

            dac();
            killAndFence();
            restartAndFailBack();
            pauseAndFence();
            resumeCutOff();
        }
    }

    /** The switch's two bridges, both SCMs on both, the client on {@code host}; the SCMs started in theirs. */
    private void network() throws IOException, InterruptedException {
        lab.bridge("host");
        lab.bridge("link");
        for (Scm scm : Scm.values()) {
            lab.machine(machine(scm));
            lab.plug(machine(scm), "eth0", mac(scm), own(scm, "host") + "/" + PREFIX, "host");
            lab.plug(machine(scm), "eth1", scm == A ? "02:68:61:00:0a:01" : "02:68:61:00:0b:01",
                    own(scm, "link") + "/" + PREFIX, "link");
            pair.wrap(scm, List.of("ip", "netns", "exec", lab.ns(machine(scm))));
        }
        lab.machine("c");
        lab.plug("c", "eth0", "02:68:61:00:0c:00", CLIENT + "/" + PREFIX, "host");
        pair.admin(this::admin);
    }

    /** DAC: the client reads A's file from scm-a, and its neighbour entry names scm-a's MAC. */
    private void dac() throws Exception {
        PairFaultIT.startInDac(pair);
        awaitRead();
        assertEquals(MAC_A, lab.neighbour("c", ADDRESS_A), "the client's entry for " + ADDRESS_A);
        assertEquals(List.of(HOST_A, ADDRESS_A), lab.addresses("a", "eth0"), "scm-a's eth0");
        assertEquals(List.of(HOST_B, ADDRESS_B), lab.addresses("b", "eth0"), "scm-b's eth0");
        report("DAC: client read " + FILE + " from " + ADDRESS_A + " at " + MAC_A + " (scm-a)");
    }

    /**
     * kill -9 scm-a: its process is gone, its machine (the namespace) still answers ARP for A's
     * address; scm-b fences it with the netns agent (ports down), takes A over and announces A's
     * address: the client's entry turns to scm-b's MAC before the client sends anything.
     */
    private void killAndFence() throws Exception {
        int fences = count(pair.log(B), "was fenced by netns");
        pair.kill(A);
        long killed = System.nanoTime();
        pair.awaitState(B, "DEGRADED", "MASTER", STEP);
        long degraded = System.nanoTime();
        awaitFence(fences + 1);
        assertPortsDown();
        awaitNeighbour(MAC_B, "scm-b's gratuitous ARP after the crash");
        long announced = System.nanoTime();
        awaitRead();
        assertTrue(holds("b", ADDRESS_A), "scm-b holds " + ADDRESS_A);
        report("kill -9 scm-a: scm-b DEGRADED/MASTER after " + ms(degraded - killed) + " ms, client's entry "
                + MAC_B + " (scm-b) after " + ms(announced - killed) + " ms without the client sending; same "
                + content.length + " bytes; ports " + PORTS_A + " down; " + fenceLines());
        report("scm-a's machine (ports down) still has " + addresses("a") + " from its killed run");
    }

    /**
     * The operator puts scm-a's ports back and restarts it. Its killed run's address is on its NIC
     * until hasm's init takes it down (before INIT), and the client must not notice it. The ports
     * come up first: a peer seen on the storage heartbeat only is a partition to scm-b, which would
     * fence it again. scm-a rejoins as SLAVE and A comes back to it.
     */
    private void restartAndFailBack() throws Exception {
        for (String port : PORTS_A) {
            lab.setPort(port, true);
        }
        long restarted = System.nanoTime();
        pair.start(A);
        Await.until("the restarted scm-a to take down the " + ADDRESS_A + " its killed run left", Pair.BOOT,
                () -> !holds("a", ADDRESS_A), pair::diagnostics);
        assertTrue(pair.log(A).contains(ADDRESS_A + " was left up by an earlier run of this module"),
                "scm-a says it took down the address its killed run left\n" + pair.log(A));
        assertEquals(MAC_B, lab.neighbour("c", ADDRESS_A), "the client's entry while scm-a boots");
        pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
        pair.awaitState(B, "DAC", "MASTER", STEP);
        Await.until("scm-a to hold " + ADDRESS_A + " again and scm-b not", STEP,
                () -> holds("a", ADDRESS_A) && !holds("b", ADDRESS_A), pair::diagnostics);
        awaitNeighbour(MAC_A, "scm-a's gratuitous ARP after the failback");
        long back = System.nanoTime();
        awaitRead();
        report("failback: scm-a DAC/SLAVE, client's entry " + MAC_A + " (scm-a) " + ms(back - restarted)
                + " ms after the restart; same bytes");
    }

    /** SIGSTOP scm-a: the netns agent cuts it off for real; scm-b takes over before the heartbeat runs out. */
    private void pauseAndFence() throws Exception {
        // the demo's storage lease: twice the network counter
        long heartbeat = pair.timing().intervalMs() * 2 * pair.timing().counter();
        int fences = count(pair.log(B), "was fenced by netns");
        // scm-b fences a peer it knows serving; one it last heard in INIT (its DAC a status interval away) is
        // taken over once its storage lease runs out, unfenced
        pair.awaitStatus(B, "peer scm-a alive in DAC", STEP,
                s -> s.path("peer").path("alive").asBoolean() && "DAC".equals(s.path("peer").path("state").asText()));
        pair.pause(A);
        long paused = System.nanoTime();
        pair.awaitState(B, "DEGRADED", "MASTER", STEP);
        long takenOver = System.nanoTime();
        awaitFence(fences + 1);
        assertPortsDown();
        // fenced, not taken over on the lease alone (the takeover itself, duplicate address detection
        // included, may end after the lease would have)
        assertFalse(pair.log(B).contains("stopped before its fence delay"), "scm-b fenced every time");
        awaitNeighbour(MAC_B, "scm-b's gratuitous ARP after fencing the paused scm-a");
        awaitRead();
        assertTrue(holds("a", ADDRESS_A), "the stopped scm-a still has " + ADDRESS_A + " (its ports are down)");
        report("SIGSTOP scm-a: scm-b DEGRADED/MASTER after " + ms(takenOver - paused) + " ms (heartbeat "
                + heartbeat + " ms), ports " + PORTS_A + " down, client's entry " + MAC_B + "; " + fenceLines());
    }

    /**
     * SIGCONT: the cut-off scm-a finds the higher epoch and lets A go on its own, and stays off A's
     * address past its INIT timeout; the client sees only scm-b's MAC.
     */
    private void resumeCutOff() throws Exception {
        pair.resume(A);
        long resumed = System.nanoTime();
        Await.until("the woken scm-a to find " + pair.volume(A) + " taken over", STEP,
                () -> pair.log(A).contains("volume " + pair.volume(A) + " taken over by scm-b"), pair::diagnostics);
        Await.until("the woken scm-a to take " + ADDRESS_A + " off its eth0", STEP,
                () -> !holds("a", ADDRESS_A), () -> "scm-a's eth0: " + addresses("a") + pair.diagnostics());
        long released = System.nanoTime();
        Duration hold = Duration.ofMillis(pair.timing().initTimeoutMs()).plus(pair.timing().detection());
        pair.assertHolds("the client reads A's file from scm-b's MAC only; scm-b DEGRADED/MASTER; scm-a's NIC"
                + " without " + ADDRESS_A, hold, Duration.ofMillis(250), () -> {
                    try {
                        String mac = lab.neighbour("c", ADDRESS_A);
                        String read = read();
                        String role = Pair.role(pair.status(B));
                        boolean onB = holds("b", ADDRESS_A);
                        boolean onA = holds("a", ADDRESS_A);
                        boolean ok = MAC_B.equals(mac) && read == null && "DEGRADED/MASTER".equals(role) && onB && !onA;
                        if (!ok) {
                            // the watch's message says what was asked; this says which part failed
                            System.err.println("NetnsPairIT watch: client's MAC for " + ADDRESS_A + " " + mac + " (scm-b's "
                                    + MAC_B + "), read " + (read == null ? "ok" : read) + ", scm-b " + role
                                    + ", on scm-b's NIC " + onB + ", on scm-a's NIC " + onA);
                        }
                        return ok;
                    } catch (IOException | InterruptedException e) {
                        throw new AssertionError(e);
                    }
                });
        assertPortsDown();
        report("SIGCONT scm-a: " + ADDRESS_A + " off its eth0 " + ms(released - resumed) + " ms later, and still "
                + hold.toMillis() + " ms after that; scm-a " + Pair.role(pair.status(A)) + "; "
                + lines(pair.log(A), ADDRESS_A, pair.volume(A) + " taken over"));
    }

    private static String machine(Scm scm) {
        return scm == A ? "a" : "b";
    }

    private static String mac(Scm scm) {
        return scm == A ? MAC_A : MAC_B;
    }

    private static String own(Scm scm, String network) {
        return switch (network) {
            case "host" -> scm == A ? HOST_A : HOST_B;
            case "link" -> scm == A ? LINK_A : LINK_B;
            default -> throw new IllegalArgumentException(network);
        };
    }

    /** The demo's layout moved onto the namespaces' networks: channels, service addresses, netif, fencing. */
    private void configure() throws IOException {
        for (Scm scm : Scm.values()) {
            for (String of : List.of("link", "status")) {
                for (String network : List.of("link", "host")) {
                    String file = "org.hasm." + of + ".channel~" + network + ".cfg";
                    Path path = pair.node(scm).resolve("etc").resolve(file);
                    String text = Files.readString(path, StandardCharsets.UTF_8);
                    Matcher m = CHANNEL.matcher(text);
                    StringBuilder out = new StringBuilder();
                    while (m.find()) {
                        Scm owner = m.group(1).equals("local") ? scm : scm.other();
                        m.appendReplacement(out, m.group(1) + "=" + own(owner, network) + ":" + m.group(2));
                    }
                    m.appendTail(out);
                    pair.writeConfig(scm, file, out.toString());
                }
            }
            pair.editConfig(scm, "org.hasm.personality~a.cfg", "addresses=" + pair.personalityAddress(A),
                    "addresses=" + ADDRESS_A);
            pair.editConfig(scm, "org.hasm.personality~b.cfg", "addresses=" + pair.personalityAddress(B),
                    "addresses=" + ADDRESS_B);
            pair.writeConfig(scm, "org.hasm.netif.cfg", "mode=linux\ndevice=eth0\nprefix=" + PREFIX + "\n");
        }
        pair.editConfig(A, "org.hasm.status.cfg", "fence.agent=process", "fence.agent=none");
        // scm-b fences a serving peer silent on both networks and on the storage at once, before the
        // peer's storage lease runs out: a takeover on the lease alone would find the old address still
        // answering on the link (see the class)
        pair.editConfig(B, "org.hasm.status.cfg", "fence.agent=process", "fence.agent=netns");
        List<String> downs = new ArrayList<>();
        for (String port : PORTS_A) {
            downs.add("ip -n " + lab.switchNs() + " link set dev " + port + " down");
        }
        pair.writeConfig(B, "org.hasm.fence.cfg", "fence.netns.command=sh -c '" + String.join(" && ", downs) + "'\n");
    }

    /** The admin API on 127.0.0.1 of the SCM's namespace, by curl run in that namespace. */
    private Pair.Reply admin(Scm scm, String method, String path)
            throws IOException, InterruptedException {
        List<String> curl = new ArrayList<>(List.of("curl", "-s", "--noproxy", "*", "-m",
                "POST".equals(method) ? "10" : "2", "-o", "-", "-w", "\n%{http_code}",
                "-H", "Authorization: Bearer " + pair.adminToken(scm)));
        if ("POST".equals(method)) {
            // no body: a form body (curl's default content type) is refused
            curl.addAll(List.of("-X", "POST"));
        }
        curl.add("http://127.0.0.1:" + pair.adminPort(scm) + path);
        NetnsLab.Result r = lab.exec(machine(scm), curl, Duration.ofSeconds(15));
        int cut = r.output().lastIndexOf('\n');
        String code = r.output().substring(cut + 1).strip();
        if (r.exit() != 0 || code.equals("000")) {
            throw new IOException("curl exit " + r.exit() + ": " + r.output());
        }
        return new Pair.Reply(Integer.parseInt(code), r.output().substring(0, cut));
    }

    /** @return {@code null} if the client read exactly {@code content}, else what went wrong */
    private String read() throws IOException, InterruptedException {
        Path copy = pair.node(A).getParent().resolve("client-" + FILE);
        Files.deleteIfExists(copy);
        NetnsLab.Result r = lab.exec("c", List.of("curl", "-s", "-S", "-f", "--noproxy", "*", "--connect-timeout",
                "2", "-m", "5", "-o", copy.toString(), url), Duration.ofSeconds(10));
        if (r.exit() != 0) {
            return "curl exit " + r.exit() + ": " + r.output().strip();
        }
        byte[] got = Files.readAllBytes(copy);
        return Arrays.equals(content, got) ? null : "got " + got.length + " bytes that differ";
    }

    private void awaitRead() {
        String[] last = {null};
        Await.until("the client to read " + url, STEP, () -> {
            try {
                last[0] = read();
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
            return last[0] == null;
        }, () -> last[0] + "\nclient neighbours: " + lab.neighbours("c") + pair.diagnostics());
    }

    /** Waits for the client's entry of A's address to name {@code mac}; the client sends nothing meanwhile. */
    private void awaitNeighbour(String mac, String why) {
        Await.until("the client's neighbour entry for " + ADDRESS_A + " to be " + mac + " (" + why + ")", ARP, () -> {
            try {
                return mac.equals(lab.neighbour("c", ADDRESS_A));
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        }, () -> "client neighbours: " + lab.neighbours("c") + pair.diagnostics());
    }

    private void awaitFence(int count) {
        Await.until("scm-b's log to say the netns agent fenced scm-a (" + count + ")", STEP,
                () -> count(pair.log(B), "was fenced by netns") >= count, pair::diagnostics);
    }

    private void assertPortsDown() throws IOException, InterruptedException {
        for (String port : PORTS_A) {
            assertFalse(lab.portUp(port), "switch port " + port + " of scm-a is down after the fence");
        }
    }

    private boolean holds(String machine, String address) {
        return addresses(machine).contains(address);
    }

    private List<String> addresses(String machine) {
        try {
            return lab.addresses(machine, "eth0");
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private String fenceLines() {
        return lines(pair.log(B), "fence command", "was fenced by netns");
    }

    private static String lines(String log, String... any) {
        List<String> found = new ArrayList<>();
        log.lines().filter(l -> List.of(any).stream().anyMatch(l::contains)).forEach(found::add);
        return String.join(" | ", found.subList(Math.max(0, found.size() - 4), found.size()));
    }

    private void report(String line) {
        System.out.println("# " + ms(System.nanoTime() - origin) + " ms: " + line);
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
