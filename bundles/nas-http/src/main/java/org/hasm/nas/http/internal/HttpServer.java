package org.hasm.nas.http.internal;

import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hasm.spi.HaException;
import org.hasm.spi.Personality;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.address.AddressWait;
import org.hasm.spi.health.RequestTally;
import org.hasm.spi.shared.SharedObjects;

/**
 * The HTTP core of the module, usable without OSGi: decides which personalities are served, and
 * keeps exactly those open. Each served personality is a {@link PersonalityService} in the one
 * {@link EmbeddedTomcat}. A personality is opened once hasm's {@link AddressReadiness} finds its
 * addresses usable: at once in the usual case, or, when a paused former owner still holds them (or,
 * in linux mode, another host still answers for them), later, when the wait completes. Such a late
 * open runs on this server's own {@code hasm-http-open} thread, never on the runtime's readiness
 * thread, since opening and closing Tomcat services can take a while under this server's lock.
 *
 * <p>Thread safety: {@code served}, {@code waiting} and every call into {@code tomcat} are guarded by
 * this object. {@code settings} is volatile: the module's {@code @Modified} replaces it, and a
 * personality takes the value of the moment it opens. Requests run on each personality's own threads
 * and touch none of this state.
 */
final class HttpServer {

    /**
     * How often a personality whose address hasm finds usable may fail to bind in a row before it is
     * reported as not servable: someone else may take a port between hasm's check and the bind, but
     * not every time.
     */
    static final int BIND_TRIES = 3;

    private static final long OPENER_JOIN_MS = 2_000;

    /** A personality waiting for its address: the plan to serve, the wait, since when, binds failed so far. */
    private record Waiting(ServicePlan plan, Personality personality, AddressWait addressWait, long sinceNanos,
            int failures) {
    }

    private final Volumes volumes;
    private final AddressReadiness readiness;
    private final Events events;
    private final DurableWrite.ChannelOpener opener;
    private final Supplier<SharedObjects> shared;
    private final EmbeddedTomcat tomcat;
    private final Map<String, PersonalityService> served = new LinkedHashMap<>();
    private final Map<String, Waiting> waiting = new LinkedHashMap<>();
    private final ThreadPoolExecutor lateOpens;
    private volatile HttpSettings settings;
    // where the personalities' requests are counted (the module's, kept across its restarts); none in unit tests
    private volatile RequestTally requests;

    HttpServer(Path baseDir, HttpSettings settings, Volumes volumes, AddressReadiness readiness, Events events) {
        this(baseDir, settings, volumes, readiness, events, DurableWrite.DEFAULT_OPENER);
    }

    HttpServer(Path baseDir, HttpSettings settings, Volumes volumes, AddressReadiness readiness, Events events,
            DurableWrite.ChannelOpener opener) {
        this(baseDir, settings, volumes, readiness, events, opener, () -> null);
    }

    /** @param shared the pair's shared objects, where WebDAV locks are kept (a supplier of {@code null}: in memory) */
    HttpServer(Path baseDir, HttpSettings settings, Volumes volumes, AddressReadiness readiness, Events events,
            DurableWrite.ChannelOpener opener, Supplier<SharedObjects> shared) {
        this.shared = shared;
        this.settings = settings;
        this.volumes = volumes;
        this.readiness = readiness;
        this.events = events;
        this.opener = opener;
        this.tomcat = new EmbeddedTomcat(baseDir, events);
        // one thread, started with the first late open; once destroyed, a wait that still completes
        // finds nothing to open: its task is dropped
        this.lateOpens = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "hasm-http-open");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
    }

    /** Counts the requests of the personalities opened from now on in {@code tally}. */
    HttpServer count(RequestTally tally) {
        this.requests = tally;
        return this;
    }

    /** New limits, for the personalities opened from now on. */
    void settings(HttpSettings newSettings) {
        this.settings = newSettings;
    }

    /** Creates and starts the (empty) Tomcat server; serves nothing yet. */
    synchronized void start() throws HaException {
        tomcat.start();
    }

    /**
     * Serves a scratch export of this SCM's own on 127.0.0.1 and sends it a PUT, GET, PROPFIND and
     * DELETE ({@link SelfCheck}): proves this server serves, and loads its request path.
     *
     * @throws HaException naming the request that failed
     */
    synchronized void selfCheck() throws HaException {
        tomcat.start();
        try {
            SelfCheck.run(tomcat, tomcat.baseDir().resolve("selfcheck"), settings, events, opener);
        } catch (ServicePlan.NotServable e) {
            throw new HaException(e.getMessage(), e);
        }
    }

    /**
     * Serves exactly the given personalities: first closes those no longer wanted (or changed), then
     * opens the new ones. A personality that cannot be served is skipped and named in the exception
     * thrown at the end, after the others are served. One whose address is not usable yet is not a
     * failure: it waits for it (a {@code WAITING_FOR_ADDRESS} event) and is served once it is.
     */
    synchronized void reconcile(List<Personality> personalities) throws HaException {
        tomcat.start();
        Map<String, ServicePlan> wanted = new LinkedHashMap<>();
        Map<String, Personality> byName = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Personality p : personalities) {
            try {
                ServicePlan plan = ServicePlan.of(p, volumes);
                if (plan != null) {
                    wanted.put(p.name(), plan);
                    byName.put(p.name(), p);
                }
            } catch (ServicePlan.NotServable e) {
                notServed(p.name(), e.getMessage(), problems);
            }
        }
        // give away first: a port or a volume handed back is free before anything new opens
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
        for (ServicePlan plan : wanted.values()) {
            String name = plan.personality();
            if (!served.containsKey(name) && !waiting.containsKey(name)) {
                serve(plan, byName.get(name), 0, problems);
            }
        }
        if (!problems.isEmpty()) {
            throw new HaException(String.join("; ", problems));
        }
    }

    /** Closes every personality's connectors and contexts, and stops waiting for any; the server itself stays. */
    synchronized void stopServing() {
        for (String name : new ArrayList<>(waiting.keySet())) {
            stopWaiting(name);
        }
        for (String name : new ArrayList<>(served.keySet())) {
            close(name);
        }
    }

    /** Closes everything, destroys the server and ends its thread. */
    void destroy() {
        synchronized (this) {
            stopServing();
            tomcat.destroy();
        }
        // not under this lock: a late open may be waiting for it, and finds nothing to do once it has it
        lateOpens.shutdownNow();
        try {
            if (!lateOpens.awaitTermination(OPENER_JOIN_MS, TimeUnit.MILLISECONDS)) {
                events.warn("the thread hasm-http-open did not end within " + OPENER_JOIN_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the names of the personalities served now */
    synchronized List<String> served() {
        return List.copyOf(served.keySet());
    }

    /** @return the names of the personalities wanted but waiting for their address */
    synchronized List<String> waiting() {
        return List.copyOf(waiting.keySet());
    }

    /** @return the port a personality is bound to on an address, or -1 if it is not */
    synchronized int localPort(String personality, String address) {
        PersonalityService s = served.get(personality);
        return s == null ? -1 : s.localPort(address);
    }

    /** @return the permits for expensive requests of a served personality, or {@code null} */
    synchronized CostlyRequests costly(String personality) {
        PersonalityService s = served.get(personality);
        return s == null ? null : s.costly();
    }

    /**
     * Serves the plan now if hasm finds its addresses usable, else waits for them.
     *
     * @param failures how many times in a row hasm found them usable and the bind failed
     */
    private void serve(ServicePlan plan, Personality p, int failures, List<String> problems) {
        String name = plan.personality();
        AddressWait wait;
        try {
            wait = readiness.whenUsable(p, plan.port());
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
                            + "; served as soon as it is usable");
                    events.publish("WAITING_FOR_ADDRESS", Map.of("personality", name, "reason", wait.reason()));
                }
                wait.usable().whenCompleteAsync((ok, error) -> waited(w, error), lateOpens);
            }
            case CANCELLED -> notServed(name, "personality " + name + ": " + wait.reason(), problems);
        }
    }

    /** Opens a plan whose addresses hasm has just found usable; one taken since is asked for again. */
    private void open(ServicePlan plan, Personality p, int failures, List<String> problems) {
        try {
            open(plan);
        } catch (PersonalityService.AddressTaken e) {
            if (failures + 1 >= BIND_TRIES) {
                notServed(plan.personality(), e.getMessage() + " (hasm found the address usable " + (failures + 1)
                        + " times in a row, and each time it could not be bound)", problems);
            } else {
                serve(plan, p, failures + 1, problems);
            }
        } catch (ServicePlan.NotServable e) {
            notServed(plan.personality(), e.getMessage(), problems);
        }
    }

    /** The wait of a personality ended, on this server's own thread: opens it if it is still wanted. */
    private synchronized void waited(Waiting w, Throwable error) {
        String name = w.plan().personality();
        if (waiting.get(name) != w || !tomcat.started()) {
            return; // given up, or changed, while the end of the wait was on its way
        }
        waiting.remove(name);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w.sinceNanos());
        if (error != null) {
            // hasm stopped serving the personality before this module was told: the next opMode says more
            events.warn("personality " + name + " stopped waiting for its address after " + waited + " ms: "
                    + w.addressWait().reason());
            return;
        }
        open(w.plan(), w.personality(), w.failures(), new ArrayList<>());
        if (served.containsKey(name)) {
            events.info("personality " + name + " got its address after " + waited + " ms of waiting");
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
        events.warn("not serving: " + why);
        events.publish("NOT_SERVED", Map.of("personality", personality, "reason", why));
    }

    private void open(ServicePlan plan) throws ServicePlan.NotServable {
        // before it listens: every upload of this SCM's begins after these marks
        Map<Path, FileTime> marks = LeftoverUploads.mark(plan, events);
        PersonalityService s = PersonalityService.open(tomcat, plan, settings, volumes, events, opener, shared, requests);
        served.put(plan.personality(), s);
        List<String> listening = s.listening();
        List<String> exports = plan.exports().stream().map(ServicePlan.ExportPlan::name).toList();
        LeftoverUploads.sweep(plan.personality(), marks, s::open, events);
        events.info("serving personality " + plan.personality() + " on " + listening + ", exports " + exports);
        events.publish("SERVING", Map.of("personality", plan.personality(), "addresses", listening,
                "exports", exports));
    }

    private void close(String personality) {
        PersonalityService s = served.remove(personality);
        if (s == null) {
            return;
        }
        s.close(tomcat);
        events.info("released personality " + personality);
        events.publish("RELEASED", Map.of("personality", personality));
    }
}
