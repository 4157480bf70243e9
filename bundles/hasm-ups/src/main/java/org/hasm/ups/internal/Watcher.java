package org.hasm.ups.internal;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.hasm.spi.power.PowerStatus;
import org.hasm.ups.internal.Policy.Effect;

/**
 * Watches the UPS on a thread of its own ({@code hasm-ups-NAME}): polls upsd, asks the {@link Policy}
 * and carries its effects out through the {@link Host}. Started by {@code init}, ended by
 * {@code shutDown} (or the component's deactivation) with a bounded join.
 */
final class Watcher {

    /** What the watcher needs of the SCM: its role, its peer, its controller, its event bus. */
    interface Host {
        Policy.Role role();

        boolean peerAlive();

        /** @return the peer's name, or {@code null} when there is none */
        String peer();

        /** @throws RuntimeException with why, when the peer could not be ordered */
        void orderPeer(String peer, String reason);

        /** @throws RuntimeException with why, when the controller refused */
        void haltSelf(String reason);

        void event(String topic, String message, Reading last);

        void failed(String message, Throwable t);
    }

    /** How long {@link #close} waits for the thread: a poll's timeout and an order to the peer fit in it. */
    private static final Duration JOIN = Duration.ofSeconds(10);

    private final Settings settings;
    private final Host host;
    // what the policy's times are read on: it moves with System.nanoTime, whatever is done to the wall clock
    private final Clock clock;
    // only for the time of the last reading, shown to the operator
    private final Clock wall;
    private final Thread thread;
    // Guarded by lock: whether the thread goes on; notified to end a wait early.
    private final Object lock = new Object();
    private boolean running = true;

    // Written by the watcher thread only.
    private UpsdClient client;
    private boolean introduced;
    private Reading reading;
    private String lost;
    private Instant nextPoll = Instant.MIN;
    private Policy.State state = Policy.State.initial();
    // Read by any thread (the admin API).
    private volatile PowerStatus status;
    private volatile Instant lastReading;

    /**
     * @param wall the wall clock, for the time of the last reading only: the polls, the grace and the waits
     *     are timed on a monotonic clock, so that a clock stepped back (NTP, an operator setting the date)
     *     neither stops the polls for as long nor a step forward ends a grace at once and halts the pair
     */
    Watcher(Settings settings, Host host, Clock wall) {
        this.settings = settings;
        this.host = host;
        this.wall = wall;
        this.clock = new Monotonic(wall.instant(), System.nanoTime());
        this.status = new PowerStatus(settings.rules().ups(), false, List.of(), null, null,
                "UPS " + settings.rules().ups() + ": not read yet", null);
        this.thread = new Thread(this::run, "hasm-ups-" + settings.ups());
        this.thread.setDaemon(true);
    }

    /** A clock that starts at a wall-clock instant and then moves with {@link System#nanoTime} only. */
    private static final class Monotonic extends Clock {
        private final Instant origin;
        private final long originNanos;

        Monotonic(Instant origin, long originNanos) {
            this.origin = origin;
            this.originNanos = originNanos;
        }

        @Override
        public Instant instant() {
            return origin.plusNanos(System.nanoTime() - originNanos);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException("a monotonic clock has no zone");
        }
    }

    void start() {
        thread.start();
    }

    PowerStatus status() {
        return status;
    }

    /** Ends the thread, waiting for it at most {@link #JOIN}; keeps the caller's interrupt. */
    void close() {
        synchronized (lock) {
            running = false;
            lock.notifyAll();
        }
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(JOIN.toMillis());
            if (thread.isAlive()) {
                host.failed("the UPS watcher did not end within " + JOIN.toSeconds() + " s", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (isRunning()) {
                Instant wakeBy = step();
                Instant now = clock.instant();
                Instant until = wakeBy != null && wakeBy.isBefore(nextPoll) ? wakeBy : nextPoll;
                long ms = Math.max(1, Duration.between(now, until).toMillis());
                synchronized (lock) {
                    if (running) {
                        lock.wait(ms);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            host.failed("the UPS watcher stopped on an unexpected error; the UPS is no longer watched", e);
            status = new PowerStatus(settings.rules().ups(), false, List.of(), null, null, "UPS " + settings.rules().ups()
                    + ": NOT WATCHED (the watcher stopped on " + e + ", see the log)", lastReading);
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }

    private boolean isRunning() {
        synchronized (lock) {
            return running;
        }
    }

    /** One poll when due, one decision, its effects. @return when to decide again at the latest */
    private Instant step() {
        Instant now = clock.instant();
        if (!now.isBefore(nextPoll)) {
            poll();
            nextPoll = clock.instant().plus(settings.poll());
            now = clock.instant();
        }
        Policy.Input in = new Policy.Input(now, reading, lost, host.role(), host.peerAlive(), host.peer());
        Policy.Decision d = Policy.next(state, in, settings.rules());
        state = d.next();
        for (Effect e : d.effects()) {
            if (!isRunning()) {
                break;
            }
            perform(e, in);
        }
        Reading last = state.last();
        status = new PowerStatus(settings.rules().ups(), Boolean.TRUE.equals(state.connected()),
                last == null ? List.of() : last.flagList(), last == null ? null : last.charge(),
                last == null ? null : last.alarm(), Policy.line(state, in, settings.rules(), d.wakeBy()), lastReading);
        return d.wakeBy();
    }

    private void perform(Effect e, Policy.Input in) {
        if (e instanceof Effect.Event ev) {
            host.event(ev.topic(), ev.message(), state.last());
        } else if (e instanceof Effect.OrderPeer o) {
            try {
                host.orderPeer(o.peer(), o.reason());
            } catch (RuntimeException x) {
                Policy.Decision d = Policy.orderFailed(state, in, settings.rules(), x.getMessage());
                state = d.next();
                d.effects().forEach(f -> perform(f, in));
            }
        } else if (e instanceof Effect.HaltSelf h) {
            try {
                host.haltSelf(h.reason());
            } catch (RuntimeException x) {
                host.failed("the controller refused this SCM's shutdown (" + h.reason() + "): " + x.getMessage(), null);
            }
        }
    }

    /* reading or lost, never both */
    private void poll() {
        try {
            if (client == null) {
                client = UpsdClient.connect(settings.host(), settings.port(), settings.timeout(), settings.ups(),
                        settings.user(), settings.password());
                introduced = false;
            }
            if (!introduced) {
                introduce();
            }
            String status = client.get(settings.ups(), "ups.status");
            if (status == null) {
                throw new IOException("the UPS reports no ups.status");
            }
            if (status.strip().equals("WAIT")) {
                throw new IOException("its driver has no data yet (WAIT)");
            }
            String alarm = client.get(settings.ups(), "ups.alarm");
            String charge = client.get(settings.ups(), "battery.charge");
            reading = Reading.of(status, alarm, charge);
            lost = null;
            lastReading = wall.instant();
        } catch (UpsdClient.UpsdException e) {
            reading = null;
            lost = refusal(e);
            if ("UNKNOWN-UPS".equals(e.code()) || "ACCESS-DENIED".equals(e.code())) {
                drop(); // nothing will change on this connection: ask afresh next time
            }
        } catch (IOException e) {
            reading = null;
            lost = e.getMessage() == null ? e.toString() : e.getMessage();
            drop();
        }
    }

    /* once per connection: what upsd serves, for the log (and a clear word when the UPS is not among it) */
    private void introduce() throws IOException {
        Map<String, String> vars = client.listVars(settings.ups());
        introduced = true;
        String model = (vars.getOrDefault("device.mfr", vars.getOrDefault("ups.mfr", "")) + " "
                + vars.getOrDefault("device.model", vars.getOrDefault("ups.model", ""))).strip();
        host.event("UPSD", "UPS " + settings.rules().ups() + ": upsd serves it" + (model.isEmpty() ? "" : " (" + model + ")")
                + " with " + vars.size() + " variables", null);
    }

    private String refusal(UpsdClient.UpsdException e) {
        String ups = settings.ups();
        return switch (e.code()) {
            case "UNKNOWN-UPS" -> "upsd knows no UPS '" + ups + "'" + known();
            case "DATA-STALE" -> "upsd's data of " + ups + " is stale: its driver stopped answering";
            case "DRIVER-NOT-CONNECTED" -> "upsd has no driver connected for " + ups;
            case "ACCESS-DENIED" -> "upsd refused user '" + settings.user() + "' (ACCESS-DENIED): check "
                    + Settings.USER + " and " + Settings.PASSWORD + " against upsd.users";
            default -> e.getMessage();
        };
    }

    private String known() {
        try {
            Map<String, String> names = client.listUps();
            return names.isEmpty() ? " (it serves none)" : " (it serves " + String.join(", ", names.keySet()) + ")";
        } catch (IOException e) {
            return "";
        }
    }

    private void drop() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
