package org.hasm.storage.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.events.EventJournal;
import org.hasm.spi.node.Node;
import org.hasm.spi.peer.LinkHandler;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.storage.StorageListener;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;
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
 * The storage module on OSGi: a HASM module (rank 30: after the status monitor and the link, before
 * addresses and services), the {@link VolumeManager} service, and the link service
 * {@value Resolver#LINK_SERVICE} on which the storage modules of the pair ask each other about
 * volumes. The work is done by {@link StorageModule}; this shell reads the configuration, sends its
 * reports to EventAdmin ({@link VolumeManager#TOPIC_VOLUME}) and the log, and tells the
 * {@link StorageListener} whiteboard of the problems. The configuration is typed ({@link
 * StorageConfig}); a change takes effect at the next {@code init}.
 */
@Component(service = {HaModule.class, VolumeManager.class, LinkHandler.class}, configurationPid = StorageSettings.PID,
        immediate = true, property = LinkHandler.SERVICE + "=" + Resolver.LINK_SERVICE)
@HaModuleProperties(name = "storage", tier = Tier.HASM, rank = 30)
@Designate(ocd = StorageConfig.class)
public class StorageComponent implements HaModule, VolumeManager, LinkHandler {

    @Reference(service = LoggerFactory.class)
    private Logger log;

    @Reference
    private Node node;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventAdmin eventAdmin;

    // the event log, when it runs: hasm's events go to it straight, not only through Event Admin's delivery
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventJournal eventJournal;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PeerLink link;

    private volatile StorageSettings settings;
    // Set once in activate; read by the whiteboard callbacks, which may come before it (guarded by this there).
    private volatile StorageModule module;

    private final StorageModule.Sink sink = new StorageModule.Sink() {
        @Override
        public void event(Map<String, Object> properties) {
            Map<String, Object> posted = EventJournal.journaled(eventJournal, VolumeManager.TOPIC_VOLUME, properties);
            EventAdmin ea = eventAdmin;
            if (ea != null) {
                ea.postEvent(new Event(VolumeManager.TOPIC_VOLUME, posted));
            }
        }

        @Override
        public void log(VolumeStore.Level level, String message, Throwable error) {
            switch (level) {
                case DEBUG -> log.debug(message, error);
                case INFO -> log.info(message, error);
                case WARN -> log.warn(message, error);
                default -> log.error(message, error);
            }
        }
    };

    @Activate
    void activate(StorageConfig config) {
        settings = StorageSettings.of(config, node.scm(), node.peer());
        if (!settings.problems().isEmpty()) {
            // not thrown here: the node's check and this module's init report it, and the SCM goes to MONITOR
            log.error("configuration " + StorageSettings.PID + " is invalid: " + String.join("; ", settings.problemLines()));
        }
        StorageModule m = new StorageModule(() -> settings, sink, (question, timeout) -> {
            PeerLink l = link;
            if (l == null) {
                throw new IOException("the link module is not running");
            }
            return Resolver.decode(l.request(Resolver.LINK_SERVICE, Resolver.encode(question), timeout));
        });
        synchronized (this) {
            module = m;
            early.forEach(m::addListener);
            early.clear();
        }
        log.debug("activated: shared storage " + (settings.sharedDir() == null ? "not configured" : settings.sharedDir()));
    }

    @Modified
    void modified(StorageConfig config) {
        settings = StorageSettings.of(config, node.scm(), node.peer());
        log.info("configuration " + StorageSettings.PID + " changed; it takes effect at the next init");
    }

    @Deactivate
    void deactivate() {
        module.close(); // if the controller never shut us down: let the volumes go, stop the watchdog
        log.debug("deactivated");
    }

    // ---- the storage listeners ----

    // Listeners bound before activation; guarded by this.
    private final List<StorageListener> early = new java.util.ArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeListener")
    void addListener(StorageListener listener) {
        StorageModule m;
        synchronized (this) {
            m = module;
            if (m == null) {
                early.add(listener);
                return;
            }
        }
        m.addListener(listener);
    }

    void removeListener(StorageListener listener) {
        StorageModule m;
        synchronized (this) {
            m = module;
            early.remove(listener);
        }
        if (m != null) {
            m.removeListener(listener);
        }
    }

    // ---- the peer's storage module ----

    @Override
    public byte[] handle(byte[] payload) {
        return module.answer(payload);
    }

    // ---- HaModule ----

    @Override
    public void init(HaContext context) throws HaException {
        module.init(context);
    }

    @Override
    public void test() throws HaException {
        module.test();
    }

    @Override
    public void opMode(OpMode mode, SysConfig config) throws HaException {
        module.opMode(mode, config);
    }

    @Override
    public void stop() throws HaException {
        module.stop();
    }

    @Override
    public void shutDown() {
        module.shutDown();
    }

    // ---- VolumeManager ----

    @Override
    public Volume volume(String name) {
        return module.volume(name);
    }

    @Override
    public List<Volume> volumes() {
        return module.volumes();
    }

    @Override
    public Path sharedFolder() {
        return module.sharedFolder();
    }
}
