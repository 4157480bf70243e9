package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.PeerView;
import org.hasm.wire.ClusterKey;
import org.hasm.wire.FrameCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two status monitor cores wired to each other over loopback UDP. */
class MonitorTest {
    private static final int COUNTER = 5;

    @TempDir
    Path dir;

    private ClusterKey key;
    private final List<Monitor> monitors = new ArrayList<>();
    private int[] ports;

    /** What one side reports, and what its monitor told it. */
    static final class Side implements Monitor.Observer {
        final AtomicReference<Monitor.Local> local = new AtomicReference<>(
                new Monitor.Local(ScmState.DAC, OpMode.MASTER, OpMode.MASTER));
        final List<PeerView> peerChanges = new CopyOnWriteArrayList<>();
        final List<ChannelView> channelChanges = new CopyOnWriteArrayList<>();
        final List<String> lines = new CopyOnWriteArrayList<>();
        Monitor monitor;

        @Override
        public void peerChanged(PeerView peer) {
            peerChanges.add(peer);
        }

        @Override
        public void channelChanged(ChannelView channel) {
            channelChanges.add(channel);
        }

        @Override
        public void log(Monitor.Level level, String message) {
            lines.add(level + " " + message);
            if (level != Monitor.Level.DEBUG) {
                System.out.println(level + " " + message);
            }
        }

        ChannelView channel(String name) {
            return monitor.channels().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
        }

        boolean all(ChannelStatus status) {
            return monitor.channels().stream().allMatch(c -> c.status() == status);
        }

        String describe() {
            return monitor.channels() + " " + monitor.peer();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        key = ClusterKey.generate(dir.resolve("cluster.key"));
        ports = freeUdpPorts(4);
    }

    @AfterEach
    void tearDown() {
        monitors.forEach(Monitor::abort);
    }

    private static int[] freeUdpPorts(int n) throws IOException {
        // Bound together so they are distinct; released just before the monitors bind them.
        List<DatagramChannel> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                DatagramChannel dc = DatagramChannel.open();
                held.add(dc);
                dc.bind(new InetSocketAddress("127.0.0.1", 0));
                ports[i] = ((InetSocketAddress) dc.getLocalAddress()).getPort();
            }
            return ports;
        } finally {
            for (DatagramChannel dc : held) {
                dc.close();
            }
        }
    }

    /** Settings for scm-a (sideA) or scm-b, channels "link" and "host". */
    private Settings settings(boolean sideA, Map<String, String> extra, boolean faults) {
        Map<String, Object> config = new HashMap<>();
        config.put("interval.ms", "20");
        config.put("counter.start", String.valueOf(COUNTER));
        config.put("channels", "link, host");
        int mine = sideA ? 0 : 2;
        int theirs = sideA ? 2 : 0;
        config.put("channel.link.local", "127.0.0.1:" + ports[mine]);
        config.put("channel.host.local", "127.0.0.1:" + ports[mine + 1]);
        config.put("channel.link.peer", "127.0.0.1:" + ports[theirs]);
        config.put("channel.host.peer", "127.0.0.1:" + ports[theirs + 1]);
        config.putAll(extra);
        Map<String, String> framework = new HashMap<>();
        framework.put("hasm.scm", sideA ? "scm-a" : "scm-b");
        framework.put("hasm.peer", sideA ? "scm-b" : "scm-a");
        framework.put("hasm.role", sideA ? "MASTER" : "SLAVE");
        framework.put("hasm.data.dir", dir.toString());
        framework.put("hasm.cluster.key.file", key.file().toString());
        framework.put("hasm.faults.enabled", String.valueOf(faults));
        Settings s = TestSettings.parse(config, framework::get);
        assertEquals(List.of(), s.problems());
        return s;
    }

    private Side start(boolean sideA, long incarnation, Settings settings) throws IOException {
        return start(sideA, incarnation, settings, TestSettings.codec(key));
    }

    private Side start(boolean sideA, long incarnation, Settings settings, FrameCodec codec) throws IOException {
        Side side = new Side();
        if (!sideA) {
            side.local.set(new Monitor.Local(ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE));
        }
        side.monitor = new Monitor(settings, codec, incarnation, side.local::get, side);
        monitors.add(side.monitor);
        side.monitor.start();
        return side;
    }

    private Side[] pair() throws IOException {
        return pair(Map.of());
    }

    private Side[] pair(Map<String, String> extra) throws IOException {
        Side a = start(true, 1000, settings(true, extra, false));
        Side b = start(false, 2000, settings(false, extra, false));
        Await.until("A hears B in DAC on both channels", () -> a.monitor.peer().state() == ScmState.DAC
                && a.channel("link").received() > 2 && a.channel("host").received() > 2, a::describe);
        Await.until("B hears A", () -> b.monitor.peer().state() == ScmState.DAC, b::describe);
        Await.until("steady", () -> a.all(ChannelStatus.GOOD) && a.monitor.peer().alive()
                && b.all(ChannelStatus.GOOD) && b.monitor.peer().alive(), () -> a.describe() + " / " + b.describe());
        // Tests judge what happens from here: on a loaded machine B may start after A's first
        // counters ran out, which the start-up history would show.
        for (Side s : List.of(a, b)) {
            s.peerChanges.clear();
            s.channelChanges.clear();
        }
        return new Side[] {a, b};
    }

    @Test
    void bothChannelsGoodAndPeerAlive() throws IOException {
        Side[] p = pair();
        Side a = p[0];
        PeerView peer = a.monitor.peer();
        assertTrue(peer.alive());
        assertEquals("scm-b", peer.scm());
        assertEquals(OpMode.SLAVE, peer.opMode());
        assertEquals(OpMode.SLAVE, peer.configuredRole());
        assertEquals(2000, peer.incarnation());
        assertTrue(peer.lastHeard() != null);
        assertTrue(a.all(ChannelStatus.GOOD));
        assertTrue(a.channel("link").sent() > 0);
        assertEquals(0, a.channel("link").rejected());
        assertEquals(List.of(), a.channelChanges);
        assertEquals(OpMode.MASTER, p[1].monitor.peer().configuredRole());
    }

    @Test
    void thisReleaseAndTheNextHearEachOtherOnEveryChannel() throws IOException {
        FrameCodec thisRelease = TestSettings.codec(key);
        FrameCodec next = new FrameCodec(key.derive("status"), FrameCodec.MIN_SUPPORTED, FrameCodec.CURRENT + 1,
                new org.hasm.wire.Frame.Fields().add(200, new byte[16]).toByteArray());
        Side a = start(true, 1000, settings(true, Map.of(), false), thisRelease);
        Side b = start(false, 2000, settings(false, Map.of(), false), next);
        Await.until("both hear each other in this release's version", () -> a.monitor.peer().state() == ScmState.DAC
                && b.monitor.peer().alive() && a.all(ChannelStatus.GOOD) && b.all(ChannelStatus.GOOD)
                && next.sendVersion() == FrameCodec.CURRENT, () -> a.describe() + " / " + b.describe());
        long heardA = a.channel("link").received();
        long heardB = b.channel("link").received();
        Await.until("frames go on arriving both ways", () -> a.channel("link").received() > heardA + 2 * COUNTER
                && b.channel("link").received() > heardB + 2 * COUNTER, () -> a.describe() + " / " + b.describe());
        assertEquals(FrameCodec.CURRENT + 1, thisRelease.peerHighest());
        assertTrue(a.all(ChannelStatus.GOOD) && b.all(ChannelStatus.GOOD), () -> a.describe() + " / " + b.describe());
        assertTrue(b.lines.stream().noneMatch(l -> l.contains("refused (sent as")), b.lines::toString);
    }

    @Test
    void silentPeerMakesEveryChannelBadAndThePeerDeadOnce() throws IOException {
        Side[] p = pair();
        Side a = p[0];
        p[1].monitor.abort(); // as if the process died: no last word
        Await.until("every channel BAD and the peer dead", () -> a.all(ChannelStatus.BAD) && !a.monitor.peer().alive(),
                a::describe);
        long sentThen = a.channel("link").sent();
        // let a few more intervals pass: nothing more is reported
        Await.until("more intervals", () -> a.channel("link").sent() > sentThen + 2 * COUNTER, a::describe);
        assertEquals(1, a.peerChanges.stream().filter(v -> !v.alive()).count(), a.peerChanges::toString);
        assertEquals(2, a.channelChanges.size(), a.channelChanges::toString);
        assertEquals(ScmState.DAC, a.monitor.peer().state()); // last known state is kept
    }

    @Test
    void oneChannelDroppedIsOnlyAnEvent() throws IOException {
        Side a = start(true, 1000, settings(true, Map.of(), true));
        Side b = start(false, 2000, settings(false, Map.of(), true));
        // Judged from a steady pair on: on a loaded machine, B may start after A's first counters ran out.
        Await.until("alive on both channels", () -> a.monitor.peer().state() == ScmState.DAC
                && a.channel("link").received() > 2 && a.channel("host").received() > 2
                && a.all(ChannelStatus.GOOD) && a.monitor.peer().alive(), a::describe);
        int peerChangesBefore = a.peerChanges.size();
        int channelChangesBefore = a.channelChanges.size();
        a.monitor.drops(settings(true, Map.of("fault.drop.link", "100"), true));
        Await.until("link BAD", () -> a.channel("link").status() == ChannelStatus.BAD, a::describe);
        long received = a.channel("host").received();
        Await.until("host still receiving", () -> a.channel("host").received() > received + COUNTER, a::describe);
        assertEquals(ChannelStatus.GOOD, a.channel("host").status());
        assertTrue(a.monitor.peer().alive());
        List<PeerView> since = a.peerChanges.subList(peerChangesBefore, a.peerChanges.size());
        assertTrue(since.stream().allMatch(PeerView::alive), since::toString);

        a.monitor.drops(settings(true, Map.of("fault.drop.link", "0"), true));
        Await.until("link GOOD again", () -> a.channel("link").status() == ChannelStatus.GOOD, a::describe);
        // listeners are told after the view changes: wait for the second event rather than race it
        Await.until("two channel events", () -> a.channelChanges.size() >= channelChangesBefore + 2, a::describe);
        assertEquals(channelChangesBefore + 2, a.channelChanges.size(), a.channelChanges::toString);
        assertTrue(b.monitor.peer().alive());
    }

    @Test
    void dropSwitchIsIgnoredUnlessFaultsAreEnabled() {
        assertEquals(0, settings(true, Map.of("fault.drop.link", "100"), false).drop("link"));
        assertEquals(100, settings(true, Map.of("fault.drop.link", "100"), true).drop("link"));
    }

    @Test
    void peerReportingMonitorIsDeadAtOnce() throws IOException {
        Side[] p = pair();
        Side a = p[0];
        p[1].local.set(new Monitor.Local(ScmState.MONITOR, OpMode.SLAVE, OpMode.SLAVE));
        Await.until("peer dead", () -> !a.monitor.peer().alive(), a::describe);
        assertEquals(ScmState.MONITOR, a.monitor.peer().state());
        assertTrue(a.all(ChannelStatus.GOOD)); // dead by its own word, not by silence
    }

    @Test
    void orderlyShutdownSaysHalted() throws IOException {
        Side[] p = pair();
        Side a = p[0];
        p[1].monitor.close();
        Await.until("peer HALTED", () -> a.monitor.peer().state() == ScmState.HALTED && !a.monitor.peer().alive(),
                a::describe);
        assertTrue(a.all(ChannelStatus.GOOD));
    }

    @Test
    void peerRestartIsReportedAsANewIncarnation() throws IOException {
        Side[] p = pair();
        Side a = p[0];
        p[1].monitor.abort();
        Side b2 = start(false, 3000, settings(false, Map.of(), false));
        b2.local.set(new Monitor.Local(ScmState.INIT, OpMode.SLAVE, OpMode.SLAVE));
        // listeners are told after the view changes: wait for the event rather than race it
        Await.until("new incarnation reported alive", () -> a.peerChanges.stream()
                .anyMatch(v -> v.incarnation() == 3000 && v.alive()), a::describe);
        Await.until("state of the new life", () -> a.monitor.peer().state() == ScmState.INIT, a::describe);
    }

    @Test
    void aPeerThatStartsAfterItsChannelsRanOutIsAliveFromItsFirstFrame() throws IOException {
        Side a = start(true, 1000, settings(true, Map.of(), false));
        Await.until("A's channels ran out: the peer, never heard, is dead", () -> !a.monitor.peer().alive()
                && a.all(ChannelStatus.BAD), a::describe);
        Side b = start(false, 2000, settings(false, Map.of(), false));
        Await.until("A hears B", () -> a.monitor.peer().alive() && a.monitor.peer().state() == ScmState.DAC,
                a::describe);
        // judged with its first frame counted: never "dead, state DAC", which a controller in INIT would
        // take for a peer that came and went, and take over
        assertTrue(a.peerChanges.stream().noneMatch(v -> !v.alive() && v.state() != null), a.peerChanges::toString);
        assertTrue(b.monitor.peer().alive());
    }

    @Test
    void countsSequenceDeltasAndMissedFrames() throws IOException {
        // Not started: frames are fed by hand, the analyzer run by hand.
        Side a = new Side();
        a.monitor = new Monitor(settings(true, Map.of("counter.start", "10"), false), TestSettings.codec(key), 1000, a.local::get, a);
        FrameCodec peer = new FrameCodec(key.derive("status"));
        Slot link = a.monitor.slot("link");
        feed(a.monitor, link, peer, 7, 1);
        for (int i = 0; i < 6; i++) {
            a.monitor.analyze();
        }
        assertEquals(4, link.counter);
        feed(a.monitor, link, peer, 7, 2);
        assertEquals(5, link.counter);
        feed(a.monitor, link, peer, 7, 5); // 3 and 4 lost
        assertEquals(8, link.counter);
        assertEquals(2, link.missed);
        feed(a.monitor, link, peer, 7, 4); // 4 was only late
        assertEquals(1, link.missed);
        feed(a.monitor, link, peer, 7, 12); // 6 to 11 lost
        assertEquals(10, link.counter); // capped
        assertEquals(7, link.missed);
        for (int i = 0; i < 10; i++) {
            a.monitor.analyze();
        }
        assertEquals(ChannelStatus.BAD, link.status);
        feed(a.monitor, link, peer, 8, 1); // the peer restarted: the full count, as at boot; no gap counted
        assertEquals(ChannelStatus.GOOD, link.status);
        assertEquals(10, link.counter);
        // the 10 silent intervals, less the first (jitter), were missed: a new life has no gap that says otherwise
        assertEquals(7 + 8, link.missed);
        assertEquals(6, link.received);
        assertEquals(8, a.monitor.peer().incarnation());
        // the peer's monitor started again in the same life (its bundle updated in place) numbers from far above:
        // a gap well beyond the silence is no loss
        feed(a.monitor, link, peer, 8, 1_000_000);
        assertEquals(7 + 8, link.missed);
        assertEquals(10, link.counter);
    }

    @Test
    void missedCountsEveryIntervalOverdueWhileThePeerIsSilentAndAFrameReplacesTheEstimate() throws IOException {
        Side a = new Side();
        a.monitor = new Monitor(settings(true, Map.of("counter.start", "10"), false), TestSettings.codec(key), 1000, a.local::get, a);
        FrameCodec peer = new FrameCodec(key.derive("status"));
        Slot link = a.monitor.slot("link");
        Slot host = a.monitor.slot("host");
        for (int i = 0; i < 3; i++) {
            a.monitor.analyze(); // nothing heard yet: nothing is expected, nothing missed
        }
        assertEquals(0, link.missed);
        feed(a.monitor, link, peer, 7, 1);
        a.monitor.analyze();
        feed(a.monitor, link, peer, 7, 2);
        a.monitor.analyze(); // a frame each interval
        a.monitor.analyze(); // one interval without: jitter, not a loss
        assertEquals(0, link.missed);
        feed(a.monitor, link, peer, 7, 3);
        assertEquals(0, link.missed);
        // the peer goes silent (dies): every interval overdue counts, BAD or not
        for (int i = 0; i < 20; i++) {
            a.monitor.analyze();
        }
        assertEquals(ChannelStatus.BAD, link.status);
        assertEquals(18, link.missed, "20 intervals without a frame, the first of them jitter's");
        assertEquals(22, host.missed, "a channel that never carried a frame misses the peer's all the same");
        // it was paused, not dead: its next frame says exactly how many it sent in between
        feed(a.monitor, link, peer, 7, 24);
        assertEquals(20, link.missed);
        assertEquals(ChannelStatus.GOOD, link.status);
        for (int i = 0; i < 5; i++) {
            a.monitor.analyze();
        }
        assertEquals(23, link.missed);
        // a new life has no gap to count from: what the silence missed stays missed
        feed(a.monitor, link, peer, 8, 1);
        assertEquals(23, link.missed);
    }

    @Test
    void aPeerThatSaidItStopsLeavesItsChannelsIdleNotBadAndMissesNothing() throws IOException {
        Side a = new Side();
        List<String> lines = a.lines;
        a.monitor = new Monitor(settings(true, Map.of("counter.start", "5"), false), TestSettings.codec(key), 1000, a.local::get, a);
        FrameCodec peer = new FrameCodec(key.derive("status"));
        Slot link = a.monitor.slot("link");
        Slot host = a.monitor.slot("host");
        feed(a.monitor, link, peer, 7, 1);
        feed(a.monitor, host, peer, 7, 1);
        feed(a.monitor, link, peer, 7, 2, ScmState.HALTED); // its last word, on one channel only
        for (int i = 0; i < 10; i++) {
            a.monitor.analyze();
        }
        for (ChannelView v : a.monitor.channels()) {
            assertEquals(ChannelStatus.IDLE, v.status(), v.toString());
            assertEquals("scm-b said it stops (HALTED)", v.note(), v.toString());
            assertEquals(0, v.missed(), v.toString());
        }
        assertTrue(lines.stream().noneMatch(l -> l.contains("BAD")), lines::toString);
        assertEquals(1, lines.stream().filter(l -> l.contains("IDLE")).count(), lines::toString);
        assertTrue(lines.contains("INFO channels host, link to scm-b are IDLE: scm-b said it stops (HALTED) (host: received"
                + " 1, missed 0, rejected 0; link: received 2, missed 0, rejected 0)"), lines::toString);
        // it comes back: GOOD again
        feed(a.monitor, link, peer, 8, 1);
        assertEquals(ChannelStatus.GOOD, link.status);
    }

    @Test
    void channelsThatRunOutTogetherAreOneLineThatSaysSinceWhen() throws IOException {
        Side a = new Side();
        List<String> lines = a.lines;
        a.monitor = new Monitor(settings(true, Map.of("counter.start", "5"), false), TestSettings.codec(key), 1000, a.local::get, a);
        FrameCodec peer = new FrameCodec(key.derive("status"));
        feed(a.monitor, a.monitor.slot("link"), peer, 7, 1);
        feed(a.monitor, a.monitor.slot("host"), peer, 7, 1);
        for (int i = 0; i < 12; i++) {
            a.monitor.analyze();
        }
        List<String> bad = lines.stream().filter(l -> l.contains(" are BAD") || l.contains(" is BAD")).toList();
        assertEquals(1, bad.size(), lines::toString);
        assertTrue(bad.get(0).startsWith("WARN channels host, link to scm-b are BAD"), bad::toString);
        // one note for both when their last frames arrived in the same millisecond, else one each
        assertTrue(bad.get(0).matches(".*(: nothing received from scm-b since 20\\S+Z \\(host: received 1, missed 3, rejected 0;"
                + " link: received 1, missed 3, rejected 0\\)|host: nothing received from scm-b since 20\\S+Z, received 1,"
                + " missed 3, rejected 0; link: nothing received from scm-b since 20\\S+Z, received 1, missed 3, rejected 0\\))"),
                bad::toString);
        ChannelView link = a.channel("link");
        assertEquals(ChannelStatus.BAD, link.status());
        assertTrue(link.note().startsWith("nothing received from scm-b since 20"), link.note());
        assertEquals(10, link.missed(), "and it goes on counting after the line");
        assertEquals(1, lines.stream().filter(l -> l.contains(" are BAD") || l.contains(" is BAD")).count(),
                "one line for the episode");
    }

    /** A status frame of scm-b, as main at 5d72fee (wire version 1) writes it, key = 32 bytes of 7. */
    static final String STATUS_V1 = "48534d3101010573636d2d620000019ab84f5c00000000000000002a0000000b0401020000019ab84f"
            + "5c00cbfe2ab71c7cb3132a04f31710c0d58943780af7c40ebf6f8c6a4b38982944fa";

    @Test
    void aStatusFrameOfThePreviousReleaseIsTakenAndAnsweredInItsVersion() throws IOException {
        java.nio.file.Path file = dir.resolve("fixture.key");
        java.nio.file.Files.writeString(file, "07".repeat(32) + "\n");
        FrameCodec codec = TestSettings.codec(ClusterKey.load(file));
        Side a = new Side();
        a.monitor = new Monitor(settings(true, Map.of(), false), codec, 1000, a.local::get, a);
        byte[] f = java.util.HexFormat.of().parseHex(STATUS_V1);
        a.monitor.onFrame(a.monitor.slot("link"), f, f.length);
        assertEquals(1, a.monitor.slot("link").received, a.lines::toString);
        assertEquals(ScmState.DAC, a.monitor.peer().state());
        assertEquals(OpMode.MASTER, a.monitor.peer().opMode());
        assertEquals(1764028800000L, a.monitor.peer().incarnation());
        assertEquals(1, codec.sendVersion(), "the previous release is answered in version 1");
        assertTrue(a.lines.contains("INFO status: speaking wire version 1 to scm-b (it speaks up to 1, this SCM 1.."
                + FrameCodec.CURRENT + ")"), a.lines::toString);
    }

    @Test
    void theNextReleasesFramesAreTakenInThisVersionAndRefusedInTheirsWithOneLine() throws IOException {
        Side a = new Side();
        FrameCodec codec = TestSettings.codec(key);
        a.monitor = new Monitor(settings(true, Map.of(), false), codec, 1000, a.local::get, a);
        FrameCodec next = new FrameCodec(key.derive("status"), FrameCodec.MIN_SUPPORTED, FrameCodec.CURRENT + 1,
                new org.hasm.wire.Frame.Fields().add(200, new byte[40]).toByteArray());
        Slot link = a.monitor.slot("link");
        byte[] payload = new StatusMessage(ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, 7).encode();
        for (int seq = 1; seq <= 5; seq++) { // its first frames, before it heard this SCM
            byte[] f = next.encode(StatusMessage.TYPE, "scm-b", 7, seq, payload);
            a.monitor.onFrame(link, f, f.length);
        }
        assertEquals(0, link.received);
        assertEquals(5, link.rejectedRead);
        for (int i = 0; i < 2 * COUNTER; i++) {
            a.monitor.analyze();
        }
        assertEquals(ChannelStatus.BAD, link.status);
        String note = a.channel("link").note();
        assertTrue(note.endsWith("(its frames are refused: wire version " + (FrameCodec.CURRENT + 1) + ", this SCM speaks 1.."
                + FrameCodec.CURRENT + ")"), note);
        List<String> refused = a.lines.stream().filter(l -> l.contains("refused (sent as")).toList();
        assertEquals(1, refused.size(), a.lines::toString);
        assertTrue(refused.get(0).startsWith("WARN status: frames of wire version " + (FrameCodec.CURRENT + 1)
                + " refused") && refused.get(0).contains("1.." + FrameCodec.CURRENT), refused.get(0));
        // once it heard this SCM it writes this SCM's version, its extra field skipped
        byte[] f = next.encode(FrameCodec.CURRENT, StatusMessage.TYPE, "scm-b", 7, 6, payload);
        a.monitor.onFrame(link, f, f.length);
        assertEquals(1, link.received, a.lines::toString);
        assertEquals(ScmState.DAC, a.monitor.peer().state());
        assertEquals(null, link.refusedVersion, "talking again: the refusal is history");
        assertEquals(FrameCodec.CURRENT + 1, codec.peerHighest());
        assertEquals(FrameCodec.CURRENT, codec.sendVersion(), "min(this release's highest, the peer's)");
    }

    private static void feed(Monitor m, Slot slot, FrameCodec codec, long incarnation, long seq, ScmState state) {
        byte[] f = codec.encode(StatusMessage.TYPE, "scm-b", incarnation, seq,
                new StatusMessage(state, OpMode.SLAVE, OpMode.SLAVE, incarnation).encode());
        m.onFrame(slot, f, f.length);
    }

    private static void feed(Monitor m, Slot slot, FrameCodec codec, long incarnation, long seq) {
        byte[] f = codec.encode(StatusMessage.TYPE, "scm-b", incarnation, seq,
                new StatusMessage(ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, incarnation).encode());
        m.onFrame(slot, f, f.length);
    }

    @Test
    void forgedReplayedAndGarbageDatagramsChangeNothing() throws IOException {
        // A lease of 1 s, not 100 ms: judging 100,000 datagrams on a loaded two-core machine may keep
        // the receiver from the genuine ones for longer than a tuned counter, which is not the point here.
        Side[] p = pair(Map.of("counter.start", "50"));
        Side a = p[0];
        Side b = p[1];
        int peerChanges = a.peerChanges.size();
        int channelChanges = a.channelChanges.size();
        PeerView before = a.monitor.peer();

        FrameCodec right = new FrameCodec(key.derive("status"));
        FrameCodec wrong = new FrameCodec(ClusterKey.generate(dir.resolve("other.key")));
        byte[] status = new StatusMessage(ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, 2000).encode();
        SplittableRandom random = new SplittableRandom(7);
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", ports[0]);
        int total = 100_000;
        try (DatagramChannel attacker = DatagramChannel.open()) {
            attacker.bind(new InetSocketAddress("127.0.0.1", 0));
            long base = a.channel("link").rejected();
            for (int sent = 0; sent < total; ) {
                for (int i = 0; i < 64 && sent < total; i++, sent++) {
                    attacker.send(ByteBuffer.wrap(forge(random, right, wrong, status)), target);
                }
                long want = base + sent;
                // paced, so the kernel's receive buffer never overflows and every datagram is judged
                Await.until("the monitor judged " + sent, Duration.ofSeconds(20),
                        () -> a.channel("link").rejected() >= want, a::describe);
            }
            assertEquals(base + total, a.channel("link").rejected());
        }
        assertEquals(peerChanges, a.peerChanges.size(), a.peerChanges::toString);
        assertEquals(channelChanges, a.channelChanges.size(), a.channelChanges::toString);
        PeerView after = a.monitor.peer();
        assertEquals(before.incarnation(), after.incarnation());
        assertEquals(before.state(), after.state());
        assertTrue(after.alive());
        assertTrue(a.all(ChannelStatus.GOOD));

        // and it still works
        b.local.set(new Monitor.Local(ScmState.DEGRADED, OpMode.MASTER, OpMode.SLAVE));
        Await.until("peer DEGRADED seen", () -> a.monitor.peer().state() == ScmState.DEGRADED, a::describe);
        assertEquals(OpMode.MASTER, a.monitor.peer().opMode());
    }

    private static byte[] forge(SplittableRandom r, FrameCodec right, FrameCodec wrong, byte[] status) {
        switch (r.nextInt(7)) {
            case 0: { // garbage
                byte[] g = new byte[r.nextInt(1, 300)];
                r.nextBytes(g);
                return g;
            }
            case 1: // the right shape under another key
                return wrong.encode(StatusMessage.TYPE, "scm-b", 2000, r.nextLong(1, Long.MAX_VALUE), status);
            case 2: // a real frame of the peer's, byte for byte: its first, which A (started before B) has seen.
                // Not its second or third: a sender starved of CPU skips sequence numbers, and a number
                // never sent is no replay.
                r.nextInt(3); // keeps the forgeries that follow as they were
                return right.encode(StatusMessage.TYPE, "scm-b", 2000, 1, status);
            case 3: // an older life of the peer
                return right.encode(StatusMessage.TYPE, "scm-b", 1999 - r.nextInt(100), r.nextLong(1, 1 << 20), status);
            case 4: // a stranger with the key
                return right.encode(StatusMessage.TYPE, "scm-c", 2000, r.nextLong(1, 1 << 20), status);
            case 5: // our own name
                return right.encode(StatusMessage.TYPE, "scm-a", 1000, r.nextLong(1, 1 << 20), status);
            default: { // a real frame with a bit flipped
                byte[] f = right.encode(StatusMessage.TYPE, "scm-b", 2000, r.nextLong(1 << 20, 1L << 40), status);
                f[r.nextInt(f.length)] ^= (byte) (1 << r.nextInt(8));
                return f;
            }
        }
    }

    @Test
    void notStartedMonitorHasTheBenefitOfTheDoubt() {
        Side a = new Side();
        a.monitor = new Monitor(settings(true, Map.of(), false), TestSettings.codec(key), 1, a.local::get, a);
        assertTrue(a.all(ChannelStatus.GOOD));
        assertTrue(a.monitor.peer().alive());
        assertNull(a.monitor.peer().state());
        assertFalse(a.monitor.running());
    }
}
