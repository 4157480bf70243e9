package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.LinkState;
import org.hasm.spi.peer.Verdict;
import org.hasm.status.internal.TwoMonitors.Node;
import org.hasm.status.internal.TwoMonitors.TestAgent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two status monitor cores (see {@link TwoMonitors}): one fence at a time across overlapping outages,
 * the evidence that asks the agent at once (link connections reset, status ports unreachable), and a
 * flood that reaches only the socket made for strangers.
 */
class EvidenceTest {

    @TempDir
    Path dir;

    private TwoMonitors two;

    @BeforeEach
    void setUp() throws IOException {
        two = new TwoMonitors(dir);
    }

    @AfterEach
    void tearDown() {
        two.close();
    }

    @Test
    void overlappingOutagesMakeOneFenceThatIsAwaitedBeforeThePeerIsDead() throws Exception {
        CountDownLatch killReturns = new CountDownLatch(1);
        TestAgent agent = new TestAgent("blocks", killReturns); // a kill that takes long to return
        Map<String, String> fast = Map.of("fence.delay.ms", "100", "channel.disk.counter", "1000",
                "fence.timeout.ms", "300");
        Node a = two.pair(agent, fast)[0];

        two.cutNetworks(a, true, fast);
        Await.until("the first outage's fence running", () -> agent.calls.get() == 1, a::describe);
        int probes = agent.probes.get();
        two.cutNetworks(a, false, fast);
        Await.until("the first outage over", () -> a.count(Fencing.REACHABLE) == 1, a::describe);
        two.cutNetworks(a, true, fast);
        Await.until("a second outage", () -> a.count(Fencing.UNREACHABLE) == 2, a::describe);
        // the second outage lasts well past its fence delay and the first call's timeout
        Await.until("the first call overdue", () -> a.count(Fencing.TIMEOUT) == 1, a::describe);
        TwoMonitors.heartbeats(a, 30);
        assertEquals(1, agent.calls.get(), "the attempt in progress is awaited, not duplicated");
        assertEquals(probes, agent.probes.get(), "nor asked about beside it");
        assertTrue(a.monitor.peer().alive(), "alive while the fence has not completed: " + a.describe());

        killReturns.countDown(); // the kill returns: stopped
        Await.until("dead once the fence completed", () -> a.timeline.contains("peer dead 2000"), a::describe);
        assertEquals(Verdict.FENCED, a.monitor.peer().verdict());
        assertEquals(1, agent.maxConcurrent.get());
        assertEquals(1, agent.calls.get());
    }

    @Test
    void everyLinkConnectionResetByThePeersKernelAsksTheAgentAtOnce() throws Exception {
        TestAgent agent = new TestAgent("answers", two.release);
        // counters and a lease far longer than the test: only the evidence can decide
        Map<String, String> patient = Map.of("counter.start", "1000", "channel.disk.counter", "2000");
        Node a = two.pair(agent, patient)[0];
        int probes = agent.probes.get();
        a.monitor.linkChanged("link", LinkState.CONNECTED);
        a.monitor.linkChanged("host", LinkState.CONNECTED);
        a.monitor.linkChanged("link", LinkState.CLOSED);
        TwoMonitors.heartbeats(a, 5);
        assertEquals(probes, agent.probes.get(), "one link connection lost is no evidence");

        // the agent says its process is gone (the peer's monitor runs on here: only the link's word counts)
        agent.stoppedNow = true;
        a.monitor.linkChanged("host", LinkState.REFUSED);
        Await.until("dead at once", () -> a.timeline.contains("peer dead 2000"), a::describe);
        assertEquals(Verdict.STOPPED, a.monitor.peer().verdict());
        assertEquals(ChannelStatus.GOOD, a.channel("link").status(), "long before the counters ran out");
        assertEquals(0, agent.calls.get(), "nothing was killed");
    }

    @Test
    void statusPortsUnreachableOnEveryNetworkAskTheAgentAtOnce() throws Exception {
        TestAgent agent = new TestAgent("answers", two.release);
        Map<String, String> patient = Map.of("counter.start", "1000", "channel.disk.counter", "2000");
        Node[] p = two.pair(agent, patient);
        Node a = p[0];
        agent.stoppedNow = true;
        p[1].monitor.abort(); // its sockets closed: its host answers our next frames with "port unreachable"
        Await.until("dead at once", () -> a.timeline.contains("peer dead 2000"), a::describe);
        assertEquals(Verdict.STOPPED, a.monitor.peer().verdict());
        assertEquals(ChannelStatus.GOOD, a.channel("link").status(), "long before the counters ran out");
        assertTrue(agent.probes.get() >= 1);
    }

    @Test
    void aFloodFromAStrangerReachesOnlyTheSocketForStrangers() throws Exception {
        TestAgent agent = new TestAgent("stops", two.release);
        // A detection time of 500 ms: the flood's senders run in this JVM, on a loaded machine, and may
        // starve the receivers of CPU, which is not the point here; and a fence delay of 100 ms, so that
        // an outage the flood caused would be fenced at once but for the flood.
        Map<String, String> tight = Map.of("fence.delay.ms", "100", "counter.start", "25");
        Node[] p = two.pair(agent, tight);
        Node a = p[0];
        long before = a.channel("link").rejected() + a.channel("host").rejected();
        InetSocketAddress[] ports = {new InetSocketAddress("127.0.0.1", two.ports[0]),
            new InetSocketAddress("127.0.0.1", two.ports[1])};
        int perPort = 100_000;
        AtomicLong sent = new AtomicLong();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread[] senders = new Thread[ports.length];
        for (int i = 0; i < ports.length; i++) {
            InetSocketAddress to = ports[i];
            senders[i] = new Thread(() -> flood(to, perPort, sent, failed), "flood-" + to.getPort());
            senders[i].setDaemon(true);
            senders[i].start();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try {
            // bounded by the senders' count and the deadline
            while ((senders[0].isAlive() || senders[1].isAlive()) && System.nanoTime() < deadline) {
                assertTrue(a.networks(ChannelStatus.GOOD), "a network channel went BAD during the flood: "
                        + a.describe());
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            }
        } finally {
            for (Thread t : senders) {
                t.join(10_000);
            }
        }
        assertEquals(null, failed.get());
        assertEquals(2L * perPort, sent.get());
        Await.until("the flood counted", Duration.ofSeconds(10), () -> a.channel("link").rejected()
                + a.channel("host").rejected() - before >= sent.get() * 9 / 10, a::describe);
        assertEquals(0, agent.calls.get(), "nobody fenced");
        assertEquals(0, a.count(Fencing.UNREACHABLE), a::describe);
        assertTrue(a.monitor.peer().alive());
        assertEquals(Verdict.HEARD, a.monitor.peer().verdict());
        assertEquals(0, a.channel("link").dropped() + a.channel("host").dropped(), "no genuine frame lost to the kernel");
        assertTrue(a.floods.contains("link started") && a.floods.contains("host started"), a.floods::toString);
        Await.until("the flood over", () -> a.floods.contains("link ended") && a.floods.contains("host ended"),
                a.floods::toString);
        assertFalse(a.timeline.stream().anyMatch(e -> e.startsWith("peer dead")), a::describe);
    }

    private static void flood(InetSocketAddress to, int count, AtomicLong sent, AtomicReference<Throwable> failed) {
        SplittableRandom random = new SplittableRandom(to.getPort());
        byte[][] pool = new byte[256][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new byte[random.nextInt(0, 1501)];
            random.nextBytes(pool[i]);
        }
        try (DatagramChannel out = DatagramChannel.open()) {
            for (int i = 0; i < count; i++) {
                out.send(ByteBuffer.wrap(pool[i % pool.length]), to);
                sent.incrementAndGet();
            }
        } catch (IOException | RuntimeException e) {
            failed.set(e);
        }
    }
}
