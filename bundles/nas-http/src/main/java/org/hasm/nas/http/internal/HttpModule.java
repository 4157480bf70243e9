package org.hasm.nas.http.internal;

import java.io.File;
import java.util.List;
import java.util.Map;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.health.RequestTally;
import org.hasm.spi.health.ServiceRequests;
import org.hasm.spi.shared.SharedObjects;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The HTTP/WebDAV file service: serves the {@code http} exports of every personality this SCM serves,
 * on that personality's addresses at its {@code http.port}, from an embedded Tomcat (see
 * {@link HttpServer}).
 *
 * <p>The storage module's {@link VolumeManager} is optional and dynamic: without it this SCM owns no
 * volume, so a personality with http exports is not served and {@code opMode} names it. Writes prove
 * ownership through {@link Volume#fence()} before they are acknowledged. The address module's
 * {@link AddressReadiness} says when a personality's address can be listened on.
 */
@Component(configurationPid = HttpModule.PID, service = {HaModule.class, ServiceRequests.class})
@HaModuleProperties(name = "http", tier = Tier.SERVICE, rank = 50)
@Designate(ocd = HttpModule.Config.class)
public class HttpModule implements HaModule, ServiceRequests {
    static final String PID = "org.hasm.nas.http";

    @ObjectClassDefinition(id = PID, name = "hasm HTTP/WebDAV service",
            description = "Limits of the HTTP and WebDAV file service.")
    @interface Config {
        @AttributeDefinition(name = "max.put.bytes", description = "Largest body of one PUT, in bytes (413 beyond).")
        long max_put_bytes() default HttpSettings.DEFAULT_MAX_PUT_BYTES;

        @AttributeDefinition(name = "max.header.bytes", description = "Largest request line plus headers, in bytes.")
        int max_header_bytes() default 16 * 1024;

        @AttributeDefinition(name = "connection.timeout.ms",
                description = "Idle time allowed while a request (head or body) is being read.")
        int connection_timeout_ms() default 20_000;

        @AttributeDefinition(name = "keepalive.timeout.ms", description = "Idle time allowed between two requests.")
        int keepalive_timeout_ms() default 15_000;

        @AttributeDefinition(name = "max.threads", description = "The most request threads per personality. "
                + "About two per processor (at least 4) serve requests in turn; one more is added whenever a "
                + "queued request has waited 10 ms (slow uploads hold theirs), and after 2 s in which none "
                + "waited that long the pool shrinks back towards the base.")
        int max_threads() default 64;

        @AttributeDefinition(name = "max.connections", description = "Open connections per address.")
        int max_connections() default 2048;

        @AttributeDefinition(name = "retry.after.seconds",
                description = "Retry-After of a 503 while a volume is not (or no longer) owned, or while "
                        + "the expensive requests of a personality are at their limit.")
        int retry_after_seconds() default 5;

        @AttributeDefinition(name = "max.expensive.requests", description = "Requests that walk a folder or a "
                + "tree (PROPFIND with a depth, COPY/MOVE/DELETE of a collection, a folder listing) running at "
                + "once per personality; more wait for a permit without holding a thread.")
        int max_expensive_requests() default HttpSettings.DEFAULT_MAX_EXPENSIVE_REQUESTS;

        @AttributeDefinition(name = "max.expensive.waiting", description = "Expensive requests of a personality "
                + "that may wait for a permit; beyond, 503 with Retry-After.")
        int max_expensive_waiting() default HttpSettings.DEFAULT_MAX_EXPENSIVE_WAITING;

        @AttributeDefinition(name = "expensive.wait.ms",
                description = "How long an expensive request may wait for a permit before it gets 503.")
        int expensive_wait_ms() default HttpSettings.DEFAULT_EXPENSIVE_WAIT_MS;

        @AttributeDefinition(name = "max.locks", description = "Live WebDAV locks per export (each is kept on "
                + "both SCMs until it is released or expires, at most an hour); a LOCK beyond gets 507.")
        int max_locks() default HttpSettings.DEFAULT_MAX_LOCKS;

        @AttributeDefinition(name = "max.dead.properties",
                description = "Dead properties (set by PROPPATCH) per resource; a PROPPATCH beyond gets 507.")
        int max_dead_properties() default HttpSettings.DEFAULT_MAX_DEAD_PROPERTIES;

        @AttributeDefinition(name = "max.dead.property.bytes", description = "Bytes the dead properties of one "
                + "export may take on its volume (their XML and names plus 128 per property, the path plus 128 per "
                + "resource); a PROPPATCH beyond gets 507.")
        long max_dead_property_bytes() default HttpSettings.DEFAULT_MAX_DEAD_PROPERTY_BYTES;
    }

    private final Logger logger;
    private final File tomcatDir;
    // every request the personalities answered, for the SCM's metrics; kept across restarts of the module
    private final RequestTally requests = new RequestTally("http");
    private volatile HttpSettings settings;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile VolumeManager volumeManager;

    @Reference
    private AddressReadiness readiness;

    // The pair's shared objects (hasm-psom), where the WebDAV locks are kept so that they outlive a
    // takeover; without them the locks live in memory. Bundle-scoped: the locks this bundle holds on
    // the objects are released when it stops.
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile SharedObjects sharedObjects;

    // The controller calls one lifecycle method at a time; the lock guards against deactivation racing
    // one. Guarded by this.
    private HaContext context;
    private HttpServer server;

    // what is wrong with the module's configuration, or null: init fails with it, and the controller puts
    // the SCM in MONITOR (not thrown at activation: the module would only be missing, with no word why)
    private volatile String configProblem;

    @Activate
    public HttpModule(BundleContext bundleContext, Config config,
            @Reference(name = "logger", service = LoggerFactory.class) Logger logger) {
        this.logger = logger;
        HttpSettings s = null;
        try {
            s = settings(config);
        } catch (IllegalArgumentException e) {
            configProblem(e);
        }
        this.settings = s;
        this.tomcatDir = bundleContext.getDataFile("tomcat");
        logger.debug("activated with {}", settings);
    }

    /** Outside a framework: hasm's contract kit creates it so in this bundle's tests. */
    HttpModule(HttpSettings settings, File tomcatDir, Logger logger, VolumeManager volumeManager,
            AddressReadiness readiness) {
        this.logger = logger;
        this.settings = settings;
        this.tomcatDir = tomcatDir;
        this.volumeManager = volumeManager;
        this.readiness = readiness;
    }

    private void configProblem(IllegalArgumentException e) {
        configProblem = PID + ": " + e.getMessage();
        logger.error("configuration " + configProblem + "; the SCM goes to MONITOR at this module's next init");
    }

    @Modified
    void modified(Config config) {
        HttpSettings s;
        try {
            s = settings(config);
        } catch (IllegalArgumentException e) {
            configProblem(e); // what runs keeps its settings
            return;
        }
        configProblem = null;
        settings = s;
        synchronized (this) {
            if (server != null) {
                server.settings(s);
            }
        }
        logger.debug("modified: {} (applies to personalities opened from now on)", s);
    }

    @Deactivate
    synchronized void deactivate() {
        // if the controller never got to shut us down
        if (server != null) {
            server.destroy();
            server = null;
        }
        logger.debug("deactivated");
    }

    @Override
    public synchronized void init(HaContext ctx) throws HaException {
        if (configProblem != null) {
            throw new HaException("configuration " + configProblem);
        }
        this.context = ctx;
        if (tomcatDir == null) {
            throw new HaException("the framework gives this bundle no data area for Tomcat's work folder");
        }
        server = new HttpServer(tomcatDir.toPath(), settings, this::volume, readiness, events(),
                DurableWrite.DEFAULT_OPENER, () -> sharedObjects).count(requests);
        log("init: SCM " + ctx.scm());
    }

    @Override
    public String protocol() {
        return requests.protocol();
    }

    @Override
    public List<ServiceRequests.Requests> requests() {
        return requests.requests();
    }

    @Override
    public synchronized void test() throws HaException {
        // serving no personality yet: proves Tomcat starts inside this bundle and serves a scratch export of its
        // own. Waited for: an SCM that restarted says READY only once its request path is loaded, so the FAILBACK
        // that follows at once opens its personality in milliseconds, not in the second a cold JVM needs
        long start = System.nanoTime();
        server.start();
        server.selfCheck();
        log("test passed: a scratch export on 127.0.0.1 answered PUT, GET, PROPFIND and DELETE ("
                + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms)");
    }

    @Override
    public synchronized void opMode(OpMode mode, SysConfig config) throws HaException {
        List<Personality> personalities = context.personalities();
        try {
            server.reconcile(personalities);
        } finally {
            List<String> waiting = server.waiting();
            log("opMode(" + mode + ", " + config + "): serving " + server.served()
                    + (waiting.isEmpty() ? "" : ", waiting for the address of " + waiting));
        }
    }

    @Override
    public synchronized void stop() throws HaException {
        if (server != null) {
            server.stopServing();
        }
        log("stop");
    }

    @Override
    public synchronized void shutDown() throws HaException {
        if (server != null) {
            server.destroy();
            server = null;
        }
        log("shutDown");
        context = null;
    }

    /** The volume as the storage module has it now: it may come and go. */
    private Volume volume(String name) {
        VolumeManager vm = volumeManager;
        return vm == null ? null : vm.volume(name);
    }

    private Events events() {
        HaContext ctx = context;
        return new Events() {
            @Override
            public void info(String message) {
                logger.info(message);
            }

            @Override
            public void warn(String message) {
                logger.warn(message);
            }

            @Override
            public void publish(String event, Map<String, ?> properties) {
                ctx.publish(event, properties);
            }
        };
    }

    private void log(String message) {
        logger.info(message);
        HaContext ctx = context;
        if (ctx != null) {
            ctx.publish("CALL", Map.of("message", message));
        }
    }

    /** @throws IllegalArgumentException naming the key ({@code key=value ...}) of a value out of its range */
    static HttpSettings settings(Config c) {
        return new HttpSettings(c.max_put_bytes(), c.max_header_bytes(), c.connection_timeout_ms(),
                c.keepalive_timeout_ms(), c.max_threads(), c.max_connections(), c.retry_after_seconds(),
                c.max_expensive_requests(), c.max_expensive_waiting(), c.expensive_wait_ms(), c.max_locks(),
                c.max_dead_properties(), c.max_dead_property_bytes());
    }
}
