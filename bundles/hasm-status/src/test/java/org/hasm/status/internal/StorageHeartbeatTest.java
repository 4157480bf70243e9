package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.peer.Verdict;
import org.hasm.spi.storage.FenceAgent;
import org.hasm.wire.ClusterKey;
import org.hasm.status.internal.TwoMonitors.Node;
import org.hasm.status.internal.TwoMonitors.TestAgent;
import org.hasm.wire.FrameCodec;
import org.hasm.wire.Frame;
import org.hasm.wire.AntiReplay;
import org.hasm.wire.PeerFilter;
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
    private static final int NET_COUNTER = TwoMonitors.NET_COUNTER;
    private static final int LEASE_COUNTER = TwoMonitors.LEASE_COUNTER;

    @TempDir
    Path dir;

    private TwoMonitors two;
    private Path shared;
    private ClusterKey key;
    private CountDownLatch release;

    @BeforeEach
    void setUp() throws IOException {
        two = new TwoMonitors(dir);
        shared = two.shared;
        key = two.key;
        release = two.release;
    }

    @AfterEach
    void tearDown() {
        two.close();
    }

    private Settings settings(boolean sideA, boolean disk, Map<String, String> extra) {
        return two.settings(sideA, disk, extra);
    }

    private Node start(boolean sideA, long incarnation, Settings settings, FenceAgent agent) throws IOException {
        return two.start(sideA, incarnation, settings, agent);
    }

    private Node[] pair(FenceAgent agent, Map<String, String> extra) throws IOException {
        return two.pair(agent, extra);
    }

    private void cutNetworks(Node a, boolean cut, Map<String, String> extra) {
        two.cutNetworks(a, cut, extra);
    }

    private static void heartbeats(Node a, int n) {
        TwoMonitors.heartbeats(a, n);
    }

    @Test
    void aHeartbeatSlotWrittenByThePreviousReleaseIsReadAndTaken() throws Exception {
        Path heartbeats = Files.createDirectories(dir.resolve("heartbeats"));
        Path keyFile = dir.resolve("fixture.key");
        Files.writeString(keyFile, "07".repeat(32) + "\n");
        FrameCodec codec = new FrameCodec(ClusterKey.load(keyFile).derive("status"));
        PeerFilter filter = new PeerFilter(codec, "scm-a", "scm-b", new AntiReplay(), StatusMessage.TYPE);
        DiskChannel channel = new DiskChannel(new DiskChannel.Config("disk", heartbeats, 10, false), "scm-a", "scm-b", 20);
        channel.open();
        try {
            byte[] fixture = java.util.HexFormat.of().parseHex(MonitorTest.STATUS_V1);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(FrameCodec.MAX_FRAME + 1);
            // the slot's first content is the baseline, a change of it a heartbeat: the fixture written
            // in turn with another content, until the channel hands the fixture on
            boolean[] fixtureWritten = {false};
            Await.until("the slot of the previous release read", () -> {
                try {
                    fixtureWritten[0] = !fixtureWritten[0];
                    Files.write(heartbeats.resolve("scm-b"), fixtureWritten[0] ? fixture : new byte[] {0});
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                for (int i = 0; i < 8; i++) {
                    buf.clear();
                    if (!channel.receive(buf)) {
                        return false;
                    }
                    if (java.util.Arrays.equals(fixture, 0, fixture.length, buf.array(), 0, buf.position())) {
                        return true;
                    }
                }
                return false;
            }, () -> "nothing read from " + heartbeats);
            Frame f = filter.accept(buf.array(), 0, buf.position());
            StatusMessage m = StatusMessage.decode(f.payload());
            assertEquals(ScmState.DAC, m.state());
            assertEquals(1764028800000L, m.incarnation());
            assertEquals(1, f.version());
        } finally {
            channel.close();
        }
    }

    @Test
    void storageHeartbeatAloneKeepsThePeerAliveWhenEveryNetworkIsCut() throws IOException {
        Node a = pair(null, Map.of("fence.agent", "none"))[0];
        cutNetworks(a, true, Map.of("fence.agent", "none"));
        Await.until("both networks BAD", () -> a.networks(ChannelStatus.BAD), a::describe);
        heartbeats(a, 2 * LEASE_COUNTER); // two leases long: the heartbeat, not the counter, keeps it
        assertTrue(a.monitor.peer().alive(), a::describe);
        assertEquals(Verdict.NETWORK_OUTAGE, a.monitor.peer().verdict(), a::describe);
        assertEquals(ChannelStatus.GOOD, a.channel("disk").status());
        assertFalse(a.timeline.stream().anyMatch(e -> e.startsWith("peer dead")), a::describe);
        assertEquals(1, a.count(Fencing.UNREACHABLE), a::describe);
        // a network-only outage is fenced after its fence delay (seconds), not after a detection time
        assertEquals(0, a.count(Fencing.FENCING), a::describe);
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
    void aNetworkOnlyOutageIsFencedOnceItLastsTheFenceDelay() throws IOException {
        TestAgent agent = new TestAgent("stops", release);
        Map<String, String> delay = Map.of("fence.delay.ms", "300", "channel.disk.counter", "1000");
        Node a = pair(agent, delay)[0];
        cutNetworks(a, true, delay);
        Await.until("the peer fenced", () -> a.count(Fencing.FENCED) == 1, a::describe);
        assertEquals(List.of(Fencing.UNREACHABLE, Fencing.FENCING, Fencing.FENCED), a.outcomes, a::describe);
        assertEquals(Verdict.FENCED, a.monitor.peer().verdict());
        assertEquals(ChannelStatus.GOOD, a.channel("disk").status()); // not the lease
        assertEquals(1, agent.calls.get());
    }

    @Test
    void silentPeerIsFencedAtOnceAndDeadOnlyWhenItsStorageLeaseRunsOut() throws IOException {
        Node[] p = pair(null, Map.of());
        Node a = p[0];
        p[1].monitor.abort();
        // listeners are told after the view changes: wait for the event rather than race it
        Await.until("peer dead", () -> a.timeline.contains("peer dead 2000"), a::describe);
        assertEquals(ChannelStatus.BAD, a.channel("disk").status());
        assertEquals(Verdict.LEASE_EXPIRED, a.monitor.peer().verdict());
        List<String> t = a.timeline;
        int networksBad = Math.max(t.indexOf("link BAD"), t.indexOf("host BAD"));
        int fencing = t.indexOf("fence fencing");
        int leaseOut = t.indexOf("disk BAD");
        int dead = t.indexOf("peer dead 2000");
        assertTrue(t.indexOf("link BAD") >= 0 && t.indexOf("host BAD") >= 0, t::toString);
        // silent on the networks and the storage: no network-only delay, a fence at once (no agent
        // registered here: the lease decides), dead only once the lease ran out
        assertTrue(networksBad < fencing && fencing < leaseOut && leaseOut < dead, t::toString);
        // (its last heartbeat may be read an interval after its last network frame: a moment of outage)
        assertTrue(a.count(Fencing.UNREACHABLE) <= 1, a::describe);
        assertEquals(1, a.count(Fencing.FENCING), a::describe);
        assertEquals(1, a.count(Fencing.UNAVAILABLE), a::describe);
        assertEquals(1, t.stream().filter(e -> e.startsWith("peer dead")).count(), t::toString);
    }

    @Test
    void fenceAgentThatStopsThePeerEndsTheWaitAndOnlyANewIncarnationRevivesIt() throws IOException {
        TestAgent agent = new TestAgent("stops", release);
        // a lease of 20 s: the test finishes long before it could run out
        Map<String, String> longLease = Map.of("channel.disk.counter", "1000", "fence.delay.ms", "100");
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
        Map<String, String> settings = Map.of("fence.timeout.ms", "200", "fence.delay.ms", "200");
        Node[] p = pair(agent, settings);
        Node a = p[0];
        cutNetworks(a, true, settings);
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
        assertEquals(Verdict.LEASE_EXPIRED, a.monitor.peer().verdict());
        assertEquals(0, a.count(Fencing.FENCED), a::describe);
        // silent everywhere once it died: fenced at once, again; but a call that hangs is awaited, never doubled
        assertEquals(behaviour.equals("hangs") ? 1 : 2, agent.calls.get());
        assertEquals(1, agent.maxConcurrent.get());
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

    @Test
    void aSlotThatCannotBeWrittenIsOneOutageInTheLogNotOnePerInterval() throws Exception {
        Node a = start(true, 1000, settings(true, true, Map.of()), null);
        Path slot = shared.resolve("scm-a");
        SlotReader probe = new SlotReader(key);
        Await.until("a valid frame of scm-a in the slot", () -> probe.state(slot) == ScmState.DAC, a::describe);

        // every write fails from now on, as on a storage turned read-only, until the folder goes
        Files.delete(slot);
        Files.createDirectory(slot);
        Await.until("send errors on the disk channel for 10 intervals",
                () -> a.channel("disk").errors() >= 10, a::describe);
        long cannot = a.warnings.stream().filter(w -> w.contains("channel disk: cannot send")).count();
        assertEquals(1, cannot, "one line for the outage: " + a.warnings);
        assertEquals(0, a.infos.stream().filter(i -> i.contains("channel disk: sending works again")).count(),
                "no recovery while every write fails: " + a.infos);

        Files.delete(slot);
        Await.until("the slot written again", () -> probe.state(slot) == ScmState.DAC, a::describe);
        Await.until("one line for the recovery",
                () -> a.infos.stream().filter(i -> i.contains("channel disk: sending works again")).count() == 1,
                a::describe);
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
