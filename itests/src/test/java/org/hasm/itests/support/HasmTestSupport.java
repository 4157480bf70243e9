package org.hasm.itests.support;

import static org.hasm.itests.support.Journal.journal;
import static org.hasm.itests.support.Journal.module;
import static org.hasm.itests.support.Journal.modules;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;
import static org.ops4j.pax.exam.CoreOptions.url;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hasm.itests.modules.TestModuleActivator;
import org.hasm.spi.HaController;
import org.hasm.spi.HaModule;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ScmState;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Node;
import org.junit.After;
import org.junit.Before;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.util.tracker.ServiceTracker;

/**
 * What every in-framework test of hasm shares: the framework it runs in (Felix with SCR, Config
 * Admin, Event Admin, Log, the SPI, the controller and optionally the example service, all from
 * the jars of this build in {@code target/bundles}), a check that every bundle resolved, and
 * helpers to configure and start the controller and to read its journal.
 *
 * <p>The controller bundle is installed but not started: a test first configures it (short
 * deadlines, a personality) and registers its modules, then starts it, so that the boot sees
 * exactly the modules the test expects.
 *
 * <p>The static methods run outside the framework (in {@code @Configuration}); the instance
 * methods run inside it, in the test probe.
 */
public abstract class HasmTestSupport {

    /** This SCM's name in every test framework. */
    public static final String SCM = "scm-t";
    /** The controller's configuration PID. */
    public static final String CONTROLLER_PID = "org.hasm.controller";
    /** The node's configuration PID. */
    public static final String NODE_PID = "org.hasm.node";
    /** The factory PID of personalities. */
    public static final String PERSONALITY_FACTORY_PID = "org.hasm.personality";
    /** Symbolic names of hasm's bundles. */
    public static final String CONTROLLER_BSN = "org.hasm.controller";
    public static final String EXAMPLE_BSN = "org.hasm.example";
    /** The example service's module name and its configuration PID. */
    public static final String EXAMPLE = "example";
    public static final String EXAMPLE_PID = "org.hasm.example";

    private static final Duration SERVICE_TIMEOUT = Duration.ofSeconds(20);

    /** The test probe's context. */
    protected BundleContext context;

    /** Held for the whole test: closing its tracker would release the instance we configure with. */
    protected ConfigurationAdmin configAdmin;
    private ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> configAdminTracker;

    private ServiceTracker<HaController, HaController> controllerTracker;
    private ServiceRegistration<?> recorderRegistration;
    private ServiceTracker<LogReaderService, LogReaderService> logTracker;
    /** Guarded by itself: test modules append from the controller's threads. */
    private final List<String> recorded = new ArrayList<>();
    private final List<Path> tempDirs = new ArrayList<>();
    private int examplePort;
    /** The declaration of the example's personality key while it is not installed yet, or null. */
    private ServiceRegistration<ConfigurationCheck> exampleLater;

    // ---------------------------------------------------------------- outside the framework

    /** @return where tests keep their files: test bundles, framework storage, data dirs */
    public static Path workDir() {
        return Paths.get(System.getProperty("hasm.itest.work", "target/itest-work")).toAbsolutePath();
    }

    /** @return where the build copied the bundles the framework installs */
    public static Path bundlesDir() {
        return Paths.get(System.getProperty("hasm.bundles", "target/bundles")).toAbsolutePath();
    }

    /**
     * @param artifactId a bundle copied by the build (without version)
     * @return its {@code file:} URL
     */
    public static String bundleUrl(String artifactId) {
        Path jar = bundlesDir().resolve(artifactId + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the itests module through Maven"
                    + " (its dependency plugin copies the bundles at process-test-classes)");
        }
        return jar.toUri().toString();
    }

    /**
     * The framework of every hasm test.
     *
     * @param withExample install and start the example service, and the address module it needs
     *     (left out of {@link #documentedOrder()} and of the journals, see {@link Journal#ADDRESS_MODULE})
     * @param extra more options (test bundles, framework properties)
     * @return the options
     */
    public static Option[] frameworkOptions(boolean withExample, Option... extra) {
        Path dataDir = workDir().resolve("data").resolve(UUID.randomUUID().toString());
        List<Option> options = new ArrayList<>(List.of(
                workingDirectory(workDir().resolve("paxexam").toString()),
                cleanCaches(true),
                systemTimeout(TimeUnit.MINUTES.toMillis(2)),
                frameworkProperty("hasm.scm").value(SCM),
                frameworkProperty("hasm.role").value("MASTER"),
                frameworkProperty("hasm.data.dir").value(dataDir.toString()),
                // JUnit inside the framework, from this build's copies; Pax Exam's invoker from its link
                bundle(bundleUrl("org.apache.servicemix.bundles.hamcrest")),
                bundle(bundleUrl("org.apache.servicemix.bundles.junit")),
                url("link:classpath:META-INF/links/org.ops4j.pax.exam.invoker.junit.link"),
                systemProperty("pax.exam.invoker").value("junit"),
                bundle(bundleUrl("org.apache.felix.log")),
                bundle(bundleUrl("org.apache.felix.configadmin")),
                bundle(bundleUrl("org.apache.felix.eventadmin")),
                bundle(bundleUrl("org.osgi.util.function")),
                bundle(bundleUrl("org.osgi.util.promise")),
                bundle(bundleUrl("org.osgi.service.component")),
                bundle(bundleUrl("org.apache.felix.scr")),
                bundle(bundleUrl("org.apache.felix.metatype")),
                bundle(bundleUrl("org.hasm.spi")),
                // the node: the controller's identity; configured by hasmSetUp
                bundle(bundleUrl("org.hasm.node")),
                bundle(bundleUrl("org.hasm.controller")).noStart()));
        if (withExample) {
            // the example waits on the address readiness of the runtime's address module
            options.add(bundle(bundleUrl("org.hasm.netif")));
            options.add(bundle(bundleUrl("org.hasm.example")));
        }
        options.add(composite(extra));
        return options(options.toArray(new Option[0]));
    }

    /**
     * Builds a test bundle of modules and provisions it.
     *
     * @param symbolicName the bundle's symbolic name
     * @param modules the modules, as {@link TestBundles#build} takes them
     * @return the provisioning option
     */
    public static Option testBundle(String symbolicName, String modules) {
        return bundle(TestBundles.build(symbolicName, modules).toUri().toString());
    }

    // ---------------------------------------------------------------- inside the framework

    @Before
    public void hasmSetUp() throws InterruptedException {
        context = FrameworkUtil.getBundle(getClass()).getBundleContext();
        assertBundlesResolved();
        configAdminTracker = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
        configAdminTracker.open();
        configAdmin = configAdminTracker.waitForService(SERVICE_TIMEOUT.toMillis());
        if (configAdmin == null) {
            throw new AssertionError("no ConfigurationAdmin service after " + SERVICE_TIMEOUT.toSeconds() + " s");
        }
        configureNode();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(TestModuleActivator.RECORDER_PROPERTY, "true");
        Consumer<String> recorder = entry -> {
            synchronized (recorded) {
                recorded.add(entry);
            }
        };
        recorderRegistration = context.registerService(Consumer.class.getName(), recorder, props);
        logTracker = new ServiceTracker<>(context, LogReaderService.class, null);
        logTracker.open();
        LogReaderService logReader = logTracker.getService();
        if (logReader != null) {
            logReader.addLogListener(logPrinter);
        }
    }

    /** The node's configuration, as the launcher writes it from hasm.properties: this SCM, standalone. */
    private void configureNode() {
        try {
            Configuration node = configAdmin.getConfiguration(NODE_PID, "?");
            Hashtable<String, Object> p = new Hashtable<>();
            p.put("hasm.scm", SCM);
            p.put("hasm.role", "MASTER");
            p.put("hasm.data.dir", context.getProperty("hasm.data.dir"));
            node.update(p);
        } catch (IOException e) {
            throw new AssertionError("the node's configuration cannot be written", e);
        }
    }

    /**
     * Copies warnings and errors of the OSGi log (the controller's among them) to the test's
     * output, so a failure report says what the framework said.
     */
    private final LogListener logPrinter = entry -> {
        if (LogLevel.WARN.implies(entry.getLogLevel())) {
            System.out.println("[osgi " + entry.getLogLevel() + "] " + entry.getBundle().getSymbolicName() + ": "
                    + entry.getMessage() + (entry.getException() == null ? "" : " " + entry.getException()));
        }
    };

    @After
    public void hasmTearDown() throws Exception {
        // let blocked calls return, so that stopping the controller is not held up by them
        for (String name : testModuleNames()) {
            control(name, "release");
        }
        Bundle controller = installed(CONTROLLER_BSN);
        if (controller != null && controller.getState() == Bundle.ACTIVE) {
            controller.stop();
        }
        if (controllerTracker != null) {
            controllerTracker.close();
        }
        if (recorderRegistration != null) {
            recorderRegistration.unregister();
        }
        if (exampleLater != null) {
            exampleLater.unregister();
        }
        if (configAdminTracker != null) {
            configAdminTracker.close();
        }
        if (logTracker != null) {
            LogReaderService logReader = logTracker.getService();
            if (logReader != null) {
                logReader.removeLogListener(logPrinter);
            }
            logTracker.close();
        }
        String dataDir = context.getProperty("hasm.data.dir");
        if (dataDir != null) {
            deleteTree(Paths.get(dataDir));
        }
        for (Path dir : tempDirs) {
            deleteTree(dir);
        }
    }

    /**
     * Fails the test if a bundle is neither ACTIVE nor RESOLVED, naming each such bundle and the
     * resolver's reason.
     */
    protected void assertBundlesResolved() {
        FrameworkChecks.assertBundlesResolved(context);
    }

    /** @return the DS components that are not satisfied, with SCR's reason, for messages */
    protected String componentProblems() {
        return FrameworkChecks.componentProblems(context);
    }

    /** @return the registered modules' properties, for messages */
    protected String registeredModules() {
        return FrameworkChecks.registeredModules(context);
    }

    /**
     * Waits until the modules {@code names} are registered as services.
     *
     * @param names module names
     */
    protected void awaitRegistered(List<String> names) {
        Await.until("HaModule services " + names, Await.DEFAULT_TIMEOUT, () -> {
            try {
                return documentedOrder().containsAll(names);
            } catch (InvalidSyntaxException e) {
                return false;
            }
        }, () -> "registered " + registeredModules() + "\n  components: " + componentProblems());
    }

    /**
     * @param symbolicName a bundle's symbolic name
     * @return the installed bundle, or {@code null}
     */
    protected Bundle installed(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /**
     * Configures the controller's deadlines, one personality (served by this SCM, with a free
     * {@code example.port}), starts the controller bundle and returns its service.
     *
     * @param deadlineMs the deadline of every call, in milliseconds
     * @param testDeadlineMs the deadline of {@code test}, in milliseconds
     * @return the controller
     */
    protected HaController startController(long deadlineMs, long testDeadlineMs) throws Exception {
        Dictionary<String, Object> cfg = new Hashtable<>();
        cfg.put("deadline.init.ms", deadlineMs);
        cfg.put("deadline.test.ms", testDeadlineMs);
        cfg.put("deadline.opmode.ms", deadlineMs);
        cfg.put("deadline.stop.ms", deadlineMs);
        cfg.put("deadline.shutdown.ms", deadlineMs);
        configAdmin.getConfiguration(CONTROLLER_PID, "?").update(cfg);

        examplePort = freePort();
        Dictionary<String, Object> personality = new Hashtable<>();
        personality.put("name", "pers-t");
        personality.put("home", SCM);
        personality.put("addresses", "127.0.0.1");
        if (installed(EXAMPLE_BSN) != null || exampleLater != null) {
            // the example's key: without the example nobody reads it, and the node refuses it as unknown
            personality.put("example.port", String.valueOf(examplePort));
        }
        configAdmin.createFactoryConfiguration(PERSONALITY_FACTORY_PID, "?").update(personality);

        Bundle controller = installed(CONTROLLER_BSN);
        if (controller == null) {
            throw new AssertionError("the controller bundle is not installed");
        }
        // The node's component is built from its configuration on Configuration Admin's thread; the controller
        // starts once that is done, as the launcher's start levels have it (modules first, the controller last):
        // started together, each thread can wait in the component runtime for a service the other is building.
        ServiceTracker<Node, Node> nodes = new ServiceTracker<>(context, Node.class, null);
        nodes.open();
        try {
            if (nodes.waitForService(SERVICE_TIMEOUT.toMillis()) == null) {
                throw new AssertionError("no node service after " + SERVICE_TIMEOUT.toSeconds() + " s");
            }
        } finally {
            nodes.close();
        }
        controller.start();
        return controller();
    }

    /**
     * The example service will be installed while the SCM runs (from a deploy folder): its
     * personality key {@code example.port} is declared for it now, as the example's own check
     * declares it once it is there, so that the node does not refuse the key as unknown meanwhile.
     * Call before {@link #startController}.
     */
    protected void exampleArrivesLater() {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(ConfigurationCheck.KEYS, PERSONALITY_FACTORY_PID + ":example.port");
        exampleLater = context.registerService(ConfigurationCheck.class, (configurations, findings) -> { }, props);
    }

    /** Starts the controller with deadlines long enough for modules that pass. */
    protected HaController startController() throws Exception {
        return startController(5_000, 5_000);
    }

    /** @return the controller's service, waiting for it to appear */
    protected HaController controller() throws InterruptedException {
        if (controllerTracker == null) {
            controllerTracker = new ServiceTracker<>(context, HaController.class, null);
            controllerTracker.open();
        }
        HaController c = controllerTracker.waitForService(SERVICE_TIMEOUT.toMillis());
        if (c == null) {
            throw new AssertionError("no HaController service after " + SERVICE_TIMEOUT.toSeconds()
                    + " s; controller bundle state " + stateOf(installed(CONTROLLER_BSN)) + "; components: "
                    + componentProblems());
        }
        return c;
    }

    private static String stateOf(Bundle b) {
        return b == null ? "not installed" : String.valueOf(b.getState());
    }

    /** @return the port the example service was given in the test personality */
    protected int examplePort() {
        return examplePort;
    }

    /**
     * Waits until the controller reaches {@code state}.
     *
     * @param state the state awaited
     */
    protected void awaitState(ScmState state) throws InterruptedException {
        HaController c = controller();
        Await.until("controller in state " + state, Await.DEFAULT_TIMEOUT, () -> c.state() == state,
                () -> "state " + c.state() + " reason " + c.reason() + "\n  modules " + modules(c)
                        + "\n  journal " + journal(c, -1));
    }

    /**
     * Waits until {@code predicate} holds for the module named {@code name}.
     *
     * @param what what is awaited, for the failure message
     * @param name the module's name
     * @param predicate tested on the controller's snapshot of the module
     * @return the snapshot that satisfied it
     */
    protected ModuleInfo awaitModule(String what, String name, Predicate<ModuleInfo> predicate)
            throws InterruptedException {
        HaController c = controller();
        ModuleInfo[] box = new ModuleInfo[1];
        Await.until("module " + name + " " + what, Await.DEFAULT_TIMEOUT, () -> {
            ModuleInfo m = module(c, name);
            box[0] = m;
            return m != null && predicate.test(m);
        }, () -> "modules " + modules(c) + "\n  journal " + journal(c, -1));
        return box[0];
    }


    /**
     * The forward order of the registered modules, computed from their service properties as
     * {@link HaModule} documents it: tier {@code hasm} first, then rank, then {@code service.id}. The
     * runtime's address and node modules are left out ({@link Journal#runtimeModule}).
     *
     * @return module names in forward order
     */
    protected List<String> documentedOrder() throws InvalidSyntaxException {
        Collection<ServiceReference<HaModule>> refs = context.getServiceReferences(HaModule.class, null);
        return refs.stream()
                .filter(r -> !Journal.runtimeModule(String.valueOf(r.getProperty(HaModule.MODULE_NAME))))
                .sorted(Comparator
                        .comparingInt((ServiceReference<HaModule> r) ->
                                HaModule.TIER_HASM.equals(r.getProperty(HaModule.MODULE_TIER)) ? 0 : 1)
                        .thenComparingInt(r -> rankOf(r))
                        .thenComparingLong(r -> (Long) r.getProperty(Constants.SERVICE_ID)))
                .map(r -> String.valueOf(r.getProperty(HaModule.MODULE_NAME)))
                .collect(Collectors.toList());
    }

    private static int rankOf(ServiceReference<?> r) {
        Object rank = r.getProperty(HaModule.MODULE_RANK);
        return rank == null ? HaModule.DEFAULT_RANK : Integer.parseInt(String.valueOf(rank));
    }


    /** @return what the test modules recorded, in the order the calls reached them */
    protected List<String> recorded() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    /**
     * Sends a command to a test module (see {@code TestModuleActivator}).
     *
     * @param module the module's name
     * @param command the command
     * @return the command's answer, or {@code null} if no such module is registered
     */
    protected Object control(String module, String command) throws InvalidSyntaxException {
        Collection<ServiceReference<Function>> refs = context.getServiceReferences(Function.class,
                "(" + TestModuleActivator.CONTROL_PROPERTY + "=" + module + ")");
        for (ServiceReference<Function> ref : refs) {
            @SuppressWarnings("unchecked")
            Function<String, Object> f = context.getService(ref);
            if (f != null) {
                try {
                    return f.apply(command);
                } finally {
                    context.ungetService(ref);
                }
            }
        }
        return null;
    }

    private List<String> testModuleNames() throws InvalidSyntaxException {
        List<String> names = new ArrayList<>();
        for (ServiceReference<Function> ref : context.getServiceReferences(Function.class,
                "(" + TestModuleActivator.CONTROL_PROPERTY + "=*)")) {
            names.add(String.valueOf(ref.getProperty(TestModuleActivator.CONTROL_PROPERTY)));
        }
        return names;
    }

    /**
     * @param prefix the folder name's prefix
     * @return a new temporary folder, deleted after the test
     */
    protected Path tempDir(String prefix) throws IOException {
        Files.createDirectories(workDir());
        Path dir = Files.createTempDirectory(workDir(), prefix);
        tempDirs.add(dir);
        return dir;
    }

    /** @return a TCP port on 127.0.0.1 that was free a moment ago */
    protected static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Sets properties of a configuration, keeping the others.
     *
     * @param pid the configuration's PID
     * @param values the properties to set
     */
    protected void configure(String pid, Map<String, Object> values) throws IOException {
        Configuration cfg = configAdmin.getConfiguration(pid, "?");
        Dictionary<String, Object> props = cfg.getProperties();
        if (props == null) {
            props = new Hashtable<>();
        }
        for (Map.Entry<String, Object> e : values.entrySet()) {
            props.put(e.getKey(), e.getValue());
        }
        cfg.update(props);
    }

    /**
     * A copy of a bundle jar with another {@code Bundle-Version}: the same code as a "new release".
     *
     * @param jar the bundle
     * @param version the new version
     * @return the new jar's bytes
     */
    protected static byte[] withVersion(Path jar, String version) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            Manifest manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().putValue(Constants.BUNDLE_VERSION, version);
            try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
                // bounded by the jar's entries; JarInputStream already consumed the manifest
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return bytes.toByteArray();
    }

    /**
     * Reads the line the example service answers on {@code 127.0.0.1:port}, retrying until the
     * deadline while the listener is not up yet.
     *
     * @param port the port
     * @return the line
     */
    protected static String exampleAnswer(int port) {
        String[] line = new String[1];
        Await.until("the example service answering on 127.0.0.1:" + port, Await.DEFAULT_TIMEOUT, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
                s.setSoTimeout(2_000);
                BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                line[0] = r.readLine();
                return line[0] != null;
            } catch (IOException e) {
                return false;
            }
        }, () -> "");
        return line[0];
    }

    /**
     * Marks a folder (made outside the framework) for deletion after the test.
     *
     * @param dir the folder
     */
    protected void deleteAfter(Path dir) {
        tempDirs.add(dir);
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
