package org.hasm.alerts.internal;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaController;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.alerts.Alerts;
import org.hasm.spi.events.EventJournal;
import org.hasm.spi.node.Node;
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
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The alerts of this SCM: a HASM module (rank 6, right after the event log) that works from activation to
 * deactivation, in every state of the SCM, MONITOR and SHUTDOWN included, whatever the controller calls.
 * Event Admin's thread takes the events of the selected kinds ({@link Kinds}) that happened on this SCM
 * and only queues them ({@link Dispatcher}); the thread {@code hasm-alerts-deliver} gives each to every
 * recipient in order. Without a configuration {@value #PID} there is no recipient and nothing is sent; a
 * configuration with a wrong value sends nothing and makes {@code init} fail naming the key (MONITOR),
 * which {@code hasm check} refuses before ({@link AlertsCheck}). A changed configuration applies at once
 * ({@link #modified}), keeping the numbering and each recipient's counts.
 *
 * <p>Fields: {@link #roster} and {@link #settings} are replaced whole by activation and {@link #modified};
 * the HTTP client is made once, under {@code this}, when a webhook first needs it.
 */
@Component(service = {HaModule.class, EventHandler.class, Alerts.class}, configurationPid = AlertsComponent.PID,
        immediate = true, property = EventConstants.EVENT_TOPIC + "=org/hasm/*")
@HaModuleProperties(name = "alerts", tier = Tier.HASM, rank = 6)
@Designate(ocd = AlertsConfig.class)
public class AlertsComponent implements HaModule, EventHandler, Alerts {
    static final String PID = "org.hasm.alerts";
    /** How long the alerts queued when the bundle stops (the SHUTDOWN's) may still take to go out. */
    static final Duration DRAIN = Duration.ofSeconds(5);
    static final Duration JOIN = Duration.ofSeconds(2);
    /** The longest timeout a test may ask for. */
    static final Duration TEST_TIMEOUT_MAX = Duration.ofMinutes(10);

    private final Logger log;
    private final String self;
    private final Node node;
    private final Path work;
    private final Processes processes = new Processes();
    private final Dispatcher dispatcher;
    private volatile Settings settings;
    private volatile Dispatcher.Roster roster;
    private volatile boolean closed;
    // guarded by this; made when a webhook first needs it, closed at deactivation
    private HttpClient http;
    private ExecutorService httpThreads;

    // the optional services: package-private so that a unit test can give them
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile EventAdmin eventAdmin;

    // the event log, when it runs: this bundle's own events go to it straight, as every hasm module's
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile EventJournal eventJournal;

    // what the SCM serves, for the description of a STATE alert
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile HaController controller;

    @Activate
    public AlertsComponent(AlertsConfig config, @Reference Node node,
            @Reference(name = "logger", service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.node = node;
        this.self = node.scm();
        this.work = node.dataDir().resolve("alerts");
        cleanWork();
        apply(Settings.of(config));
        this.dispatcher = new Dispatcher(() -> roster, dispatcherHost);
        dispatcher.start();
    }

    @Modified
    void modified(AlertsConfig config) {
        apply(Settings.of(config));
    }

    @Deactivate
    void deactivate() {
        closed = true;
        int left = dispatcher.close(DRAIN, JOIN, processes::close);
        if (left > 0) {
            log.warn("alerts: " + left + " queued alerts were not delivered: the bundle stopped");
        }
        closeHttp();
        log.debug("alerts stopped");
    }

    private void apply(Settings s) {
        if (!s.problems().isEmpty()) {
            // not thrown here: init and the node's check report it, and the SCM goes to MONITOR; meanwhile
            // nothing is sent rather than a part of what was configured
            log.error("configuration " + PID + " is invalid, no alert is sent: " + String.join("; ", s.problemLines()));
        } else if (s.recipients()) {
            log.info("alerts: " + s);
        } else {
            log.debug("alerts: no script and no webhook configured");
        }
        Dispatcher.Roster before = roster;
        Map<String, Receiver> kept = new HashMap<>();
        if (before != null) {
            before.recipients().forEach(r -> kept.put(r.key(), r));
        }
        List<Receiver> recipients = new ArrayList<>();
        if (s.problems().isEmpty()) {
            for (Path script : s.scripts()) {
                recipients.add(keep(kept, new ScriptTarget(script, work, processes)));
            }
            for (URI hook : s.webhooks()) {
                recipients.add(keep(kept, new WebhookTarget(hook, s.token(), this::http)));
            }
        }
        settings = s;
        roster = new Dispatcher.Roster(recipients, s.timeout(), s.retries(), s.queueMax());
    }

    /** @return a recipient for the target, with the counts of the one it replaces (same kind and target) */
    private static Receiver keep(Map<String, Receiver> kept, Target target) {
        Receiver fresh = new Receiver(target, Clock.systemUTC());
        Receiver old = kept.get(fresh.key());
        if (old == null) {
            return fresh;
        }
        return old.retarget(target);
    }

    // ---- the module: it works from activation; the calls only say whether it can ----

    @Override
    public void init(HaContext context) throws HaException {
        check();
    }

    @Override
    public void test() throws HaException {
        check();
        if (!dispatcher.alive()) {
            throw new HaException("the alerts' thread " + Dispatcher.THREAD + " ended: no alert is delivered");
        }
    }

    private void check() throws HaException {
        Settings s = settings;
        if (!s.problems().isEmpty()) {
            throw new HaException("configuration " + PID + ": " + String.join("; ", s.problemLines()));
        }
    }

    @Override
    public void opMode(OpMode mode, SysConfig sysConfig) {
    }

    @Override
    public void stop() {
    }

    @Override
    public void shutDown() {
    }

    // ---- events in: Event Admin's thread only queues ----

    @Override
    public void handleEvent(Event event) {
        String topic = event.getTopic();
        String kind = Kinds.of(topic);
        if (kind == null) {
            return;
        }
        Settings s = settings;
        if (!s.problems().isEmpty() || !s.recipients() || !s.kinds().contains(kind)) {
            return;
        }
        Object origin = event.getProperty("scm");
        if (origin != null && !self.equals(String.valueOf(origin))) {
            return; // another SCM's event (the event log does not post the peer's; this is in case one does)
        }
        Map<String, Object> props = new HashMap<>();
        for (String name : event.getPropertyNames()) {
            props.put(name, event.getProperty(name));
        }
        String desc = Describe.of(topic, props, HaController.TOPIC_STATE.equals(topic) ? serving(props) : null);
        dispatcher.offer(kind, topic, self, node.incarnation(), now(), desc, Alert.plain(props));
    }

    /** @return the personalities served in the state a STATE event reports, if it is still the state now */
    private List<String> serving(Map<String, Object> props) {
        HaController c = controller;
        if (c == null || c.state() == null || !c.state().name().equals(props.get("state"))) {
            return null;
        }
        try {
            return c.personalities().stream().map(Personality::name).toList();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    // ---- the service ----

    @Override
    public List<Alerts.Recipient> recipients() {
        return roster.recipients().stream().map(Receiver::view).toList();
    }

    @Override
    public List<Delivery> test(String text, Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.compareTo(TEST_TIMEOUT_MAX) > 0)) {
            throw new IllegalArgumentException("timeout " + timeout.toMillis() + " ms: expected more than 0 and at most "
                    + TEST_TIMEOUT_MAX.toMillis() + " ms");
        }
        if (closed) {
            throw new IllegalStateException("no alert is sent: the alerts bundle is stopping");
        }
        Settings s = settings;
        if (!s.problems().isEmpty()) {
            throw new IllegalStateException("no alert is sent: configuration " + PID + " is invalid: "
                    + String.join("; ", s.problemLines()));
        }
        Dispatcher.Roster r = roster;
        Alert alert = new Alert(KIND_TEST, Kinds.OWN_PREFIX + "TEST", self, node.incarnation(), 0, now(),
                Describe.test(self, text), new TreeMap<>(Map.of("text", text == null ? "" : Alert.cut(text))));
        List<Delivery> out = new ArrayList<>();
        for (Receiver recipient : r.recipients()) {
            Outcome o;
            try {
                o = recipient.deliver(alert, timeout == null ? r.timeout() : timeout, 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("the test was interrupted at " + recipient.target().shown());
            }
            if (!o.ok()) {
                dispatcherHost.failed(alert, recipient, o);
            }
            out.add(new Delivery(recipient.target().shown(), o.ok(), o.millis(), o.detail()));
        }
        return out;
    }

    // ---- what the dispatcher reports ----

    private final Dispatcher.Host dispatcherHost = new Dispatcher.Host() {
        @Override
        public void failed(Alert alert, Receiver recipient, Outcome outcome) {
            log.warn("alert " + alert.kind() + " #" + alert.sequence() + " (" + alert.topic() + ") to "
                    + recipient.target().kind() + " " + recipient.target().shown() + " failed after " + outcome.millis()
                    + " ms: " + outcome.detail());
            Map<String, Object> p = new HashMap<>();
            p.put("scm", self);
            p.put("recipient", recipient.target().shown());
            p.put("kind", alert.kind());
            p.put("sequence", alert.sequence());
            p.put("detail", outcome.detail());
            post(TOPIC_FAILED, p);
        }

        @Override
        public void dropped(long count, long total) {
            log.warn("alerts: " + count + " alerts dropped, the queue being full (" + PID + " alert.queue.max="
                    + roster.queueMax() + "); " + total + " in all");
            post(TOPIC_DROPPED, Map.of("scm", self, "count", count, "total", total));
        }

        @Override
        public void info(String message) {
            log.info("alerts: " + message);
        }
    };

    private void post(String topic, Map<String, Object> properties) {
        Map<String, Object> posted = EventJournal.journaled(eventJournal, topic, properties);
        EventAdmin ea = eventAdmin;
        if (ea != null) {
            ea.postEvent(new Event(topic, posted));
        }
    }

    // ---- resources ----

    private synchronized HttpClient http() {
        if (closed) {
            throw new IllegalStateException("the alerts bundle is stopping");
        }
        if (http == null) {
            AtomicInteger n = new AtomicInteger();
            httpThreads = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "hasm-alerts-http-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(settings.timeout())
                    .executor(httpThreads)
                    .build();
        }
        return http;
    }

    private synchronized void closeHttp() {
        if (http != null) {
            // Java 21 can end the client's own selector thread at once; on 17 it ends once the client is collected
            try {
                Method shutdownNow = HttpClient.class.getMethod("shutdownNow");
                shutdownNow.invoke(http);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // not on this Java
            }
            httpThreads.shutdownNow();
            http = null;
        }
    }

    /** Removes the input and output files of scripts a crash left behind. */
    private void cleanWork() {
        if (!Files.isDirectory(work)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(work, "alert-*")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            log.warn("alerts: the files left in " + work + " cannot be removed: " + e.getMessage());
        }
    }
}
