package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.health.RequestTally;
import org.hasm.spi.health.ServiceRequests;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.node.Node;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;
import org.hasm.wire.Keyring;
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
 * The NFS file service: serves the {@code nfs} exports of every personality this SCM serves, NFSv3
 * with MOUNT and a portmapper, on the personality's addresses at its {@code nfs.port} (see
 * {@link NfsServer}). Handles are authenticated with the cluster key (the node's {@link Keyring});
 * stable writes and commits are acknowledged only after {@link Volume#fence()}.
 */
@Component(configurationPid = NfsModule.PID, service = {HaModule.class, ServiceRequests.class})
@HaModuleProperties(name = "nfs", tier = Tier.SERVICE, rank = 50)
@Designate(ocd = NfsModule.Config.class)
public class NfsModule implements HaModule, ServiceRequests {
    static final String PID = "org.hasm.nas.nfs";

    @ObjectClassDefinition(id = PID, name = "hasm NFS service", description = "Limits of the NFS file service and its lock service (NLM, NSM).")
    @interface Config {
        @AttributeDefinition(name = "worker.threads", description = "Threads that carry out NFS requests, per personality.")
        int worker_threads() default 8;

        @AttributeDefinition(name = "drc.entries",
                description = "Replies to non-idempotent requests the duplicate request cache keeps per volume.")
        int drc_entries() default 4096;

        @AttributeDefinition(name = "drc.age.ms",
                description = "How long the duplicate request cache keeps a reply: a retransmission later than this is carried out again.")
        long drc_age_ms() default 600_000;

        @AttributeDefinition(name = "scan.limit", description = "Entries an export may be searched through for a "
                + "file renamed behind this service's back (by another protocol or an administrator) before its handle is STALE.")
        int scan_limit() default 200_000;

        @AttributeDefinition(name = "nlm.lock.entries", description = "NLM locks and share reservations kept per volume; "
                + "a lock beyond them is refused (NLM4_DENIED_NOLOCKS).")
        int nlm_lock_entries() default 100_000;

        @AttributeDefinition(name = "nlm.grace.ms", description = "After the lock state of a volume was really lost "
                + "(its log on the volume unreadable), how long only reclaims are admitted; 0 for no grace period. Its end "
                + "is recorded with the NSM state: a restart or takeover during it resumes it for the time left. A takeover "
                + "loses nothing and has none.")
        long nlm_grace_ms() default 45_000;

        @AttributeDefinition(name = "nlm.callback.ms", description = "Deadline of one call back to a client (NLM_GRANTED "
                + "of a blocked lock, an asynchronous _RES, SM_NOTIFY), its portmapper query included.")
        long nlm_callback_ms() default 5_000;

        @AttributeDefinition(name = "nlm.callback.portmap.port",
                description = "Port of the client hosts' portmappers, asked for their NLM and NSM ports before a call back.")
        int nlm_callback_portmap_port() default 111;
    }

    private final Logger logger;
    private volatile NfsSettings settings;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile VolumeManager volumeManager;

    @Reference
    private AddressReadiness readiness;

    @Reference
    private Node node;

    @Reference
    private Keyring keyring;

    // The controller calls one lifecycle method at a time; the lock guards against deactivation racing
    // one. Guarded by this.
    private HaContext context;
    private NfsServer server;

    // Outside a framework only (the contract kit in this bundle's tests): the handle key and the
    // incarnation hasm's keyring and node would give. Null in the framework.
    private final Handles.Mac givenMac;
    private final LongSupplier givenIncarnation;
    // every NFS procedure answered, for the SCM's metrics; kept across restarts of the module
    private final RequestTally requests = new RequestTally("nfs");

    // what is wrong with the module's configuration, or null: init fails with it, and the controller puts
    // the SCM in MONITOR (not thrown at activation: the module would only be missing, with no word why)
    private volatile String configProblem;

    @Activate
    public NfsModule(Config config, @Reference(name = "logger", service = LoggerFactory.class) Logger logger) {
        this.logger = logger;
        NfsSettings s = null;
        try {
            s = settings(config);
        } catch (IllegalArgumentException e) {
            configProblem(e);
        }
        this.settings = s;
        this.givenMac = null;
        this.givenIncarnation = null;
        logger.debug("activated with {}", settings);
    }

    /** Outside a framework: hasm's contract kit creates it so in this bundle's tests. */
    NfsModule(NfsSettings settings, Logger logger, VolumeManager volumeManager, AddressReadiness readiness,
            Handles.Mac mac, LongSupplier incarnation) {
        this.logger = logger;
        this.settings = settings;
        this.volumeManager = volumeManager;
        this.readiness = readiness;
        this.givenMac = mac;
        this.givenIncarnation = incarnation;
    }

    private void configProblem(IllegalArgumentException e) {
        configProblem = PID + ": " + e.getMessage();
        logger.error("configuration " + configProblem + "; the SCM goes to MONITOR at this module's next init");
    }

    @Modified
    void modified(Config config) {
        NfsSettings s;
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
        Handles.Mac mac = givenMac != null ? givenMac : HandleKeys.cluster(keyring);
        if (mac == null) {
            try {
                mac = HandleKeys.local(node.dataDir().resolve("nfs").resolve("handle.key"));
            } catch (IOException e) {
                throw new HaException("no cluster key, and no key of this SCM's own for NFS handles: " + e.getMessage(), e);
            }
        }
        server = new NfsServer(settings, this::volume, readiness, new Handles(mac),
                givenIncarnation != null ? givenIncarnation : node::incarnation, events(), requests);
        log("init: SCM " + ctx.scm() + (NoReplace.available() ? ""
                : "; no renameat2 here (JNA in the framework, glibc 2.28): MKDIR and SYMLINK check a name, then rename"));
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
        // serving no personality yet: proves the NFS path serves a scratch export of this SCM's own, and loads it,
        // so that an SCM that restarted opens its personality at the FAILBACK that follows READY at once
        long start = System.nanoTime();
        java.nio.file.Path folder;
        try {
            folder = node != null ? node.dataDir().resolve("nfs").resolve("selfcheck")
                    : java.nio.file.Files.createTempDirectory("hasm-nfs-selfcheck-");
        } catch (java.io.IOException e) {
            throw new HaException("NFS self-check: no folder for it: " + e.getMessage(), e);
        }
        String calls = server.selfCheck(folder);
        log("test passed: a scratch export on 127.0.0.1 answered " + calls + " ("
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
    static NfsSettings settings(Config c) {
        return new NfsSettings(c.worker_threads(), c.drc_entries(), c.drc_age_ms(), c.scan_limit(),
                new NlmSettings(c.nlm_lock_entries(), c.nlm_grace_ms(), c.nlm_callback_ms(), c.nlm_callback_portmap_port()));
    }
}
