package org.hasm.node.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Function;
import org.hasm.config.Typed;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Node;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.condition.Condition;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Runs the {@link Checker} on the node's configurations as Configuration Admin holds them, with
 * the metatype of every installed bundle and every registered {@link ConfigurationCheck}.
 *
 * <p>It also holds the node's gate: the condition {@value #CONDITION_ID} the node component waits
 * for, so that nothing that needs the node (the modules, the controller) activates before the
 * configuration was checked. Under the launcher (framework property {@value #GATE_PROPERTY}
 * {@code =launcher}) the gate opens only when the launcher asks to start and the check finds
 * nothing wrong; {@code hasm check} asks only to check, so nothing is ever started. Without the
 * launcher (a test framework) it is open from the start, and problems put the SCM in MONITOR.
 *
 * <p>The launcher reaches it as a {@code Function<String, Object>} (JDK types: the launcher does not
 * share hasm's classes) with the service property {@value #LAUNCH_PROPERTY}: {@code "check"} or
 * {@code "start"} returns the problems, a {@code List<String>}.
 */
@Component(service = {ConfigurationChecker.class, Function.class}, immediate = true,
        property = ConfigurationChecker.LAUNCH_PROPERTY + "=true")
public class ConfigurationChecker implements Function<String, Object> {
    /** Framework property: {@code launcher} when the launcher opens the gate. */
    static final String GATE_PROPERTY = "hasm.node.gate";
    /** Service property of the launcher's entry. */
    static final String LAUNCH_PROPERTY = "hasm.node.launch";
    /** The condition the node waits for. */
    static final String CONDITION_ID = "hasm.node.checked";

    @Reference(service = LoggerFactory.class)
    private Logger log;

    @Reference
    private ConfigurationAdmin configAdmin;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MetaTypeService metatype;

    // Keyed by service.id, so that checks run in the order they registered.
    private final Map<Long, Checker.Check> checks = new ConcurrentSkipListMap<>();
    private BundleContext context;
    // Guarded by this.
    private ServiceRegistration<Condition> gate;

    @Activate
    void activate(BundleContext bundleContext) {
        this.context = bundleContext;
        if (!"launcher".equals(bundleContext.getProperty(GATE_PROPERTY))) {
            open();
        }
    }

    @Deactivate
    synchronized void deactivate() {
        if (gate != null) {
            gate.unregister();
            gate = null;
        }
    }

    private synchronized void open() {
        if (gate == null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(Condition.CONDITION_ID, CONDITION_ID);
            gate = context.registerService(Condition.class, Condition.INSTANCE, props);
        }
    }

    /** {@code "check"}: the problems; {@code "start"}: the problems, and the gate opens if there are none. */
    @Override
    public Object apply(String command) {
        Checker.Result result = check();
        if ("start".equals(command) && result.problems().isEmpty()) {
            open();
        }
        return result.problems();
    }

    /** @return the check of every configuration as it is now */
    Checker.Result check() {
        Map<String, ConfigView.Entry> entries;
        try {
            entries = ConfigView.read(configAdmin);
        } catch (IOException | IllegalStateException e) {
            return new Checker.Result(List.of("the configurations cannot be read from Configuration Admin: " + e.getMessage()),
                    Map.of());
        }
        ConfigView view = view(entries);
        return Checker.run(view, metatypes(), new NodeCheck(), checks.values());
    }

    /**
     * @param replaced configurations as they would be, by PID ({@code FACTORY~NAME} for a factory one)
     * @param sources the file each replaced configuration comes from, for the messages
     * @return the check of every configuration as Configuration Admin holds it, with {@code replaced} instead
     */
    Checker.Result check(Map<String, Map<String, Object>> replaced, Map<String, String> sources) {
        Map<String, ConfigView.Entry> entries;
        try {
            entries = new java.util.TreeMap<>(ConfigView.read(configAdmin));
        } catch (IOException | IllegalStateException e) {
            return new Checker.Result(List.of("the configurations cannot be read from Configuration Admin: " + e.getMessage()),
                    Map.of());
        }
        replaced.forEach((pid, properties) -> {
            int tilde = pid.indexOf('~');
            Map<String, Object> p = new java.util.LinkedHashMap<>(properties);
            String source = sources.get(pid);
            if (source != null) {
                p.put(ConfigView.SOURCE, source);
            }
            entries.put(pid, new ConfigView.Entry(pid, tilde < 0 ? null : pid.substring(0, tilde),
                    java.util.Collections.unmodifiableMap(p)));
        });
        return Checker.run(view(entries), metatypes(), new NodeCheck(), checks.values());
    }

    /** @return a view of the configurations now, with the node as they configure it */
    ConfigView view() throws IOException {
        return view(ConfigView.read(configAdmin));
    }

    private static ConfigView view(Map<String, ConfigView.Entry> entries) {
        ConfigView[] holder = new ConfigView[1];
        ConfigView.Entry node = entries.get(Node.PID);
        Identity identity = Identity.of(Typed.of(NodeConfig.class, node == null ? Map.of() : node.properties()),
                NodeState.IGNORED);
        holder[0] = new ConfigView(new NodeState(identity, () -> holder[0]), entries);
        return holder[0];
    }

    private Checker.Metatype metatypes() {
        MetaTypeService mts = metatype;
        if (mts == null) {
            return (pid, factory) -> null;
        }
        // read once per check: bundles come and go, and each one's metatype is parsed once by the service
        Map<String, List<AttributeDefinition>> singles = new java.util.HashMap<>();
        Map<String, List<AttributeDefinition>> factories = new java.util.HashMap<>();
        for (Bundle b : context.getBundles()) {
            if (b.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            MetaTypeInformation info;
            try {
                info = mts.getMetaTypeInformation(b);
            } catch (RuntimeException e) {
                log.debug("metatype of " + b.getSymbolicName() + " unreadable: " + e);
                continue;
            }
            if (info == null) {
                continue;
            }
            collect(info, info.getPids(), singles);
            collect(info, info.getFactoryPids(), factories);
        }
        return (pid, factory) -> (factory ? factories : singles).get(pid);
    }

    private static void collect(MetaTypeInformation info, String[] pids, Map<String, List<AttributeDefinition>> into) {
        if (pids == null) {
            return;
        }
        for (String pid : pids) {
            ObjectClassDefinition ocd;
            try {
                ocd = info.getObjectClassDefinition(pid, null);
            } catch (IllegalArgumentException e) {
                continue;
            }
            AttributeDefinition[] ads = ocd == null ? null : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
            if (ads != null) {
                into.computeIfAbsent(pid, k -> new ArrayList<>()).addAll(List.of(ads));
            }
        }
    }

    // ---- the checks' whiteboard ----

    @Reference(service = ConfigurationCheck.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeCheck", updated = "addCheck")
    void addCheck(ConfigurationCheck check, Map<String, Object> properties) {
        Long id = (Long) properties.get(Constants.SERVICE_ID);
        Object bundle = properties.get("component.name");
        checks.put(id, new Checker.Check(bundle == null ? check.getClass().getName() : String.valueOf(bundle), check,
                strings(properties.get(ConfigurationCheck.KEYS))));
    }

    void removeCheck(ConfigurationCheck check, Map<String, Object> properties) {
        checks.remove((Long) properties.get(Constants.SERVICE_ID));
    }

    private static List<String> strings(Object value) {
        List<String> list = new ArrayList<>();
        if (value instanceof String s) {
            list.add(s);
        } else if (value instanceof String[] a) {
            list.addAll(List.of(a));
        } else if (value instanceof Collection<?> c) {
            c.forEach(v -> list.add(String.valueOf(v)));
        }
        return list;
    }
}
