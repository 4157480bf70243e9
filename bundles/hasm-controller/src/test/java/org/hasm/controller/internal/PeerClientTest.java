package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.hasm.controller.internal.Transitions.Message;
import org.junit.jupiter.api.Test;

class PeerClientTest {

    /** A link that refuses the first sends, then delivers. */
    private static final class FlakyPort implements PeerPort {
        final AtomicInteger refusals;
        final List<String> delivered = new CopyOnWriteArrayList<>();

        FlakyPort(int refusals) {
            this.refusals = new AtomicInteger(refusals);
        }

        @Override
        public byte[] request(byte[] payload, Duration timeout) throws IOException {
            throw new IOException("not used here");
        }

        @Override
        public void send(byte[] payload) throws IOException {
            if (refusals.getAndDecrement() > 0) {
                throw new IOException("channel link: connection reset");
            }
            delivered.add(new String(payload, StandardCharsets.UTF_8));
        }

        @Override
        public long peerIncarnation() {
            return 0;
        }
    }

    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final List<String> infos = new CopyOnWriteArrayList<>();
    private final Sink sink = new Sink() {
        @Override
        public void debug(String message) {
        }

        @Override
        public void info(String message) {
            infos.add(message);
        }

        @Override
        public void warn(String message) {
        }

        @Override
        public void error(String message, Throwable t) {
            errors.add(message);
        }

        @Override
        public void post(String topic, Map<String, Object> properties) {
        }
    };

    private static void await(String what, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    @Test
    void aHandoverTheLinkRefusesIsSentAgainUntilThePeerHasIt() {
        FlakyPort port = new FlakyPort(3);
        PeerClient client = new PeerClient(() -> port, sink, e -> { }, Map::of);
        try {
            client.send(Message.HANDOVER, "move B");
            client.send(Message.READY, null);
            await("both messages delivered", () -> port.delivered.size() == 2);
            assertTrue(port.delivered.get(0).contains("HANDOVER"), port.delivered.toString());
            assertTrue(port.delivered.get(1).contains("READY"), "order kept: " + port.delivered);
            assertEquals(List.of(), errors);
        } finally {
            client.close();
        }
    }

    @Test
    void aHandoverIsNotSentAgainOnceThisScmMadeAnotherTransition() {
        // the peer is gone for good: refused again and again, until this SCM took everything over itself
        FlakyPort port = new FlakyPort(1_000);
        java.util.concurrent.atomic.AtomicLong transitions = new java.util.concurrent.atomic.AtomicLong(7);
        PeerClient client = new PeerClient(() -> port, sink, e -> { }, Map::of);
        client.transitions(transitions::get);
        try {
            client.send(Message.HANDOVER, "move B");
            await("the HANDOVER refused at least once", () -> port.refusals.get() < 1_000);
            transitions.incrementAndGet(); // FAILOVER: the peer was found dead
            // given up, not run out: running out would be an error after 10 s, this is said once, as moot
            await("the HANDOVER given up", () -> infos.stream().anyMatch(i -> i.contains("not sending HANDOVER again")));
            int attempts = 1_000 - port.refusals.get();
            port.refusals.set(0); // the peer's next boot would take it now: nothing is sent to it any more
            client.send(Message.READY, null); // queued behind the HANDOVER: goes out once it was given up
            await("the next message delivered", () -> port.delivered.size() == 1);
            assertTrue(port.delivered.get(0).contains("READY"), port.delivered.toString());
            assertTrue(attempts >= 1, "refused at least once");
            assertEquals(List.of(), errors, "no alarm: the HANDOVER is moot, not lost");
        } finally {
            client.close();
        }
    }

    @Test
    void anotherMessageTheLinkRefusesIsNotSentAgain() {
        FlakyPort port = new FlakyPort(1);
        PeerClient client = new PeerClient(() -> port, sink, e -> { }, Map::of);
        try {
            client.send(Message.PROCEED, null);
            client.send(Message.READY, null);
            await("the second message delivered", () -> port.delivered.size() == 1);
            assertTrue(port.delivered.get(0).contains("READY"), port.delivered.toString());
        } finally {
            client.close();
        }
    }
}
