package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.status.internal.TwoMonitors.Node;
import org.hasm.wire.AntiReplay.Floor;
import org.hasm.wire.Frame;
import org.hasm.wire.FrameException;
import org.hasm.wire.FrameCodec;
import org.hasm.wire.ReplayFloorFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status replay floor: what a monitor accepted before this SCM restarted is refused after it, on
 * every channel, while the peer's next frame and its next life are taken; the floor's file is kept off
 * the status path. A and B as in {@link TwoMonitors}; A's floor is kept in {@code <dir>/a-data/status}.
 */
class ReplayFloorTest {
    private static final long WAIT_MS = 5000;

    @TempDir
    Path dir;

    private TwoMonitors two;
    private final List<FloorKeeper> keepers = new ArrayList<>();
    private final List<Thread> releases = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        two = new TwoMonitors(dir);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        two.close();
        keepers.forEach(k -> k.close(1000));
        for (Thread t : releases) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    private ReplayFloorFile fileOfA() {
        return new ReplayFloorFile(dir.resolve("a-data").resolve(StatusComponent.DATA_FOLDER), "scm-b");
    }

    private FloorKeeper keeper(FloorKeeper.Log log) {
        FloorKeeper k = new FloorKeeper("hasm-status-floor-scm-a", log);
        keepers.add(k);
        return k;
    }

    private FrameCodec codec() {
        return TestSettings.codec(two.key);
    }

    /** @return the frame in an SCM's slot, byte for byte, once it reads whole (it is overwritten in place) */
    private byte[] slot(String scm, long incarnation) {
        byte[][] whole = new byte[1][];
        Await.until(scm + "'s slot holds a frame of incarnation " + incarnation, () -> {
            try {
                byte[] b = Files.readAllBytes(two.shared.resolve(scm));
                if (codec().decode(b, 0, b.length).incarnation() == incarnation) {
                    whole[0] = b;
                    return true;
                }
            } catch (IOException | FrameException | RuntimeException e) {
                // caught half-written, or not there yet: read again
            }
            return false;
        }, () -> "nothing whole");
        return whole[0];
    }

    private Frame decode(byte[] frame) {
        try {
            return codec().decode(frame, 0, frame.length);
        } catch (FrameException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until A's disk channel has surely taken its baseline: A wrote its own slot twice since its start. */
    private void baselineTaken(Node a, long incarnation) {
        long first = decode(slot("scm-a", incarnation)).sequence();
        Await.until("A wrote its slot again", () -> decode(slot("scm-a", incarnation)).sequence() > first, a::describe);
    }

    private void writeSlot(String scm, byte[] content) throws IOException {
        Path tmp = two.shared.resolve("test.tmp");
        Files.write(tmp, content);
        Files.move(tmp, two.shared.resolve(scm), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo " + path + ": "
                + new String(p.getInputStream().readAllBytes()));
    }

    /** Opens the other end of a FIFO on a thread of the test's, so that whoever waits on it goes on. */
    private Thread release(Path fifo, boolean read) {
        Thread t = new Thread(() -> {
            try {
                if (read) {
                    try (InputStream in = new FileInputStream(fifo.toFile())) {
                        byte[] b = new byte[256];
                        while (in.read(b) >= 0) {
                            // drained: the writer's close ends it
                        }
                    }
                } else {
                    try (OutputStream out = new FileOutputStream(fifo.toFile())) {
                        out.flush();
                    }
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }, "test-fifo");
        t.setDaemon(true);
        releases.add(t);
        t.start();
        return t;
    }

    @Test
    void aStatusRecordedBeforeARestartIsRefusedAfterItOnTheSlotAndTheNetworkAndThePeersNextLifeIsTaken()
            throws Exception {
        Node[] p = two.pair(null, Map.of());
        Node a = p[0];
        ReplayFloorFile file = fileOfA();
        FloorKeeper keeper = keeper(a::log);
        keeper.watch(file, a.monitor::floor);
        // what an eavesdropper keeps of B's: its status frame, byte for byte, as on every channel
        byte[] recorded = slot("scm-b", 2000);
        long sequence = decode(recorded).sequence();
        Await.until("A took B's frames up to the recorded one", () -> a.monitor.floor() != null
                && a.monitor.floor().incarnation() == 2000 && a.monitor.floor().sequence() >= sequence, a::describe);
        // and B wrote a later one: the slot's content at A's restart is only A's baseline, never taken, so
        // the replay must differ from it to be read at all
        Await.until("B's slot moved on", () -> decode(slot("scm-b", 2000)).sequence() > sequence, a::describe);

        // B's process is gone, and A restarts: the floor it kept is what its new windows start from
        p[1].monitor.abort();
        a.monitor.close();
        keeper.close(WAIT_MS);
        Floor kept = file.read();
        assertEquals(2000, kept.incarnation());
        assertTrue(kept.sequence() >= sequence, kept::toString);
        Floor from = keeper(a::log).read(file, WAIT_MS);
        assertEquals(kept, from);
        Node a2 = two.start(true, 1001, two.settings(true, true, Map.of()), null, from);
        baselineTaken(a2, 1001);

        // B's old "alive, in DAC" replayed: into its slot, and from its address on the link network
        writeSlot("scm-b", recorded);
        try (DatagramChannel spoofed = DatagramChannel.open()) {
            spoofed.bind(new InetSocketAddress("127.0.0.1", two.ports[2]));
            spoofed.send(ByteBuffer.wrap(recorded), new InetSocketAddress("127.0.0.1", two.ports[0]));
        }
        Await.until("both replays judged", () -> a2.channel("disk").rejected() + a2.channel("disk").received() >= 1
                && a2.channel("link").rejected() + a2.channel("link").received() >= 1, a2::describe);
        assertEquals(0, a2.channel("disk").received(), a2::describe);
        assertEquals(0, a2.channel("link").received(), a2::describe);
        assertEquals(0, a2.monitor.peer().incarnation(), a2::describe);
        assertNull(a2.monitor.peer().state(), a2::describe);

        // B restarts: its new life, sequence from 1, is above the floor's
        Node b2 = two.start(false, 3000, two.settings(false, true, Map.of()), null);
        b2.local.set(new Monitor.Local(ScmState.INIT, OpMode.SLAVE, OpMode.SLAVE));
        Await.until("A hears B's new life on every channel", () -> a2.monitor.peer().incarnation() == 3000
                && a2.monitor.peer().state() == ScmState.INIT && a2.channel("link").received() > 0
                && a2.channel("host").received() > 0 && a2.channel("disk").received() > 0, a2::describe);
        assertTrue(a2.monitor.peer().alive(), a2::describe);
    }

    @Test
    void thePeersNextFrameAfterARestartIsTakenOnEveryChannelAndTheFloorIsWrittenWhileItRuns() throws Exception {
        Node[] p = two.pair(null, Map.of());
        Node a = p[0];
        ReplayFloorFile file = fileOfA();
        FloorKeeper keeper = keeper(a::log);
        keeper.watch(file, a.monitor::floor);
        // written once a second while the monitor runs, not only when it stops (a crash leaves that one)
        Await.until("the floor written", () -> {
            try {
                Floor f = file.read();
                return f != null && f.incarnation() == 2000 && f.sequence() > 0;
            } catch (IOException e) {
                return false;
            }
        }, a::describe);
        a.monitor.close();
        keeper.close(WAIT_MS);
        Floor kept = file.read();
        assertEquals(a.monitor.floor(), kept, "the newest frame taken on any channel, written at close");

        Node a2 = two.start(true, 1001, two.settings(true, true, Map.of()), null, keeper(a::log).read(file, WAIT_MS));
        // B went on: its next frame is above the floor on every channel, the slot's included (the frame the
        // slot held at A's restart is only the baseline)
        Await.until("A hears B's next frames on every channel", () -> a2.monitor.peer().state() == ScmState.DAC
                && a2.channel("link").received() > 0 && a2.channel("host").received() > 0
                && a2.channel("disk").received() > 0, a2::describe);
        assertEquals(2000, a2.monitor.peer().incarnation());
        assertTrue(a2.monitor.peer().alive(), a2::describe);
        assertTrue(a2.monitor.floor().sequence() > kept.sequence(), a2.monitor.floor()::toString);
    }

    @Test
    void aMonitorStartedAgainInTheSameLifeIsHeardByThePeersRunningMonitor() throws Exception {
        // B's status bundle updated in place: a new monitor, the node's incarnation unchanged, A running on
        Node[] p = two.pair(null, Map.of());
        Node a = p[0];
        Node b = p[1];
        long before = a.channel("link").received();
        Await.until("B sent a while", () -> a.channel("link").received() > before + 10, a::describe);
        b.monitor.close();
        Node b2 = two.start(false, 2000, two.settings(false, true, Map.of()), null);
        long rejectedBefore = a.channel("link").rejected() + a.channel("host").rejected();
        long heard = a.channel("link").received();
        // numbered from 1 again, its frames were below A's windows: refused until its count passed the old one
        Await.until("A hears the new monitor of B on every network", () -> a.channel("link").received() > heard + 10
                && a.channel("host").received() > 0, a::describe);
        assertEquals(rejectedBefore, a.channel("link").rejected() + a.channel("host").rejected(), a::describe);
        assertTrue(a.monitor.peer().alive(), a::describe);
        assertTrue(a.channel("link").missed() < 1000, () -> "a restart counted as a loss: " + a.describe());
        assertTrue(b2.monitor.peer().alive(), b2::describe);
    }

    @Test
    void oneFloorForEveryChannelTheNextFrameAboveIt() throws IOException {
        // Not started: frames fed by hand. Every tick's frame goes out on every channel with one sequence:
        // a number taken on one channel before the restart is old on all of them after it.
        FrameCodec peer = codec();
        Node a = new Node();
        a.monitor = new Monitor(two.settings(true, true, Map.of()), peer, 1000, a.local::get, a, name -> null,
                (Floor) null);
        feed(a.monitor, "link", peer, 2000, 10, ScmState.DAC);
        feed(a.monitor, "disk", peer, 2000, 8, ScmState.DAC); // the slot a tick or two behind
        assertEquals(new Floor(2000, 10), a.monitor.floor());

        Node a2 = new Node();
        a2.monitor = new Monitor(two.settings(true, true, Map.of()), peer, 1001, a2.local::get, a2, name -> null,
                a.monitor.floor());
        feed(a2.monitor, "disk", peer, 2000, 9, ScmState.DAC); // never taken on the slot, but old
        feed(a2.monitor, "host", peer, 2000, 10, ScmState.DAC); // equal to the floor: a replay
        assertEquals(0, a2.monitor.slot("disk").received);
        assertEquals(1, a2.monitor.slot("disk").rejectedRead);
        assertEquals(1, a2.monitor.slot("host").rejectedRead);
        assertNull(a2.monitor.peer().state());
        assertEquals(new Floor(2000, 10), a2.monitor.floor(), "what it started from while it took nothing newer");

        feed(a2.monitor, "disk", peer, 2000, 11, ScmState.MONITOR); // the peer's next frame, on each channel once
        feed(a2.monitor, "link", peer, 2000, 11, ScmState.MONITOR);
        assertEquals(1, a2.monitor.slot("disk").received);
        assertEquals(1, a2.monitor.slot("link").received);
        assertEquals(ScmState.MONITOR, a2.monitor.peer().state());
        assertEquals(new Floor(2000, 11), a2.monitor.floor());

        feed(a2.monitor, "host", peer, 3000, 1, ScmState.INIT); // its next life, sequence from 1
        assertEquals(1, a2.monitor.slot("host").received);
        assertEquals(3000, a2.monitor.peer().incarnation());
        assertEquals(ScmState.INIT, a2.monitor.peer().state());
        assertEquals(new Floor(3000, 1), a2.monitor.floor());
    }

    private static void feed(Monitor m, String channel, FrameCodec codec, long incarnation, long seq, ScmState state) {
        byte[] f = codec.encode(StatusMessage.TYPE, "scm-b", incarnation, seq,
                new StatusMessage(state, OpMode.SLAVE, OpMode.SLAVE, incarnation).encode());
        m.onFrame(m.slot(channel), f, f.length);
    }

    @Test
    void aDamagedFloorOrOneOfAnotherPeerCountsAsNoneIsReportedOnceAndIsWrittenAnew() throws Exception {
        ReplayFloorFile file = fileOfA();
        Files.createDirectories(file.file().getParent());
        List<String> said = new CopyOnWriteArrayList<>();
        FloorKeeper keeper = keeper((level, m) -> said.add(level + " " + m));

        Files.writeString(file.file(), "peer=scm-b\nincarnation=17x\nsequence=5\n");
        assertNull(keeper.read(file, WAIT_MS));
        assertEquals(1, said.size(), said::toString);
        assertTrue(said.get(0).startsWith("WARN status replay floor not used: " + file.file() + " is not a replay floor"),
                said::toString);

        // another pair's floor, far above anything B sends: applied, it would refuse B for good
        Files.writeString(file.file(), "peer=scm-c\nincarnation=" + (Long.MAX_VALUE / 2) + "\nsequence=9\n");
        Floor from = keeper.read(file, WAIT_MS);
        assertNull(from);
        assertEquals(1, said.size(), "another peer's floor is no problem, only none of this one's: " + said);

        Node[] p = two.pair(null, Map.of(), from);
        keeper.watch(file, p[0].monitor::floor);
        Await.until("B's floor replaces the other one", () -> {
            try {
                Floor f = file.read();
                return f != null && f.incarnation() == 2000;
            } catch (IOException e) {
                return false;
            }
        }, p[0]::describe);
        assertEquals(1, said.size(), said::toString);
    }

    @Test
    void aFloorThatCannotBeWrittenIsOneWarningAndTheStatusGoesOn() throws Exception {
        // the data folder's place is taken by a file: nothing can be created under it, whoever runs the test
        Path blocked = Files.writeString(dir.resolve("a-data"), "not a folder");
        ReplayFloorFile file = new ReplayFloorFile(blocked.resolve(StatusComponent.DATA_FOLDER), "scm-b");
        List<String> said = new CopyOnWriteArrayList<>();
        FloorKeeper keeper = keeper((level, m) -> said.add(level + " " + m));
        Floor from = keeper.read(file, WAIT_MS);
        assertNull(from);
        assertEquals(1, said.size(), said::toString);

        Node[] p = two.pair(null, Map.of(), from);
        Node a = p[0];
        keeper.watch(file, a.monitor::floor);
        Await.until("the write failed", () -> said.size() == 2, said::toString);
        assertTrue(said.get(1).startsWith("WARN status replay floor cannot be kept in " + file.file()), said::toString);
        p[1].local.set(new Monitor.Local(ScmState.DEGRADED, OpMode.SLAVE, OpMode.SLAVE));
        Await.until("A sees B's new state", () -> a.monitor.peer().state() == ScmState.DEGRADED, a::describe);
        // a few more seconds of a changing floor: one outage, one line
        TwoMonitors.heartbeats(a, 150);
        assertEquals(2, said.size(), said::toString);
        assertTrue(a.monitor.peer().alive(), a::describe);
    }

    @Test
    void aDataFolderThatHangsHoldsUpNeitherTheStartNorTheStatus() throws Exception {
        ReplayFloorFile file = fileOfA();
        Files.createDirectories(file.file().getParent());
        List<String> said = new CopyOnWriteArrayList<>();
        FloorKeeper keeper = keeper((level, m) -> said.add(level + " " + m));

        // a read that does not answer (a FIFO nobody writes): the monitor starts without the floor
        mkfifo(file.file());
        long before = System.nanoTime();
        Floor from = keeper.read(file, 300);
        assertNull(from);
        assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(5), "the read is waited for 300 ms, not more");
        assertEquals(1, said.size(), said::toString);
        assertTrue(said.get(0).contains("was not read within 300 ms"), said::toString);
        release(file.file(), false).join(TimeUnit.SECONDS.toMillis(10)); // the storage answers: the read ends
        Files.delete(file.file());

        // a write that does not end (its temporary file a FIFO nobody reads): the status goes on all the same
        Path temp = file.file().resolveSibling("." + ReplayFloorFile.NAME + "." + ProcessHandle.current().pid() + ".tmp");
        mkfifo(temp);
        Node[] p = two.pair(null, Map.of(), from);
        Node a = p[0];
        keeper.watch(file, a.monitor::floor);
        TwoMonitors.heartbeats(a, 100); // two seconds: the keeper took a floor and hangs writing it
        p[1].local.set(new Monitor.Local(ScmState.DEGRADED, OpMode.SLAVE, OpMode.SLAVE));
        Await.until("A sees B's new state", () -> a.monitor.peer().state() == ScmState.DEGRADED, a::describe);
        assertTrue(a.monitor.running());
        a.monitor.close();
        before = System.nanoTime();
        keeper.close(300);
        assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(5), "closing waits 300 ms, not more");
        assertTrue(said.stream().anyMatch(l -> l.contains("the last write did not end within 300 ms")), said::toString);
        assertFalse(Files.exists(file.file()), "nothing written yet");
        release(temp, true); // the storage answers: the write in progress ends
    }
}
