package org.hasm.admin.internal;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.hasm.spi.HaController;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.health.ServiceRequests;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.peer.StatusMonitor;
import org.hasm.spi.peer.Verdict;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;

/**
 * The SCM's metrics in the Prometheus text format. Two sources: what is true now (state, role, peer,
 * channels, modules, volumes) is read from the SPI services at each scrape, so a scrape never shows a
 * stale copy; what happened (transitions, module calls, address and volume changes) is counted from the
 * events the modules post, as they arrive ({@link #event}). A scrape writes again only the text of what can
 * have changed since the last one: the counted metrics after an event, the modules' lines after a change
 * of one, the rest (state, peer, channels, volumes, requests) every time. Everything but the counters is a
 * gauge, one series per possible value where a value is a name (state, verdict, status): 1 for the current one,
 * 0 for the others, so that a query or an alert needs no string matching.
 */
final class Metrics {

    static final String TOPIC_TRANSITION = "org/hasm/controller/TRANSITION";
    static final String TOPIC_CALL_PREFIX = HaController.TOPIC_CALL_PREFIX;
    static final String TOPIC_ADDRESS = "org/hasm/netif/ADDRESS";
    static final String TOPIC_VOLUME = VolumeManager.TOPIC_VOLUME;
    /** The status monitor's probes and fences of the peer ({@code outcome}). */
    static final String TOPIC_FENCE = "org/hasm/status/FENCE";
    static final String TOPIC_ALERT_FAILED = org.hasm.spi.alerts.Alerts.TOPIC_FAILED;
    static final String TOPIC_ALERT_DROPPED = org.hasm.spi.alerts.Alerts.TOPIC_DROPPED;

    /** Takeovers take tens of ms to tens of seconds, and their shape is what an operator studies. */
    private static final double[] TRANSITION_BOUNDS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    /* Module calls take under a millisecond up to their deadline; a decade a bucket is enough to see which, and
       keeps each scrape short: every module's every call has its own series. */
    private static final double[] CALL_BOUNDS = {0.01, 0.1, 1, 10, 60};

    private final Supplier<HaController> controller;
    private final Supplier<StatusMonitor> monitor;
    private final Supplier<PeerLink> link;
    private final Supplier<VolumeManager> volumes;
    private final Supplier<List<ServiceRequests>> services;
    /* The metrics counted from events: they change only when one arrives, so their text is kept between scrapes
       (most of a scrape's lines: a histogram per module and call) and written again only after a change. */
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final AtomicLong counted = new AtomicLong();
    private volatile Rendered countedText;
    // the modules' lines, kept while no module's name, status, tier, bundle or version changes
    private volatile Rendered modulesText;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    private final Counter transitions;
    private final Histogram transitionSeconds;
    private final Gauge lastTransitionSeconds;
    private final Gauge lastTransitionTime;
    private final Counter calls;
    private final Histogram callSeconds;
    private final Counter addressChanges;
    private final Counter volumeSteps;
    private final Counter fences;
    private final Counter alertFailures;
    private final Counter alertsDropped;
    /** The last owner and epoch the storage module reported per volume; written by the event thread, read by scrapes. */
    private final Map<String, Owner> owners = new ConcurrentHashMap<>();

    private record Owner(String owner, long epoch) {
    }

    /** Text written for {@code key}: what it was written from, compared at the next scrape. */
    private record Rendered(Object key, String text) {
    }

    Metrics(Supplier<HaController> controller, Supplier<StatusMonitor> monitor, Supplier<PeerLink> link,
            Supplier<VolumeManager> volumes) {
        this(controller, monitor, link, volumes, List::of);
    }

    /** @param services the NAS services' request counters registered now */
    Metrics(Supplier<HaController> controller, Supplier<StatusMonitor> monitor, Supplier<PeerLink> link,
            Supplier<VolumeManager> volumes, Supplier<List<ServiceRequests>> services) {
        this.services = services;
        this.controller = controller;
        this.monitor = monitor;
        this.link = link;
        this.volumes = volumes;
        transitions = Counter.builder().name("hasm_transitions_total")
                .help("State transitions of this SCM, by kind (FAILOVER, FAILBACK, HANDOVER, TAKEOVER, RESET, ...)")
                .labelNames("kind").withoutExemplars().register(registry);
        transitionSeconds = Histogram.builder().name("hasm_transition_duration_seconds")
                .help("How long a transition's actions took (for a takeover: volumes, addresses and services up)")
                .labelNames("kind").classicOnly().classicUpperBounds(TRANSITION_BOUNDS).withoutExemplars()
                .register(registry);
        lastTransitionSeconds = Gauge.builder().name("hasm_last_transition_duration_seconds")
                .help("How long the last transition's actions took").register(registry);
        lastTransitionTime = Gauge.builder().name("hasm_last_transition_timestamp_seconds")
                .help("When the last transition ended, in seconds since the epoch").register(registry);
        calls = Counter.builder().name("hasm_module_calls_total")
                .help("Lifecycle calls of modules, by module, call (INIT TEST OPMODE STOP SHUTDOWN) and outcome"
                        + " (PASSED FAILED TIMED_OUT)")
                .labelNames("module", "call", "outcome").withoutExemplars().register(registry);
        callSeconds = Histogram.builder().name("hasm_module_call_duration_seconds")
                .help("How long lifecycle calls of modules took, by module and call")
                .labelNames("module", "call").classicOnly().classicUpperBounds(CALL_BOUNDS).withoutExemplars()
                .register(registry);
        addressChanges = Counter.builder().name("hasm_address_changes_total")
                .help("Service addresses brought up or taken down on this SCM, by personality and action")
                .labelNames("personality", "action").withoutExemplars().register(registry);
        volumeSteps = Counter.builder().name("hasm_volume_steps_total")
                .help("Steps of volume ownership reported by the storage module, by volume and step")
                .labelNames("volume", "step").withoutExemplars().register(registry);
        fences = Counter.builder().name("hasm_fence_events_total")
                .help("What the fence agent did about the peer, by agent and outcome (unreachable, fencing, fenced,"
                        + " stopped, refused, failed, timeout, unavailable, reachable)")
                .labelNames("agent", "outcome").withoutExemplars().register(registry);
        alertFailures = Counter.builder().name("hasm_alert_failures_total")
                .help("Alerts a script or webhook of this SCM did not receive (after its retries), by alert kind")
                .labelNames("kind").withoutExemplars().register(registry);
        alertsDropped = Counter.builder().name("hasm_alerts_dropped_total")
                .help("Alerts dropped because the alerts' queue was full").withoutExemplars().register(registry);
    }

    /** Counts what an event says; topics it does not know, and malformed properties, are ignored. */
    void event(String topic, Function<String, Object> property) {
        count(topic, property);
        counted.incrementAndGet(); // after the change: a scrape that read the count before it writes again
    }

    private void count(String topic, Function<String, Object> property) {
        if (TOPIC_TRANSITION.equals(topic)) {
            String kind = text(property.apply("kind"));
            long millis = number(property.apply("millis"));
            if (kind == null || millis < 0) {
                return;
            }
            double seconds = millis / 1000.0;
            transitions.labelValues(kind).inc();
            transitionSeconds.labelValues(kind).observe(seconds);
            lastTransitionSeconds.set(seconds);
            lastTransitionTime.set(System.currentTimeMillis() / 1000.0);
        } else if (topic.startsWith(TOPIC_CALL_PREFIX)) {
            String module = text(property.apply("module"));
            String call = text(property.apply("call"));
            long millis = number(property.apply("millis"));
            if (module == null || call == null || millis < 0) {
                return;
            }
            calls.labelValues(module, call, topic.substring(TOPIC_CALL_PREFIX.length())).inc();
            callSeconds.labelValues(module, call).observe(millis / 1000.0);
        } else if (TOPIC_ADDRESS.equals(topic)) {
            String action = text(property.apply("action"));
            if (action != null) {
                String personality = text(property.apply("personality"));
                addressChanges.labelValues(personality == null ? "" : personality, action).inc();
            }
        } else if (TOPIC_FENCE.equals(topic)) {
            String outcome = text(property.apply("outcome"));
            String agent = text(property.apply("agent"));
            if (outcome != null) {
                fences.labelValues(agent == null ? "" : agent, outcome).inc();
            }
        } else if (TOPIC_ALERT_FAILED.equals(topic)) {
            String kind = text(property.apply("kind"));
            alertFailures.labelValues(kind == null ? "" : kind).inc();
        } else if (TOPIC_ALERT_DROPPED.equals(topic)) {
            long count = number(property.apply("count"));
            if (count > 0) {
                alertsDropped.inc(count);
            }
        } else if (TOPIC_VOLUME.equals(topic)) {
            String volume = text(property.apply("volume"));
            String step = text(property.apply("step"));
            if (volume == null || step == null) {
                return;
            }
            volumeSteps.labelValues(volume, step).inc();
            String owner = text(property.apply("owner"));
            long epoch = number(property.apply("epoch"));
            if (owner != null && epoch >= 0) {
                owners.put(volume, new Owner(owner, epoch));
            }
        }
    }

    /** @return the metrics in the Prometheus text format (version 0.0.4) */
    String text() {
        long version = counted.get();
        Rendered events = countedText;
        if (events == null || !events.key().equals(version)) {
            events = new Rendered(version, write(registry.scrape()));
            countedText = events;
        }
        HaController c = controller.get();
        String live = write(now(c));
        String modules = c == null ? "" : modules(c.modules());
        return new StringBuilder(live.length() + modules.length() + events.text().length()).append(live)
                .append(modules).append(events.text()).toString();
    }

    private String write(MetricSnapshots snapshots) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, snapshots);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The media type of {@link #text()}. */
    static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    // ---- what is true now ----

    /** @return what is true now, but the modules (see {@link #modules}) */
    private MetricSnapshots now(HaController c) {
        List<MetricSnapshot> out = new ArrayList<>();
        if (c != null) {
            scm(c, out);
        }
        StatusMonitor m = monitor.get();
        PeerLink l = link.get();
        if (m != null) {
            peer(m.peer(), out);
        }
        List<ChannelView> status = m == null ? List.of() : m.channels();
        List<ChannelView> linked = l == null ? List.of() : l.channels();
        channels(status, linked, out);
        volumes(out);
        requests(services.get(), out);
        return new MetricSnapshots(out);
    }

    /*
     * The requests each NAS service answered: a counter by protocol, operation and outcome, and a latency
     * histogram by protocol and operation (the outcomes of an operation added up).
     */
    static void requests(List<ServiceRequests> services, List<MetricSnapshot> out) {
        CounterSnapshot.Builder counts = CounterSnapshot.builder().name("hasm_nas_requests")
                .help("Requests answered by each NAS service, by protocol, operation and outcome (HTTP: status class;"
                        + " NFS: status)");
        HistogramSnapshot.Builder seconds = HistogramSnapshot.builder().name("hasm_nas_request_duration_seconds")
                .help("How long the NAS services took to answer requests, by protocol and operation");
        // a service that knows only totals (smbd's own counters): the time spent, without a histogram
        CounterSnapshot.Builder time = CounterSnapshot.builder().name("hasm_nas_request_time_seconds")
                .help("Time the NAS services without a latency histogram (SMB) spent answering requests, by protocol and"
                        + " operation");
        int n = ServiceRequests.BOUNDS.size();
        double[] bounds = new double[n + 1];
        for (int i = 0; i < n; i++) {
            bounds[i] = ServiceRequests.BOUNDS.get(i);
        }
        bounds[n] = Double.POSITIVE_INFINITY;
        boolean any = false;
        boolean histogram = false;
        boolean totals = false;
        for (ServiceRequests service : services) {
            String protocol;
            List<ServiceRequests.Requests> requests;
            try {
                protocol = service.protocol();
                requests = service.requests();
            } catch (RuntimeException e) {
                continue; // a service going away while scraped: its counters are gone with it
            }
            java.util.Map<String, long[]> byOperation = new java.util.TreeMap<>();
            java.util.Map<String, Double> sums = new java.util.HashMap<>();
            java.util.Map<String, Double> times = new java.util.TreeMap<>();
            for (ServiceRequests.Requests r : requests) {
                if (!r.buckets().isEmpty() && r.buckets().size() != n + 1) {
                    continue;
                }
                any = true;
                counts.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("protocol", protocol,
                        "operation", r.operation(), "outcome", r.outcome())).value(r.count()).build());
                if (r.buckets().isEmpty()) {
                    times.merge(r.operation(), r.seconds(), Double::sum);
                    continue;
                }
                long[] b = byOperation.computeIfAbsent(r.operation(), k -> new long[n + 1]);
                for (int i = 0; i <= n; i++) {
                    b[i] += r.buckets().get(i);
                }
                sums.merge(r.operation(), r.seconds(), Double::sum);
            }
            histogram |= !byOperation.isEmpty();
            totals |= !times.isEmpty();
            times.forEach((operation, t) -> time.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("protocol", protocol, "operation", operation)).value(t).build()));
            // the model's bucket counts are per bucket, not cumulative: the text writer adds them up
            byOperation.forEach((operation, b) -> seconds.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .labels(Labels.of("protocol", protocol, "operation", operation))
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, b))
                        .sum(sums.get(operation)).build()));
        }
        if (any) {
            out.add(counts.build());
        }
        if (histogram) {
            out.add(seconds.build());
        }
        if (totals) {
            out.add(time.build());
        }
    }


    private void scm(HaController c, List<MetricSnapshot> out) {
        out.add(InfoSnapshot.builder().name("hasm_scm").help("This SCM: its name, configured role and hasm version")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of("scm", c.scm(),
                        "configured_role", name(c.configuredRole()), "version", Objects.toString(c.version(), "")))
                        .build())
                .build());
        ScmState state = c.state();
        out.add(oneHot("hasm_scm_state", "This SCM's state: 1 for the current one", "state", names(ScmState.values()),
                name(state)));
        out.add(oneHot("hasm_scm_role", "This SCM's role (opMode): 1 for the current one, none before INIT", "role",
                names(OpMode.values()), name(c.opMode())));
        out.add(oneHot("hasm_scm_sysconfig", "This SCM's system configuration: 1 for the current one", "sysconfig",
                names(SysConfig.values()), name(c.sysConfig())));
        Instant since = c.since();
        if (since != null) {
            out.add(gauge("hasm_scm_state_since_timestamp_seconds", "When this SCM entered its state",
                    List.of(point(Labels.EMPTY, since.toEpochMilli() / 1000.0))));
        }
        out.add(gauge("hasm_scm_standby", "1 while this SCM stands by (serves nothing by the operator's choice)",
                List.of(point(Labels.EMPTY, c.standby() ? 1 : 0))));
        out.add(gauge("hasm_pair_maintenance", "1 while the pair takes no automatic action",
                List.of(point(Labels.EMPTY, c.maintenance() ? 1 : 0))));
        List<GaugeSnapshot.GaugeDataPointSnapshot> served = new ArrayList<>();
        for (Personality p : c.personalities()) {
            served.add(point(Labels.of("personality", p.name(), "home", p.home()), 1));
        }
        out.add(gauge("hasm_personality_served", "1 for each personality this SCM serves now, by its home SCM",
                served));
    }

    /** @return the text of the modules' status and info, written again only when one of them changed */
    private String modules(List<ModuleInfo> mods) {
        List<String> key = new ArrayList<>(mods.size() * 5);
        for (ModuleInfo mi : mods) {
            key.add(mi.name());
            key.add(name(mi.status()));
            key.add(name(mi.tier()));
            key.add(Objects.toString(mi.bundle(), ""));
            key.add(Objects.toString(mi.version(), ""));
        }
        Rendered r = modulesText;
        if (r != null && r.key().equals(key)) {
            return r.text();
        }
        List<GaugeSnapshot.GaugeDataPointSnapshot> status = new ArrayList<>();
        List<InfoSnapshot.InfoDataPointSnapshot> info = new ArrayList<>();
        for (ModuleInfo mi : mods) {
            for (ModuleStatus s : ModuleStatus.values()) {
                status.add(point(Labels.of("module", mi.name(), "status", s.name()), s == mi.status() ? 1 : 0));
            }
            info.add(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of("module", mi.name(), "tier",
                    name(mi.tier()), "bundle", Objects.toString(mi.bundle(), ""), "version",
                    Objects.toString(mi.version(), ""))).build());
        }
        InfoSnapshot.Builder modules = InfoSnapshot.builder().name("hasm_module")
                .help("Each module: its tier, bundle and version");
        info.forEach(modules::dataPoint);
        r = new Rendered(key, write(new MetricSnapshots(gauge("hasm_module_status",
                "Each module's status: 1 for the current one", status), modules.build())));
        modulesText = r;
        return r.text();
    }

    private static void peer(PeerView p, List<MetricSnapshot> out) {
        if (p == null) {
            return;
        }
        out.add(gauge("hasm_peer_alive", "1 while this SCM holds its peer alive",
                List.of(point(Labels.of("peer", p.scm()), p.alive() ? 1 : 0))));
        out.add(oneHot("hasm_peer_verdict", "Why the peer is held alive or dead: 1 for the current verdict", "verdict",
                names(Verdict.values()), name(p.verdict())));
        out.add(oneHot("hasm_peer_state", "The state the peer said last: 1 for it", "state", names(ScmState.values()),
                name(p.state())));
        if (p.lastHeard() != null) {
            out.add(gauge("hasm_peer_last_heard_timestamp_seconds", "When the peer was last heard",
                    List.of(point(Labels.EMPTY, p.lastHeard().toEpochMilli() / 1000.0))));
        }
    }

    private static void channels(List<ChannelView> status, List<ChannelView> linked, List<MetricSnapshot> out) {
        List<GaugeSnapshot.GaugeDataPointSnapshot> states = new ArrayList<>();
        List<GaugeSnapshot.GaugeDataPointSnapshot> counters = new ArrayList<>();
        for (List<ChannelView> list : List.of(status, linked)) {
            String kind = list == status ? "status" : "link";
            for (ChannelView ch : list) {
                for (ChannelStatus s : ChannelStatus.values()) {
                    states.add(point(Labels.of("channel", ch.name(), "kind", kind, "status", s.name()),
                            s == ch.status() ? 1 : 0));
                }
                counters.add(point(Labels.of("channel", ch.name(), "kind", kind), ch.counter()));
            }
        }
        out.add(gauge("hasm_channel_status", "Each channel's status (GOOD, BAD, IDLE): 1 for the current one", states));
        out.add(gauge("hasm_channel_counter", "Each status channel's counter (0: BAD)", counters));
        out.add(counter("hasm_channel_sent_messages", "Messages sent on each channel", status, linked, ChannelView::sent));
        out.add(counter("hasm_channel_received_messages", "Messages received on each channel", status, linked,
                ChannelView::received));
        out.add(counter("hasm_channel_missed_messages", "Messages the peer sent that did not arrive", status, linked,
                ChannelView::missed));
        out.add(counter("hasm_channel_rejected_messages", "Datagrams refused (strangers, forgeries, replays)", status,
                linked, ChannelView::rejected));
        out.add(counter("hasm_channel_dropped_messages", "The peer's datagrams the kernel dropped unread", status,
                linked, ChannelView::dropped));
        out.add(counter("hasm_channel_errors", "Errors on each channel", status, linked, ChannelView::errors));
    }

    private void volumes(List<MetricSnapshot> out) {
        VolumeManager vm = volumes.get();
        List<GaugeSnapshot.GaugeDataPointSnapshot> owned = new ArrayList<>();
        Map<String, Long> epochs = new java.util.TreeMap<>();
        owners.forEach((v, o) -> epochs.put(v, o.epoch()));
        if (vm != null) {
            for (Volume v : vm.volumes()) {
                owned.add(point(Labels.of("volume", v.name()), v.owned() ? 1 : 0));
                epochs.merge(v.name(), v.epoch(), Math::max);
            }
        }
        out.add(gauge("hasm_volume_owned", "1 for each volume this SCM owns and serves now (its lease holds)", owned));
        List<GaugeSnapshot.GaugeDataPointSnapshot> epoch = new ArrayList<>();
        epochs.forEach((v, e) -> epoch.add(point(Labels.of("volume", v), e)));
        out.add(gauge("hasm_volume_epoch", "Each volume's ownership epoch, as this SCM last saw it", epoch));
        InfoSnapshot.Builder owner = InfoSnapshot.builder().name("hasm_volume_owner")
                .help("Each volume's owner, as the storage module last reported it");
        new java.util.TreeMap<>(owners).forEach((v, o) -> owner.dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                .labels(Labels.of("volume", v, "owner", o.owner())).build()));
        out.add(owner.build());
    }

    // ---- helpers ----

    private static GaugeSnapshot oneHot(String name, String help, String label, List<String> values, String current) {
        List<GaugeSnapshot.GaugeDataPointSnapshot> points = new ArrayList<>();
        for (String v : values) {
            points.add(point(Labels.of(label, v), v.equals(current) ? 1 : 0));
        }
        return gauge(name, help, points);
    }

    private static GaugeSnapshot gauge(String name, String help, List<GaugeSnapshot.GaugeDataPointSnapshot> points) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        points.forEach(b::dataPoint);
        return b.build();
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot point(Labels labels, double value) {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    /* A counter the channel keeps itself: the snapshot's name has no _total, the writer adds it. */
    private static CounterSnapshot counter(String name, String help, List<ChannelView> status, List<ChannelView> linked,
            ToLongFunction<ChannelView> value) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (ChannelView ch : status) {
            b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("channel", ch.name(), "kind", "status")).value(value.applyAsLong(ch)).build());
        }
        for (ChannelView ch : linked) {
            b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("channel", ch.name(), "kind", "link")).value(value.applyAsLong(ch)).build());
        }
        return b.build();
    }

    private static List<String> names(Enum<?>[] values) {
        List<String> names = new ArrayList<>(values.length);
        for (Enum<?> v : values) {
            names.add(v.name());
        }
        return names;
    }

    private static String name(Enum<?> e) {
        return e == null ? "" : e.name();
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }

    private static long number(Object o) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        if (o instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }
}
