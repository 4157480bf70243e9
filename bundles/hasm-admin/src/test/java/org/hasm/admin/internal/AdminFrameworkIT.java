package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hasm.spi.HaController;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The packaged bundle in a real Felix with SCR, Configuration Admin, Felix HTTP Jetty 12 and what
 * those need (the set the runtime feature must carry), reached over HTTP on 127.0.0.1. The SPI is
 * shared with the test through the system bundle, so the controller registered here is a plain
 * test object.
 */
class AdminFrameworkIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private Framework framework;
    private Path storage;
    private String base;
    private String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * The SPI packages the admin bundle imports, at the versions the SPI built in this reactor
     * exports (its manifest), so that a bump of a package does not need this test edited.
     */
    static String spiExports(String... packages) throws IOException {
        URL where = HaController.class.getProtectionDomain().getCodeSource().getLocation();
        Manifest manifest;
        Path location = Path.of(URI.create(where.toString()));
        if (Files.isDirectory(location)) {
            try (InputStream in = Files.newInputStream(location.resolve("META-INF/MANIFEST.MF"))) {
                manifest = new Manifest(in);
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                manifest = jar.getManifest();
            }
        }
        String exports = manifest.getMainAttributes().getValue("Export-Package");
        List<String> result = new ArrayList<>();
        for (String pkg : packages) {
            Matcher m = Pattern.compile("(?:^|,)" + Pattern.quote(pkg)
                    + ";[^,]*?version=\"([0-9.]+)\"").matcher(exports);
            if (!m.find()) {
                throw new IOException("the SPI at " + location + " does not export " + pkg + ": " + exports);
            }
            result.add(pkg + ";version=" + m.group(1));
        }
        return String.join(",", result);
    }

    @BeforeEach
    void boot() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        base = "http://127.0.0.1:" + port + AdminApi.PREFIX;
        storage = Files.createTempDirectory(Path.of("target"), "felix-it-");
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, storage.resolve("felix").toAbsolutePath().toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, spiExports("org.hasm.spi", "org.hasm.spi.peer", "org.hasm.spi.power", "org.hasm.spi.events", "org.hasm.spi.config",
                "org.hasm.spi.storage", "org.hasm.spi.health", "org.hasm.spi.alerts"));
        props.put("org.osgi.service.http.port", String.valueOf(port));
        props.put("org.apache.felix.http.host", "127.0.0.1");
        props.put(AdminServlet.PROP_FAULTS, "true");
        Path credentials = storage.resolve("admin");
        token = CredentialsTest.write(credentials, "operate", "it", "t".repeat(43));
        props.put(AdminServlet.PROP_CREDENTIALS, credentials.toAbsolutePath().toString());
        framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(props);
        framework.start();

        BundleContext ctx = framework.getBundleContext();
        List<Bundle> installed = new ArrayList<>();
        try (Stream<Path> jars = Files.list(Path.of(System.getProperty("hasm.it.bundles")))) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                installed.add(ctx.installBundle(jar.toUri().toString()));
            }
        }
        installed.add(ctx.installBundle(new File(System.getProperty("hasm.admin.bundle")).toURI().toString()));
        // The logging provider first, as the runtime's start levels would do: Jetty binds its
        // slf4j logger when it starts.
        installed.sort(Comparator.comparing((Bundle b) -> !b.getSymbolicName().startsWith("org.apache.aries.spifly"))
                .thenComparing(b -> !b.getSymbolicName().startsWith("slf4j")));
        for (Bundle b : installed) {
            b.start(); // throws, naming the missing requirement, if the bundle does not resolve
        }
    }

    @AfterEach
    void shutDown() throws Exception {
        try {
            if (framework != null) {
                framework.stop();
                framework.waitForStop(WAIT.toMillis());
            }
        } finally {
            if (storage != null) {
                try (Stream<Path> files = Files.walk(storage)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    void servesMetricsAndTheStatusPageInsideTheFramework() throws Exception {
        SpiViews.Controller controller = new SpiViews.Controller();
        controller.scm = "scm-it";
        framework.getBundleContext().registerService(HaController.class, controller, null);
        // the embedded Prometheus client answers from inside the bundle, and counts what Event Admin delivers
        // (Event Admin's classes are the bundle's, not this test's: reached by name)
        ServiceReference<?> ea = framework.getBundleContext().getAllServiceReferences(
                "org.osgi.service.event.EventAdmin", null)[0];
        Object admin = framework.getBundleContext().getService(ea);
        Class<?> event = ea.getBundle().loadClass("org.osgi.service.event.Event");
        Object transition = event.getConstructor(String.class, Map.class).newInstance(Metrics.TOPIC_TRANSITION,
                Map.of("kind", "FAILOVER", "millis", 120L));
        admin.getClass().getMethod("postEvent", event).invoke(admin, transition);
        HttpResponse<String> r = await("GET", "/metrics", resp -> resp.statusCode() == 200
                && resp.body().contains("hasm_transitions_total{kind=\"FAILOVER\"} 1.0"));
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        assertTrue(r.body().contains("hasm_scm_state{state=\"DAC\"} 1.0"), r.body());
        assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());

        String page = base.replace(AdminApi.PREFIX, StatusPage.PREFIX) + "/";
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(("it:" + token)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        r = http.send(HttpRequest.newBuilder(URI.create(page)).header("Authorization", basic).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("<script src=\"page.js\""), r.body());
        assertEquals(StatusPage.CSP, r.headers().firstValue("Content-Security-Policy").orElse(""));
        r = http.send(HttpRequest.newBuilder(URI.create(page + "api/status")).header("Authorization", basic).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("scm-it", MiniJson.object(r.body()).get("node"), r.body());
    }

    @Test
    void servesStatusCommandsAndFaultsOverHttp() throws Exception {
        // The servlet is up before any controller: it answers 503 in JSON, not the container's 404.
        HttpResponse<String> r = await("GET", "/status", resp -> resp.statusCode() == 503);
        assertEquals("application/json;charset=utf-8", r.headers().firstValue("Content-Type").orElse("").replace(" ", "").toLowerCase());
        assertTrue(((String) MiniJson.object(r.body()).get("error")).contains("controller"), r.body());

        SpiViews.Controller controller = new SpiViews.Controller();
        controller.scm = "scm-it";
        ServiceRegistration<HaController> reg = framework.getBundleContext().registerService(HaController.class, controller, null);

        r = await("GET", "/status", resp -> resp.statusCode() == 200);
        Map<String, Object> doc = MiniJson.object(r.body());
        assertEquals("scm-it", doc.get("node"));
        assertEquals("DAC", doc.get("state"));

        // no credential, a web page's form: refused, and nothing reaches the controller
        r = http.send(HttpRequest.newBuilder(URI.create(base + "/commands/shutdown")).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, r.statusCode(), r.body());
        assertEquals("Bearer realm=\"hasm\"", r.headers().firstValue("WWW-Authenticate").orElse(""));
        r = http.send(request("POST", "/commands/shutdown").header("Content-Type", "application/x-www-form-urlencoded")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(415, r.statusCode(), r.body());
        r = http.send(request("POST", "/commands/shutdown").header("Origin", "http://evil.example").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), r.body());
        assertEquals(List.of(), controller.commands);
        r = http.send(HttpRequest.newBuilder(URI.create(base + "/alive")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("{\"alive\":true}", r.body());

        r = send("POST", "/commands/surrender?reason=it");
        assertEquals(202, r.statusCode(), r.body());
        assertEquals(List.of("surrender:it"), controller.commands);
        assertEquals(404, send("GET", "/nope").statusCode());
        assertEquals(400, send("GET", "/journal?after=x").statusCode());

        r = send("POST", "/faults/drop?channel=link&percent=30");
        assertEquals(404, r.statusCode(), "no such channel is configured: " + r.body());
        assertEquals(null, channelConfiguration("link", false), "the switch created no channel");
        channelConfiguration("link", true);
        channelConfiguration("host", true);
        r = send("POST", "/faults/drop?channel=link&percent=30");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(30, channelConfiguration("link", false).get("fault.drop"));
        assertEquals("127.0.0.1:1", channelConfiguration("link", false).get("local"), "the channel's keys stay");
        assertEquals(200, send("POST", "/faults/drop?channel=host&percent=5").statusCode());
        assertEquals(30, channelConfiguration("link", false).get("fault.drop"), "the second switch keeps the first");
        assertEquals(5, channelConfiguration("host", false).get("fault.drop"));

        reg.unregister();
        await("GET", "/status", resp -> resp.statusCode() == 503);
    }

    /**
     * The properties of the status channel {@code name} (factory configuration org.hasm.status.channel~NAME),
     * through Configuration Admin by reflection (its API is inside the framework); {@code create} writes
     * one with addresses first.
     */
    private Dictionary<?, ?> channelConfiguration(String name, boolean create) throws Exception {
        BundleContext ctx = framework.getBundleContext();
        // getAllServiceReferences: the system bundle cannot see the cm package, so the class-space
        // filtered lookup would hide the service from it.
        ServiceReference<?>[] refs = ctx.getAllServiceReferences("org.osgi.service.cm.ConfigurationAdmin", null);
        if (refs == null) {
            return fail("no Configuration Admin service");
        }
        ServiceReference<?> ref = refs[0];
        Object cm = ctx.getService(ref);
        try {
            Class<?> api = ref.getBundle().loadClass("org.osgi.service.cm.ConfigurationAdmin");
            Class<?> configuration = ref.getBundle().loadClass("org.osgi.service.cm.Configuration");
            if (create) {
                Object config = api.getMethod("getFactoryConfiguration", String.class, String.class, String.class)
                        .invoke(cm, AdminServlet.CHANNEL_FACTORY_PID, name, "?");
                java.util.Hashtable<String, Object> p = new java.util.Hashtable<>();
                p.put("local", "127.0.0.1:1");
                p.put("peer", "127.0.0.1:2");
                configuration.getMethod("update", Dictionary.class).invoke(config, p);
            }
            Object[] found = (Object[]) api.getMethod("listConfigurations", String.class).invoke(cm,
                    "(service.pid=" + AdminServlet.CHANNEL_FACTORY_PID + "~" + name + ")");
            if (found == null || found.length == 0) {
                return null;
            }
            return (Dictionary<?, ?>) configuration.getMethod("getProperties").invoke(found[0]);
        } finally {
            ctx.ungetService(ref);
        }
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        return http.send(request(method, path).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String method, String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + token).method(method, HttpRequest.BodyPublishers.noBody());
    }

    /** Repeats a request until its answer passes, within {@link #WAIT}; connection errors count as not yet. */
    private HttpResponse<String> await(String method, String path, Predicate<HttpResponse<String>> ok) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = send(method, path);
                if (ok.test(r)) {
                    return r;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            TimeUnit.MILLISECONDS.sleep(50); // between polls only, bounded by the deadline
        }
        return fail(method + " " + path + " did not answer as expected within " + WAIT + "; last: " + last);
    }
}
