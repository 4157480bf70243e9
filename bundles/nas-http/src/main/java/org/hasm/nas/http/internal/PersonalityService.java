package org.hasm.nas.http.internal;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.catalina.Container;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardEngine;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.core.StandardService;
import org.apache.catalina.valves.ErrorReportValve;
import org.hasm.spi.health.RequestTally;
import org.hasm.spi.shared.SharedObjects;

/**
 * One served personality: a Tomcat {@code Service} of its own in the {@link EmbeddedTomcat}, with one
 * connector per address at the personality's port, its own {@link RequestThreads}, its own
 * {@link CostlyRequests} permits, and one context per export. A Service per personality keeps
 * personalities apart: an export of A is never reachable on B's addresses, and giving B back closes
 * exactly B's sockets and contexts.
 *
 * <p>Thread safety: opened and closed under {@link HttpServer}'s lock; immutable in between.
 */
final class PersonalityService {

    private static final String CANNOT_LISTEN = "cannot listen on ";

    /**
     * How long closing a personality waits for its request threads to end. By then Tomcat has closed
     * the sockets and waited for running requests, and the threads are interrupted: what still runs is
     * stuck in the disk, and a handback must not wait for it much longer.
     */
    private static final long THREADS_END_MS = 2_000;

    /** The personality's address or port is taken (or not on this host yet): worth retrying. */
    static final class AddressTaken extends ServicePlan.NotServable {
        private static final long serialVersionUID = 1L;

        AddressTaken(String message) {
            super(message);
        }
    }

    private final ServicePlan plan;
    private final StandardService service;
    private final Map<String, Connector> connectors;
    private final RequestThreads threads;
    private final CostlyRequests costly;
    private final ReleaseGate gate;
    private final Events events;

    private PersonalityService(ServicePlan plan, StandardService service, Map<String, Connector> connectors,
            RequestThreads threads, CostlyRequests costly, ReleaseGate gate, Events events) {
        this.plan = plan;
        this.service = service;
        this.connectors = connectors;
        this.threads = threads;
        this.costly = costly;
        this.gate = gate;
        this.events = events;
    }

    /**
     * Builds and starts the personality's service on the running server.
     *
     * @throws AddressTaken if a connector could not bind: worth trying again
     * @throws ServicePlan.NotServable if it cannot be served for another reason
     */
    static PersonalityService open(EmbeddedTomcat tomcat, ServicePlan plan, HttpSettings limits, Volumes volumes,
            Events events, DurableWrite.ChannelOpener opener, Supplier<SharedObjects> shared)
            throws ServicePlan.NotServable {
        return open(tomcat, plan, limits, volumes, events, opener, shared, null);
    }

    /** @param requests where every request answered is counted, or {@code null} (the self-check's) */
    static PersonalityService open(EmbeddedTomcat tomcat, ServicePlan plan, HttpSettings limits, Volumes volumes,
            Events events, DurableWrite.ChannelOpener opener, Supplier<SharedObjects> shared, RequestTally requests)
            throws ServicePlan.NotServable {
        String name = "hasm-http-" + plan.personality();
        StandardService service = new StandardService();
        service.setName(name);

        StandardEngine engine = new StandardEngine();
        engine.setName(name);
        engine.setDefaultHost("localhost");
        StandardHost host = new StandardHost();
        host.setName("localhost");
        host.setAppBase(tomcat.baseDir().resolve("webapps").toString());
        host.setAutoDeploy(false);
        host.setDeployOnStartup(false);
        ErrorReportValve errors = new ErrorReportValve();
        // error pages say what went wrong, not which server version runs
        errors.setShowServerInfo(false);
        errors.setShowReport(true);
        host.getPipeline().addValve(errors);
        engine.addChild(host);
        ReleaseGate gate = new ReleaseGate();
        engine.getPipeline().addValve(gate);
        if (requests != null) {
            engine.getPipeline().addValve(new CountedRequests(requests));
        }
        CostlyRequests costly = new CostlyRequests(plan.personality(), limits.maxExpensiveRequests(),
                limits.maxExpensiveWaiting(), limits.expensiveWaitMillis(), limits.retryAfterSeconds(), events);
        for (ServicePlan.ExportPlan export : plan.exports()) {
            host.addChild(ExportContext.create(plan, export,
                    tomcat.baseDir().resolve("work").resolve(plan.personality()).resolve(export.name()), limits,
                    volumes, events, opener, costly, shared));
        }
        service.setContainer(engine);

        // not a Service executor: the connectors only borrow it, and close() ends it after the service
        RequestThreads threads = new RequestThreads(name, limits.maxThreads());
        Map<String, Connector> connectors = new LinkedHashMap<>();
        for (String address : plan.addresses()) {
            Connector c = connector(address, plan.port(), limits);
            c.getProtocolHandler().setExecutor(threads);
            service.addConnector(c);
            connectors.put(address, c);
        }

        service.setServer(tomcat.server());
        String failure;
        Throwable cause = null;
        try {
            EmbeddedTomcat.withBundleLoader(() -> {
                service.init();
                service.start();
                return null;
            });
            failure = notRunning(service, connectors);
        } catch (Exception e) {
            failure = EmbeddedTomcat.rootMessage(e);
            cause = e;
        }
        PersonalityService opened = new PersonalityService(plan, service, connectors, threads, costly, gate, events);
        if (failure != null) {
            opened.stopQuietly();
            opened.endThreads();
            String message = "personality " + plan.personality() + ": cannot serve on " + plan.addresses() + " port "
                    + plan.port() + ": " + failure;
            // a connector that did not start listening could not bind (taken, or not up yet): worth
            // retrying even if the address is free by now, as it is when its holder just let it go
            if (bindFailed(cause) || failure.startsWith(CANNOT_LISTEN) || taken(plan) != null) {
                throw new AddressTaken(message);
            }
            throw new ServicePlan.NotServable(message);
        }
        tomcat.add(service); // already started: this only records it
        return opened;
    }

    // set once close begins: what works for the personality in the background (the leftover sweep) stops
    private volatile boolean closed;

    /** @return whether the personality is still served here (its close has not begun) */
    boolean open() {
        return !closed;
    }

    ServicePlan plan() {
        return plan;
    }

    CostlyRequests costly() {
        return costly;
    }

    /** @return the port bound on an address, or -1 if none */
    int localPort(String address) {
        Connector c = connectors.get(address);
        return c == null ? -1 : c.getLocalPort();
    }

    /** @return {@code address:port} of every connector */
    List<String> listening() {
        List<String> listening = new ArrayList<>();
        connectors.forEach((a, c) -> listening.add(a + ":" + c.getLocalPort()));
        return listening;
    }

    /**
     * Stops serving: waiting expensive requests get 503, the clients are let go ({@link ReleaseGate}), the
     * service stops, then its threads end.
     */
    void close(EmbeddedTomcat tomcat) {
        closed = true;
        costly.close();
        int left = gate.drain(connectors.values(), ReleaseGate.DRAIN_MS);
        if (left > 0) {
            events.warn("personality " + plan.personality() + ": " + left + " request(s) still running after "
                    + ReleaseGate.DRAIN_MS + " ms; their connections are closed");
        }
        try {
            tomcat.remove(service);
        } catch (Exception e) {
            events.warn("personality " + plan.personality() + " did not close cleanly: " + e.getMessage());
        }
        endThreads();
    }

    /** Ends the request threads, once the service has stopped using them. */
    private void endThreads() {
        if (!threads.close(THREADS_END_MS)) {
            events.warn("personality " + plan.personality() + ": request threads still running after "
                    + THREADS_END_MS + " ms: " + threads);
        }
    }

    private void stopQuietly() {
        costly.close();
        try {
            EmbeddedTomcat.withBundleLoader(() -> {
                if (service.getState().isAvailable()) {
                    service.stop();
                }
                service.destroy();
                return null;
            });
        } catch (Exception e) {
            events.warn("cleanup of " + service.getName() + " failed: " + e.getMessage());
        }
    }

    private static Connector connector(String address, int port, HttpSettings limits) {
        Connector c = new Connector(new ReleaseGate.Protocol());
        c.setPort(port);
        c.setProperty("address", address);
        c.setProperty("maxHttpHeaderSize", Integer.toString(limits.maxHeaderBytes()));
        c.setProperty("connectionTimeout", Integer.toString(limits.connectionTimeoutMillis()));
        c.setProperty("keepAliveTimeout", Integer.toString(limits.keepAliveTimeoutMillis()));
        c.setProperty("maxConnections", Integer.toString(limits.maxConnections()));
        // Tomcat's default of 100 closes busy keep-alive connections ten times as often as nginx
        c.setProperty("maxKeepAliveRequests", "1000");
        // large GETs leave through sendfile, not through the request thread
        c.setProperty("useSendfile", "true");
        // rebind at once when a personality comes back, despite sockets in TIME_WAIT
        c.setProperty("socket.soReuseAddress", "true");
        // bound at start, so that a release can close the listening socket first (ReleaseGate)
        c.setProperty("bindOnInit", "false");
        c.setProperty("socket.directBuffer", "true");
        c.setProperty("server", "hasm");
        c.setXpoweredBy(false);
        c.setEncodedSolidusHandling("reject");
        c.setURIEncoding("UTF-8");
        return c;
    }

    private static boolean bindFailed(Throwable t) {
        for (int i = 0; t != null && i < 32; i++, t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    /** @return the first address of the plan that cannot be bound now at its port, or null */
    private static String taken(ServicePlan plan) {
        for (String address : plan.addresses()) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new InetSocketAddress(InetAddress.getByName(address), plan.port()));
            } catch (BindException e) {
                return address;
            } catch (IOException e) {
                // not a matter of the address being taken
            }
        }
        return null;
    }

    private static String notRunning(StandardService service, Map<String, Connector> connectors) {
        if (service.getState() != LifecycleState.STARTED) {
            return "Tomcat service is " + service.getState();
        }
        for (Map.Entry<String, Connector> c : connectors.entrySet()) {
            if (c.getValue().getState() != LifecycleState.STARTED || c.getValue().getLocalPort() < 0) {
                return CANNOT_LISTEN + c.getKey();
            }
        }
        for (Container host : service.getContainer().findChildren()) {
            for (Container ctx : host.findChildren()) {
                if (!ctx.getState().isAvailable()) {
                    return "export " + ctx.getName() + " did not start";
                }
            }
        }
        return null;
    }
}
