package org.hasm.storage.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Resolves, in the background, what keeps a wanted volume from being served: retries the pending
 * acquisitions, settles unreadable ownership records with the peer ({@link VolumeStore#settle}), and
 * asks the peer whether it can write a volume this SCM cannot ({@link Writability#peerAnswered}).
 * It has a thread of its own because a question to the peer can take up to its timeout, and a write
 * to a hung storage longer: neither may delay the watchdog, whose rounds keep the leases.
 *
 * <p>The questions and answers go over the link (service {@value #LINK_SERVICE}) as lines of
 * {@code key=value}: {@code q=holds volume=V} is answered with {@code scm}, {@code holds},
 * {@code wants} and {@code epoch}; {@code q=probe volume=V} with {@code scm}, {@code writable} and
 * {@code reason}.
 */
final class Resolver {

    /** The link service the storage modules of the pair talk on. */
    static final String LINK_SERVICE = "storage";
    static final String Q = "q";
    static final String HOLDS = "holds";
    static final String PROBE = "probe";
    static final String VOLUME = "volume";

    /** The peer's storage module, over the link. */
    interface Peer {
        /**
         * @return the peer's answer
         * @throws IOException if the peer could not be asked or did not answer in time
         */
        Map<String, String> ask(Map<String, String> question, Duration timeout) throws IOException;
    }

    private static final long PROBE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final VolumeStore store;
    private final Peer peer;
    private final long intervalNanos;
    private final Duration timeout;
    private final Runnable afterPass;
    // The resolver's thread only: when the peer was last asked whether it can write each volume.
    private final Map<String, Long> probed = new HashMap<>();

    private final Ticker ticker;

    /**
     * @param interval how often a pass runs (the watchdog's interval)
     * @param timeout how long one question to the peer may take
     * @param afterPass called after every pass (the problems may have changed)
     */
    Resolver(VolumeStore store, Peer peer, Duration interval, Duration timeout, Runnable afterPass,
            VolumeStore.Observer observer) {
        this.store = store;
        this.peer = peer;
        this.intervalNanos = interval.toNanos();
        this.timeout = timeout;
        this.afterPass = afterPass;
        this.ticker = new Ticker("hasm-storage-resolver-" + store.self(), intervalNanos, this::pass, observer);
    }

    void start() {
        ticker.start();
    }

    /** Runs the next pass now instead of at the end of the interval. */
    void kick() {
        ticker.kick();
    }

    /** Stops the thread and waits at most {@code joinMillis} for it (a question in flight ends with its timeout). */
    void close(long joinMillis) {
        ticker.close(joinMillis);
    }

    /** One pass: pending acquisitions, unreadable records, unwritable volumes. */
    void pass() {
        store.retryPending();
        for (String volume : store.unsettled()) {
            settle(volume);
        }
        long now = System.nanoTime();
        Writability w = store.writability();
        for (String volume : w.handOverCandidates()) {
            Long last = probed.get(volume);
            if (last == null || now - last >= Math.max(PROBE_EVERY_NANOS, intervalNanos)) {
                probed.put(volume, now);
                askProbe(volume, w);
            }
        }
        probed.keySet().retainAll(w.handOverCandidates());
        afterPass.run();
    }

    private void settle(String volume) {
        if (store.peerIsDown()) {
            store.settle(volume, null, "the peer is down"); // settled without its word
            return;
        }
        Map<String, String> a;
        try {
            a = peer.ask(Map.of(Q, HOLDS, VOLUME, volume), timeout);
        } catch (IOException | RuntimeException e) {
            store.settle(volume, null, e.getMessage());
            return;
        }
        Settlement.PeerHold hold;
        try {
            hold = new Settlement.PeerHold(required(a, "scm"), Boolean.parseBoolean(required(a, "holds")),
                    Boolean.parseBoolean(required(a, "wants")), Long.parseLong(required(a, "epoch")));
        } catch (IllegalArgumentException e) {
            store.settle(volume, null, "its answer is not understood: " + e.getMessage());
            return;
        }
        store.settle(volume, hold, null);
    }

    private void askProbe(String volume, Writability w) {
        Writability.Condition c = w.of(volume);
        if (c == null || !c.handsOver()) {
            return;
        }
        try {
            Map<String, String> a = peer.ask(Map.of(Q, PROBE, VOLUME, volume), timeout);
            w.peerAnswered(volume, c.kind(), Boolean.parseBoolean(a.get("writable")), a.getOrDefault("reason", ""));
        } catch (IOException | RuntimeException e) {
            // unknown this time; asked again at the next turn (a dead peer is the controller's to judge)
        }
    }

    private static String required(Map<String, String> answer, String key) {
        String v = answer.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key);
        }
        return v;
    }

    // ---- the peer's side ----

    /**
     * Answers the peer's question.
     *
     * @param store this SCM's store, {@code null} if the storage module is not running
     * @throws IllegalArgumentException naming what is wrong with the question
     */
    static Map<String, String> answer(VolumeStore store, String self, Map<String, String> question) {
        String q = question.get(Q);
        String volume = question.get(VOLUME);
        VolumeStore.checkName(volume);
        Map<String, String> a = new LinkedHashMap<>();
        a.put("scm", self);
        if (HOLDS.equals(q)) {
            Settlement.PeerHold h = store == null ? new Settlement.PeerHold(self, false, false, 0)
                    : store.holdsForPeer(volume);
            a.put("holds", Boolean.toString(h.holds()));
            a.put("wants", Boolean.toString(h.wants()));
            a.put("epoch", Long.toString(h.epoch()));
        } else if (PROBE.equals(q)) {
            String refusal = store == null ? "the storage module of " + self + " is not running"
                    : store.writability().writableHere(volume);
            a.put("writable", Boolean.toString(refusal == null));
            a.put("reason", refusal == null ? "" : refusal);
        } else {
            throw new IllegalArgumentException("unknown storage question '" + q + "'");
        }
        return a;
    }

    // ---- the wire ----

    /** Lines of {@code key=value}; a line break in a value becomes a space. */
    static byte[] encode(Map<String, String> message) {
        StringBuilder b = new StringBuilder();
        message.forEach((k, v) -> b.append(k).append('=').append(v.replace('\n', ' ').replace('\r', ' ')).append('\n'));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException if a line is not {@code key=value} */
    static Map<String, String> decode(byte[] payload) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : new String(payload, StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("storage message line '" + line + "' is not key=value");
            }
            m.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return m;
    }
}
