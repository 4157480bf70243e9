package org.hasm.nas.http.internal;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.core.StandardEngine;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.core.StandardServer;
import org.apache.catalina.core.StandardService;
import org.apache.catalina.session.StandardManager;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.catalina.webresources.TomcatURLStreamHandlerFactory;
import org.apache.tomcat.util.modeler.Registry;
import org.hasm.spi.HaException;
import org.hasm.spi.Personality;
import org.hasm.spi.storage.VolumeManager;

/**
 * The HTTP core of the module, usable without OSGi: one embedded Tomcat, and in it one Tomcat
 * {@code Service} per served personality - its own connectors (one per address at the
 * personality's port), its own request threads, one context per export at {@code /<export name>}.
 * A Service per personality keeps personalities apart: an export of A is never reachable on B's
 * addresses, and giving B back closes exactly B's sockets and contexts.
 *
 * <p>Thread safety: every method is synchronized on this object; {@code served} and {@code server}
 * are guarded by it. Requests run on Tomcat's threads and touch none of this state.
 */
final class HttpServer {

    // JUL loggers hold their level only while referenced.
    private static final List<Logger> QUIETED = new ArrayList<>();

    static {
        // This Tomcat is private to the bundle: no JMX beans (a second module instance or test would
        // collide with the first's names) and no global URL handler factory (Felix owns that one).
        Registry.disableRegistry();
        TomcatURLStreamHandlerFactory.disable();
        for (String name : List.of("org.apache.catalina", "org.apache.coyote", "org.apache.tomcat")) {
            Logger l = Logger.getLogger(name);
            if (l.getLevel() == null) {
                // Tomcat logs every start and stop at INFO; hasm logs its own transitions
                l.setLevel(Level.WARNING);
            }
            QUIETED.add(l);
        }
        Logger cache = Logger.getLogger("org.apache.catalina.webresources.Cache");
        if (cache.getLevel() == null) {
            // a full resource cache warns on every file it cannot keep; such a file is read from disk,
            // as every file was before the cache, so a busy server would only fill its log
            cache.setLevel(Level.SEVERE);
        }
        QUIETED.add(cache);
    }

    private static final String CANNOT_LISTEN = "cannot listen on ";

    /** How often a personality whose address is taken tries again. */
    static final long RETRY_MS = 100;

    private final Path baseDir;
    private final VolumeManager volumes;
    private final Events events;
    private final DurableWrite.ChannelOpener opener;
    private volatile HttpSettings settings;

    private StandardServer server;
    private final Map<String, Served> served = new LinkedHashMap<>();
    // Personalities wanted but not served yet because their address or port is taken; retried in
    // the background until they are served or no longer wanted.
    private final Map<String, Waiting> waiting = new LinkedHashMap<>();
    private ScheduledExecutorService retries;

    /** A personality whose address is taken: the plan to serve, since when and what the last try said. */
    private record Waiting(ServicePlan plan, long sinceNanos, String reason) {
    }

    /**
     * How long closing a personality waits for its request threads to end. By then Tomcat has closed
     * the sockets and waited for running requests, and the threads are interrupted: what still runs is
     * stuck in the disk, and a handback must not wait for it much longer.
     */
    private static final long THREADS_END_MS = 2_000;

    /** A personality being served: the plan it was started with, its Tomcat service and request threads. */
    private record Served(ServicePlan plan, StandardService service, Map<String, Connector> connectors,
            RequestThreads threads) {
    }

    HttpServer(Path baseDir, HttpSettings settings, VolumeManager volumes, Events events) {
        this(baseDir, settings, volumes, events, DurableWrite.DEFAULT_OPENER);
    }

    HttpServer(Path baseDir, HttpSettings settings, VolumeManager volumes, Events events,
            DurableWrite.ChannelOpener opener) {
        this.baseDir = baseDir.toAbsolutePath();
        this.settings = settings;
        this.volumes = volumes;
        this.events = events;
        this.opener = opener;
    }

    void settings(HttpSettings newSettings) {
        this.settings = newSettings;
    }

    /** Creates and starts the (empty) Tomcat server; serves nothing yet. */
    synchronized void start() throws HaException {
        if (server != null) {
            return;
        }
        try {
            Files.createDirectories(baseDir.resolve("webapps"));
            Files.createDirectories(baseDir.resolve("work"));
        } catch (IOException e) {
            throw new HaException("cannot create Tomcat's folder " + baseDir + ": " + e.getMessage(), e);
        }
        StandardServer s = new StandardServer();
        s.setPort(-1); // no shutdown port: hasm stops it
        s.setCatalinaBase(baseDir.toFile());
        s.setCatalinaHome(baseDir.toFile());
        s.setParentClassLoader(loader());
        s.setUtilityThreadsAsDaemon(true);
        s.setUtilityThreads(1);
        try {
            withBundleLoader(() -> {
                s.init();
                s.start();
                return null;
            });
        } catch (Exception e) {
            throw new HaException("cannot start Tomcat: " + e.getMessage(), e);
        }
        server = s;
    }

    /**
     * Serves exactly the given personalities: first closes those no longer wanted (or changed), then
     * opens the new ones. A personality that cannot be served is skipped and named in the exception
     * thrown at the end, after the others are served.
     */
    synchronized void reconcile(List<Personality> personalities) throws HaException {
        if (server == null) {
            start();
        }
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
        waiting.keySet().removeIf(name -> !waiting.get(name).plan().equals(wanted.get(name)));
        for (ServicePlan plan : wanted.values()) {
            if (!served.containsKey(plan.personality()) && !waiting.containsKey(plan.personality())) {
                try {
                    open(plan);
                } catch (AddressTaken e) {
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
        waiting.clear();
        for (String name : new ArrayList<>(served.keySet())) {
            close(name);
        }
    }

    /** Closes everything and destroys the server. */
    synchronized void destroy() {
        stopServing();
        if (retries != null) {
            retries.shutdownNow();
            retries = null;
        }
        StandardServer s = server;
        server = null;
        if (s == null) {
            return;
        }
        try {
            withBundleLoader(() -> {
                s.stop();
                s.destroy();
                return null;
            });
        } catch (Exception e) {
            events.warn("Tomcat did not stop cleanly: " + e.getMessage());
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

    /**
     * A personality whose address or port is held by someone else cannot be served yet, but will be
     * as soon as it is free: on loopback a paused former owner keeps its listening sockets until it
     * wakes and lets go (or dies), and in linux mode the address may come up after this call. The
     * personality is retried every {@link #RETRY_MS} ms in the background while it stays wanted, and
     * this is not a failure of the call: serving starts by itself, with a SERVING event.
     */
    private void await(ServicePlan plan, String reason) {
        waiting.put(plan.personality(), new Waiting(plan, System.nanoTime(), reason));
        events.warn("personality " + plan.personality() + " waits for its address: " + reason
                + "; retrying every " + RETRY_MS + " ms until it is free");
        events.publish("WAITING_FOR_ADDRESS", Map.of("personality", plan.personality(), "reason", reason));
        if (retries == null) {
            retries = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "hasm-http-rebind");
                t.setDaemon(true);
                return t;
            });
            retries.scheduleWithFixedDelay(this::retryWaiting, RETRY_MS, RETRY_MS, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void retryWaiting() {
        if (server == null) {
            return;
        }
        for (Waiting w : new ArrayList<>(waiting.values())) {
            try {
                open(w.plan());
                waiting.remove(w.plan().personality());
                events.info("personality " + w.plan().personality() + " got its address after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w.sinceNanos()) + " ms of waiting");
            } catch (AddressTaken e) {
                // still held: next round
            } catch (ServicePlan.NotServable | RuntimeException e) {
                waiting.remove(w.plan().personality());
                events.warn("not serving: " + e.getMessage());
                events.publish("NOT_SERVED", Map.of("personality", w.plan().personality(),
                        "reason", String.valueOf(e.getMessage())));
            }
        }
    }

    /** The personality's address or port is taken (or not on this host yet): worth retrying. */
    static final class AddressTaken extends ServicePlan.NotServable {
        private static final long serialVersionUID = 1L;

        AddressTaken(String message) {
            super(message);
        }
    }

    /** @return the port a personality is bound to on an address, or -1 if it is not */
    synchronized int localPort(String personality, String address) {
        Served s = served.get(personality);
        Connector c = s == null ? null : s.connectors().get(address);
        return c == null ? -1 : c.getLocalPort();
    }

    private void notServed(String personality, String why, List<String> problems) {
        problems.add(why);
        events.warn("not serving: " + why);
        events.publish("NOT_SERVED", Map.of("personality", personality, "reason", why));
    }

    private void open(ServicePlan plan) throws ServicePlan.NotServable {
        HttpSettings limits = settings;
        String name = "hasm-http-" + plan.personality();
        StandardService service = new StandardService();
        service.setName(name);

        StandardEngine engine = new StandardEngine();
        engine.setName(name);
        engine.setDefaultHost("localhost");
        StandardHost host = new StandardHost();
        host.setName("localhost");
        host.setAppBase(baseDir.resolve("webapps").toString());
        host.setAutoDeploy(false);
        host.setDeployOnStartup(false);
        ErrorReportValve errors = new ErrorReportValve();
        // error pages say what went wrong, not which server version runs
        errors.setShowServerInfo(false);
        errors.setShowReport(true);
        host.getPipeline().addValve(errors);
        engine.addChild(host);
        for (ServicePlan.ExportPlan export : plan.exports()) {
            host.addChild(context(plan, export, limits));
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

        service.setServer(server);
        String failure = null;
        Throwable cause = null;
        try {
            withBundleLoader(() -> {
                service.init();
                service.start();
                return null;
            });
            failure = notRunning(service, connectors);
        } catch (Exception e) {
            failure = rootMessage(e);
            cause = e;
        }
        if (failure != null) {
            stopQuietly(service);
            endThreads(plan.personality(), threads);
            String message = "personality " + plan.personality() + ": cannot serve on " + plan.addresses() + " port "
                    + plan.port() + ": " + failure;
            // a connector that did not start listening could not bind (taken, or not up yet): worth
            // retrying even if the address is free by now, as it is when its holder just let it go
            if (bindFailed(cause) || failure.startsWith(CANNOT_LISTEN) || taken(plan) != null) {
                throw new AddressTaken(message);
            }
            throw new ServicePlan.NotServable(message);
        }
        server.addService(service); // already started: this only records it
        served.put(plan.personality(), new Served(plan, service, connectors, threads));
        List<String> listening = new ArrayList<>();
        connectors.forEach((a, c) -> listening.add(a + ":" + c.getLocalPort()));
        List<String> exports = plan.exports().stream().map(ServicePlan.ExportPlan::name).toList();
        sweep(plan, java.time.Instant.now());
        events.info("serving personality " + plan.personality() + " on " + listening + ", exports " + exports);
        events.publish("SERVING", Map.of("personality", plan.personality(), "addresses", listening,
                "exports", exports));
    }

    /**
     * Removes, in the background, the temporary files of uploads that a writer of the volume left
     * when it died (a kill in the middle of a PUT): only one SCM writes a volume at a time, so a
     * temporary file older than this takeover belongs to no running upload. Newer ones are this
     * server's own uploads in progress and are left alone. Hidden and never served either way; the
     * sweep only gives the space back, so it must not delay the takeover.
     */
    private void sweep(ServicePlan plan, java.time.Instant takenAt) {
        java.util.Set<Path> roots = new java.util.LinkedHashSet<>();
        plan.exports().forEach(e -> roots.add(e.root()));
        Thread t = new Thread(() -> {
            for (Path root : roots) {
                int[] removed = {0};
                try (java.util.stream.Stream<Path> files = Files.walk(root)) {
                    files.filter(f -> f.getFileName() != null
                            && f.getFileName().toString().startsWith(DurableWrite.TEMP_PREFIX))
                            .forEach(f -> {
                                try {
                                    java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(f,
                                            java.nio.file.attribute.BasicFileAttributes.class,
                                            java.nio.file.LinkOption.NOFOLLOW_LINKS);
                                    if (a.isRegularFile() && a.lastModifiedTime().toInstant().isBefore(takenAt)
                                            && Files.deleteIfExists(f)) {
                                        removed[0]++;
                                    }
                                } catch (IOException e) {
                                    // gone meanwhile, or not ours to delete: it stays hidden
                                }
                            });
                } catch (IOException | java.io.UncheckedIOException e) {
                    events.warn("personality " + plan.personality() + ": could not look for leftover uploads in "
                            + root + ": " + e.getMessage());
                }
                if (removed[0] > 0) {
                    events.info("personality " + plan.personality() + ": removed " + removed[0]
                            + " partial upload(s) left in " + root + " by a writer that died");
                }
            }
        }, "hasm-http-sweep-" + plan.personality());
        t.setDaemon(true);
        t.start();
    }

    private void close(String personality) {
        Served s = served.remove(personality);
        if (s == null) {
            return;
        }
        // removeService stops it: connectors pause, contexts wait for running requests (bounded by
        // Tomcat's unloadDelay), then the sockets close
        try {
            withBundleLoader(() -> {
                server.removeService(s.service());
                s.service().destroy();
                return null;
            });
        } catch (Exception e) {
            events.warn("personality " + personality + " did not close cleanly: " + e.getMessage());
        }
        endThreads(personality, s.threads());
        events.info("released personality " + personality);
        events.publish("RELEASED", Map.of("personality", personality));
    }

    /** Ends a personality's request threads, once its service has stopped using them. */
    private void endThreads(String personality, RequestThreads threads) {
        if (!threads.close(THREADS_END_MS)) {
            events.warn("personality " + personality + ": request threads still running after "
                    + THREADS_END_MS + " ms: " + threads);
        }
    }

    private StandardContext context(ServicePlan plan, ServicePlan.ExportPlan export, HttpSettings limits) {
        VolumeAccess volume = new VolumeAccess(volumes, export.volume(), export.root());
        ExportTarget target = new ExportTarget(plan.personality(), export, volume, limits, events);
        StandardContext ctx = new StandardContext();
        ctx.setName("/" + export.name());
        ctx.setPath("/" + export.name());
        ctx.setDocBase(export.folder().toString());
        ctx.setWorkDir(baseDir.resolve("work").resolve(plan.personality()).resolve(export.name()).toString());
        // Tomcat.FixContextListener would also add an authenticator valve, which every request passes to
        // look for security constraints; an export has none (the volume's ownership is its access rule)
        ctx.addLifecycleListener(event -> {
            if (org.apache.catalina.Lifecycle.CONFIGURE_START_EVENT.equals(event.getType())) {
                ctx.setConfigured(true);
            }
        });
        ctx.setParentClassLoader(loader());
        ctx.setLoader(new BundleLoader(loader()));
        ctx.setUseNaming(false);
        ctx.setReloadable(false);
        ctx.setCookies(false);
        StandardManager sessions = new StandardManager();
        sessions.setPathname(null); // WebDAV is stateless: nothing to persist across restarts
        ctx.setManager(sessions);
        ctx.setResources(new ExportResources(ctx, new DurableWrite(volume, limits.maxPutBytes(), opener),
                export.readOnly()));
        Tomcat.addDefaultMimeTypeMappings(ctx);
        Wrapper servlet = Tomcat.addServlet(ctx, "export", new ExportServlet(target));
        ExportServlet.initParameters(export.readOnly()).forEach(servlet::addInitParameter);
        servlet.setLoadOnStartup(1);
        ctx.addServletMappingDecoded("/*", "export");
        return ctx;
    }

    private static Connector connector(String address, int port, HttpSettings limits) {
        Connector c = new Connector("org.apache.coyote.http11.Http11NioProtocol");
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
        for (var child : service.getContainer().findChildren()) {
            for (var ctx : child.findChildren()) {
                if (!ctx.getState().isAvailable()) {
                    return "export " + ctx.getName() + " did not start";
                }
            }
        }
        return null;
    }

    private void stopQuietly(StandardService service) {
        try {
            withBundleLoader(() -> {
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

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static ClassLoader loader() {
        return HttpServer.class.getClassLoader();
    }

    /**
     * Runs Tomcat's lifecycle with this bundle's class loader as the context loader: Tomcat loads its
     * protocol handlers and services through it, and in OSGi the caller's loader cannot see them.
     */
    private static <T> T withBundleLoader(Callable<T> action) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(loader());
        try {
            return action.call();
        } finally {
            t.setContextClassLoader(previous);
        }
    }
}
