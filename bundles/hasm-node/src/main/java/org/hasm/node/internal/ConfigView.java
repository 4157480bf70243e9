package org.hasm.node.internal;

import java.io.IOException;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hasm.config.Typed;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Node;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The node's configurations at one moment: every configuration of Configuration Admin by PID
 * ({@code FACTORY~NAME} for a factory configuration), read-only.
 */
final class ConfigView implements Configurations {

    /**
     * The property the launcher adds to each configuration it applies: the file (or feature) it
     * comes from, so that a problem names where to fix it.
     */
    static final String SOURCE = "hasm.config.source";

    /** One configuration: its PID, its factory PID (or {@code null}) and its properties. */
    record Entry(String pid, String factoryPid, Map<String, Object> properties) {
        /** @return the name of a factory configuration ({@code link} of {@code org.hasm.status.channel~link}) */
        String name() {
            if (factoryPid == null) {
                return null;
            }
            return pid.startsWith(factoryPid + "~") ? pid.substring(factoryPid.length() + 1) : pid;
        }
    }

    private final Node node;
    private final Map<String, Entry> entries;

    ConfigView(Node node, Map<String, Entry> entries) {
        this.node = node;
        this.entries = Collections.unmodifiableMap(new TreeMap<>(entries));
    }

    /** @return every configuration Configuration Admin holds, with properties */
    static Map<String, Entry> read(ConfigurationAdmin admin) throws IOException {
        Map<String, Entry> entries = new TreeMap<>();
        Configuration[] all;
        try {
            all = admin.listConfigurations(null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException("no filter is always valid", e);
        }
        if (all != null) {
            for (Configuration c : all) {
                Dictionary<String, Object> d = c.getProperties();
                if (d != null) {
                    entries.put(c.getPid(), new Entry(c.getPid(), c.getFactoryPid(), map(d)));
                }
            }
        }
        return entries;
    }

    static Map<String, Object> map(Dictionary<String, ?> d) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Enumeration<String> keys = d.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            map.put(k, d.get(k));
        }
        return Collections.unmodifiableMap(map);
    }

    /** @return whether a key belongs to the framework or the launcher, not to the configuration's owner */
    static boolean internal(String key) {
        return key.equals(Constants.SERVICE_PID) || key.equals(ConfigurationAdmin.SERVICE_FACTORYPID)
                || key.equals(ConfigurationAdmin.SERVICE_BUNDLELOCATION) || key.equals(SOURCE)
                || key.startsWith("felix.") || key.startsWith(".");
    }

    Map<String, Entry> entries() {
        return entries;
    }

    /** @return where the configuration {@code pid} comes from, for messages */
    String source(String pid) {
        Entry e = entries.get(pid);
        Object s = e == null ? null : e.properties().get(SOURCE);
        return s == null ? "configuration " + pid : String.valueOf(s);
    }

    @Override
    public Node node() {
        return node;
    }

    @Override
    public Map<String, Object> get(String pid) {
        Entry e = entries.get(pid);
        return e == null || e.factoryPid() != null ? null : e.properties();
    }

    @Override
    public SortedMap<String, Map<String, Object>> factory(String factoryPid) {
        SortedMap<String, Map<String, Object>> result = new TreeMap<>();
        for (Entry e : entries.values()) {
            if (factoryPid.equals(e.factoryPid())) {
                result.put(e.name(), e.properties());
            }
        }
        return Collections.unmodifiableSortedMap(result);
    }

    /** @return the factory configurations by PID ({@code FACTORY~NAME}) */
    Map<String, Map<String, Object>> factoryByPid(String factoryPid) {
        Map<String, Map<String, Object>> result = new TreeMap<>();
        for (Entry e : entries.values()) {
            if (factoryPid.equals(e.factoryPid())) {
                result.put(e.pid(), e.properties());
            }
        }
        return result;
    }

    @Override
    public <A> A typed(Class<A> type, Map<String, ?> properties) {
        return Typed.of(type, properties == null ? Map.of() : properties);
    }
}
