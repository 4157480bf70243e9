package org.hasm.node.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Node;
import org.hasm.spi.node.NodeListener;
import org.hasm.wire.Frame;
import org.hasm.wire.FrameCodec;
import org.hasm.wire.Incarnation;
import org.hasm.wire.Keyring;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.condition.Condition;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The node on OSGi: the {@link Node} service, the {@link Keyring} (the cluster key never leaves this
 * bundle), and the first HASM module (rank 0): its {@code init} checks every configuration of the
 * node again and draws the incarnation of the boot, which the status monitor and the link then
 * send, so that a RESET shows the peer a new incarnation as a restart does.
 *
 * <p>It activates once the configuration was checked ({@link ConfigurationChecker}'s gate) and
 * stays up while the configuration changes: a change (Configuration Admin's event) is checked at
 * once, and what is wrong goes to the {@link NodeListener}s (the controller, which goes to MONITOR).
 * A change of the node's own configuration restarts it, and with it everything that uses the node.
 */
@Component(configurationPid = Node.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = {Node.class, HaModule.class, Keyring.class, ConfigurationListener.class})
@HaModuleProperties(name = "node", tier = Tier.HASM, rank = 0)
@Designate(ocd = NodeConfig.class)
public class NodeComponent implements Node, HaModule, Keyring, ConfigurationListener {

    @Reference(service = LoggerFactory.class)
    private Logger log;

    @Reference
    private ConfigurationChecker checker;

    @Reference(target = "(" + Condition.CONDITION_ID + "=" + ConfigurationChecker.CONDITION_ID + ")")
    private Condition checked;

    // Keyed by service.id.
    // fetched only to be told, then given back: see addListener
    private final Map<Long, ComponentServiceObjects<NodeListener>> listeners = new ConcurrentSkipListMap<>();

    /** Framework property: the test-only switches (with {@link #PROP_WIRE_NEXT}). */
    static final String PROP_FAULTS = "hasm.faults.enabled";
    /**
     * Framework property, test only (honoured with {@code hasm.faults.enabled=true}): every codec
     * stands in for the next release, speaking wire versions up to {@code CURRENT + 1} and adding an
     * extension field (tag {@value #NEXT_FIELD}) this release does not know.
     */
    static final String PROP_WIRE_NEXT = "hasm.faults.wire.next";
    static final int NEXT_FIELD = 200;

    private NodeState state;
    // Set at activation.
    private boolean next;
    private volatile long incarnation;
    // Written under this; read by anyone.
    private volatile Checker.Result last = new Checker.Result(List.of(), Map.of());
    // The personalities of the last sound check, to tell the listeners when they change (guarded by this).
    private List<Personality> lastPersonalities;

    @Activate
    void activate(NodeConfig config, BundleContext context) {
        next = "true".equals(context.getProperty(PROP_FAULTS)) && "true".equals(context.getProperty(PROP_WIRE_NEXT));
        if (next) {
            log.warn("test only (" + PROP_WIRE_NEXT + "): this SCM speaks wire versions " + FrameCodec.MIN_SUPPORTED
                    + ".." + (FrameCodec.CURRENT + 1) + " with an extension field of its own, as a next release would");
        }
        Identity identity = Identity.of(config, NodeState.IGNORED);
        state = new NodeState(identity, this::view);
        Checker.Result result = checker.check();
        synchronized (this) {
            last = result;
            lastPersonalities = state.personalities();
        }
        log.info("node " + identity.scm() + " (configured " + identity.role() + ", "
                + (identity.peer() == null ? "standalone" : "peer " + identity.peer()) + "), data in "
                + identity.dataDir() + (result.problems().isEmpty() ? ""
                        : "; the configuration is wrong: " + String.join("; ", result.problems())));
    }

    private ConfigView view() {
        try {
            ConfigView fresh = checker.view();
            return new ConfigView(this, fresh.entries());
        } catch (IOException e) {
            throw new IllegalStateException("the configurations cannot be read: " + e.getMessage(), e);
        }
    }

    // ---- Node ----

    @Override
    public String scm() {
        return state.scm();
    }

    @Override
    public String peer() {
        return state.peer();
    }

    @Override
    public OpMode configuredRole() {
        return state.configuredRole();
    }

    @Override
    public Path dataDir() {
        return state.dataDir();
    }

    @Override
    public long incarnation() {
        return incarnation;
    }

    @Override
    public List<Personality> personalities() {
        return state.personalities();
    }

    @Override
    public Configurations configurations() {
        return view();
    }

    @Override
    public List<String> problems() {
        return last.problems();
    }

    @Override
    public Map<String, String> timing() {
        return last.timing();
    }

    // ---- Keyring ----

    @Override
    public FrameCodec codec(String purpose) {
        Identity id = state.identity();
        if (id.key() == null) {
            throw new IllegalStateException(id.keyProblem());
        }
        if (next) {
            return new FrameCodec(id.key().derive(purpose), FrameCodec.MIN_SUPPORTED, FrameCodec.CURRENT + 1,
                    new Frame.Fields().add(NEXT_FIELD, ("a field of the next release for " + purpose)
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toByteArray());
        }
        return new FrameCodec(id.key().derive(purpose));
    }

    // ---- HaModule ----

    @Override
    public void init(HaContext context) throws HaException {
        Checker.Result result = recheck();
        if (!result.problems().isEmpty()) {
            throw new HaException("configuration: " + String.join("; ", result.problems()));
        }
        Path dir = state.dataDir();
        try {
            incarnation = Incarnation.next(dir.resolve(Incarnation.FILE));
        } catch (IOException e) {
            throw new HaException("incarnation: " + e.getMessage(), e);
        }
        log.info("node " + state.scm() + ": boot incarnation " + incarnation);
    }

    @Override
    public void test() {
        // the checks of init are the test
    }

    @Override
    public void opMode(OpMode mode, SysConfig config) {
        // the node serves every mode alike
    }

    @Override
    public void stop() {
        // nothing served
    }

    @Override
    public void shutDown() {
        // the incarnation stays until the next init draws another
    }

    // ---- configuration changes ----

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        // on Configuration Admin's event thread: one change at a time
        recheck();
    }

    /** Checks again; tells the listeners when what is wrong changed, and when the personalities of a sound configuration did. */
    private Checker.Result recheck() {
        Checker.Result result = checker.check();
        List<String> before;
        List<Personality> personalities = result.problems().isEmpty() ? state.personalities() : null;
        boolean personalitiesChanged;
        synchronized (this) {
            before = last.problems();
            last = result;
            personalitiesChanged = personalities != null && !personalities.equals(lastPersonalities);
            if (personalitiesChanged) {
                lastPersonalities = personalities;
            }
        }
        if (personalitiesChanged) {
            tell(l -> l.personalitiesChanged(personalities));
        }
        if (!before.equals(result.problems())) {
            if (result.problems().isEmpty()) {
                log.info("node " + state.scm() + ": the configuration is sound again");
            } else {
                log.error("node " + state.scm() + ": the configuration is wrong: " + String.join("; ", result.problems()));
            }
            tell(l -> l.problemsChanged(result.problems()));
        }
        return result;
    }

    /** Tells every listener, each fetched for the call and given back after it. */
    private void tell(Consumer<NodeListener> call) {
        for (ComponentServiceObjects<NodeListener> objects : listeners.values()) {
            NodeListener l = null;
            try {
                l = objects.getService();
                if (l != null) { // gone meanwhile
                    call.accept(l);
                }
            } catch (RuntimeException e) {
                log.error("node listener " + (l == null ? "" : l.getClass().getName() + " ") + "failed", e);
            } finally {
                if (l != null) {
                    try {
                        objects.ungetService(l);
                    } catch (RuntimeException e) {
                        // unregistered meanwhile: nothing left to give back
                    }
                }
            }
        }
    }

    /*
     * Bound without its object (ComponentServiceObjects): the component runtime then builds this component
     * without fetching any listener, and the controller (a listener, which needs the node) is never built from
     * inside the node's construction. Fetching it here made a cycle when the node was built on Configuration
     * Admin's thread while another thread started the controller: each thread held the service the other
     * waited for, for good.
     */
    @Reference(service = NodeListener.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, unbind = "removeListener")
    void addListener(ComponentServiceObjects<NodeListener> listener, Map<String, Object> properties) {
        listeners.put((Long) properties.get(Constants.SERVICE_ID), listener);
    }

    void removeListener(ComponentServiceObjects<NodeListener> listener, Map<String, Object> properties) {
        listeners.remove((Long) properties.get(Constants.SERVICE_ID));
    }
}
