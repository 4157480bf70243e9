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
 * <li>raise the start level to the top: modules and services, then the controller, then the
 *     deploy folder watcher; a bundle that does not start stops the SCM (exit 3);</li>
 * <li>wait for the framework to stop.</li>
 * </ol>
 */
final class Runner {

    private static final long SERVICE_TIMEOUT_MS = 10_000;
    private static final long LEVEL_TIMEOUT_MS = 120_000;

    private final Plan plan;
    private final Shutdown shutdown;
    private final PrintStream out;
    private final PrintStream err;
    private final long stopTimeoutMs;

    /** Errors the framework reported while starting bundles, by bundle id. */
    private final Map<Long, Throwable> startErrors = new ConcurrentHashMap<>();
    private final FrameworkListener errorCollector = event -> {
        if (event.getType() == FrameworkEvent.ERROR && event.getBundle() != null && event.getThrowable() != null) {
            startErrors.putIfAbsent(event.getBundle().getBundleId(), event.getThrowable());
        }
    };

    Runner(Plan plan, Shutdown shutdown, PrintStream out, PrintStream err, long stopTimeoutMs) {
        this.plan = plan;
        this.shutdown = shutdown;
        this.out = out;
        this.err = err;
        this.stopTimeoutMs = stopTimeoutMs;
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
            })
                    && shutdown.unlessStopping(() -> {
                        framework.getBundleContext().addFrameworkListener(errorCollector);
                        bundles.addAll(install(framework.getBundleContext()));
                        checkResolved(framework, bundles);
                    })
                    // level 1: infrastructure only
                    && shutdown.unlessStopping(framework::start)
                    && shutdown.unlessStopping(() -> configure(framework.getBundleContext()))
                    && shutdown.unlessStopping(() -> raise(framework));
            if (starting && awaitLevel(framework) && !shutdown.requested()) {
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
        for (FrameworkFactory factory : ServiceLoader.load(FrameworkFactory.class, Runner.class.getClassLoader())) {
            return factory.newFramework(plan.frameworkProperties());
        }
        throw new LaunchException(LaunchException.FAILED, "no OSGi framework on the class path (lib/ is incomplete)");
    }

    private List<Bundle> install(BundleContext context) throws LaunchException {
        List<Bundle> installed = new ArrayList<>();
        for (Plan.PlannedBundle planned : plan.bundles()) {
            Bundle bundle;
            try (InputStream in = Files.newInputStream(planned.jar())) {
                bundle = context.installBundle(planned.jar().toUri().toString(), in);
            } catch (BundleException | IOException e) {
                throw new LaunchException(LaunchException.BUNDLES, "bundle " + planned.id() + " (feature "
                        + planned.feature() + ") cannot be installed: " + oneLine(e));
            }
            bundle.adapt(BundleStartLevel.class).setStartLevel(planned.startLevel());
            if (!isFragment(bundle)) {
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

    /* Replaced when the framework restarts itself (update): each raise has its own latch. */
    private volatile CountDownLatch levelReached = new CountDownLatch(1);

    private void raise(Framework framework) {
        if (plan.topLevel() <= 1) {
            levelReached.countDown();
            return;
        }
        CountDownLatch latch = levelReached;
        framework.adapt(FrameworkStartLevel.class).setStartLevel(plan.topLevel(), event -> latch.countDown());
    }

    /** @return false if the SCM is stopping instead */
    private boolean awaitLevel(Framework framework) throws LaunchException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEVEL_TIMEOUT_MS);
        // polled, not only awaited: a stop during startup never sends the start level event
        while (!levelReached.await(200, TimeUnit.MILLISECONDS)) {
            if (shutdown.requested() || (framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) == 0) {
                return false;
            }
            if (System.nanoTime() > deadline) {
                throw new LaunchException(LaunchException.FAILED, "start level " + plan.topLevel()
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
     * An update of the system bundle (the shell's "update 0") makes the framework restart itself
     * with the bundles and configurations it has, up to the beginning start level only (1). The
     * rest is raised here as at the first start; changed files in etc/ or system/ take a restart
     * of the SCM.
     */
    private void restarted(Framework framework) throws Exception {
        out.println("hasm: the framework restarts (update): SCM " + plan.node().scm() + " comes up again");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEVEL_TIMEOUT_MS);
        // the framework restarts on a thread of its own; nothing to wait on but its state
        while (framework.getState() != Bundle.ACTIVE) {
            if (shutdown.requested() || System.nanoTime() > deadline) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        levelReached = new CountDownLatch(1);
        startErrors.clear();
        List<Bundle> bundles = new ArrayList<>();
        boolean raised = shutdown.unlessStopping(() -> {
            framework.getBundleContext().addFrameworkListener(errorCollector);
            for (Bundle bundle : framework.getBundleContext().getBundles()) {
                if (bundle.getBundleId() != Constants.SYSTEM_BUNDLE_ID) {
                    bundles.add(bundle);
                }
            }
            raise(framework);
        });
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
