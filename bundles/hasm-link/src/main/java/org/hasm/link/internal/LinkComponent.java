package org.hasm.link.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.LinkHandler;
import org.hasm.spi.peer.LinkListener;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Node;
import org.hasm.wire.AntiReplay;
import org.hasm.wire.Keyring;
import org.hasm.wire.ReplayFloorFile;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The link on OSGi: a HASM module (it listens from {@code init} to {@code shutDown}; {@code stop}
 * keeps it, since the peer may still need answers while we stop) and the {@link PeerLink} service.
 * Incoming requests go to the {@link LinkHandler} whose {@value LinkHandler#SERVICE} property names
 * the service; what becomes of each channel's connection to the peer goes to every {@link
 * LinkListener} (the status monitor's: a peer whose kernel closes or refuses every connection is
 * asked about at once). The configuration is typed ({@link LinkConfig}, one {@link ChannelDefinition}
 * per channel, read from the node at every {@code init}); identity, codec and incarnation come from
 * the node. Changes take effect at the next {@code init}.
 */
@Component(service = {HaModule.class, PeerLink.class}, configurationPid = LinkComponent.PID, immediate = true)
@HaModuleProperties(name = "link", tier = Tier.HASM, rank = 20)
@Designate(ocd = LinkConfig.class)
public class LinkComponent implements HaModule, PeerLink {
    static final String PID = "org.hasm.link";

    @Reference(service = LoggerFactory.class)
    private Logger log;

    @Reference
    private Node node;

    @Reference
    private Keyring keyring;

    /** A registered handler, keyed by service.id. */
    private record Handler(String service, LinkHandler handler) {
    }

    private final Map<Long, Handler> handlers = new ConcurrentSkipListMap<>();
    // the newest frame of the peer a link of this process accepted: the next link (a RESET) starts from it
    private volatile AntiReplay.Floor floor;
    // writes the floor's file: one thread, at most one write waiting (the newest floor replaces an older one)
    private final ThreadPoolExecutor floorWriter = new ThreadPoolExecutor(1, 1,
            30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1), r -> {
                Thread t = new Thread(r, "hasm-link-floor");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardOldestPolicy());
    // Keyed by service.id; read on link threads.
    private final Map<Long, LinkListener> listeners = new ConcurrentSkipListMap<>();
    private volatile LinkConfig config;
    private volatile LinkSettings settings;
    // Guarded by this; published for the callers of PeerLink through the volatile.
    private Link link;
    private volatile Link running;

    private final Link.Log linkLog = (level, message, t) -> {
        switch (level) {
            case DEBUG -> log.debug(message, t);
            case INFO -> log.info(message, t);
            case WARN -> log.warn(message, t);
            default -> log.error(message, t);
        }
    };

    @Activate
    void activate(LinkConfig c) {
        floorWriter.allowCoreThreadTimeOut(true);
        config = c;
        settings = settings();
        if (!settings.problems().isEmpty()) {
            // not thrown here: the node's check and this module's init report it, and the SCM goes to MONITOR
            log.error("configuration is invalid: " + String.join("; ", settings.problemLines()));
        }
        log.debug("activated: " + settings.channels().size() + " channels");
    }

    @Modified
    void modified(LinkConfig c) {
        config = c;
        log.info("configuration " + PID + " changed; it takes effect at the next init");
    }

    /** The configuration as it is now: this component's, the channels', the node's identity. */
    private LinkSettings settings() {
        Configurations cs = node.configurations();
        SortedMap<String, ChannelDefinition> channels = new TreeMap<>();
        cs.factory(LinkSettings.CHANNEL_PID).forEach((name, p) -> channels.put(name, cs.typed(ChannelDefinition.class, p)));
        return LinkSettings.of(config, channels, node.scm(), node.peer());
    }

    @Deactivate
    synchronized void deactivate() {
        close();
        floorWriter.shutdown();
        try {
            floorWriter.awaitTermination(1, TimeUnit.SECONDS); // the floor told at close
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.debug("deactivated");
    }

    // ---- HaModule ----

    @Override
    public synchronized void init(HaContext context) throws HaException {
        close();
        LinkSettings s = settings();
        settings = s;
        if (!s.problems().isEmpty()) {
            throw new HaException("configuration: " + String.join("; ", s.problemLines()));
        }
        if (s.channels().isEmpty()) {
            log.info("no link channels configured: no peer to talk to (standalone SCM)");
            return;
        }
        ReplayFloorFile file = new ReplayFloorFile(node.dataDir().resolve("link"), s.peer());
        AntiReplay.Floor kept = null;
        try {
            kept = file.read();
        } catch (IOException e) {
            log.warn("the link's replay floor is not used: " + e.getMessage());
        }
        AntiReplay.Floor from = ReplayFloorFile.newer(floor, kept);
        Link l = new Link(s, keyring.codec("link"), node.incarnation(), this::find, linkLog, this::connectionChanged,
                from, f -> keepFloor(file, f));
        try {
            l.start();
        } catch (IOException e) {
            throw new HaException(e.getMessage(), e);
        }
        link = l;
        running = l;
    }

    @Override
    public synchronized void test() throws HaException {
        if (link != null && !link.running()) {
            throw new HaException("the link is not running");
        }
    }

    @Override
    public void opMode(OpMode mode, SysConfig config) {
        // The link serves every mode alike.
    }

    @Override
    public void stop() {
        log.debug("stop: still answering the peer");
    }

    @Override
    public synchronized void shutDown() {
        close();
    }

    /* The newest frame of the peer accepted: for the next link of this process, and of the next process. */
    private void keepFloor(ReplayFloorFile file, AntiReplay.Floor f) {
        floor = ReplayFloorFile.newer(floor, f);
        // written off the link's keeper thread, which reconnects the channels: a slow disk must not hold that
        // up; only the newest floor waits
        try {
            floorWriter.execute(() -> {
                try {
                    file.write(f);
                } catch (IOException e) {
                    log.warn("the link's replay floor cannot be kept in " + file.file() + ": " + e.getMessage()
                            + " (after a restart, frames recorded before it could be taken again)");
                }
            });
        } catch (RejectedExecutionException e) {
            // deactivated: the memory floor is gone with the component, the file keeps the last one written
        }
    }

    private void close() {
        Link l = link;
        link = null;
        running = null;
        if (l != null) {
            l.close();
        }
    }

    // ---- PeerLink ----

    private Link link() throws IOException {
        Link l = running;
        if (l == null) {
            throw new IOException(settings.channels().isEmpty() ? "no link channels are configured"
                    : "the link is not running (the module is not initialised)");
        }
        return l;
    }

    @Override
    public byte[] request(String service, byte[] payload, Duration timeout) throws IOException {
        return link().request(service, payload, timeout);
    }

    @Override
    public void send(String service, byte[] payload) throws IOException {
        link().send(service, payload);
    }

    @Override
    public List<ChannelView> channels() {
        Link l = running;
        if (l != null) {
            return l.channels();
        }
        // not running is no network fault
        return settings.channels().stream().<ChannelView>map(c -> new Route.View(c.name(), ChannelStatus.IDLE, 0, 0, 0,
                0, 0, 0, "this SCM's link is not running")).toList();
    }

    // ---- the LinkListener whiteboard ----

    private void connectionChanged(String channel, org.hasm.spi.peer.LinkState state) {
        for (LinkListener l : listeners.values()) {
            try {
                l.linkChanged(channel, state);
            } catch (RuntimeException e) {
                log.error("link listener " + l.getClass().getName() + " failed", e);
            }
        }
    }

    @Reference(service = LinkListener.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, unbind = "removeListener")
    void addListener(LinkListener listener, Map<String, Object> properties) {
        listeners.put((Long) properties.get(Constants.SERVICE_ID), listener);
    }

    void removeListener(LinkListener listener, Map<String, Object> properties) {
        listeners.remove((Long) properties.get(Constants.SERVICE_ID));
    }

    // ---- the LinkHandler whiteboard ----

    private LinkHandler find(String service) {
        for (Handler h : handlers.values()) { // lowest service.id first: the first registered wins
            if (h.service().equals(service)) {
                return h.handler();
            }
        }
        return null;
    }

    @Reference(service = LinkHandler.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeHandler", updated = "updatedHandler")
    void addHandler(LinkHandler handler, Map<String, Object> properties) {
        Long id = (Long) properties.get(Constants.SERVICE_ID);
        Object service = properties.get(LinkHandler.SERVICE);
        if (!(service instanceof String name) || name.isBlank()) {
            log.warn("link handler " + handler.getClass().getName() + " (service.id " + id + ") has no "
                    + LinkHandler.SERVICE + " property: ignored");
            handlers.remove(id);
            return;
        }
        Handler h = new Handler(name.trim(), handler);
        if (handlers.values().stream().anyMatch(o -> o.service().equals(h.service()) && o.handler() != handler)) {
            log.warn("link service '" + h.service() + "' has several handlers; the first registered answers");
        }
        handlers.put(id, h);
    }

    void updatedHandler(LinkHandler handler, Map<String, Object> properties) {
        addHandler(handler, properties);
    }

    void removeHandler(LinkHandler handler, Map<String, Object> properties) {
        handlers.remove((Long) properties.get(Constants.SERVICE_ID));
    }
}
