package org.hasm.ups.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.hasm.config.Typed;
import org.hasm.spi.power.PowerStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The watcher's thread against a TCP server answering as upsd does: what it reads, reports and carries out. */
class WatcherTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private FakeUpsd upsd;
    private Watcher watcher;
    private final Recorder host = new Recorder();

    /** The SCM as the watcher sees it: a role and a peer the test sets, and what was asked of it. */
    private static final class Recorder implements Watcher.Host {
        volatile Policy.Role role = Policy.Role.MASTER;
        volatile boolean peerAlive = true;
        volatile int refuseOrders;
        final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<String> orders = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<String> halts = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public Policy.Role role() {
            return role;
        }

        @Override
        public boolean peerAlive() {
            return peerAlive;
        }

        @Override
        public String peer() {
            return "scm-b";
        }

        @Override
        public void orderPeer(String peer, String reason) {
            orders.add(peer + ": " + reason);
            if (refuseOrders > 0) {
                refuseOrders--;
                throw new IllegalStateException("the peer scm-b cannot be told (test)");
            }
        }

        @Override
        public void haltSelf(String reason) {
            halts.add(reason);
        }

        @Override
        public void event(String topic, String message, Reading last) {
            events.add(topic + " " + message);
        }

        @Override
        public void failed(String message, Throwable t) {
            events.add("FAILED " + message + (t == null ? "" : ": " + t));
        }

        boolean saw(String topic) {
            synchronized (events) {
                return events.stream().anyMatch(e -> e.startsWith(topic + " "));
            }
        }
    }

    @BeforeEach
    void start() throws Exception {
        upsd = new FakeUpsd();
    }

    @AfterEach
    void stop() throws Exception {
        if (watcher != null) {
            watcher.close();
        }
        upsd.close();
    }

    /** The wall clock, which the test steps as NTP or an operator would. */
    private final java.util.concurrent.atomic.AtomicLong stepMs = new java.util.concurrent.atomic.AtomicLong();
    private final Clock wall = new Clock() {
        @Override
        public java.time.Instant instant() {
            return Clock.systemUTC().instant().plusMillis(stepMs.get());
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    };

    private void watch(String ups, long graceMs) {
        Map<String, Object> config = new HashMap<>(Map.of("ups", ups, "port", upsd.port(), "poll.interval.ms", 100,
                "timeout.ms", 2000, "grace.ms", graceMs, "peer.wait.ms", 10_000));
        Settings settings = Settings.of(Typed.of(UpsConfig.class, config));
        assertEquals(List.of(), settings.problems());
        watcher = new Watcher(settings, host, wall);
        watcher.start();
    }

    private static void await(String what, BooleanSupplier condition, Object state) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        // bounded by the deadline
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("timed out waiting for " + what + ": " + state);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Test
    void readsTheUpsAndShowsItsLine() {
        watch("testups", 60_000);
        await("a reading", () -> watcher.status().connected(), host.events);
        PowerStatus s = watcher.status();
        assertEquals(List.of("OL"), s.flags());
        assertEquals(100.0, s.batteryCharge());
        assertEquals("UPS testups@127.0.0.1:" + upsd.port() + ": OL, battery 100%", s.line());
        assertTrue(host.saw("UPSD"), host.events.toString());
        assertTrue(host.events.contains("UPSD UPS testups@127.0.0.1:" + upsd.port()
                + ": upsd serves it (Dummy Manufacturer Dummy UPS) with 14 variables"), host.events.toString());
        assertTrue(host.saw("CONNECTED"), host.events.toString());
    }

    @Test
    void anUnknownUpsIsReportedWithTheNamesUpsdServesAndNeverTakenForAPowerFailure() {
        watch("nosuch", 0);
        await("the loss reported", () -> host.saw("CONNECTION_LOST"), host.events);
        String line = watcher.status().line();
        assertTrue(line.contains("NO DATA from upsd") && line.contains("upsd knows no UPS 'nosuch' (it serves testups)"),
                line);
        assertEquals(List.of(), host.orders);
        assertEquals(List.of(), host.halts);
    }

    @Test
    void staleDataIsALossNotAnOutage() {
        upsd.answers.put("GET VAR testups ups.status", "ERR DATA-STALE");
        watch("testups", 0);
        await("the loss reported", () -> host.saw("CONNECTION_LOST"), host.events);
        assertTrue(watcher.status().line().contains("upsd's data of testups is stale: its driver stopped answering"),
                watcher.status().line());
        assertEquals(List.of(), host.halts);
    }

    @Test
    void aWallClockSteppedBackStopsNoPollAndOneSteppedForwardEndsNoGrace() {
        watch("testups", 3_000);
        await("a reading", () -> watcher.status().connected(), host.events);
        stepMs.set(-3_600_000); // back an hour: polls still every 100 ms
        upsd.answers.put("GET VAR testups ups.status", "VAR testups ups.status \"OB DISCHRG\"");
        await("the outage seen", () -> watcher.status().line().contains("the pair shuts down in"), watcher.status().line());
        long seen = System.nanoTime();
        stepMs.set(3_600_000); // forward an hour: the grace of 3 s still runs its 3 s
        await("the peer ordered once the grace ran out", () -> !host.orders.isEmpty(), host.events);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - seen);
        assertTrue(waited >= 2_500, "the grace ended after " + waited + " ms, not 3 s: " + host.events);
    }

    @Test
    void onBatteryTheMasterOrdersThePeerAgainAfterARefusalAndHaltsOnceThePeerIsGone() {
        host.refuseOrders = 1;
        watch("testups", 0);
        await("a reading", () -> watcher.status().connected(), host.events);
        upsd.answers.put("GET VAR testups ups.status", "VAR testups ups.status \"OB DISCHRG\"");
        await("the order given again after the refusal", () -> host.orders.size() >= 2, host.events);
        assertTrue(host.saw("ORDER_FAILED"), host.events.toString());
        assertEquals("scm-b: UPS testups@127.0.0.1:" + upsd.port() + ": on battery (OB)", host.orders.get(1));
        assertEquals(List.of(), host.halts, "not before the peer halted");
        host.peerAlive = false;
        await("this SCM halting", () -> !host.halts.isEmpty(), host.events);
        assertEquals(List.of("UPS testups@127.0.0.1:" + upsd.port() + ": on battery (OB); scm-b halted first"),
                host.halts);
        assertEquals(2, host.orders.size(), "ordered no more once it was told: " + host.orders);
    }
}
