package org.hasm.controller.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.hasm.spi.Export;
import org.hasm.spi.Personality;

/**
 * Reads the personalities from factory configurations {@value #FACTORY_PID}: {@code name},
 * {@code home} (the SCM whose own it is), {@code addresses} (comma-separated IP literals); every
 * other key is a property for services. Problems are collected, not thrown, so that the SCM can
 * say all of them at once when it goes to MONITOR.
 */
final class PersonalityConfig {
    static final String FACTORY_PID = "org.hasm.personality";

    record Value(String name, String home, List<String> addresses, List<String> volumes, List<Export> exports,
            Map<String, String> properties) implements Personality {

        Value(String name, String home, List<String> addresses, Map<String, String> properties) {
            this(name, home, addresses, List.of(), List.of(), properties);
        }

        @Override
        public List<Export> exports(String protocol) {
            return exports.stream().filter(e -> e.protocol().equals(protocol)).toList();
        }
    }

    record ExportValue(String name, String protocol, String volume, String path, boolean readOnly) implements Export {
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
        Map<String, String> volumeOwners = new HashMap<>();
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
            List<String> volumes = new ArrayList<>();
            String rawVolumes = string(d.get("volumes"));
            if (rawVolumes != null) {
                for (String v : rawVolumes.split(",")) {
                    String volume = v.trim();
                    if (volume.isEmpty()) {
                        continue;
                    }
                    if (!ModuleProperties.NAME.matcher(volume).matches()) {
                        problems.add(where + ": volumes: '" + volume + "' is not a volume name (letters, digits, '_' and '-')");
                    } else if (!volumeOwners.containsKey(volume) || volumeOwners.get(volume).equals(name)) {
                        volumeOwners.put(volume, name);
                        volumes.add(volume);
                    } else {
                        problems.add(where + ": volume " + volume + " is already served by personality "
                                + volumeOwners.get(volume) + ": a volume belongs to one personality");
                    }
                }
            }
            List<Export> exports = new ArrayList<>();
            Map<String, String> props = new LinkedHashMap<>();
            for (Enumeration<String> keys = d.keys(); keys.hasMoreElements();) {
                String key = keys.nextElement();
                if (key.startsWith("export.")) {
                    Export e = export(where, key, string(d.get(key)), volumes, problems);
                    if (e != null) {
                        exports.add(e);
                    }
                } else if (!key.equals("name") && !key.equals("home") && !key.equals("addresses")
                        && !key.equals("volumes") && !key.startsWith("service.") && !key.startsWith("felix.")) {
                    props.put(key, String.valueOf(d.get(key)));
                }
            }
            exports.sort((a, b) -> (a.protocol() + "/" + a.name()).compareTo(b.protocol() + "/" + b.name()));
            list.add(new Value(name, home, List.copyOf(addresses), List.copyOf(volumes), List.copyOf(exports),
                    Collections.unmodifiableMap(props)));
        }
        list.sort((a, b) -> a.name().compareTo(b.name()));
        return list;
    }

    /**
     * {@code export.<protocol>.<name>=<volume>:<path>[:ro|:rw]}: the path is relative to the volume
     * and may not climb out of it.
     */
    private static Export export(String where, String key, String value, List<String> volumes, List<String> problems) {
        String[] k = key.split("\\.", -1);
        if (k.length != 3 || !ModuleProperties.NAME.matcher(k[1]).matches()
                || !ModuleProperties.NAME.matcher(k[2]).matches()) {
            problems.add(where + ": " + key + " is not export.<protocol>.<name> (letters, digits, '_' and '-')");
            return null;
        }
        if (value == null) {
            problems.add(where + ": " + key + " is empty: expected <volume>:<path>[:ro]");
            return null;
        }
        String[] v = value.split(":", -1);
        if (v.length < 2 || v.length > 3 || (v.length == 3 && !v[2].equals("ro") && !v[2].equals("rw"))) {
            problems.add(where + ": " + key + "=" + value + " is not <volume>:<path>[:ro|:rw]");
            return null;
        }
        if (!volumes.contains(v[0])) {
            problems.add(where + ": " + key + "=" + value + ": volume " + v[0] + " is not one of this personality's volumes "
                    + volumes);
            return null;
        }
        String path = v[1].replace('\\', '/');
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..") || segment.equals(".")) {
                problems.add(where + ": " + key + "=" + value + ": the path may not contain '.' or '..'");
                return null;
            }
        }
        return new ExportValue(k[2], k[1], v[0], path, v.length == 3 && v[2].equals("ro"));
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
