package org.hasm.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Runs a {@link Plan} in Felix until the framework stops.
 *
 * <ol>
 * <li>init the framework (its storage is emptied), install every bundle with its start level,
 *     resolve them all: one that does not resolve stops the launch before anything started;</li>
 * <li>start the framework at level 1 (logging, Configuration Admin, Declarative Services);</li>
 * <li>apply the configurations, so no module or service ever runs unconfigured;</li>
 * <li>raise the start level to the node bundle's: the node checks every configuration against
 *     its bundles' metatype and their own checks (the code their activation runs), while nothing
 *     that needs the node is active yet; anything wrong is one line each naming the file and the
 *     key, and exit 2, with nothing started (the controller, above, checks its own keys as it
 *     activates: a problem there is MONITOR with the key named);</li>
 * <li>raise the start level to the top: modules and services, then the controller, then the
 *     deploy folder watcher; a bundle that does not start stops the SCM (exit 3). The controller
 *     must start after the modules' bundles: started before the node's gate opened, it activated in
 *     the same burst as the modules and some bound it before it had them;</li>
 * <li>wait for the framework to stop.</li>
 * </ol>
 *
 * <p>{@code hasm check} ({@link #check()}) goes as far as the node's check and stops, with every bundle
 * started (the gate never opens, so nothing activates that needs the node) so that the controller's
 * own check runs too: the framework
 * in a storage folder of its own (a running SCM's is left alone), its log below ERROR dropped, and
 * the HTTP server not started, so that no socket is opened.
 */
final class Runner {

    private static final long SERVICE_TIMEOUT_MS = 10_000;
    private static final long LEVEL_TIMEOUT_MS = 120_000;
    /** The node bundle, whose start level is where the configuration is checked. */
    static final String NODE_BUNDLE = "org.hasm.node";
    /** The service of the node bundle that checks, and opens the node's gate: a {@code Function<String, Object>}. */
    static final String CHECK_FILTER = "(&(objectClass=java.util.function.Function)(hasm.node.launch=true))";
    /** Bundles a check does not start: the HTTP server opens its port as it starts. */
    static final String HTTP_SERVER_PREFIX = "org.apache.felix.http.jetty";

    private final Plan plan;
    private final Shutdown shutdown;
    private final PrintStream out;
    private final PrintStream err;
    private final long stopTimeoutMs;
    /** Whether this only checks ({@code hasm check}): never beyond the node's check. */
    private final boolean checkOnly;
    /** The framework's storage and log folder of a check, removed after it. */
    private Path checkDir;

    /** Offered to the controller once the framework is initialised; {@code null} when no loop would restart it. */
    private Relaunch.Service relaunch;

    /** Offered to the controller once the framework is initialised; {@code null} when systemd did not ask. */
    private SystemdNotify notify;

    /** Bundles that start in the background (Feature.Bundle) with their start levels, in listed order. */
    private final Map<Bundle, Integer> background = new LinkedHashMap<>();

    /** Errors the framework reported while starting bundles, by bundle id. */
    private final Map<Long, Throwable> startErrors = new ConcurrentHashMap<>();
    private final FrameworkListener errorCollector = event -> {
        if (event.getType() == FrameworkEvent.ERROR && event.getBundle() != null && event.getThrowable() != null) {
            startErrors.putIfAbsent(event.getBundle().getBundleId(), event.getThrowable());
        }
    };

    Runner(Plan plan, Shutdown shutdown, PrintStream out, PrintStream err, long stopTimeoutMs) {
        this(plan, shutdown, out, err, stopTimeoutMs, false);
    }

    private Runner(Plan plan, Shutdown shutdown, PrintStream out, PrintStream err, long stopTimeoutMs,
            boolean checkOnly) {
        this.plan = plan;
        this.shutdown = shutdown;
        this.out = out;
        this.err = err;
        this.stopTimeoutMs = stopTimeoutMs;
        this.checkOnly = checkOnly;
    }

    /**
     * {@code hasm check}: boots the framework as a start does up to the node's check of every
     * configuration, then stops it.
     *
     * @return the number of configurations checked
     * @throws LaunchException what a start would refuse (exit 2: each problem was printed on err)
     */
    static int check(Plan plan, PrintStream out, PrintStream err) throws Exception {
        Runner runner = new Runner(plan, new Shutdown(out, err, Main.STOP_TIMEOUT_MS), out, err, Main.STOP_TIMEOUT_MS,
                true);
        try {
            runner.checkDir = Files.createTempDirectory("hasm-check-");
            Framework framework = runner.newFramework();
            try {
                framework.init();
                runner.install(framework.getBundleContext());
                runner.checkResolved(framework, List.of(framework.getBundleContext().getBundles()));
                framework.start();
                runner.configure(framework.getBundleContext());
                runner.raise(framework, runner.checkLevel());
                runner.awaitLevel(framework);
                runner.checkConfiguration(framework.getBundleContext(), "check");
                return plan.configurations().size();
            } finally {
                runner.stopQuietly(framework);
            }
        } finally {
            if (runner.checkDir != null) {
                deleteTree(runner.checkDir);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind: nothing the operator must act on
        }
    }

    /* The launcher's services for the controller: the restart, systemd's notifier, when there are. */
    private void offer(org.osgi.framework.BundleContext context) {
        if (relaunch != null) {
            relaunch.register(context);
        }
        if (notify != null) {
            notify.register(context);
        }
    }

    /** @param notifier systemd's notification socket, offered to the controller, or {@code null} */
    void notify(SystemdNotify notifier) {
        this.notify = notifier;
    }

    /** @param service the restart service to offer the controller, or {@code null} (not supervised) */
    void relaunch(Relaunch.Service service) {
        this.relaunch = service;
    }

    /**
     * @return 0 once the framework stopped cleanly
     * @throws LaunchException if the SCM could not be started; the framework is stopped then
     */
    int run() throws Exception {
        long started = System.nanoTime();
        createFolders();
        Framework framework = newFramework();
        List<Bundle> bundles = new ArrayList<>();
        try {
            boolean starting = shutdown.unlessStopping(() -> {
                framework.init();
                shutdown.attach(framework);
                offer(framework.getBundleContext());
            })
                    && shutdown.unlessStopping(() -> {
                        framework.getBundleContext().addFrameworkListener(errorCollector);
                        bundles.addAll(install(framework.getBundleContext()));
                        checkResolved(framework, bundles);
                    })
                    // level 1: infrastructure only
                    && shutdown.unlessStopping(framework::start)
                    // the hasm: commands of the Gogo shell (hasmctl in this JVM)
                    && shutdown.unlessStopping(() -> ShellCommands.register(framework.getBundleContext(),
                            Path.of(plan.frameworkProperties().get("hasm.home")), plan.node().dir()))
                    && shutdown.unlessStopping(() -> configure(framework.getBundleContext()))
                    // the node's level: every configuration is checked before anything uses it
                    && shutdown.unlessStopping(() -> raise(framework, nodeLevel()));
            starting = starting && awaitLevel(framework) && !shutdown.requested()
                    && shutdown.unlessStopping(() -> checkConfiguration(framework.getBundleContext(), "start"))
                    && shutdown.unlessStopping(() -> raise(framework, plan.topLevel()));
            if (starting && awaitLevel(framework) && !shutdown.requested()
                    && shutdown.unlessStopping(this::startInBackground)
                    && awaitBackground(framework) && !shutdown.requested()) {
                checkStarted(framework, bundles);
                out.printf("hasm: SCM %s started: %d bundles at start level %d in %d ms%n", plan.node().scm(),
                        bundles.size(), plan.topLevel(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            }
            return awaitStop(framework);
        } catch (LaunchException e) {
            stopQuietly(framework);
            throw e;
        } catch (BundleException | RuntimeException e) {
            stopQuietly(framework);
            throw new LaunchException(LaunchException.FAILED, "the framework failed to start: " + oneLine(e));
        }
    }

    private void createFolders() throws LaunchException {
        for (Path dir : List.of(plan.node().dataDir(), plan.node().logDir(), plan.node().deployDir())) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new LaunchException(dir + ": cannot be created (" + e.getMessage() + ")");
            }
        }
    }

    /* SPI Fly reports every ServiceLoader provider it registers at INFO through java.util.logging,
       on stderr. Only its warnings matter to an operator. Held here: java.util.logging keeps only
       weak references, and a collected logger would lose the level. */
    private static final java.util.logging.Logger SPIFLY_LOGGER = java.util.logging.Logger.getLogger("org.apache.aries.spifly");

    /** Framework properties with this prefix also become system properties (see framework.properties). */
    static final String SLF4J_SIMPLE_PREFIX = "org.slf4j.simpleLogger.";

    /*
     * slf4j-simple (Jetty's logger) reads only system properties; keeping its settings with the
     * other framework properties lets a node change them in one place. A -D given to the JVM wins.
     */
    static void exportLoggerSettings(Map<String, String> frameworkProperties) {
        SPIFLY_LOGGER.setLevel(java.util.logging.Level.WARNING);
        frameworkProperties.forEach((key, value) -> {
            if (key.startsWith(SLF4J_SIMPLE_PREFIX) && System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }

    private Framework newFramework() throws LaunchException {
        exportLoggerSettings(plan.frameworkProperties());
        Map<String, String> properties = plan.frameworkProperties();
        if (checkOnly) {
            properties = new LinkedHashMap<>(properties);
            properties.put("org.osgi.framework.storage", checkDir.resolve("framework").toString());
            properties.put("hasm.log.dir", checkDir.resolve("log").toString());
            // the check's own findings are its output; what the bundles log on the way is not
            properties.put(Node.LOG_LEVEL, "ERROR");
            properties.put(Plan.LOG_ADMIN_LEVEL, "ERROR");
        }
        for (FrameworkFactory factory : ServiceLoader.load(FrameworkFactory.class, Runner.class.getClassLoader())) {
            return factory.newFramework(properties);
        }
        throw new LaunchException(LaunchException.FAILED, "no OSGi framework on the class path (lib/ is incomplete)");
    }

    private List<Bundle> install(BundleContext context) throws LaunchException {
        List<Bundle> installed = new ArrayList<>();
        for (Plan.PlannedBundle planned : plan.bundles()) {
            Bundle bundle;
            try {
                // what a rolling upgrade installed here wins over what the distribution ships
                String data = plan.frameworkProperties().get("hasm.data.dir");
                Path jar = data == null ? planned.jar() : Upgraded.jarFor(Path.of(data), planned.jar());
                if (!jar.equals(planned.jar())) {
                    out.println("hasm: " + planned.id() + ": the upgraded jar " + jar + " instead of " + planned.jar());
                }
                try (InputStream in = Files.newInputStream(jar)) {
                    bundle = context.installBundle(jar.toUri().toString(), in);
                }
            } catch (BundleException | IOException e) {
                throw new LaunchException(LaunchException.BUNDLES, "bundle " + planned.id() + " (feature "
                        + planned.feature() + ") cannot be installed: " + oneLine(e));
            }
            /* Out of the framework's reach until the top level is reached: a level change waits for
               every bundle that is starting, whatever its level, so a slow bundle below would hold up
               every level above it (see startInBackground). */
            boolean later = planned.background() && !isFragment(bundle) && !checkOnly;
            bundle.adapt(BundleStartLevel.class).setStartLevel(later ? plan.topLevel() + 1 : planned.startLevel());
            if (later) {
                background.put(bundle, planned.startLevel());
            }
            // a check starts nothing that no check needs: not the HTTP server, nothing in the background
            boolean unneeded = checkOnly && (planned.background() || planned.id().artifactId().startsWith(HTTP_SERVER_PREFIX));
            if (!isFragment(bundle) && !unneeded) {
                try {
                    // below its start level this only marks it: it starts when the level is reached
                    bundle.start(Bundle.START_ACTIVATION_POLICY);
                } catch (BundleException e) {
                    throw new LaunchException(LaunchException.BUNDLES, "bundle " + planned.id()
                            + " cannot be started: " + oneLine(e));
                }
            }
            installed.add(bundle);
        }
        return installed;
    }

    /* Resolving everything before the first start means a missing package shows up as a clear
       error before any module has run, not as a half-started SCM. */
    private void checkResolved(Framework framework, List<Bundle> bundles) throws LaunchException {
        FrameworkWiring wiring = framework.adapt(FrameworkWiring.class);
        wiring.resolveBundles(bundles);
        int unresolved = 0;
        for (Bundle bundle : bundles) {
            if (bundle.getState() == Bundle.INSTALLED) {
                unresolved++;
                err.println("hasm: bundle " + name(bundle) + " cannot be resolved: " + Diagnosis.unresolved(bundle, wiring));
            }
        }
        if (unresolved > 0) {
            throw new LaunchException(LaunchException.BUNDLES, unresolved + (unresolved == 1 ? " bundle" : " bundles")
                    + " cannot be resolved: the SCM does not start");
        }
    }

    private void configure(BundleContext context) throws Exception {
        if (plan.configurations().isEmpty()) {
            return;
        }
        ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> tracker =
                new ServiceTracker<>(context, ConfigurationAdmin.class, null);
        tracker.open();
        try {
            ConfigurationAdmin admin = tracker.waitForService(SERVICE_TIMEOUT_MS);
            if (admin == null) {
                throw new LaunchException(LaunchException.FAILED, whyNoConfigAdmin(context));
            }
            for (Map.Entry<ConfigKey, Map<String, Object>> entry : plan.configurations().entrySet()) {
                ConfigKey key = entry.getKey();
                // "?": bound to no bundle, so any bundle (a new version after an update too) receives it
                Configuration configuration = key.isFactory()
                        ? admin.getFactoryConfiguration(key.pid(), key.name(), "?")
                        : admin.getConfiguration(key.pid(), "?");
                configuration.update(new Hashtable<>(entry.getValue()));
            }
        } finally {
            /* Released once every update() returned: they are stored by then, and delivered by
               Configuration Admin's own thread. A listener of the launcher's left open would be
               called with a dead context after the framework restarts itself. */
            tracker.close();
        }
    }

    private String whyNoConfigAdmin(BundleContext context) {
        ServiceReference<?>[] any;
        try {
            any = context.getAllServiceReferences(ConfigurationAdmin.class.getName(), null);
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            any = null;
        }
        Map<ConfigKey, Map<String, Object>> configurations = plan.configurations();
        if (any == null) {
            return "there are configurations (" + configurations.keySet().iterator().next()
                    + ", ...) but no Configuration Admin at start level 1: add org.apache.felix.configadmin to a feature";
        }
        return "Configuration Admin does not use the launcher's org.osgi.service.cm: check"
                + " org.osgi.framework.system.packages.extra in etc/framework.properties";
    }

    /*
     * The background bundles wait above the top level (install) until the top level is reached.
     * Each is then given its own level, below the active one: the framework's start level thread
     * starts it while the controller's thread takes the SCM from BOOT to DAC. At its own level it
     * stops in that level's turn, after everything above it, and when the framework restarts itself
     * (update) it starts there like any other bundle.
     */
    private void startInBackground() {
        background.forEach((bundle, level) -> bundle.adapt(BundleStartLevel.class).setStartLevel(level));
    }

    /**
     * @return true once every background bundle is active or failed to start (checkStarted says
     *         which), false if the SCM is stopping meanwhile
     * @throws LaunchException if one is still starting after the level timeout
     */
    private boolean awaitBackground(Framework framework) throws LaunchException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEVEL_TIMEOUT_MS);
        for (Bundle bundle : background.keySet()) {
            // polled: the framework's start level thread starts it, and reports a failure as an event
            while (bundle.getState() != Bundle.ACTIVE && !startErrors.containsKey(bundle.getBundleId())) {
                if (shutdown.requested() || (framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) == 0) {
                    return false;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new LaunchException(LaunchException.FAILED, "bundle " + name(bundle) + " did not finish"
                            + " starting within " + LEVEL_TIMEOUT_MS / 1000 + " s");
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }
        return true;
    }

    /* Replaced when the framework restarts itself (update): each raise has its own latch. */
    private volatile CountDownLatch levelReached = new CountDownLatch(1);

    private void raise(Framework framework, int level) {
        CountDownLatch latch = new CountDownLatch(1);
        levelReached = latch;
        if (level <= framework.adapt(FrameworkStartLevel.class).getStartLevel()) {
            latch.countDown();
            return;
        }
        framework.adapt(FrameworkStartLevel.class).setStartLevel(level, event -> latch.countDown());
    }

    /**
     * @return the level {@code hasm check} checks at: every bundle of the plan started (the deploy
     *     folder's watcher, above it, not), so that each bundle's own check is registered, the
     *     controller's included; nothing runs meanwhile, since every module waits for the node, whose
     *     gate a check never opens
     */
    private int checkLevel() throws LaunchException {
        nodeLevel(); // the plan must have the node bundle, or nothing would check
        return plan.topLevel();
    }

    /** @return the start level of the node bundle, which offers the configuration check */
    private int nodeLevel() throws LaunchException {
        for (Plan.PlannedBundle b : plan.bundles()) {
            if (b.id().artifactId().equals(NODE_BUNDLE)) {
                return b.startLevel();
            }
        }
        throw new LaunchException(LaunchException.BUNDLES, "no feature of " + plan.node().propertiesFile()
                + " lists the node bundle " + NODE_BUNDLE + " (hasm-core does): nothing could check the configuration");
    }

    /**
     * Has the node bundle check every configuration; {@code "start"} also opens its gate when
     * nothing is wrong.
     *
     * @throws LaunchException exit 2 when something is wrong, each problem printed on err first
     */
    @SuppressWarnings("unchecked")
    private void checkConfiguration(BundleContext context, String command) throws Exception {
        ServiceTracker<Object, Object> tracker = new ServiceTracker<>(context, context.createFilter(CHECK_FILTER), null);
        tracker.open(true);
        Object result;
        try {
            Object service = tracker.waitForService(SERVICE_TIMEOUT_MS);
            if (service == null) {
                throw new LaunchException(LaunchException.BUNDLES, "the node bundle " + NODE_BUNDLE + " did not offer its"
                        + " configuration check within " + SERVICE_TIMEOUT_MS / 1000 + " s: the SCM does not start");
            }
            result = ((java.util.function.Function<String, Object>) service).apply(command);
        } finally {
            tracker.close();
        }
        List<String> problems = result instanceof List<?> l ? l.stream().map(String::valueOf).toList()
                : List.of("the node's check answered " + result);
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println("hasm: " + p));
            throw new LaunchException(LaunchException.CONFIG, problems.size() + (problems.size() == 1 ? " problem" : " problems")
                    + " in the configuration of " + plan.node().dir() + (checkOnly ? "" : ": the SCM does not start"));
        }
    }

    /** @return false if the SCM is stopping instead */
    private boolean awaitLevel(Framework framework) throws LaunchException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEVEL_TIMEOUT_MS);
        // polled, not only awaited: a stop during startup never sends the start level event
        while (!levelReached.await(200, TimeUnit.MILLISECONDS)) {
            if (shutdown.requested() || (framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) == 0) {
                return false;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new LaunchException(LaunchException.FAILED, "start level "
                        + framework.adapt(FrameworkStartLevel.class).getStartLevel()
                        + " not reached within " + LEVEL_TIMEOUT_MS / 1000 + " s: a bundle does not finish starting");
            }
        }
        return true;
    }

    private void checkStarted(Framework framework, List<Bundle> bundles) throws LaunchException {
        // start errors are only collected while starting (see restarted)
        framework.getBundleContext().removeFrameworkListener(errorCollector);
        Map<Bundle, String> failed = new LinkedHashMap<>();
        for (Bundle bundle : bundles) {
            int state = bundle.getState();
            boolean fine = state == Bundle.ACTIVE || isFragment(bundle)
                    // lazy activation: started when first used
                    || (state == Bundle.STARTING && bundle.getHeaders("").get(Constants.BUNDLE_ACTIVATIONPOLICY) != null);
            if (!fine) {
                Throwable error = startErrors.get(bundle.getBundleId());
                failed.put(bundle, error != null ? oneLine(error) : "it is " + stateName(state));
            }
        }
        failed.forEach((bundle, why) -> err.println("hasm: bundle " + name(bundle) + " did not start: " + why));
        if (!failed.isEmpty()) {
            throw new LaunchException(LaunchException.BUNDLES, failed.size()
                    + (failed.size() == 1 ? " bundle" : " bundles") + " did not start: the SCM does not run half-started");
        }
    }

    private int awaitStop(Framework framework) throws Exception {
        while (true) {
            // the stop itself is bounded by Shutdown, which halts the JVM if it overruns
            FrameworkEvent event = framework.waitForStop(0);
            switch (event.getType()) {
                case FrameworkEvent.STOPPED_UPDATE:
                case FrameworkEvent.STOPPED_SYSTEM_REFRESHED:
                    restarted(framework);
                    break;
                case FrameworkEvent.ERROR:
                    err.println("hasm: the framework stopped with an error: "
                            + (event.getThrowable() == null ? "unknown" : oneLine(event.getThrowable())));
                    return LaunchException.FAILED;
                default:
                    out.println("hasm: SCM " + plan.node().scm() + " stopped");
                    return 0;
            }
        }
    }

    /*
     * An update of the system bundle (the shell's "update 0", or a bundle's) makes the framework restart
     * itself with the bundles and configurations it has, up to the beginning start level only (1). The
     * rest is raised here as at the first start: the node's level, the configuration checked and the
     * node's gate opened (the restarted node bundle registers a closed one; without the check the node,
     * and every module and the controller with it, would wait for good), then the top level. Changed
     * files in etc/ or system/ take a restart of the SCM.
     */
    private void restarted(Framework framework) throws Exception {
        out.println("hasm: the framework restarts (update): SCM " + plan.node().scm() + " comes up again");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEVEL_TIMEOUT_MS);
        // the framework restarts on a thread of its own; nothing to wait on but its state
        while (framework.getState() != Bundle.ACTIVE) {
            if (shutdown.requested() || System.nanoTime() - deadline > 0) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        startErrors.clear();
        List<Bundle> bundles = new ArrayList<>();
        boolean raised = shutdown.unlessStopping(() -> {
            framework.getBundleContext().addFrameworkListener(errorCollector);
            // what the launcher offered went with the stopped framework: offered again to the new one
            if (notify != null) {
                notify.accept("RELOADING=1\nSTATUS=the framework restarts");
            }
            offer(framework.getBundleContext());
            ShellCommands.register(framework.getBundleContext(), Path.of(plan.frameworkProperties().get("hasm.home")),
                    plan.node().dir());
            for (Bundle bundle : framework.getBundleContext().getBundles()) {
                if (bundle.getBundleId() != Constants.SYSTEM_BUNDLE_ID) {
                    bundles.add(bundle);
                }
            }
            raise(framework, nodeLevel());
        }) && awaitLevel(framework) && !shutdown.requested()
                && shutdown.unlessStopping(() -> checkConfiguration(framework.getBundleContext(), "start"))
                && shutdown.unlessStopping(() -> raise(framework, plan.topLevel()));
        if (raised && awaitLevel(framework) && !shutdown.requested()) {
            checkStarted(framework, bundles);
            out.printf("hasm: SCM %s restarted: %d bundles at start level %d%n", plan.node().scm(), bundles.size(),
                    plan.topLevel());
        }
    }

    private void stopQuietly(Framework framework) {
        try {
            framework.stop();
            if (framework.waitForStop(stopTimeoutMs).getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                err.println("hasm: the framework did not stop within " + stopTimeoutMs / 1000 + " s");
            }
        } catch (BundleException | RuntimeException e) {
            err.println("hasm: the framework cannot be stopped: " + oneLine(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isFragment(Bundle bundle) {
        return bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
    }

    static String name(Bundle bundle) {
        return bundle.getSymbolicName() + " " + bundle.getVersion();
    }

    private static String stateName(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "not resolved";
            case Bundle.RESOLVED -> "resolved but not started";
            case Bundle.STARTING -> "still starting";
            case Bundle.STOPPING -> "stopping";
            case Bundle.UNINSTALLED -> "uninstalled";
            default -> "in state " + state;
        };
    }

    /** @return the message of the exception and of its causes, on one line */
    static String oneLine(Throwable error) {
        StringBuilder text = new StringBuilder();
        for (Throwable e = error; e != null && text.length() < 1000; e = e.getCause() == e ? null : e.getCause()) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (text.indexOf(message) >= 0) {
                continue;
            }
            if (text.length() > 0) {
                text.append(": ");
            }
            text.append(message);
        }
        return text.toString().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
