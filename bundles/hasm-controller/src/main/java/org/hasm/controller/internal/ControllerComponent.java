package org.hasm.controller.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.HaController;
import org.hasm.spi.config.PairConfiguration;
import org.hasm.spi.HaModule;
import org.hasm.spi.MasterAdmin;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.events.EventJournal;
import org.hasm.spi.node.Node;
import org.hasm.spi.node.NodeListener;
import org.hasm.spi.peer.LinkHandler;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.peer.PeerListener;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.peer.StatusMonitor;
import org.hasm.spi.storage.StorageListener;
import org.hasm.spi.storage.VolumeManager;
import org.hasm.spi.storage.VolumeProblem;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * HASC on OSGi: tracks the {@link HaModule} whiteboard, feeds it to the {@link Scm} core and
 * registers the {@link HaController} view. Starts last and stops first (its start level is the
 * highest of the hasm bundles), so its deactivation runs SHUTDOWN while every module is still there.
 * As a {@link StorageListener} it learns what keeps this SCM's volumes from being served; as a
 * {@link NodeListener}, that a configuration changed while the SCM runs is wrong (MONITOR, naming
 * the file, the key and the reason). Its identity and the personalities come from the {@link Node}.
 */
@Component(service = {HaController.class, PeerListener.class, LinkHandler.class, StorageListener.class,
        NodeListener.class},
        immediate = true, configurationPid = ControllerComponent.PID,
        property = LinkHandler.SERVICE + "=" + ControllerComponent.LINK_SERVICE)
@Designate(ocd = ControllerConfig.class)
public class ControllerComponent implements HaController, PeerListener, LinkHandler, StorageListener, NodeListener {
    static final String PID = "org.hasm.controller";
    /** The link service the controllers of the pair talk on. */
    static final String LINK_SERVICE = "controller";
    /** Framework property: the test-only switches (with {@link #PROP_WIRE_NEXT}). */
    static final String PROP_FAULTS = "hasm.faults.enabled";
    /**
     * Framework property, test only (honoured with {@code hasm.faults.enabled=true}): this SCM stands in
     * for the next release, as the node's codecs do (wire version {@code CURRENT + 1}, extension fields
     * of their own): GETSTATE answers carry a field this release does not know.
     */
    static final String PROP_WIRE_NEXT = "hasm.faults.wire.next";

    /** Framework property, set by the launcher: where this SCM's admin API listens, {@code http(s)://HOST:PORT}. */
    static final String PROP_ADMIN_URL = "hasm.admin.url";
    /** Framework property, set by the launcher with https: the SHA-256 (hex) of the admin API's certificate. */
    static final String PROP_ADMIN_CERTIFICATE = "hasm.admin.certificate";

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Reference(service = LoggerFactory.class)
    private Logger log;

    @Reference
    private Node node;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventAdmin eventAdmin;

    // the event log, when it runs: hasm's events go to it straight, not only through Event Admin's delivery
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventJournal eventJournal;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PeerLink link;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile StatusMonitor statusMonitor;

    private final PeerPort peerPort = new PeerPort() {
        @Override
        public byte[] request(byte[] payload, Duration timeout) throws IOException {
            PeerLink l = link;
            if (l == null) {
                throw new IOException("the link module is not running");
            }
            return l.request(LINK_SERVICE, payload, timeout);
        }

        @Override
        public void send(byte[] payload) throws IOException {
            PeerLink l = link;
            if (l == null) {
                throw new IOException("the link module is not running");
            }
            l.send(LINK_SERVICE, payload);
        }

        @Override
        public long peerIncarnation() {
            StatusMonitor sm = statusMonitor;
            return sm == null ? 0 : sm.peer().incarnation();
        }
    };

    // Modules bound before activation wait here; guarded by this.
    private final Map<Long, ModuleEntry> early = new LinkedHashMap<>();
    private volatile Scm scm;
    /** The configuration as it is now; SCR writes it (activate, modified), the controller thread reads it at every boot. */
    private volatile ControllerConfig config;

    private final Sink sink = new Sink() {
        @Override
        public void debug(String message) {
            log.debug(message);
        }

        @Override
        public void info(String message) {
            log.info(message);
        }

        @Override
        public void warn(String message) {
            log.warn(message);
        }

        @Override
        public void error(String message, Throwable t) {
            if (t == null) {
                log.error(message);
            } else {
                log.error(message, t);
            }
        }

        @Override
        public void post(String topic, Map<String, Object> properties) {
            Map<String, Object> posted = EventJournal.journaled(eventJournal, topic, properties);
            EventAdmin ea = eventAdmin;
            if (ea != null) {
                ea.postEvent(new Event(topic, posted));
            }
        }
    };

    /** The pair's configuration (CTCM), when installed: its fingerprint goes into GETSTATE. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PairConfiguration pairConfiguration;
    // the rolling upgrade's conductor; written in activate and deactivate
    private volatile Upgrader upgrader;
    // the shared storage's folder as the storage module last said it (sharedDir); written in activate
    private volatile SharedFolder shared;

    @Activate
    void activate(ControllerConfig config, BundleContext context) {
        this.config = config;
        Settings settings = settings(config);
        Scm core = new Scm(settings, sink, () -> settings(this.config), node::timing);
        core.peerPort(peerPort);
        core.configFingerprint(() -> {
            PairConfiguration pc = pairConfiguration;
            return pc == null ? null : pc.fingerprint().toString();
        });
        // the launcher says where the admin API listens: the peer learns it in GETSTATE, to redirect commands here
        core.admin(blankToNull(context.getProperty(PROP_ADMIN_URL)), blankToNull(context.getProperty(PROP_ADMIN_CERTIFICATE)));
        // the controller's own version is hasm's: the peer learns it from every message, the status shows both
        core.version(context.getBundle().getVersion().toString());
        // started by systemd (Type=notify): readiness, status and the watchdog go through the launcher
        ServiceManager systemd = ServiceManager.find(context);
        if (systemd != null) {
            core.serviceManager(systemd);
            log.info("systemd is told of this SCM's readiness and state" + (systemd.watchdogUsec() > 0
                    ? "; its watchdog is pinged every " + systemd.watchdogUsec() / 2_000 + " ms" : ""));
        }
        if ("true".equals(context.getProperty(PROP_FAULTS)) && "true".equals(context.getProperty(PROP_WIRE_NEXT))) {
            // test only: GETSTATE carries a field this release does not know, as a next release's would
            core.extraStateFields(Map.of("next", "a field of the next release"));
            log.warn("test only (" + PROP_WIRE_NEXT + "): GETSTATE answers carry a field of the next release");
        }
        shared = new SharedFolder(node.dataDir(), log::warn);
        Upgrader up = new Upgrader(core, context, () -> sharedDir(context), sink,
                () -> Duration.ofMillis(this.config.upgrade_step_timeout_ms()),
                () -> Duration.ofMillis(this.config.upgrade_dwell_ms()), Duration.ofMillis(100));
        upgrader = up;
        List<ModuleEntry> pending;
        synchronized (this) {
            scm = core;
            pending = new ArrayList<>(early.values());
            early.clear();
        }
        pending.forEach(core::added);
        log.info("controller of SCM " + settings.scm() + " (" + settings.role() + ") starting with " + pending.size()
                + " modules");
        core.start();
        up.start();
    }

    /*
     * The shared storage's folder, where the upgrade keeps its plan and jars: both SCMs see the same folder.
     * The storage module validated it and says where it is (VolumeManager), asked at each use; while that
     * module is away (a rolling upgrade updating the storage bundle itself), the last folder it said, in this
     * process or an earlier one (SharedFolder). Any thread.
     */
    private java.nio.file.Path sharedDir(BundleContext context) {
        ServiceReference<VolumeManager> ref = context.getServiceReference(VolumeManager.class);
        VolumeManager storage = ref == null ? null : context.getService(ref);
        if (storage == null) {
            return shared.current(null);
        }
        try {
            return shared.current(storage.sharedFolder());
        } finally {
            context.ungetService(ref);
        }
    }

    /** @return the core, for the other components of this bundle ({@link ModuleControlComponent}); null before activation */
    Scm core() {
        return scm;
    }

    @Modified
    void modified(ControllerConfig config) {
        this.config = config;
        log.debug("configuration " + PID + " modified");
        scm.reconfigured();
    }

    @Deactivate
    void deactivate() {
        Upgrader up = upgrader;
        if (up != null) {
            up.close();
        }
        Scm core = scm;
        if (core != null) {
            core.close();
        }
    }

    // ---- the whiteboard ----

    @Reference(service = HaModule.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeModule", updated = "updatedModule")
    void addModule(HaModule module, ServiceReference<HaModule> ref) {
        ModuleEntry entry = new ModuleEntry(serviceId(ref), module, ref.getBundle().getSymbolicName(),
                ref.getBundle().getVersion().toString(), ModuleProperties.parse(properties(ref), fallbackName(ref)));
        Scm core;
        synchronized (this) {
            core = scm;
            if (core == null) {
                early.put(entry.serviceId, entry);
                return;
            }
        }
        core.added(entry);
    }

    void updatedModule(ServiceReference<HaModule> ref) {
        ModuleProperties props = ModuleProperties.parse(properties(ref), fallbackName(ref));
        Scm core;
        synchronized (this) {
            core = scm;
            if (core == null) {
                ModuleEntry e = early.get(serviceId(ref));
                if (e != null) {
                    early.put(e.serviceId, new ModuleEntry(e.serviceId, e.module, e.bundle, e.version, props));
                }
                return;
            }
        }
        core.modified(serviceId(ref), props);
    }

    void removeModule(ServiceReference<HaModule> ref) {
        Scm core;
        synchronized (this) {
            core = scm;
            if (core == null) {
                early.remove(serviceId(ref));
                return;
            }
        }
        core.removed(serviceId(ref));
    }

    private static long serviceId(ServiceReference<?> ref) {
        return (Long) ref.getProperty(Constants.SERVICE_ID);
    }

    private static String fallbackName(ServiceReference<?> ref) {
        return ref.getBundle().getSymbolicName() + "#" + ref.getProperty(Constants.SERVICE_ID);
    }

    private static Map<String, Object> properties(ServiceReference<?> ref) {
        Map<String, Object> map = new HashMap<>();
        for (String key : ref.getPropertyKeys()) {
            map.put(key, ref.getProperty(key));
        }
        return map;
    }

    // ---- configuration ----

    private Settings settings(ControllerConfig config) {
        List<String> problems = new ArrayList<>();
        String name = node.scm() == null ? "unnamed" : node.scm();
        OpMode role = node.configuredRole() == null ? OpMode.MASTER : node.configuredRole();
        Map<Call, Duration> deadlines = deadlines(config, problems);
        Duration maxDeadline = maxDeadline(config, deadlines, problems);
        Duration initTimeout = positive("init.peer.timeout.ms", config.init_peer_timeout_ms(), problems);
        Duration readyRetry = positive("init.ready.retry.ms", config.init_ready_retry_ms(), problems);
        upgradeTiming(config.upgrade_step_timeout_ms(), config.upgrade_dwell_ms(), problems);
        int journalSize = config.journal_size();
        if (journalSize < 10) {
            problems.add(PID + ": journal.size=" + journalSize + " must be at least 10");
            journalSize = 10;
        }
        // checked by the node (its init fails on a personality that is wrong): what is left is sound
        List<Personality> personalities = node.personalities();
        return new Settings(name, role, node.peer(), deadlines, maxDeadline, initTimeout, readyRetry, journalSize,
                personalities, problems, failback(config, problems));
    }

    private static FailbackPolicy failback(ControllerConfig config, List<String> problems) {
        String policy = config.failback_policy() == null ? "" : config.failback_policy().strip().toLowerCase(java.util.Locale.ROOT);
        switch (policy) {
            case "automatic":
                return FailbackPolicy.AUTOMATIC;
            case "manual":
                return new FailbackPolicy(FailbackPolicy.Kind.MANUAL, Duration.ZERO);
            case "delay":
                return new FailbackPolicy(FailbackPolicy.Kind.DELAY, positive("failback.delay.ms",
                        config.failback_delay_ms(), problems));
            default:
                problems.add(PID + ": failback.policy=" + config.failback_policy()
                        + " is not a failback policy (automatic, manual or delay)");
                return FailbackPolicy.AUTOMATIC;
        }
    }

    /** @return deadline.max.ms; a deadline above it is a problem (also what {@link ControllerCheck} reports) */
    static Duration maxDeadline(ControllerConfig config, Map<Call, Duration> deadlines, List<String> problems) {
        Duration maxDeadline = positive("deadline.max.ms", config.deadline_max_ms(), problems);
        deadlines.forEach((call, d) -> {
            if (d.compareTo(maxDeadline) > 0) {
                problems.add(PID + ": deadline." + call.name().toLowerCase(java.util.Locale.ROOT) + ".ms=" + d.toMillis()
                        + " is above deadline.max.ms=" + maxDeadline.toMillis());
            }
        });
        return maxDeadline;
    }

    /**
     * A rolling upgrade's two timings agree: a rejoin waits for the dwell (up to twice it, whatever the
     * clocks say) within its step's deadline, so a dwell of half the step timeout or more would fail every
     * upgrade at its first rejoin and roll it back (also what {@link ControllerCheck} reports).
     */
    static void upgradeTiming(long stepTimeoutMs, long dwellMs, List<String> problems) {
        if (dwellMs < 0) {
            problems.add(PID + ": upgrade.dwell.ms=" + dwellMs + " must be 0 or more milliseconds");
        } else if (stepTimeoutMs / 2 <= dwellMs) {
            problems.add(PID + ": upgrade.dwell.ms=" + dwellMs + " must be below half of upgrade.step.timeout.ms="
                    + stepTimeoutMs + ": a rejoin waits up to twice the dwell within its step's deadline, so every"
                    + " upgrade would roll back at its first rejoin");
        }
    }

    static Map<Call, Duration> deadlines(ControllerConfig config, List<String> problems) {
        Map<Call, Duration> d = new EnumMap<>(Call.class);
        d.put(Call.INIT, positive("deadline.init.ms", config.deadline_init_ms(), problems));
        d.put(Call.TEST, positive("deadline.test.ms", config.deadline_test_ms(), problems));
        d.put(Call.OPMODE, positive("deadline.opmode.ms", config.deadline_opmode_ms(), problems));
        d.put(Call.STOP, positive("deadline.stop.ms", config.deadline_stop_ms(), problems));
        d.put(Call.SHUTDOWN, positive("deadline.shutdown.ms", config.deadline_shutdown_ms(), problems));
        return d;
    }

    private static Duration positive(String key, long millis, List<String> problems) {
        if (millis <= 0) {
            problems.add(PID + ": " + key + "=" + millis + " must be a positive number of milliseconds");
            return Duration.ofSeconds(10);
        }
        return Duration.ofMillis(millis);
    }

    // ---- HaController ----

    @Override
    public String scm() {
        return scm.settings().scm();
    }

    @Override
    public OpMode configuredRole() {
        return scm.settings().role();
    }

    @Override
    public ScmState state() {
        return scm.snapshot().state();
    }

    @Override
    public OpMode opMode() {
        return scm.snapshot().opMode();
    }

    @Override
    public SysConfig sysConfig() {
        return scm.snapshot().sysConfig();
    }

    @Override
    public String reason() {
        return scm.snapshot().reason();
    }

    @Override
    public java.time.Instant since() {
        return scm.snapshot().since();
    }

    @Override
    public List<Personality> personalities() {
        return scm.personalities();
    }

    @Override
    public List<Personality> pairPersonalities() {
        return scm.settings().personalities();
    }

    @Override
    public List<ModuleInfo> modules() {
        return scm.modules();
    }

    @Override
    public List<CallRecord> journal(long afterSequence) {
        return scm.journal(afterSequence);
    }

    @Override
    public void reset(String reason) {
        scm.reset(reason);
    }

    @Override
    public void surrender(String reason) {
        scm.surrender(reason);
    }

    @Override
    public void shutdown(String reason) {
        scm.requestShutdown(reason);
    }

    @Override
    public org.hasm.spi.UpgradeView upgrade(String jar, String reason) {
        return upgrader.begin(jar, reason);
    }

    @Override
    public org.hasm.spi.UpgradeView upgrade(String path, String reason, boolean swapBack) {
        return upgrader.begin(path, reason, swapBack);
    }

    @Override
    public org.hasm.spi.UpgradeView upgrade() {
        return upgrader.view();
    }

    @Override
    public void upgradeResume(String reason) {
        upgrader.resume(reason);
    }

    @Override
    public void upgradeAbort(String reason) {
        upgrader.abort(reason);
    }

    @Override
    public String version() {
        return scm.versions().own();
    }

    @Override
    public String peerVersion() {
        PairVersions.Heard heard = scm.versions().peer();
        return heard == null ? null : heard.version();
    }

    @Override
    public MasterAdmin master() {
        return scm.master();
    }

    @Override
    public void peerCommand(String peer, String command, String reason) {
        scm.peerCommand(peer, command, reason);
    }

    @Override
    public void move(String personality, String reason) {
        scm.move(personality, reason);
    }

    @Override
    public void standby(String name, String reason) {
        scm.standby(name, reason);
    }

    @Override
    public void unstandby(String name, String reason) {
        scm.unstandby(name, reason);
    }

    @Override
    public void failback(String reason) {
        scm.failback(reason);
    }

    @Override
    public void maintenance(boolean on, String reason) {
        scm.maintenance(on, reason);
    }

    @Override
    public boolean maintenance() {
        return scm.machine().admin().maintenance();
    }

    @Override
    public boolean standby() {
        return scm.machine().admin().standby();
    }

    @Override
    public String failbackPolicy() {
        return scm.settings().failback().describe();
    }

    // ---- the peer ----

    @Override
    public void peerChanged(PeerView peer) {
        Scm core = scm;
        if (core != null) {
            core.peerChanged(peer.alive(), peer.state(), peer.opMode(), peer.configuredRole(), peer.incarnation(),
                    peer.verdict().stopped(), why(peer), peer.lastHeard());
        }
    }

    /** @return e.g. "scm-b is dead (FENCED), last heard 2026-...Z"; the status monitor's log says more */
    private static String why(PeerView peer) {
        String verdict = peer.verdict().name();
        return peer.scm() + (peer.alive() ? " is alive (" : " is dead (") + verdict + ")" + (peer.lastHeard() == null
                ? ", never heard" : ", last heard " + peer.lastHeard().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    // ---- the node ----

    @Override
    public void problemsChanged(List<String> problems) {
        Scm core = scm;
        if (core != null && !problems.isEmpty()) {
            core.configurationWrong(problems);
        }
    }

    @Override
    public void personalitiesChanged(List<Personality> personalities) {
        Scm core = scm;
        if (core != null) {
            core.reconfigured();
        }
    }

    // ---- the storage ----

    @Override
    public void storageChanged(List<VolumeProblem> problems) {
        Scm core = scm;
        if (core != null) {
            core.storageChanged(StorageView.of(problems, core.settings().all()));
        }
    }

    @Override
    public byte[] handle(byte[] payload) throws Exception {
        Scm core = scm;
        if (core == null) {
            throw new IllegalStateException("the controller is not running");
        }
        return core.onPeerMessage(payload);
    }
}
