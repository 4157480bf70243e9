package org.hasm.alerts.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.hasm.config.Typed;
import org.hasm.spi.HaController;
import org.hasm.spi.HaException;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.hasm.spi.alerts.Alerts;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Node;
import org.hasm.testkit.Logs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/** The component outside a framework: events in, alerts out to a webhook on 127.0.0.1. */
class AlertsComponentTest {
    @TempDir
    Path dir;

    private HttpServer server;
    private ExecutorService serverThreads;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private final List<Event> posted = new CopyOnWriteArrayList<>();
    private final AtomicLong incarnation = new AtomicLong(7);
    private final List<AlertsComponent> components = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/hook", x -> {
            try (x) {
                bodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                x.sendResponseHeaders(status.get(), -1);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        components.forEach(AlertsComponent::deactivate);
        server.stop(0);
        serverThreads.shutdownNow();
        assertTrue(serverThreads.awaitTermination(10, TimeUnit.SECONDS));
    }

    private Map<String, Object> config() {
        Map<String, Object> c = new HashMap<>();
        c.put("alert.webhooks", "http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
        c.put("alert.kinds", "state,peer,health");
        c.put("alert.webhook.retries", "0");
        return c;
    }

    private AlertsComponent component(Map<String, Object> config) {
        AlertsComponent c = new AlertsComponent(Typed.of(AlertsConfig.class, config), node(),
                Logs.named("org.hasm.alerts").logger());
        components.add(c);
        c.eventAdmin = eventAdmin();
        c.controller = controller(ScmState.DEGRADED, "A", "B");
        return c;
    }

    @Test
    void onlyThisScmsEventsOfTheSelectedKindsAreSentNumberedInOrder() {
        AlertsComponent c = component(config());

        c.handleEvent(new Event("org/hasm/controller/STATE", Map.of("scm", "scm-b", "state", "DEGRADED", "opMode",
                "MASTER", "reason", "peer scm-a lost on all channels", "hasm.journaled", true)));
        c.handleEvent(new Event("org/hasm/status/PEER", Map.of("scm", "scm-a", "peer", "scm-b", "alive", false)));
        c.handleEvent(new Event("org/hasm/health/WELLNESS", Map.of("scm", "scm-b")));
        c.handleEvent(new Event("org/hasm/storage/VOLUME", Map.of("scm", "scm-b", "volume", "v", "step", "lost")));
        c.handleEvent(new Event("org/hasm/alerts/FAILED", Map.of("scm", "scm-b")));
        c.handleEvent(new Event("org/hasm/controller/call/OK", Map.of("scm", "scm-b")));
        c.handleEvent(new Event("org/hasm/health/PROBLEM", Map.of("scm", "scm-b", "check", "heap", "problem", "92% used")));

        Await.until("two alerts", () -> bodies.size() == 2, () -> bodies);
        assertEquals("{\"kind\":\"state\",\"topic\":\"org/hasm/controller/STATE\",\"scm\":\"scm-b\",\"incarnation\":7,"
                + "\"sequence\":1,", bodies.get(0).substring(0, bodies.get(0).indexOf("\"time\"")));
        assertTrue(bodies.get(0).contains("\"desc\":\"scm-b: DEGRADED, serving A and B (peer scm-a lost on all"
                + " channels)\",\"properties\":{\"opMode\":\"MASTER\",\"reason\":\"peer scm-a lost on all channels\","
                + "\"scm\":\"scm-b\",\"state\":\"DEGRADED\"}}"), bodies.get(0));
        assertTrue(bodies.get(1).contains("\"kind\":\"health\",\"topic\":\"org/hasm/health/PROBLEM\""), bodies.get(1));
        assertTrue(bodies.get(1).contains("\"sequence\":2,"), bodies.get(1));
        Await.until("counted", () -> c.recipients().get(0).delivered() == 2, c::recipients);
        Alerts.Recipient r = c.recipients().get(0);
        assertEquals(Alerts.WEBHOOK, r.kind());
        assertEquals(Alerts.DELIVERED, r.lastOutcome());
        assertEquals("HTTP 200", r.lastDetail());
    }

    @Test
    void aTestAlertGoesToEveryRecipientNowAndSaysWhatEachDid() throws Exception {
        Path script = Fixtures.script(dir, "notify.sh", "echo \"got $HASM_ALERT_KIND $HASM_ALERT_SEQUENCE\"");
        Map<String, Object> config = config();
        config.put("alert.scripts", script.toString());
        AlertsComponent c = component(config);

        List<Alerts.Delivery> out = c.test("does the pager ring?", Duration.ofSeconds(10));

        assertEquals(2, out.size());
        assertEquals(script.toString(), out.get(0).recipient());
        assertTrue(out.get(0).ok());
        assertEquals("exit 0: got test 0", out.get(0).detail());
        assertTrue(out.get(1).ok(), out.get(1).toString());
        assertEquals("HTTP 200", out.get(1).detail());
        assertTrue(bodies.get(0).contains("\"kind\":\"test\",\"topic\":\"org/hasm/alerts/TEST\""), bodies.get(0));
        assertTrue(bodies.get(0).contains("\"desc\":\"scm-b: test alert: does the pager ring?\""), bodies.get(0));
        assertEquals(List.of(1L, 1L), c.recipients().stream().map(Alerts.Recipient::delivered).toList());
        assertThrows(IllegalArgumentException.class, () -> c.test("x", Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> c.test("x", Duration.ofHours(1)));
    }

    @Test
    void aFailedDeliveryIsLoggedAndPostedAsAnEvent() {
        status.set(503);
        AlertsComponent c = component(config());

        c.handleEvent(new Event("org/hasm/status/PEER", Map.of("scm", "scm-b", "peer", "scm-a", "alive", false,
                "verdict", "SILENT")));

        Await.until("FAILED posted", () -> !posted.isEmpty(), () -> posted);
        Event failed = posted.get(0);
        assertEquals(Alerts.TOPIC_FAILED, failed.getTopic());
        assertEquals("scm-b", failed.getProperty("scm"));
        assertEquals("peer", failed.getProperty("kind"));
        assertEquals(1L, failed.getProperty("sequence"));
        assertEquals("http://127.0.0.1:" + server.getAddress().getPort() + "/hook", failed.getProperty("recipient"));
        assertEquals("HTTP 503", failed.getProperty("detail"));
        c.handleEvent(failed); // its own event is never an alert
        Await.until("counted", () -> c.recipients().get(0).failed() == 1, c::recipients);
        assertEquals(1, bodies.size());
    }

    @Test
    void aWrongConfigurationSendsNothingAndFailsInitNamingTheKey() {
        Map<String, Object> config = config();
        config.put("alert.scripts", "notify.sh");
        AlertsComponent c = component(config);

        HaException e = assertThrows(HaException.class, () -> c.init(null));
        assertEquals("configuration org.hasm.alerts: alert.scripts: 'notify.sh' is not an absolute path", e.getMessage());
        assertThrows(HaException.class, c::test);
        IllegalStateException t = assertThrows(IllegalStateException.class, () -> c.test("x", null));
        assertTrue(t.getMessage().contains("alert.scripts"), t.getMessage());
        assertEquals(List.of(), c.recipients(), "not half of them");
        c.handleEvent(new Event("org/hasm/controller/STATE", Map.of("scm", "scm-b", "state", "MONITOR")));

        c.modified(Typed.of(AlertsConfig.class, config()));
        c.handleEvent(new Event("org/hasm/controller/STATE", Map.of("scm", "scm-b", "state", "DAC")));
        Await.until("the corrected configuration sends", () -> bodies.size() == 1, () -> bodies);
        assertTrue(bodies.get(0).contains("\"state\":\"DAC\""), "the MONITOR alert was never queued: " + bodies);
    }

    @Test
    void aChangedConfigurationKeepsTheNumberingAndTheCounts() throws Exception {
        AlertsComponent c = component(config());
        c.handleEvent(new Event("org/hasm/controller/STATE", Map.of("scm", "scm-b", "state", "DAC")));
        Await.until("one", () -> c.recipients().get(0).delivered() == 1, c::recipients);

        Map<String, Object> changed = config();
        changed.put("alert.timeout.ms", "2000");
        c.modified(Typed.of(AlertsConfig.class, changed));
        c.handleEvent(new Event("org/hasm/controller/STATE", Map.of("scm", "scm-b", "state", "DEGRADED")));

        Await.until("two", () -> c.recipients().get(0).delivered() == 2, c::recipients);
        assertTrue(bodies.get(1).contains("\"sequence\":2,"), bodies.get(1));
        incarnation.set(8); // a RESET: a new boot numbers from 1
        c.handleEvent(new Event("org/hasm/controller/STATE", Map.of("scm", "scm-b", "state", "BOOT")));
        Await.until("three", () -> bodies.size() == 3, () -> bodies);
        assertTrue(bodies.get(2).contains("\"incarnation\":8,\"sequence\":1,"), bodies.get(2));
    }

    // ---- what the component is given ----

    private EventAdmin eventAdmin() {
        return new EventAdmin() {
            @Override
            public void postEvent(Event event) {
                posted.add(event);
            }

            @Override
            public void sendEvent(Event event) {
                posted.add(event);
            }
        };
    }

    private static HaController controller(ScmState state, String... serving) {
        List<Personality> personalities = new ArrayList<>();
        for (String name : serving) {
            personalities.add((Personality) Proxy.newProxyInstance(Personality.class.getClassLoader(),
                    new Class<?>[] {Personality.class}, (p, m, a) -> m.getName().equals("name") ? name : null));
        }
        return (HaController) Proxy.newProxyInstance(HaController.class.getClassLoader(),
                new Class<?>[] {HaController.class}, (p, m, a) -> switch (m.getName()) {
                    case "state" -> state;
                    case "personalities" -> personalities;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private Node node() {
        return new Node() {
            @Override
            public String scm() {
                return "scm-b";
            }

            @Override
            public String peer() {
                return "scm-a";
            }

            @Override
            public OpMode configuredRole() {
                return OpMode.SLAVE;
            }

            @Override
            public Path dataDir() {
                return dir.resolve("data");
            }

            @Override
            public long incarnation() {
                return incarnation.get();
            }

            @Override
            public List<Personality> personalities() {
                return List.of();
            }

            @Override
            public Configurations configurations() {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<String> problems() {
                return List.of();
            }

            @Override
            public Map<String, String> timing() {
                return Map.of();
            }
        };
    }
}
