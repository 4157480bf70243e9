package org.hasm.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.hasm.spi.Personality;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.address.AddressWait;
import org.hasm.spi.address.AddressWait.State;

/**
 * hasm's address readiness for loopback addresses, as a kit run needs it: an endpoint is usable when
 * this SCM serves the personality and a bind to it succeeds (loopback addresses are always up). Waits
 * that cannot complete at once are checked every {@value #CHECK_MS} ms on one thread of the run; a wait
 * is cancelled when its personality is given away.
 */
final class KitReadiness implements AddressReadiness, AutoCloseable {
    static final long CHECK_MS = 20;

    private final Supplier<List<Personality>> served;
    // Guarded by this: the waits not ended yet, the thread that checks them, and whether the run ended.
    private final List<Wait> open = new ArrayList<>();
    private Thread checker;
    private boolean closed;

    KitReadiness(Supplier<List<Personality>> served) {
        this.served = served;
    }

    @Override
    public AddressWait whenUsable(Personality personality, int... ports) {
        if (ports == null || ports.length == 0) {
            throw new IllegalArgumentException("no port given for personality " + personality.name());
        }
        for (int port : ports) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(port + " is not a port (0..65535)");
            }
        }
        if (personality.addresses().isEmpty()) {
            throw new IllegalArgumentException("personality " + personality.name() + " has no address");
        }
        for (String a : personality.addresses()) {
            if (!a.matches("[0-9A-Fa-f.:]+")) {
                throw new IllegalArgumentException("'" + a + "' of personality " + personality.name() + " is not an IP address");
            }
        }
        Wait w = new Wait(personality, ports);
        synchronized (this) {
            if (open.size() >= MAX_WAITS) {
                throw new IllegalStateException(MAX_WAITS + " waits are open already");
            }
            if (closed || !servedNow(personality.name())) {
                w.cancel("personality " + personality.name() + " is not served by this SCM");
                return w;
            }
        }
        String why = unusable(w);
        if (why == null) {
            w.complete();
            return w;
        }
        synchronized (this) {
            w.reason = why;
            open.add(w);
            if (checker == null) {
                checker = new Thread(this::check, "hasm-testkit-readiness");
                checker.setDaemon(true);
                checker.start();
            }
        }
        return w;
    }

    /** The personalities served changed: the waits of those given away end. */
    void servedChanged() {
        List<Wait> gone;
        synchronized (this) {
            gone = open.stream().filter(w -> !servedNow(w.personality.name())).toList();
            open.removeAll(gone);
        }
        gone.forEach(w -> w.cancel("personality " + w.personality.name() + " was given away"));
    }

    private boolean servedNow(String name) {
        return served.get().stream().anyMatch(p -> p.name().equals(name));
    }

    private void check() {
        while (true) {
            List<Wait> now;
            synchronized (this) {
                open.removeIf(w -> w.state != State.WAITING);
                if (closed || open.isEmpty()) {
                    checker = null;
                    return;
                }
                now = List.copyOf(open);
            }
            for (Wait w : now) {
                String why = unusable(w);
                if (why == null) {
                    w.complete();
                } else {
                    w.reason = why;
                }
            }
            synchronized (this) {
                try {
                    wait(CHECK_MS);
                } catch (InterruptedException e) {
                    checker = null;
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** @return why the wait's endpoints cannot be listened on now, or {@code null} if they can */
    private static String unusable(Wait w) {
        for (String address : w.personality.addresses()) {
            for (int port : w.ports) {
                if (port == 0) {
                    continue;
                }
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
                } catch (IOException e) {
                    return address + ":" + port + " is in use (" + e.getMessage() + ")";
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        List<Wait> left;
        Thread t;
        synchronized (this) {
            closed = true;
            left = List.copyOf(open);
            open.clear();
            t = checker;
            notifyAll();
        }
        left.forEach(w -> w.cancel("the kit run ended"));
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final class Wait implements AddressWait {
        final Personality personality;
        final int[] ports;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile State state = State.WAITING;
        volatile String reason = "";

        Wait(Personality personality, int[] ports) {
            this.personality = personality;
            this.ports = ports.clone();
        }

        void complete() {
            synchronized (this) {
                if (state != State.WAITING) {
                    return;
                }
                state = State.USABLE;
                reason = "";
            }
            done.complete(null);
        }

        void cancel(String why) {
            synchronized (this) {
                if (state != State.WAITING) {
                    return;
                }
                state = State.CANCELLED;
                reason = why;
            }
            done.completeExceptionally(new CancellationException(why));
        }

        @Override
        public String personality() {
            return personality.name();
        }

        @Override
        public List<String> addresses() {
            return personality.addresses();
        }

        @Override
        public List<Integer> ports() {
            return Arrays.stream(ports).boxed().toList();
        }

        @Override
        public State state() {
            return state;
        }

        @Override
        public String reason() {
            return reason;
        }

        @Override
        public CompletionStage<Void> usable() {
            return done.minimalCompletionStage();
        }

        @Override
        public void cancel() {
            cancel("cancelled by the service");
        }

        @Override
        public String toString() {
            Set<String> endpoints = personality.addresses().stream()
                    .flatMap(a -> Arrays.stream(ports).mapToObj(p -> a + ":" + p)).collect(Collectors.toSet());
            return personality.name() + " " + endpoints + " " + state;
        }
    }
}
