package org.hasm.events.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.events.EventJournal;
import org.hasm.spi.events.LoggedEvent;
import org.hasm.spi.node.Node;
import org.hasm.spi.peer.LinkHandler;
import org.hasm.spi.peer.PeerLink;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The event log of this SCM: every event on {@code org/hasm/*} is queued (Event Admin's thread never
 * waits on a disk), written by {@code hasm-events-writer} in batches, each batch forced to disk, and
 * this SCM's own events are pushed to the peer by {@code hasm-events-forward} ({@link Forwarding}),
 * whose own log takes them once each; the peer's arrive through the link service {@value #LINK_SERVICE}.
 * It writes from activation to deactivation, so the boot's events and MONITOR's are kept too, and it
 * reads in every state ({@link EventJournal}, the admin API's {@code /events}).
 *
 * <p>Threads: the writer alone assigns this SCM's sequence numbers ({@link #sequence}); the forwarder
 * alone uses the {@link Forwarding.Sender}; the log is synchronized.
 */
@Component(service = {HaModule.class, EventHandler.class, EventJournal.class, LinkHandler.class},
        configurationPid = EventsComponent.PID,
        property = {
            EventConstants.EVENT_TOPIC + "=org/hasm/*",
            LinkHandler.SERVICE + "=" + EventsComponent.LINK_SERVICE
        })
@HaModuleProperties(name = "events", tier = Tier.HASM, rank = 5)
@Designate(ocd = EventsConfig.class)
public class EventsComponent implements HaModule, EventHandler, EventJournal, LinkHandler {
    static final String PID = "org.hasm.events";
    static final String LINK_SERVICE = "events";
    static final String TOPIC_DROPPED = "org/hasm/events/DROPPED";
    /** Event Admin stopped delivering to a handler that overran its timeout ({@code handler}). */
    static final String TOPIC_HANDLER_DENIED = "org/hasm/events/HANDLER_DENIED";
    private static final long DENIED_CHECK_MS = 1_000;
    static final int READ_MAX = 10_000;
    private static final int PUSH_RECORDS = 500;
    /** Pushes per wake-up at most, so that a long backlog does not hold the thread for good. */
    private static final int PUSHES_PER_TURN = 50;

    private final Logger log;
    private final Node node;
    private final String self;
    private final EventLog events;
    private final EventsConfig config;
    private final BlockingQueue<Record> queue;
    private final AtomicLong dropped = new AtomicLong();
    /** The highest sequence of this SCM's events the peer has: new ones go above it (a log lost here). */
    private final AtomicLong floor = new AtomicLong();
    private final DeniedHandlers denied;
    // writer thread only
    private long deniedChecked;
    private final Thread writer;
    private final Thread forwarder;
    private final Object wake = new Object();
    private volatile boolean running = true;
    // writer thread only
    private long sequence;
    // forwarder thread only
    private final Forwarding.Sender sender;
    // forwarder thread only: the reason the last push failed, to log an outage once
    private String outage;

    // The link, looked up by the forwarder when it pushes rather than injected: the link binds every
    // LinkHandler, this component among them, so an injected reference to it is a cycle, which SCR may
    // leave unbound for good ("Could not get service from ref") and this SCM would never forward.
    private final org.osgi.util.tracker.ServiceTracker<PeerLink, PeerLink> link;
    // forwarder thread only
    private boolean linkOpened;

    @Activate
    public EventsComponent(EventsConfig config, @Reference Node node,
            @Reference(name = "logger", service = LoggerFactory.class) Logger log,
            org.osgi.framework.BundleContext context) throws IOException {
        this.denied = new DeniedHandlers(context);
        this.link = new org.osgi.util.tracker.ServiceTracker<>(context, PeerLink.class, null);
        this.log = log;
        this.node = node;
        this.config = config;
        this.self = node.scm();
        if (config.queue_max() < 1) {
            // refused before the log is opened: a component that fails to activate is never deactivated
            throw new IllegalArgumentException(PID + ": queue.max=" + config.queue_max() + " must be at least 1");
        }
        this.queue = new ArrayBlockingQueue<>(config.queue_max());
        this.events = new EventLog(node.dataDir().resolve("events"), config.segment_bytes(), config.segments());
        if (events.tornBytes() > 0) {
            log.warn("event log: " + events.tornBytes() + " bytes of a record torn by a crash were cut off the newest"
                    + " segment in " + node.dataDir().resolve("events"));
        }
        this.sequence = events.highest(self);
        this.sender = new Forwarding.Sender(self, events, PUSH_RECORDS);
        this.writer = daemon(this::write, "hasm-events-writer");
        this.forwarder = daemon(this::forward, "hasm-events-forward");
        writer.start();
        forwarder.start();
        log.debug("event log of " + self + " open at id " + events.lastId() + ", sequence " + sequence);
    }

    @Deactivate
    void deactivate() {
        running = false;
        writer.interrupt();
        forwarder.interrupt();
        join(writer);
        join(forwarder);
        link.close();
        try {
            if (!writer.isAlive()) {
                // the events of the last moments (the SHUTDOWN's) are written before the log closes
                List<Record> rest = new ArrayList<>();
                queue.drainTo(rest);
                for (Record r : rest) {
                    append(r);
                }
            }
            events.close();
        } catch (IOException e) {
            log.error("event log: closing " + node.dataDir().resolve("events") + " failed: " + e, e);
        }
    }

    // ---- the module: it runs from activation; the calls only check it is sound ----

    @Override
    public void init(HaContext context) {
    }

    @Override
    public void test() throws HaException {
        if (!writer.isAlive()) {
            throw new HaException("the event log's writer thread ended: events are not written");
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

    // ---- events in ----

    @Override
    public void handleEvent(Event event) {
        if (Boolean.TRUE.equals(event.getProperty(JOURNALED))) {
            return; // its poster gave it to record() already
        }
        Map<String, Object> props = new HashMap<>();
        for (String name : event.getPropertyNames()) {
            if (!EventConstants.EVENT_TOPIC.equals(name)) {
                props.put(name, event.getProperty(name));
            }
        }
        record(event.getTopic(), props);
    }

    @Override
    public void record(String topic, Map<String, ?> properties) {
        Record r = new Record(-1, self, 0, System.currentTimeMillis(), topic, Record.text(properties));
        if (!queue.offer(r)) {
            dropped.incrementAndGet(); // said in the log as soon as there is room again
        }
    }

    /* hasm-events-writer: drains the queue in batches, forced once per batch */
    private void write() {
        List<Record> batch = new ArrayList<>();
        while (running) {
            try {
                Record first = queue.poll(DENIED_CHECK_MS, TimeUnit.MILLISECONDS);
                checkDenied();
                if (first == null) {
                    continue;
                }
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, 1000);
                long lost = dropped.getAndSet(0);
                for (Record r : batch) {
                    append(r);
                }
                if (lost > 0) {
                    log.error("event log: " + lost + " events could not be queued (queue.max=" + config.queue_max()
                            + ") and are not in the log");
                    append(new Record(-1, self, 0, System.currentTimeMillis(), TOPIC_DROPPED,
                            Map.of("scm", self, "count", String.valueOf(lost))));
                }
                events.force();
                synchronized (wake) {
                    wake.notifyAll();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                log.error("event log: " + batch.size() + " events could not be written to "
                        + node.dataDir().resolve("events") + ": " + e, e);
            }
        }
    }

    /* writer thread: a handler Event Admin denied is said in the log and the event log, once */
    private void checkDenied() throws IOException {
        long now = System.nanoTime();
        if (now - deniedChecked < TimeUnit.MILLISECONDS.toNanos(DENIED_CHECK_MS)) {
            return;
        }
        deniedChecked = now;
        for (String handler : denied.newlyDenied()) {
            log.error("Event Admin denied the event handler " + handler + ": it overran Event Admin's timeout and"
                    + " receives no more events until its bundle restarts");
            append(new Record(-1, self, 0, System.currentTimeMillis(), TOPIC_HANDLER_DENIED,
                    Map.of("scm", self, "handler", handler)));
            events.force();
        }
    }

    private void append(Record r) throws IOException {
        sequence = Math.max(sequence, floor.get()) + 1;
        events.append(new Record(-1, r.scm(), sequence, r.millis(), r.topic(), r.properties()));
    }

    // ---- forwarding to the peer ----

    /* hasm-events-forward */
    private void forward() {
        while (running) {
            try {
                synchronized (wake) {
                    wake.wait(config.forward_interval_ms());
                }
                if (!linkOpened) {
                    // opened here, not at activation: getting the link there is the very cycle
                    link.open();
                    linkOpened = true;
                }
                PeerLink l = link.getService();
                if (l == null || node.standalone()) {
                    continue;
                }
                for (int i = 0; i < PUSHES_PER_TURN && running; i++) {
                    List<Record> batch = sender.batch();
                    long before = sender.acked();
                    if (!push(l, batch)) {
                        break;
                    }
                    if (batch.isEmpty() && before >= 0 || sender.acked() >= events.highest(self)) {
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                log.error("event log: forwarding to the peer failed: " + e, e);
            }
        }
    }

    /* @return whether the peer answered */
    private boolean push(PeerLink l, List<Record> batch) {
        try {
            byte[] answer = l.request(LINK_SERVICE, Forwarding.push(self, batch),
                    Duration.ofMillis(config.forward_timeout_ms()));
            long high = Forwarding.answer(answer);
            sender.acked(high);
            floor.accumulateAndGet(high, Math::max);
            if (outage != null) {
                log.info("event log: the peer " + node.peer() + " takes this SCM's events again (it has them up to "
                        + high + ")");
                outage = null;
            }
            return true;
        } catch (IOException e) {
            sender.lost();
            String why = e.getMessage();
            if (outage == null) {
                log.info("event log: the peer " + node.peer() + " does not take events now (" + why + "); they are"
                        + " kept here and sent once it does");
            }
            outage = why == null ? "no reason" : why;
            return false;
        }
    }

    @Override
    public byte[] handle(byte[] payload) throws Exception {
        return Forwarding.receive(events, self, payload);
    }

    // ---- reading ----

    @Override
    public List<LoggedEvent> after(long afterId, String topic, int limit) {
        if (afterId < -1) {
            throw new IllegalArgumentException("after=" + afterId + ": an event id is -1 or more");
        }
        if (limit < 1 || limit > READ_MAX) {
            throw new IllegalArgumentException("limit=" + limit + " is out of range [1, " + READ_MAX + "]");
        }
        try {
            return List.copyOf(events.read(afterId, topicFilter(topic), limit));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the event log cannot be read: " + e.getMessage(), e);
        }
    }

    @Override
    public long lastId() {
        return events.lastId();
    }

    static Predicate<Record> topicFilter(String topic) {
        if (topic == null || topic.isEmpty() || topic.equals("*")) {
            return r -> true;
        }
        if (topic.endsWith("*")) {
            String prefix = topic.substring(0, topic.length() - 1);
            return r -> r.topic().startsWith(prefix);
        }
        return r -> r.topic().equals(topic);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void join(Thread t) {
        try {
            t.join(2_000);
            if (t.isAlive()) {
                log.warn("event log: thread " + t.getName() + " did not end within 2 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
