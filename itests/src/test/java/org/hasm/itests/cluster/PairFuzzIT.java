package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stranger on the networks between the SCMs (DESIGN §4: messages are authenticated with the
 * cluster key): random datagrams, forgeries, genuine frames replayed and mutated on every status
 * port, garbage streams on every link port. Nothing may change: no state, no opMode call, both
 * processes alive; the status document counts what it refused.
 */
class PairFuzzIT {

    private static final Duration STEP = Duration.ofSeconds(20);
    private static final int DATAGRAMS = 120_000;
    // Sent to each port per round, then both SCMs are asked for their state: the HTTP round trip
    // paces the flood below what a receive buffer holds, so the counts can be compared.
    private static final int PER_PORT_PER_ROUND = 100;
    /*
     * Datagrams per second. 200 times what the pair itself sends at this timing: enough to prove that
     * no input changes a state, paced so that the test measures the decoder and not how a 2-core
     * machine schedules a sender spinning flat out against two SCMs (an unpaced flood fills the
     * kernel's receive buffers and drops the genuine frames with the garbage).
     */
    private static final long RATE = 20_000;
    private static final Duration DATAGRAM_TIME = Duration.ofSeconds(120);
    private static final int CONNECTIONS_PER_PORT = 150;
    private static final Duration STREAM_TIME = Duration.ofSeconds(60);
    // a deadline, not a wait: recording ends as soon as enough frames came; a loaded machine may
    // take several seconds just to start scm-a's JVM
    private static final Duration RECORD_TIME = Duration.ofSeconds(30);
    private static final int RECORD_PER_CHANNEL = 15;

    @Test
    void forgedReplayedAndGarbageInputChangesNothing(@TempDir Path work) throws Exception {
        long seed = System.nanoTime();
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            // scm-a alone first, and its genuine frames recorded where scm-b will listen
            pair.start(A);
            List<byte[]> recorded = recordFramesOfA(pair);
            pair.start(B);
            // scm-a went on alone while scm-b's addresses were ours (FIG. 6), scm-b joins (FIG. 10)
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", pair.timing().detection().multipliedBy(4), Pair.BOOT);
            pair.awaitStatus(A, "peer alive", STEP, s -> s.path("peer").path("alive").asBoolean());
            pair.awaitStatus(B, "peer alive", STEP, s -> s.path("peer").path("alive").asBoolean());

            Map<Scm, JsonNode> before = new EnumMap<>(Scm.class);
            Map<Scm, Long> marks = new EnumMap<>(Scm.class);
            Map<Scm, Long> pids = new EnumMap<>(Scm.class);
            for (Scm scm : Scm.values()) {
                before.put(scm, pair.status(scm));
                marks.put(scm, pair.journalMark(scm));
                pids.put(scm, pair.pid(scm));
            }
            String context = "seed " + seed + ", " + recorded.size() + " genuine frames recorded";
            Garbage garbage = new Garbage(seed, recorded);

            Map<Scm, Long> datagramsTo = floodStatusPorts(pair, garbage, context);
            Map<Scm, Long> streamsTo = floodLinkPorts(pair, garbage);

            // a few detection times more: anything the input set in motion would show now
            pair.assertHolds("states unchanged after the flood (" + context + ")",
                    pair.timing().detection().multipliedBy(4), () -> pair.roles("DAC/MASTER", "DAC/SLAVE"));
            for (Scm scm : Scm.values()) {
                JsonNode now = pair.status(scm);
                long rejected = rejected(now, "status") - rejected(before.get(scm), "status");
                long linkRejected = rejected(now, "link") - rejected(before.get(scm), "link");
                long sent = datagramsTo.get(scm);
                System.out.printf("%s: %d datagrams sent, %d rejected on its status channels; %d link connections,"
                        + " %d frames or streams rejected on its link channels (%s)%n", scm.id(), sent, rejected,
                        streamsTo.get(scm), linkRejected, context);
                assertAll(scm.id(),
                        () -> assertTrue(pair.isAlive(scm), scm.id() + " died\n" + pair.diagnostics()),
                        () -> assertEquals(pids.get(scm), pair.pid(scm)),
                        () -> assertEquals(List.of(), pair.journal(scm, marks.get(scm)).stream()
                                .map(JsonNode::toString).toList(), "no lifecycle call at all (" + context + ")"),
                        () -> assertTrue(now.path("peer").path("alive").asBoolean(), "peer alive: " + now),
                        () -> assertEquals("GOOD", PairChannelIT.channelStatus(now, "link"), now.toString()),
                        () -> assertEquals("GOOD", PairChannelIT.channelStatus(now, "host"), now.toString()),
                        // every datagram is refused, except that each recorded frame may pass once
                        // at the peer as a late one (it never got it); the loopback may lose a few
                        () -> assertTrue(rejected >= sent * 9 / 10 - recorded.size(), "only " + rejected
                                + " of " + sent + " datagrams counted as rejected (" + context + "): " + now),
                        () -> assertTrue(linkRejected > 0, "no link rejection counted: " + now));
            }
        }
    }

    /**
     * Binds scm-b's status and link addresses before scm-b starts and keeps what scm-a sends there:
     * genuine, correctly signed frames to replay.
     */
    private static List<byte[]> recordFramesOfA(Pair pair) throws IOException {
        List<byte[]> frames = new ArrayList<>();
        List<java.nio.channels.Channel> open = new ArrayList<>();
        Map<SocketChannel, ByteArrayOutputStream> streams = new java.util.HashMap<>();
        try (Selector selector = Selector.open()) {
            for (String channel : List.of("link", "host")) {
                DatagramChannel udp = DatagramChannel.open();
                open.add(udp);
                udp.bind(pair.statusAddress(B, channel)).configureBlocking(false);
                udp.register(selector, SelectionKey.OP_READ, new int[1]);
                ServerSocketChannel tcp = ServerSocketChannel.open();
                open.add(tcp);
                tcp.bind(pair.linkAddress(B, channel)).configureBlocking(false);
                tcp.register(selector, SelectionKey.OP_ACCEPT);
            }
            ByteBuffer buf = ByteBuffer.allocate(70_000);
            long deadline = System.nanoTime() + RECORD_TIME.toNanos();
            int datagrams = 0;
            // bounded by the deadline and by the count wanted on both channels
            while (System.nanoTime() < deadline && datagrams < 2 * RECORD_PER_CHANNEL) {
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.channel() instanceof DatagramChannel udp) {
                        buf.clear();
                        int[] count = (int[]) key.attachment();
                        if (udp.receive(buf) != null && count[0] < RECORD_PER_CHANNEL) {
                            count[0]++;
                            datagrams++;
                            frames.add(java.util.Arrays.copyOf(buf.array(), buf.position()));
                        }
                    } else if (key.channel() instanceof ServerSocketChannel server) {
                        SocketChannel c = server.accept();
                        if (c != null) {
                            open.add(c);
                            c.configureBlocking(false).register(selector, SelectionKey.OP_READ);
                            streams.put(c, new ByteArrayOutputStream());
                        }
                    } else if (key.channel() instanceof SocketChannel c) {
                        buf.clear();
                        int n = c.read(buf);
                        if (n < 0) {
                            key.cancel();
                        } else if (n > 0 && streams.get(c).size() < 65_536) {
                            streams.get(c).write(buf.array(), 0, n);
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
        } finally {
            for (java.nio.channels.Channel c : open) {
                c.close();
            }
        }
        // what the link said before we stopped listening: length-prefixed frames, replayed whole
        for (ByteArrayOutputStream s : streams.values()) {
            ByteBuffer b = ByteBuffer.wrap(s.toByteArray());
            while (b.remaining() >= 4) {
                int length = b.getInt();
                if (length < 0 || length > b.remaining()) {
                    break;
                }
                byte[] frame = new byte[length];
                b.get(frame);
                frames.add(frame);
            }
        }
        if (frames.isEmpty()) {
            throw new AssertionError("scm-a sent nothing to scm-b's addresses within " + RECORD_TIME.toMillis()
                    + " ms\n" + pair.diagnostics());
        }
        return frames;
    }

    private static Map<Scm, Long> floodStatusPorts(Pair pair, Garbage garbage, String context) throws IOException {
        Map<Scm, Long> sent = new EnumMap<>(Map.of(A, 0L, B, 0L));
        long start = System.nanoTime();
        long deadline = start + DATAGRAM_TIME.toNanos();
        long n = 0;
        try (DatagramChannel out = DatagramChannel.open()) {
            // bounded in count and in time; the states are checked after every round
            while (n < DATAGRAMS && System.nanoTime() < deadline) {
                for (Scm target : Scm.values()) {
                    for (String channel : List.of("link", "host")) {
                        InetSocketAddress to = pair.statusAddress(target, channel);
                        for (int i = 0; i < PER_PORT_PER_ROUND; i++) {
                            byte[] d = garbage.next(n++, target.other().id(), target.id());
                            out.send(ByteBuffer.wrap(d), to);
                            sent.merge(target, 1L, Long::sum);
                        }
                    }
                }
                if (!pair.roles("DAC/MASTER", "DAC/SLAVE")) {
                    throw new AssertionError("a state changed after " + n + " datagrams (" + context + ")\n"
                            + pair.diagnostics());
                }
                long ahead = start + n * 1_000_000_000L / RATE - System.nanoTime();
                if (ahead > 0) {
                    LockSupport.parkNanos(Math.min(ahead, 100_000_000L)); // pacing, bounded
                }
            }
        }
        assertTrue(n >= 100_000, "only " + n + " datagrams in " + DATAGRAM_TIME.toSeconds() + " s");
        return sent;
    }

    private static Map<Scm, Long> floodLinkPorts(Pair pair, Garbage garbage) {
        Map<Scm, Long> connections = new EnumMap<>(Map.of(A, 0L, B, 0L));
        long deadline = System.nanoTime() + STREAM_TIME.toNanos();
        long n = 0;
        // bounded in count and in time
        for (int round = 0; round < CONNECTIONS_PER_PORT && System.nanoTime() < deadline; round++) {
            for (Scm target : Scm.values()) {
                for (String channel : List.of("link", "host")) {
                    try (Socket s = new Socket()) {
                        s.connect(pair.linkAddress(target, channel), 1000);
                        OutputStream o = s.getOutputStream();
                        o.write(garbage.stream(n++, target.other().id(), target.id()));
                        o.flush();
                        connections.merge(target, 1L, Long::sum);
                    } catch (IOException e) {
                        // the SCM may close a garbage connection while we still write: that is its right
                        connections.merge(target, 1L, Long::sum);
                    }
                }
            }
        }
        return connections;
    }

    private static long rejected(JsonNode status, String kind) {
        long sum = 0;
        for (JsonNode c : status.path("channels")) {
            if (kind.equals(c.path("kind").asText())) {
                sum += c.path("rejected").asLong();
            }
        }
        return sum;
    }
}
