package org.hasm.nas.nfs.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.hasm.spi.HaException;
import org.hasm.spi.Personality;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.address.AddressWait;
import org.hasm.spi.health.RequestTally;

/**
 * The NFS core of the module, usable without OSGi: keeps exactly the wanted personalities served,
 * each a {@link NfsPersonality}. A personality is opened once hasm's {@link AddressReadiness} finds
 * its addresses and ports usable: at once in the usual case, otherwise when the wait completes, then
 * on this server's own {@code hasm-nfs-open} thread.
 *
 * <p>Thread safety: {@code served} and {@code waiting} are guarded by this object; {@code settings}
 * is volatile. Requests run on each personality's own threads and touch none of this state.
 */
final class NfsServer {
    /** Binds that may fail in a row after hasm found the endpoints usable before the personality is reported. */
    static final int BIND_TRIES = 3;
    private static final long OPENER_JOIN_MS = 2_000;

    private record Waiting(NfsPlan plan, Personality personality, AddressWait addressWait, long sinceNanos,
            int failures) {
    }

    private final Volumes volumes;
    private final AddressReadiness readiness;
    private final Handles handles;
    private final LongSupplier incarnation;
    private final Events events;
    private final RequestTally requests;
    private final Map<String, NfsPersonality> served = new LinkedHashMap<>();
    private final Map<String, Waiting> waiting = new LinkedHashMap<>();
    private final ThreadPoolExecutor lateOpens;
    private volatile NfsSettings settings;
    private boolean destroyed;

    NfsServer(NfsSettings settings, Volumes volumes, AddressReadiness readiness, Handles handles,
            LongSupplier incarnation, Events events, RequestTally requests) {
        this.requests = requests;
        this.settings = settings;
        this.volumes = volumes;
        this.readiness = readiness;
        this.handles = handles;
        this.incarnation = incarnation;
        this.events = events;
        this.lateOpens = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "hasm-nfs-open");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
    }

    void settings(NfsSettings s) {
        this.settings = s;
    }

    /**
     * Serves exactly the given personalities: closes those no longer wanted (or changed) first, then
     * opens the new ones. One that cannot be served is named in the exception thrown at the end.
     */
    synchronized void reconcile(List<Personality> personalities) throws HaException {
        Map<String, NfsPlan> wanted = new LinkedHashMap<>();
        Map<String, Personality> byName = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Personality p : personalities) {
            try {
                NfsPlan plan = NfsPlan.of(p, volumes);
                if (plan != null) {
                    wanted.put(p.name(), plan);
                    byName.put(p.name(), p);
                }
            } catch (NfsPlan.NotServable e) {
                notServed(p.name(), e.getMessage(), problems);
            }
        }
        for (String name : new ArrayList<>(served.keySet())) {
            if (!served.get(name).plan().equals(wanted.get(name))) {
                close(name);
            }
        }
        for (Waiting w : new ArrayList<>(waiting.values())) {
            if (!w.plan().equals(wanted.get(w.plan().personality()))) {
                stopWaiting(w.plan().personality());
            }
        }
        // kept as they were: a volume may have changed hands since (a paused SCM given it back by failback), or
        // been acquired since, so their lock state is looked at again; those opened below are looked at as they open
        for (NfsPersonality s : served.values()) {
            s.serveLocks();
        }
        for (NfsPlan plan : wanted.values()) {
            String name = plan.personality();
            if (!served.containsKey(name) && !waiting.containsKey(name)) {
                serve(plan, byName.get(name), 0, problems);
            }
        }
        if (!problems.isEmpty()) {
            throw new HaException(String.join("; ", problems));
        }
    }

    /**
     * Serves a scratch export of this SCM's own on 127.0.0.1 and calls it as a client would
     * ({@link NfsSelfCheck}).
     *
     * @return the calls that were answered, for the log
     */
    synchronized String selfCheck(java.nio.file.Path folder) throws HaException {
        return NfsSelfCheck.run(folder, settings, handles, incarnation, events);
    }

    synchronized void stopServing() {
        for (String name : new ArrayList<>(waiting.keySet())) {
            stopWaiting(name);
        }
        for (String name : new ArrayList<>(served.keySet())) {
            close(name);
        }
    }

    void destroy() {
        synchronized (this) {
            stopServing();
            destroyed = true;
        }
        lateOpens.shutdownNow();
        try {
            if (!lateOpens.awaitTermination(OPENER_JOIN_MS, TimeUnit.MILLISECONDS)) {
                events.warn("the thread hasm-nfs-open did not end within " + OPENER_JOIN_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized List<String> served() {
        return List.copyOf(served.keySet());
    }

    synchronized List<String> waiting() {
        return List.copyOf(waiting.keySet());
    }

    private void serve(NfsPlan plan, Personality p, int failures, List<String> problems) {
        String name = plan.personality();
        AddressWait wait;
        try {
            wait = readiness.whenUsable(p, plan.ports().stream().mapToInt(Integer::intValue).toArray());
        } catch (IllegalArgumentException | IllegalStateException e) {
            notServed(name, "personality " + name + ": " + e.getMessage(), problems);
            return;
        }
        switch (wait.state()) {
            case USABLE -> open(plan, p, failures, problems);
            case WAITING -> {
                Waiting w = new Waiting(plan, p, wait, System.nanoTime(), failures);
                waiting.put(name, w);
                if (failures == 0) {
                    events.warn("personality " + name + " waits for its address: " + wait.reason()
                            + "; served over NFS as soon as it is usable");
                    events.publish("WAITING_FOR_ADDRESS", Map.of("personality", name, "reason", wait.reason()));
                }
                wait.usable().whenCompleteAsync((ok, error) -> waited(w, error), lateOpens);
            }
            case CANCELLED -> notServed(name, "personality " + name + ": " + wait.reason(), problems);
        }
    }

    private void open(NfsPlan plan, Personality p, int failures, List<String> problems) {
        try {
            NfsPersonality s = NfsPersonality.open(plan, settings, volumes, handles, incarnation, events, requests);
            served.put(plan.personality(), s);
            // where a volume becomes served by this SCM: a loss of its lock state, or notices a killed SCM owed, are
            // found and the clients told now, not at a lock request that clients waiting to reclaim never send
            s.serveLocks();
            List<String> exports = plan.exports().stream().map(NfsPlan.ExportPlan::name).toList();
            events.info("serving personality " + plan.personality() + " over NFS on " + s.listening()
                    + ", exports " + exports);
            events.publish("SERVING", Map.of("personality", plan.personality(), "addresses", s.listening(),
                    "exports", exports));
        } catch (NfsPersonality.AddressTaken e) {
            if (failures + 1 >= BIND_TRIES) {
                notServed(plan.personality(), e.getMessage() + " (hasm found the address usable " + (failures + 1)
                        + " times in a row, and each time it could not be bound)", problems);
            } else {
                serve(plan, p, failures + 1, problems);
            }
        } catch (NfsPlan.NotServable e) {
            notServed(plan.personality(), e.getMessage(), problems);
        }
    }

    private synchronized void waited(Waiting w, Throwable error) {
        String name = w.plan().personality();
        if (waiting.get(name) != w || destroyed) {
            return;
        }
        waiting.remove(name);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w.sinceNanos());
        if (error != null) {
            events.warn("personality " + name + " stopped waiting for its address after " + waited + " ms: "
                    + w.addressWait().reason());
            return;
        }
        open(w.plan(), w.personality(), w.failures(), new ArrayList<>());
        if (served.containsKey(name)) {
            events.info("personality " + name + " got its address for NFS after " + waited + " ms of waiting");
        }
    }

    private void stopWaiting(String personality) {
        Waiting w = waiting.remove(personality);
        if (w != null) {
            w.addressWait().cancel();
        }
    }

    private void notServed(String personality, String why, List<String> problems) {
        problems.add(why);
        events.warn("not serving over NFS: " + why);
        events.publish("NOT_SERVED", Map.of("personality", personality, "reason", why));
    }

    private void close(String personality) {
        NfsPersonality s = served.remove(personality);
        if (s == null) {
            return;
        }
        s.close();
        events.info("released personality " + personality + " (NFS)");
        events.publish("RELEASED", Map.of("personality", personality));
    }
}
