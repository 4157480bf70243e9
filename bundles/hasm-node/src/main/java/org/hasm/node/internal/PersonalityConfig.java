package org.hasm.node.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.hasm.spi.Export;
import org.hasm.spi.Personality;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.hasm.spi.storage.DurableFiles;

/**
 * Reads the personalities from the factory configurations {@value Node#PERSONALITY_FACTORY_PID}:
 * {@code name}, {@code home} (the SCM whose own it is), {@code addresses} (comma-separated IP
 * literals), {@code volumes}, and {@code export.<protocol>.<name>=<volume>:<path>[:ro|:rw]}; every
 * other key is a property for services (which declare the keys they read: {@link
 * org.hasm.spi.node.ConfigurationCheck#KEYS}). Problems are reported, not thrown, so that all of them
 * are said at once; a personality with a problem in its name, home or volumes is left out.
 */
final class PersonalityConfig {
    static final String FACTORY_PID = Node.PERSONALITY_FACTORY_PID;
    /** Names of personalities, volumes, protocols and exports. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
    /** Keys that are the personality's own, not properties for services. */
    static final Set<String> OWN_KEYS = Set.of("name", "home", "addresses", "volumes");

    record Value(String name, String home, List<String> addresses, List<String> volumes, List<Export> exports,
            Map<String, String> properties) implements Personality {

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
     * @param configs each personality configuration by its PID ({@code org.hasm.personality~a})
     * @param findings told of each problem, by PID and key
     * @return the valid personalities, sorted by name
     */
    static List<Personality> read(Map<String, Map<String, Object>> configs, Findings findings) {
        List<Personality> list = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Map<String, String> volumeOwners = new HashMap<>();
        Map<String, String> addressOwners = new HashMap<>();
        for (Map.Entry<String, Map<String, Object>> c : new TreeMap<>(configs).entrySet()) {
            String pid = c.getKey();
            Map<String, Object> d = c.getValue();
            String name = string(d.get("name"));
            String home = string(d.get("home"));
            if (name == null) {
                findings.problem(pid, "name", "missing: every personality has a name");
                continue;
            }
            if (!NAME.matcher(name).matches()) {
                findings.problem(pid, "name", "'" + name + "' is not a personality name (letters, digits, '_' and '-')");
                continue;
            }
            if (home == null) {
                findings.problem(pid, "home", "missing: the SCM whose own personality " + name + " is");
                continue;
            }
            if (!names.add(name)) {
                findings.problem(pid, "name", "a second personality named " + name);
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
                        findings.problem(pid, "addresses", "'" + addr + "' is not an IP address (names are not resolved)");
                    } else if (addressOwners.containsKey(addr) && !addressOwners.get(addr).equals(name)) {
                        // its SCM would find it answered by the other's and serve it never (contested for good)
                        findings.problem(pid, "addresses", "address " + addr + " is already personality "
                                + addressOwners.get(addr) + "'s: an address belongs to one personality");
                    } else {
                        addressOwners.put(addr, name);
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
                    if (!NAME.matcher(volume).matches()) {
                        findings.problem(pid, "volumes", "'" + volume + "' is not a volume name (letters, digits, '_' and '-')");
                    } else if (!volumeOwners.containsKey(volume) || volumeOwners.get(volume).equals(name)) {
                        volumeOwners.put(volume, name);
                        volumes.add(volume);
                    } else {
                        findings.problem(pid, "volumes", "volume " + volume + " is already served by personality "
                                + volumeOwners.get(volume) + ": a volume belongs to one personality");
                    }
                }
            }
            List<Export> exports = new ArrayList<>();
            Map<String, String> props = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : new TreeMap<>(d).entrySet()) {
                String key = e.getKey();
                if (key.startsWith("export.")) {
                    Export x = export(pid, key, string(e.getValue()), volumes, findings);
                    if (x != null) {
                        exports.add(x);
                    }
                } else if (!OWN_KEYS.contains(key) && !ConfigView.internal(key)) {
                    props.put(key, String.valueOf(e.getValue()));
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
    private static Export export(String pid, String key, String value, List<String> volumes, Findings findings) {
        String[] k = key.split("\\.", -1);
        if (k.length != 3 || !NAME.matcher(k[1]).matches() || !NAME.matcher(k[2]).matches()) {
            findings.problem(pid, key, "not export.<protocol>.<name> (letters, digits, '_' and '-')");
            return null;
        }
        if (value == null) {
            findings.problem(pid, key, "empty: expected <volume>:<path>[:ro]");
            return null;
        }
        String[] v = value.split(":", -1);
        if (v.length < 2 || v.length > 3 || (v.length == 3 && !v[2].equals("ro") && !v[2].equals("rw"))) {
            findings.problem(pid, key, "'" + value + "' is not <volume>:<path>[:ro|:rw]");
            return null;
        }
        if (!volumes.contains(v[0])) {
            findings.problem(pid, key, "'" + value + "': volume " + v[0] + " is not one of this personality's volumes "
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
                findings.problem(pid, key, "'" + value + "': the path may not contain '.' or '..'");
                return null;
            }
            if (DurableFiles.reserved(segment)) {
                // the modules' private folders and hasm's own files: no export may reach them
                findings.problem(pid, key, "'" + value + "': '" + segment + "' is reserved for hasm (names starting with "
                        + DurableFiles.RESERVED_PREFIX + ")");
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
