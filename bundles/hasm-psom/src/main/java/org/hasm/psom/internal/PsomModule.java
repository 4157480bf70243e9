package org.hasm.psom.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.node.Node;
import org.hasm.spi.peer.LinkHandler;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.peer.PeerListener;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.shared.SharedObjectException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * PSOM on OSGi: a HASM module (rank 25: after the link it talks over, before the storage and the
 * services that use it), the {@code psom} link service and a listener of the status monitor. The
 * {@link org.hasm.spi.shared.SharedObjects} service itself is {@link BundleSharedObjects}, one per
 * using bundle, which calls the {@link Psom} core held here.
 *
 * <p>Lifecycle: {@code init} loads the persistent objects from {@code <data>/psom} (volatile ones are
 * gone after a boot); {@code opMode} sets the role: MASTER (DEGRADED: the peer's locks are released
 * and the term raised), SLAVE (resynchronises with the MASTER first; a SLAVE that cannot is a failed
 * HASM module, so the SCM does not serve stale objects); {@code stop} leaves it working alone (MONITOR);
 * {@code shutDown} ends it. From {@code init} on, tombstones older than {@code tombstone.lifetime.ms}
 * are pruned in the background ({@link Psom#prune}). A MASTER that sees its SLAVE serving again
 * after a "dead" verdict, no replica, asks it to resynchronise ({@link Psom#peerServing}).
 */
@Component(service = {HaModule.class, LinkHandler.class, PeerListener.class, PsomModule.class},
        configurationPid = PsomModule.PID, immediate = true, property = LinkHandler.SERVICE + "=" + PsomModule.LINK_SERVICE)
@HaModuleProperties(name = "psom", tier = Tier.HASM, rank = 25)
@Designate(ocd = PsomConfig.class)
public class PsomModule implements HaModule, LinkHandler, PeerListener {
    static final String PID = "org.hasm.psom";
    static final String LINK_SERVICE = "psom";

    @Reference(service = LoggerFactory.class)
    private Logger log;

    @Reference
    private Node node;

    @Reference
    private PeerLink link;

    private volatile PsomConfig config;
    // what is wrong with it, or null; init fails with it
    private volatile String configProblem;
    // Set by init, cleared by shutDown; the lifecycle calls are serialised by the controller and by this.
    private volatile Psom core;
    // The peer's incarnation last seen, to tell a restart; status monitor thread only.
    private long peerIncarnation;

    /** The shortest tombstone lifetime accepted, whatever the write timeout. */
    static final long MIN_TOMBSTONE_LIFETIME_MS = 60_000;

    @Activate
    void activate(PsomConfig c) {
        configured(c);
        log.debug("activated");
    }

    @Modified
    void modified(PsomConfig c) {
        configured(c);
        log.info("configuration " + PID + " changed; it takes effect at the next init");
    }

    private void configured(PsomConfig c) {
        String problem = problem(c);
        if (problem != null) {
            // not thrown here: init fails with it, and the controller puts the SCM in MONITOR
            log.error("configuration " + PID + " is invalid: " + problem);
        }
        configProblem = problem;
        config = c;
    }

    /**
     * @return what is wrong with the configuration, naming the property, or {@code null}: a tombstone
     *     lifetime too short to outlast every copy of an object still in flight (see {@link Psom#prune})
     */
    static String problem(PsomConfig c) {
        if (c.request_timeout_ms() > c.write_timeout_ms()) {
            // one request to a silent peer would hold a write past the time it may take at most
            return PID + ": request.timeout.ms=" + c.request_timeout_ms() + " is longer than write.timeout.ms="
                    + c.write_timeout_ms() + ": a write waits at most write.timeout.ms, one request included";
        }
        long least = Math.max(MIN_TOMBSTONE_LIFETIME_MS, 10 * c.write_timeout_ms());
        if (c.tombstone_lifetime_ms() < least) {
            return PID + ": tombstone.lifetime.ms=" + c.tombstone_lifetime_ms() + " is below " + least + " (at least "
                    + MIN_TOMBSTONE_LIFETIME_MS + " ms and ten times write.timeout.ms=" + c.write_timeout_ms() + ")";
        }
        return null;
    }

    @Deactivate
    synchronized void deactivate() {
        close();
        log.debug("deactivated");
    }

    /** @return the core, or {@code null} when the module is not initialised */
    Psom core() {
        return core;
    }

    // ---- HaModule ----

    @Override
    public synchronized void init(HaContext context) throws HaException {
        close();
        if (configProblem != null) {
            throw new HaException("configuration " + configProblem);
        }
        PsomConfig c = config;
        Psom.Log psomLog = new Psom.Log() {
            @Override
            public void info(String message) {
                log.info(message);
            }

            @Override
            public void warn(String message) {
                log.warn(message);
            }
        };
        String peer = node.peer();
        Psom.Peer overLink = new Psom.Peer() {
            @Override
            public byte[] request(byte[] payload, Duration timeout) throws IOException {
                return link.request(LINK_SERVICE, requirePeer(payload), timeout);
            }

            @Override
            public void send(byte[] payload) throws IOException {
                link.send(LINK_SERVICE, requirePeer(payload));
            }

            private byte[] requirePeer(byte[] payload) throws IOException {
                if (peer == null) {
                    throw new IOException(node.scm() + " runs standalone: no peer");
                }
                return payload;
            }
        };
        Psom p = new Psom(node.scm(), peer == null ? "(no peer)" : peer, new ObjectStore(node.dataDir(), Halt::at),
                overLink, psomLog, Duration.ofMillis(c.request_timeout_ms()), Duration.ofMillis(c.write_timeout_ms()),
                Duration.ofMillis(c.tombstone_lifetime_ms()), peer == null);
        try {
            List<String> problems = p.load();
            problems.forEach(m -> log.error("PSOM: " + m));
            log.info("PSOM loaded " + p.size() + " persistent objects and " + p.tombstones() + " tombstones from "
                    + node.dataDir().resolve("psom") + ", term " + p.term() + ", pruning generation "
                    + p.pruned().generation());
        } catch (IOException e) {
            p.close();
            throw new HaException("PSOM cannot load its objects: " + e.getMessage(), e);
        }
        p.startPruning();
        core = p;
    }

    @Override
    public void test() throws HaException {
        if (core == null) {
            throw new HaException("PSOM is not initialised");
        }
    }

    @Override
    public synchronized void opMode(OpMode mode, SysConfig sys) throws HaException {
        Psom p = core;
        if (p == null) {
            throw new HaException("PSOM is not initialised");
        }
        try {
            if (mode == OpMode.MASTER) {
                p.master(sys == SysConfig.DEGRADED);
            } else if (sys == SysConfig.ASSUMEDAC) {
                // INIT(slave): standing by or awaiting PROCEED, nothing served. The peer may not be MASTER
                // yet (a handover tells it so only after this call returns): the resynchronisation waits
                // for opMode(SLAVE, DAC), before any service on this SCM serves again.
                p.alone();
            } else {
                p.slave();
            }
        } catch (IOException | SharedObjectException e) {
            throw new HaException("PSOM as " + mode + " (" + sys + "): " + e.getMessage(), e);
        }
        log.info("PSOM runs as " + mode + " (" + sys + "), term " + p.term() + ", " + p.size() + " objects"
                + (p.peerReplica() ? ", the peer is a replica" : ""));
    }

    @Override
    public void stop() {
        Psom p = core;
        if (p != null) {
            p.alone();
            log.info("PSOM stopped: works alone on this SCM until its next opMode");
        }
    }

    @Override
    public synchronized void shutDown() {
        close();
    }

    private void close() {
        Psom p = core;
        core = null;
        if (p != null) {
            p.close();
        }
    }

    // ---- the peer ----

    @Override
    public byte[] handle(byte[] payload) throws Exception {
        Psom p = core;
        if (p == null) {
            throw new IOException("PSOM on " + node.scm() + " is not running");
        }
        return p.handle(payload);
    }

    @Override
    public void peerChanged(PeerView peer) {
        Psom p = core;
        long seen = peer.incarnation();
        boolean restarted = seen != 0 && peerIncarnation != 0 && seen != peerIncarnation;
        if (seen != 0) {
            peerIncarnation = seen;
        }
        if (p == null) {
            return;
        }
        if (!peer.alive() || restarted) {
            p.peerGone(restarted ? "it restarted" : "it is dead (" + peer.verdict() + ")");
        }
        // a SLAVE found dead a moment while the pair stays in DAC gets no opMode to resynchronise it:
        // the MASTER asks it (in the background, this thread only notes it)
        p.peerServing(peer.alive() && peer.state() == ScmState.DAC && peer.opMode() == OpMode.SLAVE);
    }
}
