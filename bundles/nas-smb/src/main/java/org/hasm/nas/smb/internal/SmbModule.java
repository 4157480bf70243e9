package org.hasm.nas.smb.internal;

import java.nio.file.Path;
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
import org.hasm.spi.health.ServiceRequests;
import org.hasm.spi.node.Node;
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
 * The SMB file service: one Samba smbd per personality this SCM serves that has {@code smb} exports,
 * bound to that personality's addresses at its {@code smb.port}, supervised and fenced (see
 * {@link Smbd} and {@link Watchdog}). Its folders live under the node's data folder, in {@code smb/}.
 */
@Component(configurationPid = SmbModule.PID, service = {HaModule.class, ServiceRequests.class})
@HaModuleProperties(name = "smb", tier = Tier.SERVICE, rank = 50)
@Designate(ocd = SmbModule.Config.class)
public class SmbModule implements HaModule, ServiceRequests {
    static final String PID = "org.hasm.nas.smb";
    /** The storage module's lease, which the watchdog's deadline derives from. */
    static final String STORAGE_LEASE = "org.hasm.storage lease.ms";
    static final long DEFAULT_STORAGE_LEASE_MS = 2000;
    /** The framework property the launcher sets to the SCM's node folder. */
    static final String NODE_DIR = "hasm.node.dir";

    @ObjectClassDefinition(id = PID, name = "hasm SMB service",
            description = "Samba's smbd per personality: tools, users, stop and restart timing.")
    @interface Config {
        @AttributeDefinition(name = "smbd", description = "The smbd executable (Debian package samba).")
        String smbd() default "smbd";

        @AttributeDefinition(name = "pdbedit", description = "The pdbedit executable (Debian package samba-common-bin).")
        String pdbedit() default "pdbedit";

        @AttributeDefinition(name = "users", description = "The SMB users, the same on both SCMs: name:NTHASH[:account]"
                + " entries separated by commas. NTHASH is the MD4 of the password in UTF-16LE (32 hex digits);"
                + " account is the Unix account the user is authenticated as (default: the name), one per user.")
        String users() default "";

        @AttributeDefinition(name = "guest.account", description = "The Unix account guests are mapped to, in the"
                + " shares a personality's smb.guest names.")
        String guest_account() default "nobody";

        @AttributeDefinition(name = "stop.timeout.ms", description = "How long smbd has to end after SIGTERM before"
                + " SIGKILL.")
        long stop_timeout_ms() default 5000;

        @AttributeDefinition(name = "watchdog.ms", description = "How long a personality's smbd lives on once this SCM"
                + " stops saying it owns its volumes (the JVM paused or killed): its watchdog then kills it. 0 = half"
                + " the storage lease (org.hasm.storage lease.ms); must be shorter than the lease.")
        long watchdog_ms() default 0;

        @AttributeDefinition(name = "restart.min.ms", description = "Back-off before an smbd that ended by itself is"
                + " started again; doubles at each new end.")
        long restart_min_ms() default 500;

        @AttributeDefinition(name = "restart.max.ms", description = "The longest back-off; a run this long resets it.")
        long restart_max_ms() default 30_000;

        @AttributeDefinition(name = "log.level", description = "Samba's log level for smbd (0..10); its output goes to"
                + " smb/<personality>/smbd.log in the data folder.")
        int log_level() default 1;
    }

    private final Logger logger;
    private final String nodeDir;
    private volatile SmbSettings settings;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile VolumeManager volumeManager;

    @Reference
    private AddressReadiness readiness;

    @Reference
    private Node node;

    // The controller calls one lifecycle method at a time; the lock guards against deactivation racing
    // one. Guarded by this.
    private HaContext context;
    private volatile SmbServer server;
    // the SMB2 calls every personality's smbd answered, for the SCM's metrics; kept across restarts of the module
    private final SmbRequests requests = new SmbRequests(() -> {
        SmbServer s = server;
        return s == null ? Map.of() : s.running();
    });

    // Outside a framework only (the contract kit in this bundle's tests): the data folder and the storage
    // lease hasm's node would give. Null and 0 in the framework.
    private final Path givenDataDir;
    private final long givenLease;

    @Activate
    public SmbModule(BundleContext bundleContext, Config config,
            @Reference(name = "logger", service = LoggerFactory.class) Logger logger) {
        this.logger = logger;
        this.nodeDir = bundleContext.getProperty(NODE_DIR);
        this.settings = SmbSettings.of(config);
        this.givenDataDir = null;
        this.givenLease = 0;
        logger.debug("activated with users {}", settings.users());
    }

    /** Outside a framework: hasm's contract kit creates it so in this bundle's tests. */
    SmbModule(SmbSettings settings, Logger logger, VolumeManager volumeManager, AddressReadiness readiness, Path dataDir,
            long storageLease) {
        this.logger = logger;
        this.nodeDir = null;
        this.settings = settings;
        this.volumeManager = volumeManager;
        this.readiness = readiness;
        this.givenDataDir = dataDir;
        this.givenLease = storageLease;
    }

    @Modified
    void modified(Config config) {
        SmbSettings s = SmbSettings.of(config);
        settings = s;
        synchronized (this) {
            if (server != null) {
                server.settings(s, s.watchdogMillis(storageLease()));
            }
        }
        logger.debug("modified (applies to smbd started from now on; users at the next init)");
    }

    @Deactivate
    synchronized void deactivate() {
        if (server != null) {
            server.stopServing();
            server = null;
        }
        logger.debug("deactivated");
    }

    @Override
    public synchronized void init(HaContext ctx) throws HaException {
        this.context = ctx;
        SmbSettings s = settings;
        long lease = storageLease();
        server = new SmbServer(smbBase(), s, s.watchdogMillis(lease), this::volume, readiness, events(),
                serviceAccount(), nodeDir);
        log("init: SCM " + ctx.scm() + ", smbd watchdog " + s.watchdogMillis(lease) + " ms (storage lease " + lease
                + " ms), users " + s.users());
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
        Samba samba = new Samba(settings);
        String version;
        try {
            version = samba.check();
        } catch (java.io.IOException e) {
            throw new HaException("SMB service: " + e.getMessage(), e);
        }
        // the user databases of every personality, so that a takeover runs no pdbedit
        server.prepare(node == null ? List.of() : node.personalities(), samba);
        log("test passed: Samba " + version);
    }

    @Override
    public synchronized void opMode(OpMode mode, SysConfig config) throws HaException {
        List<Personality> personalities = context.personalities();
        try {
            // none when test() prepared the pair's personalities (always, in an SCM)
            server.prepareMissing(personalities, new Samba(settings));
            server.reconcile(personalities);
        } finally {
            log("opMode(" + mode + ", " + config + "): smbd for " + server.served());
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
            server.stopServing();
            server = null;
        }
        log("shutDown");
        context = null;
    }

    private Path smbBase() {
        return (node == null ? givenDataDir : node.dataDir()).resolve("smb");
    }

    private long storageLease() {
        if (node == null) {
            return givenLease;
        }
        String raw = node.timing().get(STORAGE_LEASE);
        try {
            return raw == null ? DEFAULT_STORAGE_LEASE_MS : Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            return DEFAULT_STORAGE_LEASE_MS;
        }
    }

    private static String serviceAccount() {
        return System.getProperty("user.name");
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
}
