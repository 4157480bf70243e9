package org.hasm.health.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.hasm.health.internal.RestartPolicy.Decision;
import org.hasm.spi.Call;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaController;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.events.EventJournal;
import org.hasm.spi.health.HealthProbe;
import org.hasm.spi.health.ModuleControl;
import org.hasm.spi.node.Node;
import org.hasm.spi.storage.VolumeManager;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * LHM, the local health monitor. It watches the controller's events: a service whose call failed or
 * overran, or that panicked, is restarted through {@link ModuleControl} after a back-off, and disabled
 * when it keeps failing ({@link RestartPolicy}); a HASM module's failure makes the SCM reboot (RESET:
 * it tells the peer it leaves, and the peer serves its personality meanwhile), and when that repeats
 * across reboots ({@link RebootLog}, in the data folder) the SCM stays in MONITOR: this module's own
 * {@code test} fails at every boot until an operator resets the SCM. Every check interval it checks
 * the JVM and the host ({@link HostChecks}) and each module's {@link HealthProbe}, posting
 * {@value Topics#PROBLEM} and {@value Topics#RECOVERED} when a finding changes, and every wellness
 * interval {@value Topics#WELLNESS}.
 *
 * <p>It watches from activation to deactivation, whatever the SCM's state, so that it still sees the
 * failures that brought the SCM to MONITOR. Everything it decides runs on its one thread
 * ({@code hasm-health}): the policy, the reboot log and the findings are confined to it; probes run on
 * threads of their own ({@code hasm-health-probe-N}) so that a hung probe is only a failed one.
 */
@Component(service = {HaModule.class, EventHandler.class}, configurationPid = HealthMonitor.PID,
        property = {
            EventConstants.EVENT_TOPIC + "=" + HaController.TOPIC_CALL_PREFIX + "FAILED",
            EventConstants.EVENT_TOPIC + "=" + HaController.TOPIC_CALL_PREFIX + "TIMED_OUT",
            EventConstants.EVENT_TOPIC + "=" + Topics.PANIC
        })
@HaModuleProperties(name = HealthMonitor.NAME, tier = Tier.HASM, rank = 1000)
@Designate(ocd = HealthConfig.class)
public class HealthMonitor implements HaModule, EventHandler {
    static final String PID = "org.hasm.health";
    static final String NAME = "health";
    /** How this module's RESETs begin their reason: a boot with another RESET reason was an operator's. */
    static final String REBOOT_REASON = "health: ";

    private final Logger log;
    private final Node node;
    private final Limits limits;
    private final RebootLog reboots;
    private final HostChecks checks;
    private final ScheduledExecutorService thread;
    private final ExecutorService probes;
    private final long started = System.currentTimeMillis();
    // hasm-health thread only
    private final RestartPolicy policy;
    // hasm-health thread only: the problem each check or probe reported last, by check name
    private final Map<String, String> problems = new LinkedHashMap<>();
    // hasm-health thread only: the probe still running for a module, by module name
    private final Map<String, Future<String>> probing = new HashMap<>();
    // hasm-health thread only: the figures of the last checks
    private Map<String, Object> figures = Map.of();

    // The controller and its module control, looked up when used rather than injected: the controller
    // binds every HaModule, this one among them, so an injected reference to it is a cycle, which SCR
    // may leave unbound for good ("Could not get service from ref"): nothing would ever be restarted.
    private final org.osgi.util.tracker.ServiceTracker<HaController, HaController> controllers;
    private final org.osgi.util.tracker.ServiceTracker<ModuleControl, ModuleControl> controls;
    // guarded by this
    private boolean trackersOpen;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventAdmin events;

    // the event log, when it runs: hasm's events go to it straight, not only through Event Admin's delivery
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventJournal eventJournal;

    // the storage module: where the shared storage is, whose free space the host checks watch
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile VolumeManager storage;

    // the probes by module name; SCR writes it (dynamic), the hasm-health thread reads it
    private final Map<String, HealthProbe> probeServices = new java.util.concurrent.ConcurrentHashMap<>();

    @Activate
    public HealthMonitor(HealthConfig config, @Reference Node node,
            @Reference(name = "logger", service = LoggerFactory.class) Logger log,
            org.osgi.framework.BundleContext context) {
        this.controllers = new org.osgi.util.tracker.ServiceTracker<>(context, HaController.class, null);
        this.controls = new org.osgi.util.tracker.ServiceTracker<>(context, ModuleControl.class, null);
        this.log = log;
        this.node = node;
        this.limits = Limits.of(config);
        this.reboots = new RebootLog(node.dataDir().resolve("health"));
        this.checks = new HostChecks(limits);
        this.policy = new RestartPolicy(limits);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "hasm-health"));
        AtomicInteger n = new AtomicInteger();
        this.probes = new ThreadPoolExecutor(0, 64, 30, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
                r -> daemon(r, "hasm-health-probe-" + n.incrementAndGet()));
        thread.scheduleWithFixedDelay(this::check, limits.checkIntervalMs(), limits.checkIntervalMs(),
                TimeUnit.MILLISECONDS);
        if (limits.wellnessIntervalMs() > 0) {
            thread.scheduleWithFixedDelay(this::wellness, limits.wellnessIntervalMs(), limits.wellnessIntervalMs(),
                    TimeUnit.MILLISECONDS);
        }
        log.debug("health monitor active: " + limits);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addProbe(HealthProbe probe, Map<String, Object> properties) {
        Object name = properties.get(HaModule.MODULE_NAME);
        if (name == null) {
            log.warn("a health probe without " + HaModule.MODULE_NAME + " (service.id "
                    + properties.get("service.id") + ") is ignored: it does not say which module it checks");
            return;
        }
        probeServices.put(String.valueOf(name), probe);
    }

    void removeProbe(HealthProbe probe, Map<String, Object> properties) {
        Object name = properties.get(HaModule.MODULE_NAME);
        if (name != null) {
            probeServices.remove(String.valueOf(name), probe);
        }
    }

    /* Opened at first use, never during activation: getting the controller there is the very cycle. */
    private synchronized void openTrackers() {
        if (!trackersOpen) {
            controllers.open();
            controls.open();
            trackersOpen = true;
        }
    }

    private HaController controller() {
        openTrackers();
        return controllers.getService();
    }

    private ModuleControl control() {
        openTrackers();
        return controls.getService();
    }

    @Deactivate
    void deactivate() {
        thread.shutdownNow();
        probes.shutdownNow();
        controllers.close();
        controls.close();
        try {
            if (!thread.awaitTermination(2, TimeUnit.SECONDS)) {
                log.warn("the health monitor's thread did not end within 2 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.debug("health monitor stopped");
    }

    // ---- the module ----

    @Override
    public void init(HaContext context) {
        // it watches from activation; nothing to allocate per boot
    }

    /** Fails while the SCM is disabled for a fault that repeated across reboots: the boot ends in MONITOR. */
    @Override
    public void test() throws HaException {
        try {
            String disabled = reboots.disabled();
            if (disabled == null) {
                return;
            }
            HaController c = controller();
            String boot = c == null ? null : c.reason();
            if (operatorReset(boot)) {
                reboots.clear();
                log.warn("SCM " + node.scm() + " enabled again by the operator's reset (" + boot + "); it had been"
                        + " disabled: " + disabled);
                post(Topics.SCM_ENABLED, Map.of("reason", boot));
                return;
            }
            throw new HaException("SCM disabled by the health monitor: " + disabled + "; reset it (hasmctl reset)"
                    + " once the cause is found (" + reboots.file() + ")");
        } catch (IOException e) {
            throw new HaException("the health monitor cannot read " + reboots.file() + ": " + e, e);
        }
    }

    /**
     * @param boot the controller's reason during BOOT
     * @return whether this boot follows a RESET that neither this monitor nor a HASM module's panic made:
     *     an operator's (a power-on has no RESET reason)
     */
    static boolean operatorReset(String boot) {
        return boot != null && boot.startsWith("RESET: ") && !boot.startsWith("RESET: " + REBOOT_REASON)
                && !boot.startsWith("RESET: HASM module ");
    }

    @Override
    public void opMode(OpMode mode, SysConfig config) {
        // it serves nothing: its watch does not depend on the role
    }

    @Override
    public void stop() {
    }

    @Override
    public void shutDown() {
    }

    // ---- what the controller reports ----

    @Override
    public void handleEvent(Event event) {
        String module = (String) event.getProperty("module");
        if (module == null || NAME.equals(module)) {
            return; // its own test failing is how it keeps the SCM in MONITOR
        }
        String topic = event.getTopic();
        String what;
        boolean panic = Topics.PANIC.equals(topic);
        if (panic) {
            what = "panic: " + event.getProperty("reason");
        } else {
            String call = String.valueOf(event.getProperty("call"));
            if (Call.STOP.name().equals(call) || Call.SHUTDOWN.name().equals(call)) {
                return; // it is letting go already; a restart would not make it let go better
            }
            Object mode = event.getProperty("opMode");
            what = call + (mode == null ? "" : "(" + mode + ", " + event.getProperty("sysConfig") + ")") + " "
                    + topic.substring(topic.lastIndexOf('/') + 1) + (event.getProperty("error") == null ? ""
                    : ": " + event.getProperty("error"));
        }
        submit(() -> failed(module, what, panic ? Cause.PANIC : Cause.CALL));
    }

    /** How a module was found failing. */
    enum Cause {
        /** a call returned FAILED or overran its deadline: the controller's status says so */
        CALL,
        /** it panicked through its context, maybe while a call was still in it */
        PANIC,
        /** its health probe found a problem (or did not answer) while the controller sees it ACTIVE */
        PROBE
    }

    /**
     * Whether a restart scheduled for a failure is still wanted when its time comes: a failed call that
     * the module got over by itself (a later call passed) is not restarted; a panic or a failed probe
     * is, whatever the status says (the status does not show them); a disabled module never is.
     */
    static boolean stillWanted(ModuleInfo info, Cause cause) {
        if (String.valueOf(info.lastError()).startsWith(ModuleControl.DISABLED)) {
            return false;
        }
        return cause != Cause.CALL || info.status() == ModuleStatus.FAILED || info.status() == ModuleStatus.TIMED_OUT;
    }

    /* hasm-health thread */
    private void failed(String module, String what, Cause cause) {
        boolean panic = cause == Cause.PANIC;
        ModuleInfo info = info(module);
        if (info == null) {
            return;
        }
        // the window is this process's own: timed on the monotonic clock, which no clock step moves
        Decision d = policy.failed(module, info.tier() == Tier.HASM, what, TimeUnit.NANOSECONDS.toMillis(System.nanoTime()));
        if (d instanceof Decision.Restart r) {
            log.warn("module " + module + " failed (" + what + "): restart in " + r.delayMs() + " ms (failure "
                    + r.failures() + " of " + limits.restartFailuresMax() + " in the window)");
            post(Topics.RESTART, Map.of("module", module, "reason", what, "delayMs", r.delayMs(),
                    "failures", r.failures()));
            schedule(() -> restart(module, what, cause, 0), r.delayMs());
        } else if (d instanceof Decision.Disable x) {
            disable(module, x.reason(), 0);
        } else if (d instanceof Decision.Reboot b) {
            // a HASM module's panic resets the SCM by itself; a failed call left it in MONITOR, a probe in service
            reboot(b.reason(), panic);
        }
    }

    /** Tries a bounded number of times while the module is still in a call (a hung call returns late, or never). */
    private static final int MAX_TRIES = 100;

    /* hasm-health thread */
    private void restart(String module, String what, Cause cause, int tries) {
        ModuleInfo info = info(module);
        if (info == null) {
            return;
        }
        if (!stillWanted(info, cause)) {
            log.info("module " + module + " is " + info.status() + " again by itself: no restart");
            return;
        }
        if (!serving()) {
            log.info("module " + module + " not restarted: the SCM is " + state() + "; its next boot starts it");
            return;
        }
        ModuleControl mc = control();
        try {
            if (mc == null) {
                throw new IllegalStateException("the controller's module control is not available");
            }
            mc.restart(module, REBOOT_REASON + what);
        } catch (IllegalStateException e) {
            if (info(module) != null && info(module).inCallSince() != null && tries < MAX_TRIES) {
                // hung in its call: the controller brings it on when it returns; look again later
                schedule(() -> restart(module, what, cause, tries + 1), limits.checkIntervalMs());
            } else {
                log.warn("module " + module + " not restarted: " + e.getMessage());
            }
        } catch (IllegalArgumentException e) {
            log.info("module " + module + " left: " + e.getMessage());
        }
    }

    /* hasm-health thread */
    private void disable(String module, String reason, int tries) {
        ModuleControl mc = control();
        try {
            if (mc == null) {
                throw new IllegalStateException("the controller's module control is not available");
            }
            mc.disable(module, reason);
            log.error("module " + module + " disabled: " + reason);
            post(Topics.DISABLE, Map.of("module", module, "reason", reason));
        } catch (IllegalStateException e) {
            ModuleInfo info = info(module);
            if (info != null && info.inCallSince() != null && tries < MAX_TRIES) {
                schedule(() -> disable(module, reason, tries + 1), limits.checkIntervalMs());
            } else {
                log.error("module " + module + " could not be disabled (" + reason + "): " + e.getMessage());
            }
        } catch (IllegalArgumentException e) {
            log.info("module " + module + " left: " + e.getMessage());
        }
    }

    /* hasm-health thread */
    private void reboot(String reason, boolean resetting) {
        long now = System.currentTimeMillis();
        try {
            if (reboots.disabled() != null) {
                return; // disabled already: the SCM stays in MONITOR until the operator resets it
            }
            List<RebootLog.Entry> recent = reboots.recent(now, limits.rebootWindowMs());
            if (recent.size() >= limits.rebootMax()) {
                String why = reason + " (" + (recent.size() + 1) + " times within " + limits.rebootWindowMs() / 1000
                        + " s; first: " + recent.get(0).reason() + ")";
                reboots.disable(now, why);
                log.error("SCM " + node.scm() + " disabled: " + why + "; it stays in MONITOR until an operator resets it");
                post(Topics.SCM_DISABLED, Map.of("reason", why));
                HaController c = controller();
                if (!resetting && c != null && c.state() != ScmState.MONITOR) {
                    c.reset(REBOOT_REASON + "disabling the SCM: " + why); // the boot's test leaves it in MONITOR
                }
                return;
            }
            reboots.reboot(now, limits.rebootWindowMs(), reason);
        } catch (IOException e) {
            log.error("the health monitor cannot write " + reboots.file() + " (" + e + "); rebooting all the same");
        }
        log.error("SCM " + node.scm() + " reboots: " + reason);
        post(Topics.REBOOT, Map.of("reason", reason));
        HaController c = controller();
        if (!resetting && c != null) {
            try {
                c.reset(REBOOT_REASON + reason);
            } catch (IllegalStateException e) {
                log.error("SCM " + node.scm() + " cannot reboot: " + e.getMessage());
            }
        }
    }

    // ---- checks ----

    /* hasm-health thread */
    private void check() {
        Map<String, Object> now = new LinkedHashMap<>();
        for (HostChecks.Finding f : checks.run(folders())) {
            now.putAll(f.figures());
            finding(f.check(), f.problem());
        }
        figures = now;
        if (serving()) {
            probeModules();
        }
    }

    private Map<String, Path> folders() {
        Map<String, Path> folders = new LinkedHashMap<>();
        folders.put("data", node.dataDir());
        VolumeManager s = storage;
        Path shared = s == null ? null : s.sharedFolder();
        if (shared != null) {
            folders.put("shared", shared);
        }
        return folders;
    }

    /* hasm-health thread: posts a finding that appears or goes; the wellness event shows it while it lasts */
    private void finding(String check, String problem) {
        String before = problems.get(check);
        if (problem != null) {
            problems.put(check, problem); // the figures in it change with every check: said once, shown current
            if (before == null) {
                log.warn("health: " + problem);
                post(Topics.PROBLEM, Map.of("check", check, "problem", problem));
            }
        } else if (before != null) {
            problems.remove(check);
            log.info("health: " + check + " is fine again (was: " + before + ")");
            post(Topics.RECOVERED, Map.of("check", check, "was", before));
        }
    }

    /* hasm-health thread */
    private void probeModules() {
        HaController c = controller();
        if (c == null) {
            return;
        }
        for (ModuleInfo info : c.modules()) {
            HealthProbe probe = probeServices.get(info.name());
            if (probe == null || info.status() != ModuleStatus.ACTIVE || NAME.equals(info.name())) {
                continue;
            }
            String check = "probe." + info.name();
            Future<String> running = probing.get(info.name());
            if (running != null && !running.isDone()) {
                continue; // its deadline passed before: counted then
            }
            String problem;
            try {
                Future<String> f = probes.submit(probe::probe);
                probing.put(info.name(), f);
                problem = f.get(limits.probeDeadlineMs(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                problem = "its health probe did not answer within " + limits.probeDeadlineMs() + " ms";
            } catch (java.util.concurrent.ExecutionException e) {
                problem = "its health probe threw " + e.getCause();
            } catch (RejectedExecutionException e) {
                problem = "its health probe could not be started (" + e.getMessage() + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            finding(check, problem == null ? null : "module " + info.name() + ": " + problem);
            if (problem != null) {
                failed(info.name(), "probe: " + problem, Cause.PROBE);
            }
        }
    }

    /* hasm-health thread */
    private void wellness() {
        Map<String, Object> props = new LinkedHashMap<>(figures);
        HaController c = controller();
        props.put("state", state());
        props.put("problems", problems.size());
        if (!problems.isEmpty()) {
            props.put("problem", String.join("; ", problems.values()));
        }
        if (c != null) {
            List<ModuleInfo> modules = c.modules();
            props.put("modules", modules.size());
            props.put("modulesFailed", modules.stream().filter(m -> m.status() == ModuleStatus.FAILED
                    || m.status() == ModuleStatus.TIMED_OUT).count());
        }
        props.put("uptimeMs", ManagementFactory.getRuntimeMXBean().getUptime());
        props.put("monitorSinceMs", System.currentTimeMillis() - started);
        post(Topics.WELLNESS, props);
    }

    // ---- helpers ----

    private ModuleInfo info(String module) {
        HaController c = controller();
        if (c == null) {
            return null;
        }
        return c.modules().stream().filter(m -> m.name().equals(module)
                && m.status() != ModuleStatus.CONFLICT && m.status() != ModuleStatus.INVALID).findFirst().orElse(null);
    }

    private String state() {
        HaController c = controller();
        return c == null ? "unknown" : String.valueOf(c.state());
    }

    private boolean serving() {
        HaController c = controller();
        ScmState s = c == null ? null : c.state();
        return s == ScmState.INIT || s == ScmState.DAC || s == ScmState.DEGRADED;
    }

    private void post(String topic, Map<String, ?> properties) {
        Map<String, Object> props = new HashMap<>(properties);
        props.put("scm", node.scm());
        Map<String, Object> posted = EventJournal.journaled(eventJournal, topic, props);
        EventAdmin ea = events;
        if (ea != null) {
            ea.postEvent(new Event(topic, posted));
        }
    }

    private void submit(Runnable task) {
        try {
            thread.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            log.debug("health monitor stopping: an event is not acted on");
        }
    }

    private void schedule(Runnable task, long delayMs) {
        try {
            thread.schedule(guarded(task), delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("health monitor stopping: a restart is not scheduled");
        }
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // one bad turn must not end the one thread that watches
                log.error("health monitor: " + e, e);
            }
        };
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
