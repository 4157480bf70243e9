package org.hasm.psom.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.hasm.spi.shared.SharedObjectException;

/**
 * Test support: PSOM cores talking to each other directly (the bytes each would send over the
 * link), each on a data folder of its own, with a "kill" at a step of a write ({@link #killAt}) and
 * a tap on what a core sends ({@link Scm#tap}). Closes every core it booted.
 */
final class Cores implements AutoCloseable {
    /** What a core's store throws at the step named by {@link #killAt}: the process ends there. */
    static final class Killed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Killed(String step) {
            super("killed at " + step);
        }
    }

    /** Hands a message to the peer's core, as the link would, and returns its answer. */
    interface Deliver {
        byte[] to(byte[] payload) throws IOException;
    }

    /**
     * Stands between a core and its peer: sees each message the core sends (one-way ones too, whose
     * answer is dropped), and may pass it on, hold it, lose its answer or fail it.
     */
    interface Tap {
        byte[] request(byte[] payload, Deliver deliver) throws IOException;
    }

    /** {@code scm:step} at which a store stops, or null. */
    final AtomicReference<String> killAt = new AtomicReference<>();
    /** What the cores logged, as {@code scm: message}. */
    final List<String> logged = Collections.synchronizedList(new ArrayList<>());
    private final List<Psom> open = new ArrayList<>();
    private final Duration tombstoneLifetime;

    /** @param tombstoneLifetime of every core booted */
    Cores(Duration tombstoneLifetime) {
        this.tombstoneLifetime = tombstoneLifetime;
    }

    /** One SCM's core; {@code peer} is where its requests go (null: cut). */
    final class Scm {
        final String name;
        final Path dir;
        volatile Scm peer;
        /** What this core's messages pass through on their way to the peer, or null: straight there. */
        volatile Tap tap;
        final AtomicInteger sent = new AtomicInteger();
        volatile Psom core;

        private Scm(Path base, String name, String peerName) throws IOException {
            this.name = name;
            this.dir = base.resolve(name);
            boot(peerName);
        }

        /** A new core on this SCM's folder, as after a reboot (the old one is closed at the end). */
        void boot(String peerName) throws IOException {
            Psom p = new Psom(name, peerName, new ObjectStore(dir, step -> {
                if ((name + ":" + step).equals(killAt.get())) {
                    throw new Killed(step);
                }
            }), new Psom.Peer() {
                @Override
                public byte[] request(byte[] payload, Duration timeout) throws IOException {
                    sent.incrementAndGet();
                    Tap t = tap;
                    return t == null ? deliver(payload) : t.request(payload, this::deliver);
                }

                @Override
                public void send(byte[] payload) throws IOException {
                    request(payload, Duration.ZERO);
                }

                private byte[] deliver(byte[] payload) throws IOException {
                    Scm to = peer;
                    if (to == null || to.core == null) {
                        throw new IOException("link to " + peerName + " cut");
                    }
                    return to.core.handle(payload);
                }
            }, new Psom.Log() {
                @Override
                public void info(String message) {
                    logged.add(name + ": " + message);
                }

                @Override
                public void warn(String message) {
                    logged.add(name + ": " + message);
                }
            }, Duration.ofMillis(200), Duration.ofMillis(300), tombstoneLifetime, false);
            synchronized (open) {
                open.add(p);
            }
            p.load();
            core = p;
        }
    }

    Scm scm(Path base, String name, String peerName) throws IOException {
        return new Scm(base, name, peerName);
    }

    /** scm-a as MASTER and scm-b as SLAVE, resynchronised, in folders under {@code base}. */
    Scm[] pair(Path base) throws Exception {
        Scm a = scm(base, "scm-a", "scm-b");
        Scm b = scm(base, "scm-b", "scm-a");
        link(a, b);
        a.core.master(false);
        b.core.slave();
        return new Scm[] {a, b};
    }

    static void link(Scm a, Scm b) {
        a.peer = b;
        b.peer = a;
    }

    static void cut(Scm a, Scm b) {
        a.peer = null;
        b.peer = null;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String value(Psom p, String name) throws SharedObjectException {
        Optional<byte[]> v = p.read(name);
        return v.map(b -> new String(b, StandardCharsets.UTF_8)).orElse(null);
    }

    static void put(Psom p, String name, String value) throws SharedObjectException {
        Psom.Handle h = p.lock(name, Duration.ofSeconds(1), "test#1");
        try {
            p.write(h, bytes(value));
        } finally {
            p.unlock(h);
        }
    }

    @Override
    public void close() {
        synchronized (open) {
            open.forEach(Psom::close);
            open.clear();
        }
    }
}
