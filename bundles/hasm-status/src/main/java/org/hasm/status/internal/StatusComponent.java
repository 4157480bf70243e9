package org.hasm.status.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaController;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.events.EventJournal;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.FenceView;
import org.hasm.spi.peer.LinkListener;
import org.hasm.spi.peer.LinkState;
import org.hasm.spi.peer.PeerListener;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.peer.StatusMonitor;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Node;
import org.hasm.spi.storage.FenceAgent;
import org.hasm.wire.AntiReplay;
import org.hasm.wire.Keyring;
import org.hasm.wire.ReplayFloorFile;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
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
 * The SM on OSGi: a HASM module (so the controller decides when it runs: from {@code init} to
 * {@code shutDown}), the {@link StatusMonitor} service, and a {@link LinkListener} (the link tells it
 * what became of its connections to the peer: evidence). The work is done by {@link Monitor}; this
 * shell reads the configuration, feeds the monitor this SCM's state from the {@link HaController}
 * (to send it: the monitor decides nothing from it), and fans its reports out to {@link
 * PeerListener}s, EventAdmin and the log.
 *
 * <p>The configuration is typed: {@link StatusConfig}, and one {@link ChannelDefinition} per channel
 * (factory configurations read from the node at every {@code init}). The identity, the codec and the
 * incarnation come from the node ({@link Node}, {@link Keyring}). Changes other than the test-only
 * {@code fault.drop} switches take effect at the next {@code init} (the next boot of the SCM), never
 * under a running monitor.
 */
@Component(service = {HaModule.class, StatusMonitor.class, LinkListener.class, ConfigurationListener.class},
        configurationPid = StatusComponent.PID, immediate = true)
@HaModuleProperties(name = "status", tier = Tier.HASM, rank = 10)
@Designate(ocd = StatusConfig.class)
public class StatusComponent implements HaModule, StatusMonitor, LinkListener, ConfigurationListener {
    static final String PID = "org.hasm.status";
    /**
     * Event topic of an outage seen through the storage heartbeat and of its fencing: properties
     * {@code scm}, {@code peer}, {@code agent}, {@code outcome} (one of {@code unreachable},
     * {@code unavailable}, {@code fencing}, {@code fenced}, {@code stopped}, {@code refused},
     * {@code failed}, {@code timeout}, {@code reachable}).
     */
    static final String TOPIC_FENCE = "org/hasm/status/FENCE";
    /**
     * Event topic of a flood at a status channel's address: properties {@code scm}, {@code channel},
     * {@code started} (true when it began, false when it ended), {@code rejected} (datagrams refused on
     * the channel so far), {@code dropped} (datagrams of the peer's the kernel dropped so far).
     */
    static final String TOPIC_FLOOD = "org/hasm/status/FLOOD";

    /** The note of every channel while no monitor runs (before init, after shutDown). */
    static final String NOT_WATCHING = "this SCM's status monitor is not running: the peer is not watched";

    /** How long {@code init} waits for the configured fence agent to be registered and configured. */
    private static final long AGENT_WAIT_MS = 3000;
    /** The folder of {@code hasm.data.dir} that keeps the replay floor ({@link ReplayFloorFile}). */
    static final String DATA_FOLDER = "status";
    // How long init waits for the replay floor's file, and deactivation for its last write: a data
    // folder that hangs costs a start this much, then the monitor runs without (or the file stays older).
    private static final long FLOOR_WAIT_MS = 1000;

    @Reference(service = LoggerFactory.class)
    private Logger log;

    @Reference
    private Node node;

    @Reference
    private Keyring keyring;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventAdmin eventAdmin;

    // the event log, when it runs: hasm's events go to it straight, not only through Event Admin's delivery
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventJournal eventJournal;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile HaController controller;

    // Keyed by service.id, so that the order of calls is stable. Read on the receiver thread.
    private final Map<Long, PeerListener> listeners = new ConcurrentSkipListMap<>();
    // Keyed by service.id: of two agents with one name, the older registration is used. Read on a
    // fence thread.
    private final Map<Long, Agents.Agent> agents = new ConcurrentSkipListMap<>();

    private volatile StatusConfig config;
    private boolean faults;
    private volatile Settings settings;
    // Guarded by this: the controller makes one call at a time, but deactivation may race it.
    private Monitor monitor;
    private volatile Monitor running;
    // What the last monitor counted, kept when it stops so that the counts are not lost; guarded by this.
    private List<ChannelView> stoppedChannels = List.of();
    // Guarded by this. The replay floor's file I/O, on a thread of its own (created at the first init that
    // watches a peer, ended at deactivation); the newest status frame of floorPeer a monitor of this
    // process accepted: the next monitor (a RESET) starts from it even if the file could not be kept.
    private FloorKeeper floors;
    private AntiReplay.Floor floor;
    private String floorPeer;

    private final Monitor.Observer observer = new Monitor.Observer() {
        @Override
        public void peerChanged(PeerView peer) {
            for (PeerListener l : listeners.values()) {
                try {
                    l.peerChanged(peer);
                } catch (RuntimeException e) {
                    log.error("peer listener " + l.getClass().getName() + " failed", e);
                }
            }
            Map<String, Object> p = new HashMap<>();
            p.put("scm", settings.self());
            p.put("peer", peer.scm());
            p.put("alive", peer.alive());
            p.put("verdict", peer.verdict().name());
            put(p, "state", peer.state());
            put(p, "opMode", peer.opMode());
            put(p, "configuredRole", peer.configuredRole());
            p.put("incarnation", peer.incarnation());
            post(TOPIC_PEER, p);
        }

        @Override
        public void channelChanged(ChannelView channel) {
            for (PeerListener l : listeners.values()) {
                try {
                    l.channelChanged(channel);
                } catch (RuntimeException e) {
                    log.error("peer listener " + l.getClass().getName() + " failed", e);
                }
            }
            Map<String, Object> p = new HashMap<>();
            p.put("scm", settings.self());
            p.put("peer", settings.peer());
            p.put("channel", channel.name());
            p.put("status", channel.status().name());
            post(TOPIC_CHANNEL, p);
        }

        @Override
        public void fence(String agent, String outcome) {
            Map<String, Object> p = new HashMap<>();
            p.put("scm", settings.self());
            p.put("peer", settings.peer());
            p.put("agent", agent);
            p.put("outcome", outcome);
            post(TOPIC_FENCE, p);
        }

        @Override
        public void flood(String channel, boolean started, long rejected, long dropped) {
            Map<String, Object> p = new HashMap<>();
            p.put("scm", settings.self());
            p.put("channel", channel);
            p.put("started", started);
            p.put("rejected", rejected);
            p.put("dropped", dropped);
            post(TOPIC_FLOOD, p);
        }

        @Override
        public void log(Monitor.Level level, String message) {
            switch (level) {
                case DEBUG -> log.debug(message);
                case INFO -> log.info(message);
                case WARN -> log.warn(message);
                default -> log.error(message);
            }
        }
    };

    private static void put(Map<String, Object> p, String key, Enum<?> value) {
        if (value != null) { // event properties carry no nulls
            p.put(key, value.name());
        }
    }

    private void post(String topic, Map<String, Object> properties) {
        Map<String, Object> posted = EventJournal.journaled(eventJournal, topic, properties);
        EventAdmin ea = eventAdmin;
        if (ea != null) {
            ea.postEvent(new Event(topic, posted));
        }
    }

    @Activate
    void activate(BundleContext bundleContext, StatusConfig c) {
        this.config = c;
        this.faults = "true".equalsIgnoreCase(String.valueOf(bundleContext.getProperty(Settings.PROP_FAULTS)).strip());
        this.settings = settings();
        if (!settings.problems().isEmpty()) {
            // not thrown here: the node's check and this module's init report it, and the SCM goes to MONITOR
            log.error("configuration is invalid: " + String.join("; ", settings.problemLines()));
        }
        log.debug("activated: " + settings.order().size() + " channels, interval " + settings.intervalMs() + " ms");
    }

    @Modified
    void modified(StatusConfig c) {
        this.config = c;
        log.info("configuration " + PID + " changed; it takes effect at the next init");
    }

    /** The configuration as it is now: this component's, the channels', the node's identity. */
    Settings settings() {
        Configurations cs = node.configurations();
        SortedMap<String, ChannelDefinition> channels = new TreeMap<>();
        cs.factory(Settings.CHANNEL_PID).forEach((name, p) -> channels.put(name, cs.typed(ChannelDefinition.class, p)));
        return Settings.of(config, channels, node.scm(), node.peer(), node.configuredRole(), faults);
    }

    /* The test-only drop switches of the channels apply at once (the admin API's fault switch sets them). */
    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (!Settings.CHANNEL_PID.equals(event.getFactoryPid())) {
            return;
        }
        Monitor m = running;
        if (m == null) {
            return;
        }
        Settings next = settings();
        if (next.problems().isEmpty()) {
            m.drops(next);
            log.info("fault switches now " + (next.faultsEnabled() ? next.drops() : "disabled"));
        }
    }

    @Deactivate
    synchronized void deactivate() {
        stopMonitor(); // if the controller never shut us down
        if (floors != null) {
            floors.close(FLOOR_WAIT_MS); // the last monitor's floor written
            floors = null;
        }
        log.debug("deactivated");
    }

    // ---- HaModule ----

    @Override
    public synchronized void init(HaContext ctx) throws HaException {
        stopMonitor(); // a second init without shutDown: start afresh
        Settings s = settings();
        settings = s;
        if (!s.problems().isEmpty()) {
            throw new HaException("configuration: " + String.join("; ", s.problemLines()));
        }
        if (!s.watchesPeer()) {
            log.info("no status channels configured: no peer is watched (standalone SCM)");
            return;
        }
        String agentProblem = awaitAgent(s.fenceAgent());
        if (agentProblem != null) {
            throw new HaException("configuration " + PID + ": " + Settings.FENCE_AGENT + ": " + agentProblem);
        }
        if (floors == null) {
            floors = new FloorKeeper("hasm-status-floor-" + s.self(), observer::log);
        }
        ReplayFloorFile file = new ReplayFloorFile(node.dataDir().resolve(DATA_FOLDER), s.peer());
        AntiReplay.Floor from = ReplayFloorFile.newer(s.peer().equals(floorPeer) ? floor : null,
                floors.read(file, FLOOR_WAIT_MS));
        Monitor m = new Monitor(s, keyring.codec("status"), node.incarnation(), this::local, observer, this::fenceAgent,
                from);
        try {
            m.start();
        } catch (IOException e) {
            throw new HaException(e.getMessage(), e);
        }
        monitor = m;
        running = m;
        floors.watch(file, m::floor);
    }

    private Monitor.Local local() {
        HaController c = controller;
        if (c == null) {
            return new Monitor.Local(ScmState.BOOT, null, settings.role());
        }
        return new Monitor.Local(c.state(), c.opMode(), c.configuredRole());
    }

    @Override
    public synchronized void test() throws HaException {
        if (monitor != null && !monitor.running()) {
            throw new HaException("status monitor threads are not running");
        }
    }

    @Override
    public void opMode(OpMode mode, SysConfig config) {
        // Nothing to do: the sender reports the controller's state at every interval.
    }

    @Override
    public void stop() {
        // Keep sending: the peer must see us go to MONITOR or HALTED to take over at once.
        log.debug("stop: still sending status");
    }

    @Override
    public synchronized void shutDown() {
        stopMonitor();
    }

    private void stopMonitor() {
        Monitor m = monitor;
        monitor = null;
        running = null;
        if (m != null) {
            m.close();
            AntiReplay.Floor accepted = m.floor();
            if (accepted != null) {
                floor = settings.peer().equals(floorPeer) ? ReplayFloorFile.newer(floor, accepted) : accepted;
                floorPeer = settings.peer();
            }
            if (floors != null) {
                floors.flush(); // on the keeper's thread: a data folder that hangs does not hold the stop up
            }
            List<ChannelView> last = new ArrayList<>();
            for (ChannelView v : m.channels()) {
                last.add(((Views.Channel) v).idle(NOT_WATCHING));
            }
            stoppedChannels = List.copyOf(last);
        }
    }

    // ---- StatusMonitor ----

    @Override
    public List<ChannelView> channels() {
        Monitor m = running;
        if (m != null) {
            return m.channels();
        }
        // not running: not watching is no outage; the last monitor's counts if there was one
        synchronized (this) {
            if (!stoppedChannels.isEmpty()) {
                return stoppedChannels;
            }
        }
        List<ChannelView> idle = new ArrayList<>();
        for (String name : settings.order()) {
            idle.add(new Views.Channel(name, ChannelStatus.IDLE, 0, 0, 0, 0, 0, 0, 0, NOT_WATCHING));
        }
        return idle;
    }

    @Override
    public PeerView peer() {
        Monitor m = running;
        return m != null ? m.peer() : new Views.Peer(settings.peer(), org.hasm.spi.peer.Verdict.SILENT, null, null, null,
                0, null);
    }

    // ---- LinkListener ----

    @Override
    public void linkChanged(String channel, LinkState state) {
        Monitor m = running;
        if (m != null) {
            m.linkChanged(channel, state);
        }
    }

    // ---- the PeerListener whiteboard ----

    @Reference(service = PeerListener.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, unbind = "removeListener")
    void addListener(PeerListener listener, Map<String, Object> properties) {
        listeners.put((Long) properties.get(Constants.SERVICE_ID), listener);
    }

    void removeListener(PeerListener listener, Map<String, Object> properties) {
        listeners.remove((Long) properties.get(Constants.SERVICE_ID));
    }

    // ---- the FenceAgent whiteboard ----

    @Reference(service = FenceAgent.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeFenceAgent", updated = "updatedFenceAgent")
    void addFenceAgent(FenceAgent agent, Map<String, Object> properties) {
        Long id = (Long) properties.get(Constants.SERVICE_ID);
        Object name = properties.get(FenceAgent.NAME);
        if (!(name instanceof String n) || n.isBlank()) {
            // skipped, not fatal: the other agents still serve
            log.warn("fence agent " + agent.getClass().getName() + " (service " + id + ") has no "
                    + FenceAgent.NAME + " property: ignored");
            agents.remove(id);
            return;
        }
        agents.put(id, new Agents.Agent(n.trim(), agent, Agents.missing(properties)));
    }

    /**
     * Gives the configured agent a moment to be registered and configured (Declarative Services and
     * Configuration Admin deliver asynchronously at start), then judges it.
     */
    private String awaitAgent(String configured) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(AGENT_WAIT_MS);
        String problem = Agents.problem(configured, agents.values());
        for (int i = 0; problem != null && System.nanoTime() - deadline < 0 && i < 1000; i++) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            problem = Agents.problem(configured, agents.values());
        }
        return problem;
    }

    void updatedFenceAgent(FenceAgent agent, Map<String, Object> properties) {
        addFenceAgent(agent, properties);
    }

    void removeFenceAgent(FenceAgent agent, Map<String, Object> properties) {
        agents.remove((Long) properties.get(Constants.SERVICE_ID));
    }

    @Override
    public FenceView fence() {
        Settings s = settings;
        if (s == null) {
            s = settings(); // before the first init: as configured now
        }
        List<FenceView.RegisteredAgent> registered = new ArrayList<>();
        for (Agents.Agent a : agents.values()) {
            registered.add(new FenceView.RegisteredAgent(a.name(), a.agent().getClass().getName(), a.missing()));
        }
        String problem = s.watchesPeer() ? Agents.problem(s.fenceAgent(), agents.values())
                : "no status channels configured: no peer is watched, nobody is fenced";
        return new FenceView(s.self(), s.watchesPeer() ? s.peer() : null, s.fenceAgent(), s.fenceTimeoutMs(),
                s.fenceDelayMs(), List.copyOf(registered), problem);
    }

    // the fence agent's readiness check in progress, or done; guarded by fenceCheck
    private final Object fenceCheck = new Object();
    private CompletableFuture<FenceAgent.Readiness> checking;

    @Override
    public FenceAgent.Readiness testFence(Duration timeout) {
        FenceView view = fence();
        if (view.peer() == null) {
            return new FenceAgent.Readiness(false, view.problem());
        }
        if (Fencing.NONE.equals(view.agent()) && fenceAgent(Fencing.NONE) == null) {
            return new FenceAgent.Readiness(false, "fence.agent is none: nobody is fenced; a peer lost on every network"
                    + " is taken over only once its storage lease has run out");
        }
        FenceAgent agent = fenceAgent(view.agent());
        if (agent == null || view.problem() != null) {
            return new FenceAgent.Readiness(false, view.problem() != null ? view.problem()
                    : "'" + view.agent() + "': no fence agent of that name is registered");
        }
        CompletableFuture<FenceAgent.Readiness> answer;
        Thread t = null;
        synchronized (fenceCheck) {
            answer = checking;
            if (answer == null || answer.isDone()) {
                // one check at a time: a caller while one still runs (an agent that hangs) waits for that one
                // instead of leaving a thread of its own behind at every call
                CompletableFuture<FenceAgent.Readiness> fresh = new CompletableFuture<>();
                answer = fresh;
                checking = fresh;
                t = new Thread(() -> {
                    try {
                        FenceAgent.Readiness r = agent.check(view.peer());
                        fresh.complete(r != null ? r : new FenceAgent.Readiness(false, "the agent answered nothing"));
                    } catch (Exception | Error e) {
                        fresh.complete(new FenceAgent.Readiness(false, "the agent's check failed: " + e));
                    }
                }, "hasm-status-fence-check-" + view.scm());
                t.setDaemon(true);
            }
        }
        if (t != null) {
            t.start();
        }
        try {
            FenceAgent.Readiness r = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            log.info("fence agent " + view.agent() + " checked against " + view.peer() + ": "
                    + (r.ready() ? "ready" : "NOT ready") + ": " + r.detail());
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new FenceAgent.Readiness(false, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            // the check goes on in its daemon thread and ends when the agent returns; the next caller waits for it
            return new FenceAgent.Readiness(false, "the agent's check did not answer within " + timeout.toMillis()
                    + " ms (a fence in progress, or an agent that hangs)");
        }
    }

    private FenceAgent fenceAgent(String name) {
        for (Agents.Agent a : agents.values()) {
            if (a.name().equals(name)) {
                return a.agent();
            }
        }
        return null;
    }
}
