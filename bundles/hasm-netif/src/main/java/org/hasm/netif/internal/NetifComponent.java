package org.hasm.netif.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.hasm.netif.internal.Observer.Level;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.events.EventJournal;
import org.hasm.spi.storage.VolumeManager;
import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
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
 * The virtual address module on OSGi. Rank 40 in the HASM tier: after storage (30), so a volume is
 * ours before clients are told where to find it, and before every service, which binds the
 * addresses. Giving work away runs in reverse: services let go first, then the addresses go down.
 * The work is done by {@link Addresses}; this shell reads the configuration, picks the driver and
 * routes events to EventAdmin and lines to the log.
 *
 * <p>It also provides {@link AddressReadiness}, through which services learn when they can listen on
 * a personality's address ({@link Readiness}, told of every change of the addresses). The service is
 * registered by hand, as a factory, so that each bundle gets a view of its own whose waits end when
 * it lets the service go; it lives as long as this component, and its waits are cancelled when the
 * addresses are given away or the component goes.
 *
 * <p>Configuration changes take effect at the next {@code init} (the next boot of the SCM), never
 * under addresses that are up.
 */
@Component(service = HaModule.class, configurationPid = NetifComponent.PID, immediate = true)
@HaModuleProperties(name = "netif", tier = Tier.HASM, rank = 40)
@Designate(ocd = NetifConfig.class)
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=org.hasm.spi.address.AddressReadiness",
        uses = AddressReadiness.class)
public class NetifComponent implements HaModule {
    static final String PID = "org.hasm.netif";
    /** The folder of the connection lists in the shared storage. */
    static final String CONNECTIONS = "connections";

    @Reference(service = LoggerFactory.class)
    private Logger log;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventAdmin eventAdmin;

    // the event log, when it runs: hasm's events go to it straight, not only through Event Admin's delivery
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventJournal eventJournal;

    // The storage module tells where the shared storage is, for the lists of TCP connections; asked at
    // init. Registered before any init, as every module is (the controller waits for all of them).
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile VolumeManager storage;

    private volatile Settings settings = Settings.loopback();
    // Set by activate, before this component is registered or called; ended by deactivate.
    private Readiness readiness;
    private ServiceRegistration<AddressReadiness> readinessRegistration;
    // Guarded by this: set by init, cleared by shutDown or deactivation.
    private HaContext context;
    private Addresses addresses;
    // Guarded by this: linux mode with tickles on and possible; set by init, closed with the addresses.
    private Tickles tickles;

    private final Observer observer = new Observer() {
        @Override
        public void event(String topic, Map<String, Object> properties) {
            Map<String, Object> posted = EventJournal.journaled(eventJournal, topic, properties);
            EventAdmin ea = eventAdmin;
            if (ea != null) {
                ea.postEvent(new Event(topic, posted));
            }
        }

        @Override
        public void log(Level level, String message) {
            switch (level) {
                case DEBUG -> log.debug(message);
                case INFO -> log.info(message);
                case WARN -> log.warn(message);
                default -> log.error(message);
            }
        }
    };

    @Activate
    void activate(BundleContext bundleContext, NetifConfig config) {
        settings = Settings.of(config);
        if (!settings.problems().isEmpty()) {
            // not thrown here: init reports it, and the controller puts the SCM in MONITOR
            log.error("configuration " + PID + " is invalid: " + String.join("; ", settings.problemLines()));
        }
        readiness = new Readiness(observer);
        readinessRegistration = bundleContext.registerService(AddressReadiness.class, new ServiceFactory<>() {
            @Override
            public AddressReadiness getService(Bundle bundle, ServiceRegistration<AddressReadiness> registration) {
                return readiness.client(bundle.getSymbolicName());
            }

            @Override
            public void ungetService(Bundle bundle, ServiceRegistration<AddressReadiness> registration,
                    AddressReadiness service) {
                ((Readiness.Client) service).release();
            }
        }, null);
        log.debug("activated in " + mode(settings) + " mode");
    }

    @Modified
    void modified(NetifConfig config) {
        Settings next = Settings.of(config);
        if (!next.problems().isEmpty()) {
            log.error("configuration " + PID + " rejected: " + String.join("; ", next.problemLines()));
            return;
        }
        settings = next;
        log.info("configuration " + PID + " updated; it takes effect at the next init");
    }

    @Deactivate
    synchronized void deactivate() {
        // The controller normally stopped us already; if not, addresses must not outlive the bundle.
        close();
        readinessRegistration.unregister();
        readiness.close();
        log.debug("deactivated");
    }

    @Override
    public synchronized void init(HaContext ctx) throws HaException {
        close(); // a second init without shutDown: start afresh
        Settings s = settings;
        if (!s.problems().isEmpty()) {
            throw new HaException("configuration " + PID + ": " + String.join("; ", s.problemLines()));
        }
        Driver driver = s.mode() == Settings.Mode.LINUX ? new LinuxDriver(s) : new LoopbackDriver();
        Tickles t = s.mode() == Settings.Mode.LINUX ? tickles(ctx.scm(), s) : null;
        Addresses.Book book = t == null ? readiness::serving : (scm, wanted, up) -> {
            readiness.serving(scm, wanted, up);
            t.serving(scm, wanted, up);
        };
        Addresses a = new Addresses(ctx.scm(), mode(s), driver, observer, Addresses.DEFAULT_RETRY_MS, book);
        try {
            a.check(ctx.personalities());
            a.clearLeftovers();
        } catch (HaException | RuntimeException e) {
            a.close();
            if (t != null) {
                t.close();
            }
            throw e;
        }
        if (t != null) {
            t.start();
        }
        context = ctx;
        addresses = a;
        tickles = t;
        log.info("addresses in " + mode(s) + " mode" + (s.mode() == Settings.Mode.LINUX
                ? " on " + s.device() + (s.commandPrefix().isEmpty() ? "" : " through '" + String.join(" ", s.commandPrefix()) + "'")
                : ""));
    }

    @Override
    public synchronized void test() throws HaException {
        running().selfTest();
    }

    @Override
    public synchronized void opMode(OpMode mode, SysConfig config) throws HaException {
        Addresses a = running();
        a.serve(context.personalities());
        log.debug(mode + "/" + config + ": serving " + a.serving());
    }

    @Override
    public synchronized void stop() throws HaException {
        if (addresses != null) {
            addresses.release();
        }
    }

    @Override
    public synchronized void shutDown() throws HaException {
        Addresses a = addresses;
        addresses = null;
        context = null;
        try {
            if (a != null) {
                try {
                    a.release(); // stop() normally did it already
                } finally {
                    a.close();
                }
            }
        } finally {
            closeTickles();
        }
    }

    private Addresses running() throws HaException {
        if (addresses == null) {
            throw new HaException("not initialised");
        }
        return addresses;
    }

    private void close() {
        Addresses a = addresses;
        addresses = null;
        context = null;
        if (a != null) {
            try {
                a.release();
            } catch (HaException e) {
                log.error("addresses left up: " + e.getMessage());
            } finally {
                a.close();
            }
        }
        closeTickles();
    }

    private void closeTickles() {
        Tickles t = tickles;
        tickles = null;
        if (t != null) {
            t.close();
        }
    }

    /**
     * @return TCP tickles for linux mode, not started; or {@code null}, said once in the log, when
     *     they are off or cannot work here
     */
    private Tickles tickles(String scm, Settings s) {
        Settings.Tickle config = s.tickle();
        if (!config.enabled()) {
            log.info("TCP tickles off (" + Settings.TICKLE_ENABLED + "=false)");
            return null;
        }
        if (!s.commandPrefix().isEmpty()) {
            // the kernel's connection table and a raw socket are those of the JVM's own namespace
            log.warn("TCP tickles off: the addresses are handled through " + Settings.COMMAND_PREFIX
                    + ", in another network namespace than this SCM's own");
            return null;
        }
        Path dir = connectionDir();
        if (dir == null) {
            log.warn("TCP tickles off: no shared storage to keep the connection lists on (shared.dir of "
                    + "org.hasm.storage is not set)");
            return null;
        }
        Tickles.Sender sender;
        try {
            sender = RawSocket.open();
        } catch (IOException e) {
            log.warn("TCP tickles off: " + e.getMessage());
            return null;
        } catch (LinkageError e) {
            log.warn("TCP tickles off: JNA (bundle com.sun.jna) cannot be loaded: " + e);
            return null;
        }
        log.info("TCP tickles on: connections of the served addresses read every " + config.intervalMs()
                + " ms, at most " + config.maxConnections() + ", listed in " + dir);
        return new Tickles(scm, dir, TcpTable.PROC_NET, config.intervalMs(), Tickles.LISTEN_WAIT_MS,
                config.maxConnections(), sender, observer);
    }

    /** @return {@code connections} in the storage module's shared folder, or {@code null} if there is none */
    private Path connectionDir() {
        VolumeManager s = storage;
        Path shared = s == null ? null : s.sharedFolder();
        return shared == null ? null : shared.resolve(CONNECTIONS);
    }

    private static String mode(Settings s) {
        return s.mode().name().toLowerCase(Locale.ROOT);
    }
}
