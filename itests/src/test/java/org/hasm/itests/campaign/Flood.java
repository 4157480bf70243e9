package org.hasm.itests.campaign;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.hasm.itests.cluster.Garbage;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;

/**
 * A stranger flooding one SCM's status ports: garbage, forgeries and frames with a wrong key
 * ({@link Garbage}), sent as fast as one thread can, to both of the SCM's status channels in turn.
 * One named daemon thread, bounded by a datagram count and a deadline; undone by stopping it.
 */
final class Flood implements Lab.Undo {

    /** Far more than a few seconds at full speed send: the deadline ends a flood first. */
    private static final long MAX_DATAGRAMS = 20_000_000;
    /** Past the fault's planned length: a flood whose undo never came ends anyway. */
    private static final long OVERRUN_MS = 30_000;
    private static final long JOIN_MS = 5_000;

    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final long deadline;
    private volatile boolean running = true;
    private volatile String failure;

    private Flood(Pair pair, Scm target, long seed, long holdMs) {
        this.deadline = System.nanoTime() + (holdMs + OVERRUN_MS) * 1_000_000L;
        List<InetSocketAddress> ports = List.of(pair.statusAddress(target, "link"), pair.statusAddress(target, "host"));
        Garbage garbage = new Garbage(seed, List.of());
        thread = new Thread(() -> send(garbage, ports, target), "campaign-flood-" + target.id());
        thread.setDaemon(true);
    }

    static Flood start(Pair pair, Scm target, long seed, long holdMs) {
        Flood flood = new Flood(pair, target, seed, holdMs);
        flood.thread.start();
        return flood;
    }

    private void send(Garbage garbage, List<InetSocketAddress> ports, Scm target) {
        try (DatagramChannel channel = DatagramChannel.open()) {
            // bounded: MAX_DATAGRAMS and the deadline
            for (long n = 0; n < MAX_DATAGRAMS && running && System.nanoTime() - deadline < 0; n++) {
                byte[] datagram = garbage.next(n, target.other().id(), target.id());
                channel.send(ByteBuffer.wrap(datagram), ports.get((int) (n % ports.size())));
                sent.incrementAndGet();
            }
        } catch (IOException e) {
            failure = String.valueOf(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(JOIN_MS);
        if (thread.isAlive()) {
            throw new AssertionError(thread.getName() + " did not stop within " + JOIN_MS + " ms");
        }
        if (failure != null) {
            throw new AssertionError("the flood could not send: " + failure);
        }
        System.out.println("  " + thread.getName() + ": " + sent.get() + " datagrams");
    }
}
