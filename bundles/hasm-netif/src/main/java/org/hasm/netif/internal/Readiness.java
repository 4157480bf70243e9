package org.hasm.netif.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.hasm.netif.internal.Observer.Level;
import org.hasm.spi.Personality;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.address.AddressWait;

/**
 * The services' waits for the endpoints of personalities ({@link AddressReadiness}), on one thread
 * for all of them. The address module tells it after every change which addresses it serves and
 * which of those are up ({@link #serving}); a wait becomes usable once every address of it is up and
 * every port can be bound there, and is cancelled as soon as one of its addresses is no longer
 * served. While a wait is open the thread checks every {@value #CHECK_MS} ms (a socket a paused
 * process holds cannot be watched, only tried); with none open it sleeps.
 *
 * <p>Each bundle using the service gets its own {@link #client}: its waits carry its name in events
 * and log lines and are cancelled together when it lets the service go.
 *
 * <p>Public, with the constructor and the methods the address module calls, only so that the tests of
 * services in other bundles can drive the real thing; the package is private to the bundle.
 *
 * <p>Thread safety: {@code scm}, {@code wanted}, {@code up}, {@code open}, {@code ending},
 * {@code checks}, {@code closed} and every wait's {@code announced} are guarded by this object. No
 * stage is completed while it is held: a service's action runs on the completing thread and may call
 * back (cancel, ask again). A wait's start is logged and posted under it, so that its end, which
 * another thread may find at once, is always told after it.
 */
public final class Readiness {

    /** How often an open wait is checked. */
    static final long CHECK_MS = 50;

    /** A service's action on a usable wait that runs longer on the readiness thread is logged. */
    static final long SLOW_ACTION_MS = 100;

    private static final long JOIN_MS = 2_000;

    private final Observer observer;
    private final ScheduledThreadPoolExecutor executor;

    private String scm = "";
    // Address (canonical text) -> personality: what the address module serves now, up or not yet.
    private Map<String, String> wanted = Map.of();
    private Set<String> up = Set.of();
    private final Set<Wait> open = new LinkedHashSet<>();
    // Waits taken out of open under the lock, to be completed outside it.
    private final List<Ending> ending = new ArrayList<>();
    private ScheduledFuture<?> checks;
    private boolean closed;

    private record Ending(Wait waiting, String reason) {
    }

    /** @param observer where events and log lines go; the thread starts with the first wait */
    public Readiness(Observer observer) {
        this.observer = observer;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "hasm-netif-readiness");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * @param bundle who asks: the symbolic name of the bundle the service is given to
     * @return the service as that bundle sees it
     */
    public AddressReadiness client(String bundle) {
        return new Client(bundle);
    }

    /**
     * What the address module serves now, after each change. Waits whose addresses are no longer
     * served are cancelled, and the others are checked again at once. Returns without waiting: it is
     * called under the address module's lock, and no service's action may run there.
     *
     * @param scm this SCM's name, for events
     * @param wantedNow every address it serves (canonical text) and its personality, up or not yet
     * @param upNow the addresses of {@code wantedNow} that are up on this SCM
     */
    public synchronized void serving(String scm, Map<String, String> wantedNow, Set<String> upNow) {
        if (closed) {
            return;
        }
        this.scm = scm;
        this.wanted = Map.copyOf(wantedNow);
        this.up = Set.copyOf(upNow);
        for (Iterator<Wait> it = open.iterator(); it.hasNext();) {
            Wait w = it.next();
            String gone = w.firstNotIn(wanted.keySet());
            if (gone != null) {
                it.remove();
                ending.add(new Ending(w, "personality " + w.personality + " is no longer served by this SCM: "
                        + "its address " + gone + " was taken down"));
            }
        }
        if (!open.isEmpty() || !ending.isEmpty()) {
            executor.execute(this::check);
        }
    }

    /** Cancels every open wait and ends the thread, waiting at most {@value #JOIN_MS} ms for it. */
    public void close() {
        List<Ending> ends;
        synchronized (this) {
            closed = true;
            for (Wait w : open) {
                ending.add(new Ending(w, "the address module stopped"));
            }
            open.clear();
            ends = drainEnding();
            stopChecks();
        }
        ends.forEach(e -> cancelled(e.waiting(), e.reason()));
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(JOIN_MS, TimeUnit.MILLISECONDS)) {
                observer.log(Level.WARN, "the readiness thread did not end within " + JOIN_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the open waits, for status and tests */
    synchronized List<AddressWait> waits() {
        return List.copyOf(open);
    }

    private AddressWait whenUsable(Client client, Personality personality, int... ports) {
        Wait w = new Wait(client, personality, ports);
        String notServed = null;
        String blocked = null;
        synchronized (this) {
            if (closed) {
                notServed = "the address module stopped";
            } else {
                String missing = w.firstNotIn(wanted.keySet());
                if (missing != null) {
                    notServed = "personality " + w.personality + " is not served by this SCM now: its address "
                            + missing + " is not one this SCM serves";
                } else {
                    // a bind and a close per endpoint: short enough to hold the lock for
                    blocked = w.blocked(up);
                    if (blocked != null) {
                        if (open.size() >= AddressReadiness.MAX_WAITS) {
                            throw new IllegalStateException(AddressReadiness.MAX_WAITS + " waits for addresses are "
                                    + "open on this SCM already; bundle " + client.bundle + " asked for one more ("
                                    + w + "): does it cancel the waits of personalities it no longer serves?");
                        }
                        w.reason = blocked;
                        open.add(w);
                        startChecks();
                        // under the lock: the end of the wait, told by another thread, comes after this
                        w.announced = true;
                        observer.log(Level.INFO, "personality " + w.personality + " waits for its address ("
                                + w.endpoints() + ", for bundle " + client.bundle + "): " + blocked + "; checked every "
                                + CHECK_MS + " ms until it is usable");
                        event(w, "waiting", blocked, -1);
                    }
                }
            }
        }
        if (notServed != null) {
            observer.log(Level.INFO, "bundle " + client.bundle + " asked for " + w + ": " + notServed);
            w.reason = notServed;
            w.future.completeExceptionally(new CancellationException(notServed));
        } else if (blocked == null) {
            w.future.complete(null); // the caller's actions run in its own thread, at once
        }
        return w;
    }

    /** One round on the readiness thread: completes what ended, and every wait whose endpoints are usable. */
    private void check() {
        try {
            checkOnce();
        } catch (RuntimeException e) {
            // a periodic task that throws is never run again: every wait would hang
            observer.log(Level.ERROR, "checking the waits for addresses failed: " + e);
        }
    }

    private void checkOnce() {
        List<Ending> ends;
        List<Wait> candidates = new ArrayList<>();
        Set<String> upNow;
        synchronized (this) {
            ends = drainEnding();
            upNow = up;
            for (Wait w : open) {
                if (w.firstNotIn(upNow) == null) {
                    candidates.add(w);
                }
            }
        }
        ends.forEach(e -> cancelled(e.waiting(), e.reason()));
        for (Wait w : candidates) {
            String blocked = w.blocked(upNow);
            if (blocked != null) {
                w.reason = blocked;
                continue; // still taken: next round
            }
            boolean mine;
            synchronized (this) {
                mine = open.remove(w); // it may have been cancelled or given away meanwhile
            }
            if (mine) {
                usable(w);
            }
        }
        synchronized (this) {
            if (open.isEmpty()) {
                stopChecks();
            }
        }
    }

    private void usable(Wait w) {
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w.sinceNanos);
        observer.log(Level.INFO, "personality " + w.personality + ": " + w.endpoints() + " usable for bundle "
                + w.client.bundle + " after " + waited + " ms of waiting");
        event(w, "usable", null, waited);
        long start = System.nanoTime();
        try {
            w.future.complete(null);
        } catch (RuntimeException e) {
            // an action given an executor that refuses it throws here, in the completing thread
            observer.log(Level.WARN, "bundle " + w.client.bundle + "'s action on " + w.endpoints() + " failed: " + e);
        }
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (took > SLOW_ACTION_MS) {
            observer.log(Level.WARN, "bundle " + w.client.bundle + " ran " + took + " ms on the readiness thread when "
                    + w.endpoints() + " became usable, delaying the other services' waits: its action should "
                    + "hand slow work to an executor of its own");
        }
    }

    private void cancelled(Wait w, String reason) {
        boolean announced;
        synchronized (this) {
            announced = w.announced;
        }
        if (announced) {
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w.sinceNanos);
            observer.log(Level.INFO, "personality " + w.personality + ": the wait of bundle " + w.client.bundle
                    + " for " + w.endpoints() + " ended after " + waited + " ms: " + reason);
            event(w, "cancelled", reason, waited);
        }
        w.reason = reason;
        try {
            w.future.completeExceptionally(new CancellationException(reason));
        } catch (RuntimeException e) {
            observer.log(Level.WARN, "bundle " + w.client.bundle + "'s action on the end of its wait for "
                    + w.endpoints() + " failed: " + e);
        }
    }

    private void cancel(Wait w, String reason) {
        boolean mine;
        synchronized (this) {
            mine = open.remove(w);
        }
        if (mine) {
            cancelled(w, reason);
        }
    }

    private void release(Client client) {
        List<Wait> theirs = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Wait> it = open.iterator(); it.hasNext();) {
                Wait w = it.next();
                if (w.client == client) {
                    theirs.add(w);
                    it.remove();
                }
            }
        }
        theirs.forEach(w -> cancelled(w, "bundle " + client.bundle + " no longer uses the address readiness service"));
    }

    private void event(Wait w, String state, String reason, long waitedMs) {
        Map<String, Object> p = new HashMap<>();
        synchronized (this) {
            p.put("scm", scm);
        }
        p.put("personality", w.personality);
        p.put("addresses", w.addresses);
        p.put("ports", w.ports);
        p.put("bundle", w.client.bundle);
        p.put("state", state);
        if (reason != null) {
            p.put("reason", reason);
        }
        if (waitedMs >= 0) {
            p.put("waited.ms", waitedMs);
        }
        observer.event(AddressReadiness.TOPIC_WAIT, p);
    }

    private List<Ending> drainEnding() {
        List<Ending> ends = List.copyOf(ending);
        ending.clear();
        return ends;
    }

    private void startChecks() {
        if (checks == null) {
            checks = executor.scheduleWithFixedDelay(this::check, CHECK_MS, CHECK_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void stopChecks() {
        if (checks != null) {
            checks.cancel(false);
            checks = null;
        }
    }

    /** The service as one bundle sees it. */
    final class Client implements AddressReadiness {
        private final String bundle;

        private Client(String bundle) {
            this.bundle = bundle;
        }

        @Override
        public AddressWait whenUsable(Personality personality, int... ports) {
            return Readiness.this.whenUsable(this, personality, ports);
        }

        /** The bundle let the service go: its open waits are cancelled. */
        void release() {
            Readiness.this.release(this);
        }
    }

    /** One wait: immutable but for its future and {@code announced}. */
    private final class Wait implements AddressWait {
        final Client client;
        final String personality;
        final List<String> addresses;
        // Canonical text -> address, in the personality's order.
        final Map<String, InetAddress> resolved = new LinkedHashMap<>();
        final List<Integer> ports;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        final CompletionStage<Void> stage = future.minimalCompletionStage();
        final long sinceNanos = System.nanoTime();
        boolean announced;
        // The latest finding: why it waits, or why it was cancelled. Written by whoever decides.
        volatile String reason = "";

        Wait(Client client, Personality p, int... ports) {
            Objects.requireNonNull(p, "personality");
            this.client = client;
            this.personality = p.name();
            this.addresses = List.copyOf(p.addresses());
            if (ports == null || ports.length == 0) {
                throw new IllegalArgumentException("no port given for personality " + personality);
            }
            List<Integer> list = new ArrayList<>();
            for (int port : ports) {
                if (port < 0 || port > 65535) {
                    throw new IllegalArgumentException("port " + port + " of personality " + personality
                            + " is not in 0..65535");
                }
                list.add(port);
            }
            this.ports = List.copyOf(list);
            if (addresses.isEmpty()) {
                throw new IllegalArgumentException("personality " + personality + " has no address");
            }
            for (String raw : addresses) {
                try {
                    InetAddress a = Ip.parse(raw);
                    resolved.put(a.getHostAddress(), a);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("personality " + personality + ": " + e.getMessage(), e);
                }
            }
        }

        /** @return the first address of this wait that is not in the set, or null */
        String firstNotIn(Set<String> set) {
            for (String a : resolved.keySet()) {
                if (!set.contains(a)) {
                    return a;
                }
            }
            return null;
        }

        /** @return why the endpoints are not usable now, or null if they are (binds each port once) */
        String blocked(Set<String> upNow) {
            String notUp = firstNotIn(upNow);
            if (notUp != null) {
                return "address " + notUp + " is not up here yet (another host answers for it)";
            }
            for (InetAddress a : resolved.values()) {
                for (int port : ports) {
                    String why = bindFailure(a, port);
                    if (why != null) {
                        return endpoint(a.getHostAddress(), port) + " cannot be bound: " + why;
                    }
                }
            }
            return null;
        }

        String endpoints() {
            List<String> all = new ArrayList<>();
            for (String a : resolved.keySet()) {
                for (int port : ports) {
                    all.add(endpoint(a, port));
                }
            }
            return String.join(", ", all);
        }

        @Override
        public String personality() {
            return personality;
        }

        @Override
        public List<String> addresses() {
            return addresses;
        }

        @Override
        public List<Integer> ports() {
            return ports;
        }

        @Override
        public State state() {
            if (!future.isDone()) {
                return State.WAITING;
            }
            return future.isCompletedExceptionally() ? State.CANCELLED : State.USABLE;
        }

        @Override
        public String reason() {
            return state() == State.USABLE ? "" : reason;
        }

        @Override
        public CompletionStage<Void> usable() {
            return stage;
        }

        @Override
        public void cancel() {
            Readiness.this.cancel(this, "cancelled by bundle " + client.bundle);
        }

        @Override
        public String toString() {
            return "personality " + personality + " at " + endpoints() + " (" + state() + ")";
        }
    }

    /** @return why the port cannot be bound on the address now, or null if it can (0: any port can) */
    private static String bindFailure(InetAddress address, int port) {
        if (port == 0) {
            return null;
        }
        try (ServerSocket probe = new ServerSocket()) {
            // as the service will: a port whose last connections linger in TIME_WAIT is free
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(address, port));
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static String endpoint(String address, int port) {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }
}
