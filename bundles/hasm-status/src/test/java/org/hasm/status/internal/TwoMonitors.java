package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.hasm.wire.AntiReplay;
import org.hasm.wire.ClusterKey;

/**
 * Two status monitor cores on loopback UDP (channels link and host) and a shared folder (channel
 * disk), A with a fence agent of the test's: the fixture of the tests of the storage heartbeat, of
 * fencing and of evidence. {@link #close} aborts both and lets a blocked agent go.
 */
final class TwoMonitors implements AutoCloseable {
    static final int NET_COUNTER = 5;
    static final int LEASE_COUNTER = 25;
    static final String AGENT = "test";

    final Path dir;
    final Path shared;
    final ClusterKey key;
    final int[] ports;
    final List<Monitor> monitors = new ArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);

    /** One SCM: what it reports, and everything its monitor told it, in order. */
    static final class Node implements Monitor.Observer {
        final AtomicReference<Monitor.Local> local = new AtomicReference<>();
        final List<String> timeline = new CopyOnWriteArrayList<>();
        final List<String> outcomes = new CopyOnWriteArrayList<>();
        final List<String> warnings = new CopyOnWriteArrayList<>();
        final List<String> infos = new CopyOnWriteArrayList<>();
        final List<String> floods = new CopyOnWriteArrayList<>();
        Monitor monitor;

        @Override
        public void flood(String channel, boolean started, long rejected, long dropped) {
            floods.add(channel + (started ? " started" : " ended"));
        }

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
            } else if (level == Monitor.Level.INFO) {
                infos.add(message);
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
        final AtomicInteger probes = new AtomicInteger();
        volatile boolean stoppedNow;
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();

        TestAgent(String behaviour, CountDownLatch release) {
            this.behaviour = behaviour;
            this.release = release;
        }

        @Override
        public boolean fence(String peer, Duration timeout) throws Exception {
            calls.incrementAndGet();
            maxConcurrent.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                return answer(peer);
            } finally {
                inside.decrementAndGet();
            }
        }

        private boolean answer(String peer) throws Exception {
            assertEquals("scm-b", peer);
            switch (behaviour) {
                case "stops":
                    return true;
                case "throws":
                    throw new IOException("power switch unreachable");
                case "hangs":
                case "blocks":
                    release.await(30, TimeUnit.SECONDS); // ignores its timeout, as a bad agent would
                    return true;
                default:
                    return false;
            }
        }

        @Override
        public boolean stopped(String peer) throws Exception {
            probes.incrementAndGet();
            maxConcurrent.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                if (behaviour.equals("probe-hangs")) {
                    release.await(30, TimeUnit.SECONDS);
                }
                return behaviour.equals("gone") || stoppedNow; // a peer whose process is certainly gone already
            } finally {
                inside.decrementAndGet();
            }
        }
    }

    TwoMonitors(Path dir) throws IOException {
        this.dir = dir;
        key = ClusterKey.generate(dir.resolve("cluster.key"));
        shared = Files.createDirectories(dir.resolve("shared"));
        ports = freeUdpPorts(4);
    }

    @Override
    public void close() {
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

    Settings settings(boolean sideA, boolean disk, Map<String, String> extra) {
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
        Settings s = TestSettings.parse(config, framework::get);
        assertEquals(List.of(), s.problems());
        return s;
    }

    Node start(boolean sideA, long incarnation, Settings settings, FenceAgent agent) throws IOException {
        return start(sideA, incarnation, settings, agent, null);
    }

    /** @param floor what the monitor's replay windows start from (kept from before a restart), or null */
    Node start(boolean sideA, long incarnation, Settings settings, FenceAgent agent, AntiReplay.Floor floor)
            throws IOException {
        Node node = new Node();
        node.local.set(sideA ? new Monitor.Local(ScmState.DAC, OpMode.MASTER, OpMode.MASTER)
                : new Monitor.Local(ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE));
        node.monitor = new Monitor(settings, TestSettings.codec(key), incarnation, node.local::get, node,
                name -> agent != null && AGENT.equals(name) ? agent : null, floor);
        monitors.add(node.monitor);
        node.monitor.start();
        return node;
    }

    /** A with the given agent and extra settings, B plain; both hearing each other on every channel. */
    Node[] pair(FenceAgent agent, Map<String, String> extra) throws IOException {
        return pair(agent, extra, null);
    }

    /** @param floorA what A's replay windows start from, or null */
    Node[] pair(FenceAgent agent, Map<String, String> extra, AntiReplay.Floor floorA) throws IOException {
        Node a = start(true, 1000, settings(true, true, extra), agent, floorA);
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
    void cutNetworks(Node a, boolean cut, Map<String, String> extra) {
        Map<String, String> drops = new HashMap<>(extra);
        drops.put("fault.drop.link", cut ? "100" : "0");
        drops.put("fault.drop.host", cut ? "100" : "0");
        a.monitor.drops(settings(true, true, drops));
    }

    /** Waits until A has had {@code n} more storage heartbeats: time passing, counted in intervals. */
    static void heartbeats(Node a, int n) {
        long then = a.channel("disk").received();
        Await.until(n + " more storage heartbeats", Duration.ofSeconds(20),
                () -> a.channel("disk").received() >= then + n, a::describe);
    }
}
