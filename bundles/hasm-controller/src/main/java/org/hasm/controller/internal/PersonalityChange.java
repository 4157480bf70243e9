package org.hasm.controller.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.hasm.spi.Personality;

/**
 * How the pair's personalities changed in a configuration change while the SCM runs. What the SCM
 * serves (which personalities, their home, addresses and volumes) changes only at a boot: the peer
 * must agree on it, and the address and storage modules hand it over in transitions. Everything else
 * of a personality (its properties: a service's port, its exports) is its services' parameters, which
 * the controller applies live by calling opMode again with the new personalities.
 */
final class PersonalityChange {

    private PersonalityChange() {
    }

    /**
     * @return what changed that only a boot applies ({@code "personality C added"}, {@code "A: addresses"}),
     *     or {@code null} when only parameters changed, or nothing
     */
    static String served(List<Personality> before, List<Personality> after) {
        Map<String, Personality> was = byName(before);
        Map<String, Personality> now = byName(after);
        List<String> changes = new ArrayList<>();
        for (String name : new TreeSet<>(was.keySet())) {
            if (!now.containsKey(name)) {
                changes.add("personality " + name + " removed");
            }
        }
        for (Map.Entry<String, Personality> e : now.entrySet()) {
            Personality old = was.get(e.getKey());
            Personality p = e.getValue();
            if (old == null) {
                changes.add("personality " + p.name() + " added");
                continue;
            }
            List<String> what = new ArrayList<>();
            if (!Objects.equals(old.home(), p.home())) {
                what.add("home");
            }
            if (!Objects.equals(old.addresses(), p.addresses())) {
                what.add("addresses");
            }
            if (!Objects.equals(old.volumes(), p.volumes())) {
                what.add("volumes");
            }
            if (!what.isEmpty()) {
                changes.add(p.name() + ": " + String.join(", ", what));
            }
        }
        return changes.isEmpty() ? null : String.join("; ", changes);
    }

    /**
     * @return the properties that differ, by personality ({@code "A: example.port; B: export.http.files"}),
     *     or an empty string when none does
     */
    static String parameters(List<Personality> before, List<Personality> after) {
        Map<String, Personality> was = byName(before);
        List<String> changes = new ArrayList<>();
        for (Personality p : after) {
            Personality old = was.get(p.name());
            Map<String, String> o = old == null ? Map.of() : old.properties();
            Set<String> keys = new TreeSet<>(o.keySet());
            keys.addAll(p.properties().keySet());
            Set<String> changed = new TreeSet<>();
            for (String k : keys) {
                if (!Objects.equals(o.get(k), p.properties().get(k))) {
                    changed.add(k);
                }
            }
            if (!changed.isEmpty()) {
                changes.add(p.name() + ": " + String.join(", ", changed));
            }
        }
        return String.join("; ", changes);
    }

    /**
     * @return the personalities of {@code serving} as {@code after} has them, in the same order
     *     ({@code after} holds each of them: see {@link #served})
     */
    static List<Personality> renewed(List<Personality> serving, List<Personality> after) {
        Map<String, Personality> now = byName(after);
        return serving.stream().map(p -> now.getOrDefault(p.name(), p)).toList();
    }

    private static Map<String, Personality> byName(List<Personality> list) {
        Map<String, Personality> m = new LinkedHashMap<>();
        list.forEach(p -> m.put(p.name(), p));
        return m;
    }
}
