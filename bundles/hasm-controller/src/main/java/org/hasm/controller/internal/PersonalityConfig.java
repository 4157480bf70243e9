package org.hasm.controller.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.hasm.spi.Personality;

/**
 * Reads the personalities from factory configurations {@value #FACTORY_PID}: {@code name},
 * {@code home} (the SCM whose own it is), {@code addresses} (comma-separated IP literals); every
 * other key is a property for services. Problems are collected, not thrown, so that the SCM can
 * say all of them at once when it goes to MONITOR.
 */
final class PersonalityConfig {
    static final String FACTORY_PID = "org.hasm.personality";

    record Value(String name, String home, List<String> addresses, Map<String, String> properties)
            implements Personality {
    }

    private PersonalityConfig() {
    }

    /**
     * @param configs pid → properties of each factory configuration
     * @param problems receives one message per problem, naming the configuration and the key
     * @return the valid personalities, sorted by name
     */
    static List<Personality> read(Map<String, Dictionary<String, Object>> configs, List<String> problems) {
        List<Personality> list = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Map.Entry<String, Dictionary<String, Object>> c : new TreeMap<>(configs).entrySet()) {
            String where = "personality configuration " + c.getKey();
            Dictionary<String, Object> d = c.getValue();
            String name = string(d.get("name"));
            String home = string(d.get("home"));
            if (name == null) {
                problems.add(where + ": missing 'name'");
                continue;
            }
            if (!ModuleProperties.NAME.matcher(name).matches()) {
                problems.add(where + ": name=" + name + " is not valid (letters, digits, '_' and '-')");
                continue;
            }
            if (home == null) {
                problems.add(where + ": missing 'home' (the SCM whose own personality " + name + " is)");
                continue;
            }
            if (!names.add(name)) {
                problems.add(where + ": a second personality named " + name);
                continue;
            }
            List<String> addresses = new ArrayList<>();
            String rawAddresses = string(d.get("addresses"));
            if (rawAddresses != null) {
                for (String a : rawAddresses.split(",")) {
                    String addr = a.trim();
                    if (addr.isEmpty()) {
                        continue;
                    }
                    if (!isIpLiteral(addr)) {
                        problems.add(where + ": addresses: '" + addr + "' is not an IP address");
                    } else {
                        addresses.add(addr);
                    }
                }
            }
            Map<String, String> props = new LinkedHashMap<>();
            for (Enumeration<String> keys = d.keys(); keys.hasMoreElements();) {
                String key = keys.nextElement();
                if (!key.equals("name") && !key.equals("home") && !key.equals("addresses")
                        && !key.startsWith("service.") && !key.startsWith("felix.")) {
                    props.put(key, String.valueOf(d.get(key)));
                }
            }
            list.add(new Value(name, home, List.copyOf(addresses), Collections.unmodifiableMap(props)));
        }
        list.sort((a, b) -> a.name().compareTo(b.name()));
        return list;
    }

    private static String string(Object o) {
        if (o == null) {
            return null;
        }
        String s = String.valueOf(o).trim();
        return s.isEmpty() ? null : s;
    }

    /** Literal IPv4 or IPv6 only: a host name would mean a DNS lookup during a takeover. */
    static boolean isIpLiteral(String s) {
        if (s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            for (String part : s.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return false;
                }
            }
            return true;
        }
        return s.contains(":") && s.matches("[0-9A-Fa-f:.]+");
    }
}
