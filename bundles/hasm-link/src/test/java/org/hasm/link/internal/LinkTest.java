package org.hasm.link.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.LinkHandler;
import org.hasm.wire.AntiReplay;
import org.hasm.wire.ClusterKey;
import org.hasm.wire.Frame;
import org.hasm.wire.FrameCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two link cores talking over loopback TCP. */
class LinkTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final long INC_A = 1000;
    private static final long INC_B = 2000;

    @TempDir
    Path dir;

    private ClusterKey key;
    private int[] ports;
    private final List<Link> links = new ArrayList<>();
    private final Map<String, LinkHandler> handlersA = new ConcurrentHashMap<>();
    private final Map<String, LinkHandler> handlersB = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws IOException {
        key = ClusterKey.generate(dir.resolve("cluster.key"));
        ports = freeTcpPorts(6);
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        links.forEach(Link::close);
    }

    private static int[] freeTcpPorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket();
                held.add(s);
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                p[i] = s.getLocalPort();
            }
            return p;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    private static final Link.Log LOG = (level, message, t) -> {
        if (level != Link.Level.DEBUG) {
            System.out.println(level + " " + message);
        }
    };

    /**
     * Ports: A listens on 0 (link) and 1 (host), B on 2 and 3; 4 and 5 stay closed. Channel "dead"
     * of A points at the closed port 4.
     */
    private Link start(boolean sideA, boolean withDeadChannel) throws IOException {
        return start(sideA, withDeadChannel ? "dead, link, host" : "link, host", sideA ? INC_A : INC_B);
    }

    private Link start(boolean sideA, String channels, long incarnation) throws IOException {
        return start(sideA, channels, incarnation, TestSettings.codec(key));
    }

    private Link start(boolean sideA, String channels, long incarnation, FrameCodec codec) throws IOException {
        return start(sideA, channels, incarnation, codec, null, floor -> { });
    }

    private Link start(boolean sideA, String channels, long incarnation, FrameCodec codec, AntiReplay.Floor floor,
            java.util.function.Consumer<AntiReplay.Floor> floors) throws IOException {
        Map<String, Object> config = new HashMap<>();
        config.put("channels", channels);
        int mine = sideA ? 0 : 2;
        int theirs = sideA ? 2 : 0;
        config.put("channel.link.local", "127.0.0.1:" + ports[mine]);
        config.put("channel.host.local", "127.0.0.1:" + ports[mine + 1]);
        config.put("channel.link.peer", "127.0.0.1:" + ports[theirs]);
        config.put("channel.host.peer", "127.0.0.1:" + ports[theirs + 1]);
        config.put("channel.dead.local", "127.0.0.1:" + ports[sideA ? 5 : 4]);
        config.put("channel.dead.peer", "127.0.0.1:" + ports[4]);
        config.put("connect.timeout.ms", "500");
        Map<String, String> framework = Map.of("hasm.scm", sideA ? "scm-a" : "scm-b", "hasm.peer",
                sideA ? "scm-b" : "scm-a", "hasm.data.dir", dir.toString(), "hasm.cluster.key.file", key.file().toString());
        LinkSettings s = TestSettings.parse(config, framework::get);
        assertEquals(List.of(), s.problems());
        Map<String, LinkHandler> handlers = sideA ? handlersA : handlersB;
        Link link = new Link(s, codec, incarnation, handlers::get, LOG, (channel, state) -> { }, floor, floors);
        links.add(link);
        link.start();
        return link;
    }

    private static ChannelView channel(Link l, String name) {
        return l.channels().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within 20 s: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void twoChannelsListeningOnOneAddressAreAProblemBeforeAnyBind() {
        Map<String, Object> config = new HashMap<>();
        config.put("channels", "link, host");
        config.put("channel.link.local", "127.0.0.1:7101");
        config.put("channel.link.peer", "127.0.0.2:7101");
        config.put("channel.host.local", "127.0.0.1:7101");
        config.put("channel.host.peer", "127.0.0.2:7102");
        Map<String, String> node = Map.of("hasm.scm", "scm-a", "hasm.peer", "scm-b");
        List<String> problems = TestSettings.parse(config, node::get).problemLines();
        assertEquals(List.of("org.hasm.link.channel~link: local: '127.0.0.1:7101' is also where channel host listens:"
                + " only one of them can"), problems);
    }

    @Test
    void requestAndResponseBothWays() throws IOException {
        handlersB.put("echo", p -> utf8(new StringBuilder(new String(p, StandardCharsets.UTF_8)).reverse().toString()));
        handlersA.put("echo", p -> p);
        Link a = start(true, false);
        Link b = start(false, false);
        assertArrayEquals(utf8("olleh"), a.request("echo", utf8("hello"), TIMEOUT));
        assertArrayEquals(utf8("x"), b.request("echo", utf8("x"), TIMEOUT));
        byte[] big = new byte[60_000];
        big[59_999] = 1;
        handlersB.put("same", p -> p);
        assertArrayEquals(big, a.request("same", big, TIMEOUT));
        ChannelView link = channel(a, "link");
        assertEquals(ChannelStatus.GOOD, link.status());
        // two requests of A's, and its answer to B's request (which B sent over its own first channel)
        assertEquals(3, link.sent());
        assertEquals(3, link.received());
        assertEquals(0, link.errors());
        assertEquals(0, link.rejected());
    }

    @Test
    void thisReleaseAndTheNextTalkBothWaysInThisReleasesVersion() throws IOException {
        handlersB.put("echo", p -> utf8(new StringBuilder(new String(p, StandardCharsets.UTF_8)).reverse().toString()));
        handlersA.put("echo", p -> p);
        FrameCodec thisRelease = TestSettings.codec(key);
        // the next release: one wire version more, and an extension field this release does not know
        FrameCodec next = new FrameCodec(key.derive("link"), FrameCodec.MIN_SUPPORTED, FrameCodec.CURRENT + 1,
                new Frame.Fields().add(200, utf8("from the next release")).toByteArray());
        Link a = start(true, "link, host", INC_A, thisRelease);
        Link b = start(false, "link, host", INC_B, next);
        // scm-a's hello on its own connection is all the next release needs to step down
        await("the next release speaks this release's version", () -> next.sendVersion() == FrameCodec.CURRENT);
        assertArrayEquals(utf8("olleh"), a.request("echo", utf8("hello"), TIMEOUT));
        assertArrayEquals(utf8("x"), b.request("echo", utf8("x"), TIMEOUT));
        assertEquals(FrameCodec.CURRENT + 1, thisRelease.peerHighest(), "this release read the next one's frames");
        assertEquals(FrameCodec.CURRENT, thisRelease.sendVersion());
    }

    @Test
    void aLinkStartedAgainInTheSameIncarnationIsHeardByThePeersRunningLink() throws IOException {
        // a link bundle updated in place: a new link, the node's incarnation unchanged, the peer's link running on
        handlersB.put("echo", p -> p);
        handlersA.put("echo", p -> p);
        Link a = start(true, false);
        Link b = start(false, false);
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(utf8("x" + i), b.request("echo", utf8("x" + i), TIMEOUT));
        }
        b.close();
        links.remove(b);
        Link b2 = start(false, false);
        // numbered from 1 again, its frames were below A's window (refused until its count passed B's old one),
        // and its requests' ids were those A had answered (A gave back its cached answer to the old request 1)
        assertArrayEquals(utf8("again"), b2.request("echo", utf8("again"), TIMEOUT));
        assertArrayEquals(utf8("back"), a.request("echo", utf8("back"), TIMEOUT));
        assertEquals(0, channel(a, "link").rejected() + channel(a, "host").rejected(), "no frame of the new link refused");
    }

    @Test
    void oneWayMessageArrives() throws Exception {
        CountDownLatch got = new CountDownLatch(1);
        handlersB.put("note", p -> {
            if (new String(p, StandardCharsets.UTF_8).equals("fyi")) {
                got.countDown();
            }
            return null;
        });
        Link a = start(true, false);
        start(false, false);
        a.send("note", utf8("fyi"));
        assertTrue(got.await(10, TimeUnit.SECONDS));
    }

    @Test
    void oneWayMessagesOfAServiceAreHandledInTheOrderSent() throws Exception {
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        handlersB.put("maintenance", p -> {
            // handlers that take their time
            LockSupport.parkNanos(java.util.concurrent.ThreadLocalRandom.current().nextLong(200_000));
            seen.add(new String(p, StandardCharsets.UTF_8));
            return null;
        });
        Link a = start(true, false);
        start(false, false);
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String m = (i % 2 == 0 ? "on-" : "off-") + i;
            sent.add(m);
            a.send("maintenance", utf8(m));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (seen.size() < sent.size() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        assertEquals(sent, new ArrayList<>(seen), "in the order sent (the handlers ran in a pool, any order)");
    }

    @Test
    void closedChannelIsSkippedWithoutTheCallerNoticing() throws IOException {
        handlersB.put("echo", p -> p);
        Link a = start(true, true);
        start(false, false);
        assertEquals("dead", a.channels().get(0).name()); // configuration order while nothing failed
        assertArrayEquals(utf8("1"), a.request("echo", utf8("1"), TIMEOUT));
        assertEquals(1, channel(a, "dead").errors());
        assertEquals(ChannelStatus.BAD, channel(a, "dead").status());
        assertEquals("link", a.channels().get(0).name()); // best first
        assertEquals("dead", a.channels().get(2).name());
        assertArrayEquals(utf8("2"), a.request("echo", utf8("2"), TIMEOUT));
        assertEquals(1, channel(a, "dead").errors()); // not tried again while others work
        a.send("echo", utf8("3"));
    }

    @Test
    void aChannelThatFailedWhileThePeerWasDownIsGoodOnceItConnectsAndABadOneSaysWhy() throws IOException {
        handlersB.put("echo", p -> p);
        Link a = start(true, false); // B not started yet: what an SCM's INIT asks goes nowhere
        assertThrows(IOException.class, () -> a.request("echo", utf8("early"), Duration.ofSeconds(1)));
        for (String name : List.of("link", "host")) {
            ChannelView c = channel(a, name);
            assertEquals(ChannelStatus.BAD, c.status(), c.toString());
            assertTrue(c.note() != null && c.note().contains("cannot connect to /127.0.0.1:"), c.toString());
        }
        start(false, false);
        assertArrayEquals(utf8("1"), a.request("echo", utf8("1"), TIMEOUT));
        // the host channel carried nothing since (the link channel answers), but its kept connection opened
        await("host GOOD once its connection opens", () -> channel(a, "host").status() == ChannelStatus.GOOD);
        ChannelView host = channel(a, "host");
        assertEquals(0, host.sent(), host.toString());
        assertEquals(null, host.note(), host.toString());
        assertTrue(host.errors() > 0, "its errors stay counted: " + host);
    }

    @Test
    void brokenConnectionFailsOverToTheNextChannel() throws IOException {
        handlersB.put("echo", p -> p);
        Link a = start(true, false);
        Link b = start(false, false);
        a.request("echo", utf8("warm"), TIMEOUT);
        b.close(); // every connection of B gone
        // B restarts (a new incarnation: its sequence starts over) without its first channel
        Link b2 = start(false, "host", INC_B + 1);
        assertArrayEquals(utf8("again"), a.request("echo", utf8("again"), TIMEOUT));
        assertTrue(channel(a, "link").errors() >= 1);
        assertTrue(b2.running());
    }

    @Test
    void silentChannelHandsTheSameRequestToTheNextOne() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        handlersB.put("slow", p -> {
            calls.incrementAndGet();
            release.await(1300, TimeUnit.MILLISECONDS); // longer than the first channel's share
            return p;
        });
        Link a = start(true, false);
        start(false, false);
        // 2 s over two channels: "link" gets 1 s, then "host" asks again with the same id and
        // receives the answer of the one call still running
        assertArrayEquals(utf8("once"), a.request("slow", utf8("once"), Duration.ofSeconds(2)));
        assertEquals(1, calls.get());
        assertEquals(1, channel(a, "link").errors());
        assertEquals("host", a.channels().get(0).name());
    }

    @Test
    void handlerErrorsReachTheCaller() throws IOException {
        handlersB.put("fail", p -> {
            throw new IllegalStateException("disk full");
        });
        Link a = start(true, false);
        start(false, false);
        IOException e = assertThrows(IOException.class, () -> a.request("fail", new byte[0], TIMEOUT));
        assertTrue(e.getMessage().contains("disk full") && e.getMessage().contains("'fail' failed"), e.getMessage());
        IOException unknown = assertThrows(IOException.class, () -> a.request("nope", new byte[0], TIMEOUT));
        assertTrue(unknown.getMessage().contains("no handler for link service 'nope'"), unknown.getMessage());
        assertEquals(ChannelStatus.GOOD, channel(a, "link").status()); // the channel worked
    }

    @Test
    void timeoutsAreBounded() throws IOException {
        handlersB.put("slow", p -> {
            release.await(30, TimeUnit.SECONDS);
            return p;
        });
        Link a = start(true, false);
        start(false, false);
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> a.request("slow", new byte[0], Duration.ofMillis(300)));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 290 && ms < 5000, ms + " ms");
        assertTrue(e.getMessage().contains("no answer"), e.getMessage());
    }

    @Test
    void unreachablePeerFailsWithinTheTimeout() throws IOException {
        Link a = start(true, true); // B never starts
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> a.request("x", new byte[0], Duration.ofSeconds(2)));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 5000);
        assertTrue(e.getMessage().contains("channel dead") && e.getMessage().contains("channel host"), e.getMessage());
        assertThrows(IOException.class, () -> a.send("x", new byte[0]));
    }

    /** Speaks the link protocol by hand, as scm-a. */
    private final class RawPeer implements AutoCloseable {
        final Socket socket = new Socket();
        final DataOutputStream out;
        final DataInputStream in;
        final FrameCodec codec;

        RawPeer(int port, ClusterKey k) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(10_000);
            out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
            in = new DataInputStream(socket.getInputStream());
            codec = new FrameCodec(k.derive("link"));
        }

        void write(byte[] frame) throws IOException {
            out.writeInt(frame.length);
            out.write(frame);
        }

        void request(String sender, long inc, long seq, long id, String service, byte[] payload) throws IOException {
            write(codec.encode(Message.REQUEST, sender, inc, seq, Message.Call.encode(id, service, payload)));
            out.flush();
        }

        Message.Response response() throws Exception {
            byte[] f = new byte[in.readInt()];
            in.readFully(f);
            Frame frame = codec.decode(f, 0, f.length);
            assertEquals(Message.RESPONSE, frame.type());
            return Message.Response.decode(frame.payload());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void repeatedRequestIdIsAnsweredOnce() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        handlersB.put("count", p -> utf8(String.valueOf(calls.incrementAndGet())));
        start(false, false);
        try (RawPeer raw = new RawPeer(ports[2], key)) {
            raw.request("scm-a", 55, 1, 77, "count", new byte[0]);
            raw.request("scm-a", 55, 2, 77, "count", new byte[0]); // the same request, retried
            raw.request("scm-a", 55, 3, 78, "count", new byte[0]);
            // answers may come in any order: the handlers run in a pool
            Map<Long, List<String>> answers = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                Message.Response r = raw.response();
                answers.computeIfAbsent(r.id(), k -> new ArrayList<>()).add(r.message());
            }
            assertEquals(2, answers.get(77L).size());
            assertEquals(answers.get(77L).get(0), answers.get(77L).get(1)); // one call, answered twice
            assertEquals(1, answers.get(78L).size());
        }
        try (RawPeer raw = new RawPeer(ports[3], key)) { // another channel: same cache
            raw.request("scm-a", 55, 4, 77, "count", new byte[0]);
            String first = raw.response().message();
            assertTrue(first.equals("1") || first.equals("2"), first);
            raw.request("scm-a", 56, 1, 77, "count", new byte[0]); // the peer restarted: ids start over
            assertEquals("3", raw.response().message());
        }
        assertEquals(3, calls.get());
    }

    @Test
    void framesRecordedBeforeTheReceiverRestartedAreRefusedByItsNextLink() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        handlersB.put("count", p -> utf8(Integer.toString(calls.incrementAndGet())));
        List<AntiReplay.Floor> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        Link b = start(false, "link, host", INC_B, TestSettings.codec(key), null, told::add);
        try (RawPeer raw = new RawPeer(ports[2], key)) {
            for (long seq = 1; seq <= 3; seq++) {
                raw.request("scm-a", 55, seq, seq, "count", new byte[0]); // "shutdown", say
                assertEquals(Long.toString(seq), raw.response().message());
            }
        }
        b.close();
        assertEquals(new AntiReplay.Floor(55, 3), told.get(told.size() - 1), "told at close");

        Link again = start(false, "link, host", INC_B + 1, TestSettings.codec(key), b.floor(), floor -> { });
        try (RawPeer raw = new RawPeer(ports[2], key)) {
            raw.request("scm-a", 55, 2, 2, "count", new byte[0]); // recorded earlier, sent again
            raw.request("scm-a", 55, 4, 4, "count", new byte[0]); // the peer's next genuine frame
            Message.Response r = raw.response();
            assertEquals(4, r.id(), "the replayed request got no answer");
            assertEquals("4", r.message());
        }
        assertEquals(4, calls.get(), "carried out once");
        assertEquals(new AntiReplay.Floor(55, 4), again.floor());
    }

    @Test
    void forgedReplayedAndGarbageInputChangesNothing() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        handlersB.put("echo", p -> {
            calls.incrementAndGet();
            return p;
        });
        Link a = start(true, false);
        Link b = start(false, false);
        for (int i = 1; i <= 3; i++) {
            a.request("echo", utf8("real " + i), TIMEOUT); // A's frames 1..3: REQUEST ids 1..3
        }
        assertEquals(3, calls.get());

        FrameCodec right = new FrameCodec(key.derive("link"));
        FrameCodec wrong = new FrameCodec(ClusterKey.generate(dir.resolve("other.key")));
        SplittableRandom random = new SplittableRandom(11);
        int framed = 100_000;
        try (RawPeer raw = new RawPeer(ports[2], key)) {
            for (int i = 0; i < framed; i++) {
                raw.write(forge(random, right, wrong));
            }
            raw.out.flush();
            await("every forged frame judged", () -> channel(b, "link").rejected() >= framed);
        }
        int streams = 300;
        for (int i = 0; i < streams; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", ports[2 + (i & 1)]), 2000);
                byte[] junk = new byte[random.nextInt(1, 3000)];
                random.nextBytes(junk);
                OutputStream out = s.getOutputStream();
                out.write(junk);
                out.flush();
            } catch (IOException e) {
                // B may drop a garbage connection while we still write: that is its right
            }
        }
        long rejected = channel(b, "link").rejected() + channel(b, "host").rejected();
        assertTrue(rejected >= framed, "rejected " + rejected);
        assertEquals(3, calls.get()); // no handler ever ran for any of it

        assertArrayEquals(utf8("still"), a.request("echo", utf8("still"), TIMEOUT));
        assertEquals(4, calls.get());
        assertTrue(b.running());
    }

    private static byte[] forge(SplittableRandom r, FrameCodec right, FrameCodec wrong) {
        switch (r.nextInt(6)) {
            case 0: { // garbage of a plausible length
                byte[] g = new byte[r.nextInt(1, 200)];
                r.nextBytes(g);
                return g;
            }
            case 1: // the right shape under another key
                return wrong.encode(Message.REQUEST, "scm-a", INC_A, r.nextLong(1, Long.MAX_VALUE),
                        Message.Call.encode(r.nextLong(), "echo", new byte[3]));
            case 2: { // A's real requests, byte for byte
                int i = 1 + r.nextInt(3);
                return right.encode(Message.REQUEST, "scm-a", INC_A, i, Message.Call.encode(i, "echo", utf8("real " + i)));
            }
            case 3: // an older life of A
                return right.encode(Message.REQUEST, "scm-a", INC_A - 1 - r.nextInt(100), r.nextLong(1, 1 << 20),
                        Message.Call.encode(1, "echo", new byte[0]));
            case 4: // strangers and B's own name
                return right.encode(Message.ONEWAY, r.nextBoolean() ? "scm-c" : "scm-b", INC_A, r.nextLong(1, 1 << 20),
                        Message.Call.encode(0, "echo", new byte[0]));
            default: { // a real-looking frame with a bit flipped
                byte[] f = right.encode(Message.REQUEST, "scm-a", INC_A, r.nextLong(1 << 20, 1L << 40),
                        Message.Call.encode(9, "echo", new byte[8]));
                f[r.nextInt(f.length)] ^= (byte) (1 << r.nextInt(8));
                return f;
            }
        }
    }

    /** What the links told of their connections, as "channel STATE", in order. */
    private final List<String> connectionsA = new java.util.concurrent.CopyOnWriteArrayList<>();

    private Link startRecording() throws IOException {
        Map<String, Object> config = new HashMap<>();
        config.put("channels", "dead, link, host");
        config.put("channel.link.local", "127.0.0.1:" + ports[0]);
        config.put("channel.host.local", "127.0.0.1:" + ports[1]);
        config.put("channel.link.peer", "127.0.0.1:" + ports[2]);
        config.put("channel.host.peer", "127.0.0.1:" + ports[3]);
        config.put("channel.dead.local", "127.0.0.1:" + ports[5]);
        config.put("channel.dead.peer", "127.0.0.1:" + ports[4]);
        config.put("connect.timeout.ms", "500");
        Map<String, String> framework = Map.of("hasm.scm", "scm-a", "hasm.peer", "scm-b", "hasm.data.dir",
                dir.toString(), "hasm.cluster.key.file", key.file().toString());
        LinkSettings s = TestSettings.parse(config, framework::get);
        Link link = new Link(s, TestSettings.codec(key), INC_A, handlersA::get, LOG, (channel, state) -> connectionsA.add(channel + " " + state));
        links.add(link);
        link.start();
        return link;
    }

    @Test
    void everyChannelKeepsAConnectionAndSaysWhenThePeersEndClosesOrRefusesIt() throws IOException {
        Link a = startRecording();
        await("nothing listens on the dead channel: refused", () -> connectionsA.contains("dead REFUSED"));
        Link b = start(false, false);
        await("connected on link and host", () -> connectionsA.contains("link CONNECTED")
                && connectionsA.contains("host CONNECTED"));
        handlersB.put("echo", p -> p);
        assertArrayEquals(utf8("x"), a.request("echo", utf8("x"), TIMEOUT));
        assertEquals(1, channel(a, "link").sent(), "the hello is not one of the caller's messages");

        b.close(); // its sockets closed: as its kernel does when its process dies
        await("closed by the peer's end, then refused", () -> connectionsA.contains("link CLOSED")
                && connectionsA.contains("host CLOSED")
                && connectionsA.lastIndexOf("link REFUSED") > connectionsA.indexOf("link CLOSED")
                && connectionsA.lastIndexOf("host REFUSED") > connectionsA.indexOf("host CLOSED"));
        assertTrue(connectionsA.indexOf("link CLOSED") < connectionsA.lastIndexOf("link REFUSED"), connectionsA::toString);
        assertEquals(1, connectionsA.stream().filter("dead REFUSED"::equals).count(), "once per change");

        int told = connectionsA.size();
        a.close();
        assertEquals(told, connectionsA.size(), "its own closing is no news: " + connectionsA);
    }

    @Test
    void theKeptConnectionSurvivesAFloodOfStrangersConnections() throws Exception {
        Link a = startRecording();
        start(false, false);
        await("connected", () -> connectionsA.contains("link CONNECTED"));
        // more strangers, all at once, than the peer keeps inbound connections of a channel: the proven
        // one stays
        List<Socket> strangers = new ArrayList<>();
        try {
            for (int i = 0; i < 3 * Route.MAX_INBOUND; i++) {
                Socket s = new Socket();
                strangers.add(s);
                s.connect(new InetSocketAddress("127.0.0.1", ports[2]), 1000);
            }
            await("strangers pushed out", () -> strangers.stream().filter(s -> {
                try {
                    s.setSoTimeout(1);
                    return s.getInputStream().read() < 0;
                } catch (IOException e) {
                    return e instanceof java.net.SocketException;
                }
            }).count() >= 2 * Route.MAX_INBOUND);
        } finally {
            for (Socket s : strangers) {
                s.close();
            }
        }
        handlersB.put("echo", p -> p);
        assertArrayEquals(utf8("y"), a.request("echo", utf8("y"), TIMEOUT));
        // proven by its hello, it was never the one pushed out: never CLOSED
        assertTrue(connectionsA.stream().noneMatch(e -> e.endsWith("CLOSED")), connectionsA::toString);
        assertEquals("link CONNECTED", connectionsA.stream().filter(e -> e.startsWith("link")).reduce((x, y) -> y)
                .orElseThrow());
    }
}
