package org.hasm.nas.http.internal;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.HaException;
import org.hasm.spi.Personality;
import org.hasm.spi.storage.VolumeManager;

/**
 * The HTTP core of the module, usable without OSGi: decides which personalities are served, and
 * keeps exactly those open. Each served personality is a {@link PersonalityService} in the one
 * {@link EmbeddedTomcat}; one whose address is taken waits in {@link AddressWait} and is served the
 * moment it is free.
 *
 * <p>Thread safety: {@code served} and every call into {@code tomcat} are guarded by this object,
 * and so is every change of {@code addressWait} (which also locks itself, always after this one:
 * its retry thread takes this lock without holding its own). {@code settings} is volatile: the
 * module's {@code @Modified} replaces it, and a personality takes the value of the moment it opens.
 * Requests run on each personality's own threads and touch none of this state.
 */
final class HttpServer {

    private final VolumeManager volumes;
    private final Events events;
    private final DurableWrite.ChannelOpener opener;
    private final EmbeddedTomcat tomcat;
    private final AddressWait addressWait;
    private final Map<String, PersonalityService> served = new LinkedHashMap<>();
    private volatile HttpSettings settings;

    HttpServer(Path baseDir, HttpSettings settings, VolumeManager volumes, Events events) {
        this(baseDir, settings, volumes, events, DurableWrite.DEFAULT_OPENER);
    }

    HttpServer(Path baseDir, HttpSettings settings, VolumeManager volumes, Events events,
            DurableWrite.ChannelOpener opener) {
        this.settings = settings;
        this.volumes = volumes;
        this.events = events;
        this.opener = opener;
        this.tomcat = new EmbeddedTomcat(baseDir, events);
        this.addressWait = new AddressWait("hasm-http-rebind", this::retry);
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
     * Serves exactly the given personalities: first closes those no longer wanted (or changed), then
     * opens the new ones. A personality that cannot be served is skipped and named in the exception
     * thrown at the end, after the others are served. One whose address is taken is not a failure: it
     * waits for its address (a {@code WAITING_FOR_ADDRESS} event) and is served once it is free.
     */
    synchronized void reconcile(List<Personality> personalities) throws HaException {
        tomcat.start();
        Map<String, ServicePlan> wanted = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Personality p : personalities) {
            try {
                ServicePlan plan = ServicePlan.of(p, volumes);
                if (plan != null) {
                    wanted.put(p.name(), plan);
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
        addressWait.keepOnly(wanted);
        for (ServicePlan plan : wanted.values()) {
            if (!served.containsKey(plan.personality()) && !addressWait.waits(plan.personality())) {
                try {
                    open(plan);
                } catch (PersonalityService.AddressTaken e) {
                    await(plan, e.getMessage());
                } catch (ServicePlan.NotServable e) {
                    notServed(plan.personality(), e.getMessage(), problems);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new HaException(String.join("; ", problems));
        }
    }

    /** Closes every personality's connectors and contexts, and stops waiting for any; the server itself stays. */
    synchronized void stopServing() {
        addressWait.clear();
        for (String name : new ArrayList<>(served.keySet())) {
            close(name);
        }
    }

    /** Closes everything and destroys the server. */
    void destroy() {
        synchronized (this) {
            stopServing();
            tomcat.destroy();
        }
        // not under this lock: a retry round may be waiting for it, and finds nothing to do once it has it
        addressWait.close();
    }

    /** @return the names of the personalities served now */
    synchronized List<String> served() {
        return List.copyOf(served.keySet());
    }

    /** @return the names of the personalities wanted but waiting for their address */
    synchronized List<String> waiting() {
        return addressWait.personalities();
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

    private void await(ServicePlan plan, String reason) {
        addressWait.await(plan);
        events.warn("personality " + plan.personality() + " waits for its address: " + reason
                + "; retrying every " + AddressWait.RETRY_MS + " ms until it is free");
        events.publish("WAITING_FOR_ADDRESS", Map.of("personality", plan.personality(), "reason", reason));
    }

    /** One more try of a personality waiting for its address, from {@link AddressWait}'s thread. */
    private synchronized void retry(ServicePlan plan) {
        if (!tomcat.started() || !addressWait.waits(plan)) {
            return; // given up, or changed, while the round was on its way
        }
        try {
            open(plan);
            AddressWait.Waiting w = addressWait.done(plan.personality());
            long waited = w == null ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w.sinceNanos());
            events.info("personality " + plan.personality() + " got its address after " + waited + " ms of waiting");
        } catch (PersonalityService.AddressTaken e) {
            // still held: next round
        } catch (ServicePlan.NotServable | RuntimeException e) {
            addressWait.done(plan.personality());
            events.warn("not serving: " + e.getMessage());
            events.publish("NOT_SERVED", Map.of("personality", plan.personality(),
                    "reason", String.valueOf(e.getMessage())));
        }
    }

    private void notServed(String personality, String why, List<String> problems) {
        problems.add(why);
        events.warn("not serving: " + why);
        events.publish("NOT_SERVED", Map.of("personality", personality, "reason", why));
    }

    private void open(ServicePlan plan) throws ServicePlan.NotServable {
        PersonalityService s = PersonalityService.open(tomcat, plan, settings, volumes, events, opener);
        served.put(plan.personality(), s);
        List<String> listening = s.listening();
        List<String> exports = plan.exports().stream().map(ServicePlan.ExportPlan::name).toList();
        LeftoverUploads.sweep(plan, Instant.now(), events);
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
