package org.hasm.ups.internal;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.peer.StatusMonitor;
import org.hasm.spi.power.PowerMonitor;
import org.hasm.spi.power.PowerStatus;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
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
 * The UPS module on OSGi: a HASM module (rank 80, after storage and addresses; it holds no resource)
 * that watches the pair's UPS through upsd from {@code init} to {@code shutDown} and shuts the pair down
 * in order when the power fails ({@link Policy}). Off unless configured: without a configuration
 * {@code org.hasm.ups} the component is not activated and no module is registered. A configuration with
 * a wrong value makes {@code init} fail naming the key, which puts the SCM in MONITOR; {@code hasm check}
 * refuses it before ({@link UpsCheck}). A changed configuration replaces the component (Declarative
 * Services deactivates and activates it), so the controller stops the old module and brings the new one up.
 *
 * <p>It keeps watching after {@code stop} (a FAULT, a surrender): an SCM that serves nothing still takes
 * its MASTER's order and shuts itself down when left alone on battery.
 */
@Component(service = {HaModule.class, PowerMonitor.class}, configurationPid = UpsComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@HaModuleProperties(name = "ups", tier = Tier.HASM, rank = 80)
@Designate(ocd = UpsConfig.class)
public class UpsComponent implements HaModule, PowerMonitor {
    static final String PID = "org.hasm.ups";

    private final Logger log;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventAdmin eventAdmin;

    // the event log, when it runs: hasm's events go to it straight, not only through Event Admin's delivery
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventJournal eventJournal;

    // The controller that calls this module: it says the role and carries the shutdowns out.
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile HaController controller;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile StatusMonitor statusMonitor;

    private final Settings settings;
    // Written under this (init, shutDown, deactivation); volatile so that status() reads it without
    // waiting for a shutDown that joins the watcher's thread.
    private volatile Watcher watcher;
    // What the last watcher saw, once it ended; null before.
    private volatile PowerStatus stopped;
    // Written by init, read by the watcher's thread for its events.
    private volatile String scm = "?";

    @Activate
    public UpsComponent(UpsConfig config, @Reference(name = "logger", service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.settings = Settings.of(config);
        if (!settings.problems().isEmpty()) {
            // not thrown here: init reports it, and the controller puts the SCM in MONITOR
            log.error("configuration " + PID + " is invalid: " + String.join("; ", settings.problemLines()));
        } else {
            log.debug("UPS watch configured: " + settings);
        }
    }

    @Deactivate
    synchronized void deactivate() {
        close(); // if the controller never got to shut us down
    }

    @Override
    public synchronized void init(HaContext ctx) throws HaException {
        close();
        if (!settings.problems().isEmpty()) {
            throw new HaException("configuration " + PID + ": " + String.join("; ", settings.problemLines()));
        }
        scm = ctx.scm();
        watcher = new Watcher(settings, host, Clock.systemUTC());
        watcher.start();
        log.info("watching UPS " + settings);
    }

    @Override
    public synchronized void test() throws HaException {
        if (watcher == null) {
            throw new HaException("the UPS watcher is not running (no init)");
        }
        // upsd not answering is no failure of this SCM: it is reported and tried again
    }

    @Override
    public void opMode(OpMode mode, SysConfig config) {
        // the role is asked of the controller at every decision
    }

    @Override
    public void stop() {
        // keeps watching: see the class comment
    }

    @Override
    public synchronized void shutDown() {
        close();
    }

    @Override
    public PowerStatus status() {
        Watcher w = watcher;
        PowerStatus last = stopped;
        if (w == null && last != null) {
            return last;
        }
        return w == null ? new PowerStatus(settings.rules().ups(), false, List.of(), null, null, "UPS "
                + settings.rules().ups() + ": not watched" + (settings.problems().isEmpty() ? " (the module is not"
                + " running)" : " (configuration " + PID + " is invalid: " + String.join("; ", settings.problemLines())
                + ")"), null) : w.status();
    }

    private void close() {
        if (watcher != null) {
            watcher.close();
            PowerStatus last = watcher.status();
            // what it saw last stays visible, a HALTED SCM's operator wants to know why
            stopped = new PowerStatus(last.ups(), false, last.flags(), last.batteryCharge(), last.alarm(),
                    "UPS " + settings.rules().ups() + ": not watched since the module shut down; last seen: "
                            + last.line().substring(last.line().indexOf(": ") + 2), last.lastReading());
            watcher = null;
        }
    }

    private final Watcher.Host host = new Watcher.Host() {
        @Override
        public Policy.Role role() {
            HaController c = controller;
            if (c == null) {
                return Policy.Role.FOLLOWER;
            }
            ScmState state = c.state();
            return c.opMode() == OpMode.MASTER && (state == ScmState.DAC || state == ScmState.DEGRADED)
                    ? Policy.Role.MASTER : Policy.Role.FOLLOWER;
        }

        @Override
        public boolean peerAlive() {
            PeerView p = peerView();
            return p != null && p.alive();
        }

        @Override
        public String peer() {
            PeerView p = peerView();
            return p == null ? null : p.scm();
        }

        private PeerView peerView() {
            StatusMonitor sm = statusMonitor;
            PeerView p = sm == null ? null : sm.peer();
            return p == null || p.scm() == null ? null : p;
        }

        @Override
        public void orderPeer(String peer, String reason) {
            HaController c = controller;
            if (c == null) {
                throw new IllegalStateException("the controller is not running");
            }
            c.peerCommand(peer, "shutdown", reason);
        }

        @Override
        public void haltSelf(String reason) {
            HaController c = controller;
            if (c == null) {
                throw new IllegalStateException("the controller is not running");
            }
            c.shutdown(reason);
        }

        @Override
        public void event(String topic, String message, Reading last) {
            boolean warn = topic.startsWith("SHUTDOWN") || topic.equals("CONNECTION_LOST")
                    || topic.equals("ORDER_FAILED") || topic.equals("GRACE") || topic.equals("AWAIT_ORDER");
            if (warn) {
                log.warn(message);
            } else {
                log.info(message);
            }
            Map<String, Object> props = new HashMap<>();
            props.put("scm", scm);
            props.put("ups", settings.rules().ups());
            props.put("message", message);
            if (last != null) {
                props.put("flags", String.join(" ", last.flagList()));
                if (last.charge() != null) {
                    props.put("batteryCharge", last.charge());
                }
                if (last.alarm() != null) {
                    props.put("alarm", last.alarm());
                }
            }
            Map<String, Object> posted = EventJournal.journaled(eventJournal, TOPIC_PREFIX + topic, props);
            EventAdmin ea = eventAdmin;
            if (ea != null) {
                ea.postEvent(new Event(TOPIC_PREFIX + topic, posted));
            }
        }

        @Override
        public void failed(String message, Throwable t) {
            if (t == null) {
                log.error(message);
            } else {
                log.error(message, t);
            }
        }
    };
}
