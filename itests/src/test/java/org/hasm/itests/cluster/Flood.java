package org.hasm.itests.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.hasm.itests.cluster.Pair.Scm;

/**
 * A stranger flooding an SCM's two status ports as fast as it can, from one thread (one process of
 * an attacker's), turn about: datagrams of 0 to 1,500 random bytes, then frames of a status frame's
 * shape in the SCM's peer's name, signed with a wrong key. The datagrams are made before the flood
 * starts, so that making them does not slow it down. Bounded in count per port and in time;
 * {@link #close} stops it and waits for the sender.
 */
public final class Flood implements AutoCloseable {
    private static final int POOL = 4096;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final InetSocketAddress[] ports;
    private final byte[][] randomPool = new byte[POOL][];
    private final byte[][] forgedPool = new byte[POOL][];
    private final long randomPerPort;
    private final long forgedPerPort;
    private final long deadline;
    private final Thread sender;
    private volatile boolean stop;

    /**
     * @param target the SCM whose status ports are flooded
     * @param seed makes the datagrams repeatable
     * @param randomPerPort random datagrams sent to each port first
     * @param forgedPerPort forged frames sent to each port then
     * @param limit the flood ends after this long at the latest
     */
    public Flood(Pair pair, Scm target, long seed, long randomPerPort, long forgedPerPort, Duration limit) {
        this.ports = new InetSocketAddress[] {pair.statusAddress(target, "link"), pair.statusAddress(target, "host")};
        this.randomPerPort = randomPerPort;
        this.forgedPerPort = forgedPerPort;
        Garbage garbage = new Garbage(seed, List.of());
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < POOL; i++) {
            randomPool[i] = new byte[random.nextInt(0, 1501)];
            random.nextBytes(randomPool[i]);
            // a status frame's shape (state, opMode, role, incarnation), in the peer's name, wrong key
            byte[] payload = new byte[11];
            random.nextBytes(payload);
            forgedPool[i] = garbage.forge(1, target.other().id(), random.nextLong(1, Long.MAX_VALUE),
                    random.nextLong(0, Long.MAX_VALUE), payload);
        }
        this.deadline = System.nanoTime() + limit.toNanos();
        this.sender = new Thread(this::send, "flood-" + ports[0].getPort());
        sender.setDaemon(true);
    }

    /** Starts the sender; returns at once. */
    public Flood start() {
        sender.start();
        return this;
    }

    /** @return whether the sender still runs */
    public boolean running() {
        return sender.isAlive();
    }

    /** @return datagrams sent so far, on both ports */
    public long sent() {
        return sent.get();
    }

    /** @return what made a sender fail, or {@code null} */
    public Throwable failure() {
        return failure.get();
    }

    private void send() {
        try (DatagramChannel out = DatagramChannel.open()) {
            for (long i = 0; i < randomPerPort && !stop && (i % 1024 != 0 || System.nanoTime() < deadline); i++) {
                for (InetSocketAddress to : ports) {
                    out.send(ByteBuffer.wrap(randomPool[(int) (i % POOL)]), to);
                    sent.incrementAndGet();
                }
            }
            for (long i = 0; i < forgedPerPort && !stop && (i % 1024 != 0 || System.nanoTime() < deadline); i++) {
                for (InetSocketAddress to : ports) {
                    out.send(ByteBuffer.wrap(forgedPool[(int) (i % POOL)]), to);
                    sent.incrementAndGet();
                }
            }
        } catch (IOException | RuntimeException e) {
            failure.set(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        sender.join(10_000);
    }
}
