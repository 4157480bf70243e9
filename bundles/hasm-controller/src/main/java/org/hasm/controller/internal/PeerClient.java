package org.hasm.controller.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.hasm.controller.internal.Transitions.Event;
import org.hasm.controller.internal.Transitions.Message;

/**
 * What the controller says to the peer's controller: the INIT handshake (NOP and GETSTATE until the
 * peer answers or the INIT timeout passes) on the thread "hasm-controller-init", and the one-way
 * messages (READY, PROCEED, LEAVING) in order on "hasm-controller-send". Answers come back as events.
 * Both threads belong to this object and end in {@link #close()}.
 */
final class PeerClient {
    private final Supplier<PeerPort> port;
    private final Sink sink;
    private final Consumer<Event> events;
    private final Supplier<Map<String, String>> timing;
    /** This SCM's configuration fingerprint, compared with the peer's GETSTATE answer. */
    private final ConfigFingerprint config;
    // this SCM's version goes out with every message; the peer's comes back in GETSTATE's answer
    private volatile PairVersions versions = new PairVersions();
    private final ExecutorService asker = Executors.newSingleThreadExecutor(r -> daemon(r, "hasm-controller-init"));
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> daemon(r, "hasm-controller-send"));
    /** A new ask, or close, makes the rounds in progress give up. */
    private final AtomicLong generation = new AtomicLong();
    /** Set by close: a message being sent again gives up. */
    private volatile boolean closed;
    // READY carries this SCM's boot token, PROCEED the one of the READY it answers (PeerServer.BOOT_TOKEN)
    private volatile Supplier<String> ownBoot = () -> null;
    private volatile Supplier<String> peerBoot = () -> null;
    private volatile Supplier<String> leavingBoot = () -> null;
    // how many transitions this SCM made: a HANDOVER is sent again only while this SCM is still where it said it
    private volatile java.util.function.LongSupplier transitions = () -> 0;

    /** @param timing this SCM's timing fingerprint, compared with the peer's GETSTATE answer */
    PeerClient(Supplier<PeerPort> port, Sink sink, Consumer<Event> events, Supplier<Map<String, String>> timing) {
        this(port, sink, events, timing, new ConfigFingerprint());
    }

    PeerClient(Supplier<PeerPort> port, Sink sink, Consumer<Event> events, Supplier<Map<String, String>> timing,
            ConfigFingerprint config) {
        this.config = config;
        this.port = port;
        this.sink = sink;
        this.events = events;
        this.timing = timing;
    }

    /** @param pair where this SCM's version is read and the peer's noted; before the first {@link #ask} */
    void versions(PairVersions pair) {
        versions = pair;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Asks the peer until it answers ({@link Event.PeerInfo}, confirmed) or {@code timeout} passes
     * ({@link Event.PeerSilent}); an earlier round still asking gives up.
     *
     * @param peer the peer's name, for the log
     */
    void ask(String peer, Duration timeout) {
        long round = generation.incrementAndGet();
        try {
            asker.execute(() -> round(round, peer, timeout));
        } catch (RejectedExecutionException e) {
            sink.debug("controller stopped; the peer is not asked");
        }
    }

    private void round(long round, String peer, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastError = "no answer";
        // bounded by the INIT timeout; a newer round or close ends it sooner
        while (generation.get() == round && System.nanoTime() - deadline < 0) {
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            try {
                Duration each = Duration.ofMillis(Math.min(left, 1000));
                PeerPort p = port.get();
                PairVersions v = versions;
                p.request(PeerMessages.of(v, "NOP"), each);
                Map<String, String> s = PeerMessages.decode(p.request(PeerMessages.of(v, "GETSTATE"), each));
                v.heard(s);
                String conflict = Timing.mismatch(timing.get(), Timing.decode(s.get(Timing.FIELD)), peer);
                if (conflict != null && generation.get() == round) {
                    // a pair whose timings differ would judge each other wrongly: FAULT, naming both values
                    events.accept(new Event.Fault(conflict));
                    return;
                }
                String contradiction = ConfigFingerprint.conflict(config.get(), s.get(ConfigFingerprint.FIELD), peer);
                if (contradiction != null && generation.get() == round) {
                    events.accept(new Event.Fault(contradiction));
                    return;
                }
                if (generation.get() == round && "true".equals(s.get(PeerServer.MAINTENANCE))) {
                    events.accept(new Event.Maintenance(true, "the pair is in maintenance: " + peer + " said so at INIT",
                            true));
                }
                if (generation.get() == round) {
                    events.accept(new Event.PeerInfo(true, PeerMessages.state(s.get("state")),
                            PeerMessages.mode(s.get("opMode")), PeerMessages.mode(s.get("configuredRole")),
                            p.peerIncarnation(), true));
                }
                return;
            } catch (IOException | RuntimeException e) {
                lastError = e.getMessage();
                // the link retries its channels itself; pause a little so a dead peer costs no CPU
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(left, 100)));
            }
        }
        if (generation.get() == round) {
            sink.info("INIT: the peer " + peer + " did not answer within " + timeout.toMillis() + " ms (" + lastError + ")");
            events.accept(new Event.PeerSilent());
        }
    }

    /**
     * How long a HANDOVER is sent again after a failure: this SCM already released its personality, so
     * the peer must hear it (a HANDOVER it hears twice changes nothing, it serves the personality already).
     * Beyond it, the status monitor decides (every channel down: the peer is dead and this SCM takes
     * everything over) or the operator does.
     */
    static final Duration HANDOVER_RETRY = Duration.ofSeconds(10);
    private static final long FIRST_PAUSE_MS = 50;
    private static final long LONGEST_PAUSE_MS = 1000;

    /**
     * Tells the peer, in order; a failure is logged (READY is said again, the rest fall back on the status
     * monitor), except a HANDOVER's, which is sent again for {@link #HANDOVER_RETRY}.
     */
    /** @param own this SCM's boot token, sent with READY; @param peer the peer's last READY's, sent with PROCEED */
    /** @param count the number of transitions this SCM made so far; a HANDOVER stops being sent again once it changes */
    void transitions(java.util.function.LongSupplier count) {
        transitions = count;
    }

    void bootTokens(Supplier<String> own, Supplier<String> peer) {
        ownBoot = own;
        peerBoot = peer;
    }

    /** @param token the boot a LEAVING says it leaves, read when it is sent (on the caller's thread) */
    void leavingToken(Supplier<String> token) {
        leavingBoot = token;
    }

    void send(Message message, String detail) {
        String token = message == Message.READY ? ownBoot.get() : message == Message.LEAVING ? leavingBoot.get()
                : message == Message.PROCEED ? peerBoot.get() : null;
        List<String> fields = new ArrayList<>(4);
        if (detail != null) {
            fields.addAll(List.of("reason", detail));
        }
        if (message == Message.PROCEED && detail != null) {
            fields.addAll(List.of(PeerServer.MAINTENANCE, "true")); // the only detail a PROCEED has
        }
        if (token != null) {
            fields.addAll(List.of(PeerServer.BOOT_TOKEN, token));
        }
        byte[] payload = PeerMessages.of(versions, message.name(), fields.toArray(String[]::new));
        long at = transitions.getAsLong();
        try {
            sender.execute(() -> {
                long deadline = System.nanoTime() + (message == Message.HANDOVER ? HANDOVER_RETRY.toNanos() : 0);
                long pause = FIRST_PAUSE_MS;
                for (int attempt = 1; ; attempt++) {
                    try {
                        port.get().send(payload);
                        if (attempt > 1) {
                            sink.info("sent " + message + " to the peer at attempt " + attempt);
                        } else {
                            sink.debug("sent " + message + " to the peer");
                        }
                        return;
                    } catch (IOException e) {
                        long left = deadline - System.nanoTime();
                        if (left > 0 && !closed && transitions.getAsLong() != at) {
                            // this SCM moved on meanwhile (the peer died and it took everything over): a HANDOVER
                            // delivered now, to the peer's next boot, would make it take over what this SCM serves
                            sink.info("not sending " + message + " again: this SCM made another transition since");
                            return;
                        }
                        if (left > 0 && !closed) {
                            sink.warn("could not send " + message + " to the peer (attempt " + attempt + "): "
                                    + e.getMessage() + "; again in " + pause + " ms");
                            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(pause)));
                            pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
                            continue;
                        }
                        if (message == Message.HANDOVER) {
                            // released, and the peer may not know: said loudly, the operator decides (the link failing
                            // alone; with every channel down the peer is soon dead, and this SCM takes everything over)
                            sink.error("could not send HANDOVER to the peer in " + attempt + " attempts over "
                                    + HANDOVER_RETRY.toSeconds() + " s: " + e.getMessage() + "; this SCM released its"
                                    + " personality and serves nothing: if the peer does not take it over, a reset of this"
                                    + " SCM (hasmctl reset --scm NAME) serves it here again", null);
                        } else {
                            sink.warn("could not send " + message + " to the peer: " + e.getMessage());
                        }
                        return;
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            sink.debug("controller stopped; " + message + " not sent");
        }
    }

    /** Ends the rounds in progress and both threads; what is queued to send gets two seconds (a LEAVING lets the peer take over at once). */
    void close() {
        closed = true;
        generation.incrementAndGet();
        asker.shutdownNow();
        sender.shutdown();
        try {
            if (!sender.awaitTermination(2, TimeUnit.SECONDS)) {
                sender.shutdownNow();
            }
            if (!asker.awaitTermination(2, TimeUnit.SECONDS)) {
                sink.warn("the INIT handshake thread did not end within 2 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
