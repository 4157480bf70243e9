package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.storage.FenceAgent;
import org.hasm.wire.ClusterKey;
import org.hasm.wire.FrameCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two status monitor cores on loopback UDP (channels link and host) and a shared folder (channel
 * disk): the storage heartbeat as the tie-breaker, and fencing.
 */
class StorageHeartbeatTest {
    private static final int NET_COUNTER = 5;
    private static final int LEASE_COUNTER = 25;
    private static final String AGENT = "test";

    @TempDir
    Path dir;

    private Path shared;
    private ClusterKey key;
    private int[] ports;
    private final List<Monitor> monitors = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    /** One SCM: what it reports, and everything its monitor told it, in order. */
    static final class Node implements Monitor.Observer {
        final AtomicReference<Monitor.Local> local = new AtomicReference<>();
        final List<String> timeline = new CopyOnWriteArrayList<>();
        final List<String> outcomes = new CopyOnWriteArrayList<>();
        final List<String> warnings = new CopyOnWriteArrayList<>();
        Monitor monitor;

        @Override
        public void peerChanged(PeerView peer) {
            timeline.add("peer " + (peer.alive() ? "alive" : "dead") + " " + peer.incarnation());
        }

        @Override
        public void channelChanged(ChannelView channel) {
            timeline.add(channel.name() + " " + channel.status());
        }

        @Override
        public void fence(String agent, String outcome) {
            outcomes.add(outcome);
            timeline.add("fence " + outcome);
        }

        @Override
        public void log(Monitor.Level level, String message) {
            if (level != Monitor.Level.DEBUG) {
                System.out.println(level + " " + message);
            }
            if (level == Monitor.Level.WARN) {
                warnings.add(message);
            }
        }

        ChannelView channel(String name) {
            return monitor.channels().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
        }

        boolean networks(ChannelStatus status) {
            return channel("link").status() == status && channel("host").status() == status;
        }

        long count(String outcome) {
            return outcomes.stream().filter(outcome::equals).count();
        }

        String describe() {
            return monitor.channels() + " " + monitor.peer() + " " + timeline;
        }
    }

    /** A fence agent written for the test: answers as told, counts its calls. */
    static final class TestAgent implements FenceAgent {
        final String behaviour;
        final CountDownLatch release;
        final AtomicInteger calls = new AtomicInteger();

        TestAgent(String behaviour, CountDownLatch release) {
            this.behaviour = behaviour;
            this.release = release;
        }

        @Override
        public boolean fence(String peer, Duration timeout) throws Exception {
            calls.incrementAndGet();
            assertEquals("scm-b", peer);
            switch (behaviour) {
                case "stops":
                    return true;
                case "throws":
                    throw new IOException("power switch unreachable");
                case "hangs":
                    release.await(30, TimeUnit.SECONDS); // ignores its timeout, as a bad agent would
                    return true;
                default:
                    return false;
            }
        }

        @Override
        public boolean stopped(String peer) {
            return behaviour.equals("gone"); // a peer whose process is certainly gone already
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        key = ClusterKey.generate(dir.resolve("cluster.key"));
        shared = Files.createDirectories(dir.resolve("shared"));
        ports = freeUdpPorts(4);
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        monitors.forEach(Monitor::abort);
    }

    private static int[] freeUdpPorts(int n) throws IOException {
        List<DatagramChannel> held = new ArrayList<>();
        try {
            int[] result = new int[n];
            for (int i = 0; i < n; i++) {
                DatagramChannel dc = DatagramChannel.open();
                held.add(dc);
                dc.bind(new InetSocketAddress("127.0.0.1", 0));
                result[i] = ((InetSocketAddress) dc.getLocalAddress()).getPort();
            }
            return result;
        } finally {
            for (DatagramChannel dc : held) {
                dc.close();
            }
        }
    }

    private Settings settings(boolean sideA, boolean disk, Map<String, String> extra) {
        Map<String, Object> config = new HashMap<>();
        config.put("interval.ms", "20");
        config.put("counter.start", String.valueOf(NET_COUNTER));
        config.put("channels", disk ? "link, host, disk" : "link, host");
        int mine = sideA ? 0 : 2;
        int theirs = sideA ? 2 : 0;
        config.put("channel.link.local", "127.0.0.1:" + ports[mine]);
        config.put("channel.host.local", "127.0.0.1:" + ports[mine + 1]);
        config.put("channel.link.peer", "127.0.0.1:" + ports[theirs]);
        config.put("channel.host.peer", "127.0.0.1:" + ports[theirs + 1]);
        config.put("channel.disk.kind", "disk");
        config.put("channel.disk.dir", shared.toString());
        config.put("channel.disk.counter", String.valueOf(LEASE_COUNTER));
        config.put("fence.agent", AGENT);
        config.putAll(extra);
        Map<String, String> framework = new HashMap<>();
        framework.put("hasm.scm", sideA ? "scm-a" : "scm-b");
        framework.put("hasm.peer", sideA ? "scm-b" : "scm-a");
        framework.put("hasm.data.dir", dir.toString());
        framework.put("hasm.cluster.key.file", key.file().toString());
        framework.put("hasm.faults.enabled", "true");
        Settings s = Settings.parse(config, framework::get);
        assertEquals(List.of(), s.problems());
        return s;
    }

    private Node start(boolean sideA, long incarnation, Settings settings, FenceAgent agent) throws IOException {
        Node node = new Node();
        node.local.set(sideA ? new Monitor.Local(ScmState.DAC, OpMode.MASTER, OpMode.MASTER)
                : new Monitor.Local(ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE));
        node.monitor = new Monitor(settings, key, incarnation, node.local::get, node,
                name -> agent != null && AGENT.equals(name) ? agent : null);
        monitors.add(node.monitor);
        node.monitor.start();
        return node;
    }

    /** A with the given agent and extra settings, B plain; both hearing each other on every channel. */
    private Node[] pair(FenceAgent agent, Map<String, String> extra) throws IOException {
        Node a = start(true, 1000, settings(true, true, extra), agent);
        Node b = start(false, 2000, settings(false, true, Map.of()), null);
        Await.until("A hears B on every channel", () -> a.monitor.peer().state() == ScmState.DAC
                && a.channel("link").received() > 2 && a.channel("host").received() > 2
                && a.channel("disk").received() > 2, a::describe);
        Await.until("B hears A", () -> b.monitor.peer().state() == ScmState.DAC, b::describe);
        Await.until("steady", () -> a.monitor.channels().stream().allMatch(c -> c.status() == ChannelStatus.GOOD)
                && a.monitor.peer().alive(), a::describe);
        // Tests judge what happens from here: on a loaded machine B may start after A's first
        // network counters ran out, which the start-up history would show.
        a.timeline.clear();
        a.outcomes.clear();
        a.warnings.clear();
        return new Node[] {a, b};
    }

    /** The test-only fault switch on A: both networks lose every frame from B (or none). */
    private void cutNetworks(Node a, boolean cut, Map<String, String> extra) {
        Map<String, String> drops = new HashMap<>(extra);
        drops.put("fault.drop.link", cut ? "100" : "0");
        drops.put("fault.drop.host", cut ? "100" : "0");
        a.monitor.drops(settings(true, true, drops));
    }

    /** Waits until A has had {@code n} more storage heartbeats: time passing, counted in intervals. */
    private static void heartbeats(Node a, int n) {
        long then = a.channel("disk").received();
        Await.until(n + " more storage heartbeats", Duration.ofSeconds(20),
                () -> a.channel("disk").received() >= then + n, a::describe);
    }

    @Test
    void storageHeartbeatAloneKeepsThePeerAliveWhenEveryNetworkIsCut() throws IOException {
        Node a = pair(null, Map.of("fence.agent", "none"))[0];
        cutNetworks(a, true, Map.of("fence.agent", "none"));
        Await.until("both networks BAD", () -> a.networks(ChannelStatus.BAD), a::describe);
        heartbeats(a, 2 * LEASE_COUNTER); // two leases long: the heartbeat, not the counter, keeps it
        assertTrue(a.monitor.peer().alive(), a::describe);
        assertEquals(ChannelStatus.GOOD, a.channel("disk").status());
        assertFalse(a.timeline.stream().anyMatch(e -> e.startsWith("peer dead")), a::describe);
        assertEquals(1, a.count(Fencing.UNREACHABLE), a::describe);
        assertEquals(1, a.count(Fencing.UNAVAILABLE), a::describe); // agent "none" is not registered here
        assertEquals(1, a.warnings.stream().filter(w -> w.startsWith("the peer scm-b is unreachable on every network"
                + " but its storage heartbeat goes on: no takeover")).count(), a.warnings::toString);

        // the networks come back: the outage is over, and the next one is reported afresh
        cutNetworks(a, false, Map.of("fence.agent", "none"));
        Await.until("outage over", () -> a.count(Fencing.REACHABLE) == 1, a::describe);
        cutNetworks(a, true, Map.of("fence.agent", "none"));
        Await.until("second outage reported", () -> a.count(Fencing.UNREACHABLE) == 2, a::describe);
        assertTrue(a.monitor.peer().alive(), a::describe);
    }

    @Test
    void silentPeerIsDeadOnlyWhenItsStorageLeaseRunsOut() throws IOException {
        Node[] p = pair(null, Map.of());
        Node a = p[0];
        p[1].monitor.abort();
        // listeners are told after the view changes: wait for the event rather than race it
        Await.until("peer dead", () -> a.timeline.contains("peer dead 2000"), a::describe);
        assertEquals(ChannelStatus.BAD, a.channel("disk").status());
        List<String> t = a.timeline;
        int networksBad = Math.max(t.indexOf("link BAD"), t.indexOf("host BAD"));
        int leaseOut = t.indexOf("disk BAD");
        int dead = t.indexOf("peer dead 2000");
        assertTrue(t.indexOf("link BAD") >= 0 && t.indexOf("host BAD") >= 0, t::toString);
        assertTrue(networksBad < leaseOut && leaseOut < dead, t::toString); // alive in between
        assertEquals(1, a.count(Fencing.UNREACHABLE), a::describe);
        assertEquals(1, t.stream().filter(e -> e.startsWith("peer dead")).count(), t::toString);
    }

    @Test
    void fenceAgentThatStopsThePeerEndsTheWaitAndOnlyANewIncarnationRevivesIt() throws IOException {
        TestAgent agent = new TestAgent("stops", release);
        // a lease of 20 s: the test finishes long before it could run out
        Map<String, String> longLease = Map.of("channel.disk.counter", "1000");
        Node[] p = pair(agent, longLease);
        Node a = p[0];
        cutNetworks(a, true, longLease);
        Await.until("peer fenced and dead", () -> a.timeline.contains("peer dead 2000"), a::describe);
        assertEquals(ChannelStatus.GOOD, a.channel("disk").status()); // not the lease
        Await.until("fenced reported", () -> a.count(Fencing.FENCED) == 1, a::describe);
        assertEquals(List.of(Fencing.UNREACHABLE, Fencing.FENCING, Fencing.FENCED), a.outcomes);
        assertEquals(1, agent.calls.get());

        // the same life of the peer on the network again: the agent said it is stopped, it stays dead
        cutNetworks(a, false, longLease);
        Await.until("link GOOD again", () -> a.networks(ChannelStatus.GOOD), a::describe);
        heartbeats(a, NET_COUNTER);
        assertFalse(a.monitor.peer().alive(), a::describe);
        assertEquals(1, agent.calls.get());

        // a new life of the peer is alive again
        p[1].monitor.abort();
        start(false, 3000, settings(false, true, Map.of()), null);
        Await.until("new incarnation alive", () -> a.timeline.contains("peer alive 3000"), a::describe);
        assertTrue(a.monitor.peer().alive());
        assertEquals(3000, a.monitor.peer().incarnation());
        assertEquals(1, agent.calls.get());
    }

    @Test
    void aPeerCertainlyStoppedIsDeadAtOnceWithoutWaitingOrKilling() throws IOException {
        TestAgent agent = new TestAgent("gone", release);
        // a fence delay and a lease far longer than the test: only the probe can decide
        Map<String, String> patient = Map.of("channel.disk.counter", "1000", "fence.delay.ms", "60000");
        Node[] p = pair(agent, patient);
        Node a = p[0];
        cutNetworks(a, true, patient);
        Await.until("peer dead", () -> a.timeline.contains("peer dead 2000"), a::describe);
        assertEquals(ChannelStatus.GOOD, a.channel("disk").status()); // not the lease
        assertEquals(0, agent.calls.get(), "nothing was killed");
    }

    @Test
    void aPeerThatComesBackWithinTheFenceDelayIsNotFenced() throws IOException {
        TestAgent agent = new TestAgent("stops", release);
        // a delay far longer than the cut below, and a lease longer than the test
        Map<String, String> patient = Map.of("channel.disk.counter", "1000", "fence.delay.ms", "60000");
        Node[] p = pair(agent, patient);
        Node a = p[0];
        cutNetworks(a, true, patient);
        Await.until("outage reported", () -> a.count(Fencing.UNREACHABLE) == 1, a::describe);
        heartbeats(a, 2 * NET_COUNTER);
        cutNetworks(a, false, patient);
        Await.until("reachable again", () -> a.count(Fencing.REACHABLE) == 1, a::describe);
        assertEquals(0, agent.calls.get(), "a peer that was only slow to answer is never fenced");
        assertTrue(a.monitor.peer().alive(), a::describe);
    }

    @ParameterizedTest
    @ValueSource(strings = {"refuses", "throws", "hangs"})
    void agentThatCannotFenceLeavesItToTheLease(String behaviour) throws IOException {
        TestAgent agent = new TestAgent(behaviour, release);
        Map<String, String> shortTimeout = Map.of("fence.timeout.ms", "200");
        Node[] p = pair(agent, shortTimeout);
        Node a = p[0];
        cutNetworks(a, true, shortTimeout);
        String expected = switch (behaviour) {
            case "refuses" -> Fencing.REFUSED;
            case "throws" -> Fencing.FAILED;
            default -> Fencing.TIMEOUT;
        };
        Await.until("agent's answer", () -> a.count(expected) == 1, a::describe);
        heartbeats(a, 2 * LEASE_COUNTER); // the peer's storage heartbeat goes on: alive
        assertTrue(a.monitor.peer().alive(), a::describe);
        assertEquals(1, agent.calls.get());

        p[1].monitor.abort();
        Await.until("peer dead", () -> a.timeline.contains("peer dead 2000"), a::describe);
        List<String> t = a.timeline;
        assertTrue(t.indexOf("disk BAD") >= 0 && t.indexOf("disk BAD") < t.indexOf("peer dead 2000"), t::toString);
        assertEquals(0, a.count(Fencing.FENCED), a::describe);
        assertEquals(1, agent.calls.get());
    }

    @Test
    void garbageAndForgedFramesInThePeersSlotAreRejected() throws IOException {
        // B has no storage channel: the peer's slot is the test's to write
        Node a = start(true, 1000, settings(true, true, Map.of("channel.disk.counter", "1000")), null);
        start(false, 2000, settings(false, false, Map.of()), null);
        Await.until("A hears B", () -> a.monitor.peer().state() == ScmState.DAC
                && a.timeline.contains("peer alive 2000"), a::describe);
        List<String> before = List.copyOf(a.timeline);
        PeerView peerBefore = a.monitor.peer();

        FrameCodec right = new FrameCodec(key.derive("status"));
        FrameCodec wrong = new FrameCodec(ClusterKey.generate(dir.resolve("other.key")));
        byte[] status = new StatusMessage(ScmState.MONITOR, OpMode.MASTER, OpMode.SLAVE, 2000).encode();
        byte[] valid = right.encode(StatusMessage.TYPE, "scm-b", 2000, 1L << 40, status);
        byte[] flipped = valid.clone();
        flipped[flipped.length / 2] ^= 4;
        byte[] garbage = new byte[200];
        new SplittableRandom(3).nextBytes(garbage);
        List<byte[]> bad = List.of(
                garbage,
                new byte[0],
                new byte[FrameCodec.MAX_FRAME + 100],
                wrong.encode(StatusMessage.TYPE, "scm-b", 2000, 1L << 40, status),
                right.encode(StatusMessage.TYPE, "scm-c", 2000, 1L << 40, status),
                right.encode(StatusMessage.TYPE, "scm-a", 1000, 1L << 40, status),
                right.encode(StatusMessage.TYPE, "scm-b", 1999, 1L << 40,
                        new StatusMessage(ScmState.MONITOR, OpMode.MASTER, OpMode.SLAVE, 1999).encode()),
                flipped);
        long base = a.channel("disk").rejected();
        for (int i = 0; i < bad.size(); i++) {
            writeSlot(bad.get(i));
            long want = base + i + 1;
            Await.until("slot content #" + i + " rejected", () -> a.channel("disk").rejected() >= want, a::describe);
        }
        assertEquals(base + bad.size(), a.channel("disk").rejected());
        assertEquals(0, a.channel("disk").received());
        assertEquals(before, a.timeline);
        assertEquals(peerBefore.state(), a.monitor.peer().state());
        assertEquals(peerBefore.incarnation(), a.monitor.peer().incarnation());

        // and a genuine frame is taken, once, however long it stays there
        writeSlot(valid);
        Await.until("genuine frame received", () -> a.channel("disk").received() == 1, a::describe);
        Await.until("its state seen", () -> a.monitor.peer().state() == ScmState.MONITOR, a::describe);
        long rejected = a.channel("disk").rejected();
        long sent = a.channel("disk").sent();
        Await.until("ten more intervals", () -> a.channel("disk").sent() >= sent + 10, a::describe);
        assertEquals(1, a.channel("disk").received());
        assertEquals(rejected, a.channel("disk").rejected());
    }

    private void writeSlot(byte[] content) throws IOException {
        Path tmp = shared.resolve("test.tmp");
        Files.write(tmp, content);
        Files.move(tmp, shared.resolve("scm-b"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void ownSlotHoldsTheLatestFrameAndHaltedAtAnOrderlyStop() throws Exception {
        Node a = start(true, 1000, settings(true, true, Map.of()), null);
        Path slot = shared.resolve("scm-a");
        Await.until("slot written", () -> Files.exists(slot), a::describe);
        SlotReader probe = new SlotReader(key);
        Await.until("a valid frame of scm-a in the slot", () -> probe.state(slot) == ScmState.DAC, a::describe);
        a.monitor.close();
        assertEquals(ScmState.HALTED, probe.state(slot)); // the farewell reached the storage
        try (var files = Files.list(shared)) {
            assertEquals(List.of(slot), files.toList()); // no temp file left behind
        }
    }

    @Test
    void aSlotRemovedOrReplacedUnderTheWriterIsWrittenAgain() throws Exception {
        Node a = start(true, 1000, settings(true, true, Map.of()), null);
        Path slot = shared.resolve("scm-a");
        SlotReader probe = new SlotReader(key);
        Await.until("a valid frame of scm-a in the slot", () -> probe.state(slot) == ScmState.DAC, a::describe);

        Files.delete(slot);
        Await.until("the removed slot written again", () -> probe.state(slot) == ScmState.DAC, a::describe);

        // replaced by another file (a restore, an operator's copy): the writer follows the name
        Path tmp = shared.resolve("test.tmp");
        Files.write(tmp, new byte[] {1, 2, 3});
        Files.move(tmp, slot, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Await.until("the replaced slot written again", () -> probe.state(slot) == ScmState.DAC, a::describe);
        a.monitor.close();
        assertEquals(ScmState.HALTED, probe.state(slot));
    }

    /** Reads a slot file as the peer would. */
    static final class SlotReader {
        private final FrameCodec codec;

        SlotReader(ClusterKey key) {
            codec = new FrameCodec(key.derive("status"));
        }

        ScmState state(Path slot) {
            try {
                byte[] b = Files.readAllBytes(slot);
                return StatusMessage.decode(codec.decode(b, 0, b.length).payload()).state();
            } catch (IOException | org.hasm.wire.FrameException e) {
                return null;
            }
        }
    }
}
