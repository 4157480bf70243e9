package org.hasm.node.internal;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Findings;
import org.osgi.service.metatype.AttributeDefinition;

/**
 * The check of every configuration of the node, the same at {@code hasm check}, at every start and
 * at every boot of the SCM: each key against its configuration's metatype (type, range, options), a
 * key no metatype declares refused unless a {@link ConfigurationCheck} owns it, a PID of hasm's that
 * no bundle reads refused, then every check (the node's own first), then their cross checks.
 */
final class Checker {

    /** The metatype of the bundles: the attributes of a PID or factory PID, {@code null} if none describes it. */
    interface Metatype {
        List<AttributeDefinition> attributes(String pid, boolean factory);
    }

    /**
     * A registered check and the keys it owns ({@code PID:KEY}, a {@code KEY} may end in {@code *}).
     *
     * @param name who it is, for a message when it fails
     */
    record Check(String name, ConfigurationCheck check, List<String> keys) {
    }

    /**
     * @param problems each naming the file (or feature) and the key
     * @param timing every timing value reported, by "PID key"
     */
    record Result(List<String> problems, Map<String, String> timing) {
        Result {
            problems = List.copyOf(problems);
            timing = Collections.unmodifiableMap(new TreeMap<>(timing));
        }
    }

    /** Keys every configuration may carry: a component's module properties, its service ranking. */
    private static final List<String> GENERAL = List.of("hasm.module.*", "service.ranking");
    /** PIDs in this namespace are hasm's: each is read by a bundle that describes it. */
    private static final String OWN_NAMESPACE = "org.hasm.";
    /**
     * PIDs whose owner reads keys its metatype does not list (Felix HTTP's): only the keys it lists
     * are checked there.
     */
    private static final Set<String> OPEN = Set.of("org.apache.felix.http");

    private Checker() {
    }

    /**
     * @param view the configurations, with the node as configured
     * @param metatype the bundles' metatype
     * @param own the node's own check, run first
     * @param checks the registered checks
     */
    static Result run(ConfigView view, Metatype metatype, ConfigurationCheck own, Collection<Check> checks) {
        Collector findings = new Collector(view);
        List<String> owned = new ArrayList<>(GENERAL);
        checks.forEach(c -> owned.addAll(c.keys()));
        for (ConfigView.Entry e : view.entries().values()) {
            keys(e, metatype, owned, findings);
        }
        List<Check> all = new ArrayList<>();
        all.add(new Check("the node's", own, List.of()));
        all.addAll(checks);
        for (Check c : all) {
            try {
                c.check().check(view, findings);
            } catch (RuntimeException ex) {
                findings.general(c.name() + " configuration check failed: " + ex);
            }
        }
        Map<String, String> timing = Collections.unmodifiableMap(new TreeMap<>(findings.timing));
        for (Check c : all) {
            try {
                c.check().crossCheck(timing, findings);
            } catch (RuntimeException ex) {
                findings.general(c.name() + " cross check failed: " + ex);
            }
        }
        return new Result(new ArrayList<>(findings.problems), findings.timing);
    }

    private static void keys(ConfigView.Entry e, Metatype metatype, List<String> owned, Collector findings) {
        boolean factory = e.factoryPid() != null;
        String described = factory ? e.factoryPid() : e.pid();
        List<AttributeDefinition> ads = metatype.attributes(described, factory);
        boolean claimed = owned.stream().anyMatch(k -> k.startsWith(described + ":"));
        if (ads == null && !claimed) {
            if (described.startsWith(OWN_NAMESPACE)) {
                findings.problem(e.pid(), "(file name)", "no bundle of this node reads the configuration "
                        + (factory ? "factory PID " : "PID ") + described + " (a misspelt file name, or a feature missing"
                        + " from hasm.features?)");
            }
            return; // another project's configuration that nothing describes: not ours to judge
        }
        for (Map.Entry<String, Object> p : new TreeMap<>(e.properties()).entrySet()) {
            String key = p.getKey();
            if (ConfigView.internal(key)) {
                continue;
            }
            AttributeDefinition ad = find(ads, key);
            if (ad != null) {
                String reason = validate(ad, p.getValue());
                if (reason != null) {
                    findings.problem(e.pid(), key, reason);
                }
            } else if (!owns(owned, described, key) && !OPEN.contains(described)) {
                findings.problem(e.pid(), key, "unknown key" + suggestion(ads, key) + " (" + described
                        + " reads " + known(ads, owned, described) + ")");
            }
        }
    }

    private static AttributeDefinition find(List<AttributeDefinition> ads, String key) {
        if (ads != null) {
            for (AttributeDefinition ad : ads) {
                if (ad.getID().equals(key)) {
                    return ad;
                }
            }
        }
        return null;
    }

    static boolean owns(List<String> owned, String pid, String key) {
        for (String o : owned) {
            int colon = o.indexOf(':');
            String p = colon < 0 ? null : o.substring(0, colon);
            String pattern = colon < 0 ? o : o.substring(colon + 1);
            if (p != null && !p.equals(pid)) {
                continue;
            }
            if (pattern.endsWith("*") ? key.startsWith(pattern.substring(0, pattern.length() - 1)) : key.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    private static String known(List<AttributeDefinition> ads, List<String> owned, String pid) {
        Set<String> keys = new LinkedHashSet<>();
        if (ads != null) {
            ads.forEach(ad -> keys.add(ad.getID()));
        }
        for (String o : owned) {
            if (o.startsWith(pid + ":")) {
                keys.add(o.substring(pid.length() + 1));
            }
        }
        return keys.isEmpty() ? "no keys" : String.join(", ", keys);
    }

    /** A key one letter away from a known one is most likely that one, misspelt. */
    private static String suggestion(List<AttributeDefinition> ads, String key) {
        if (ads == null) {
            return "";
        }
        for (AttributeDefinition ad : ads) {
            if (distance(ad.getID(), key) <= 2) {
                return ": did you mean " + ad.getID() + "?";
            }
        }
        return "";
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * @return why {@code value} does not fit the attribute (its type, options, range), naming the
     *     value; {@code null} if it fits
     */
    static String validate(AttributeDefinition ad, Object value) {
        List<Object> values = new ArrayList<>();
        if (value != null && value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                values.add(Array.get(value, i));
            }
        } else if (value instanceof Collection<?> c) {
            values.addAll(c);
        } else {
            values.add(value);
        }
        if (values.size() > 1 && ad.getCardinality() == 0) {
            return values + ": one value expected, not " + values.size();
        }
        for (Object v : values) {
            String reason = one(ad, v);
            if (reason != null) {
                return reason;
            }
        }
        return null;
    }

    private static String one(AttributeDefinition ad, Object v) {
        String text = String.valueOf(v).strip();
        String shown = "'" + v + "'";
        switch (ad.getType()) {
            case AttributeDefinition.LONG, AttributeDefinition.INTEGER, AttributeDefinition.SHORT,
                    AttributeDefinition.BYTE -> {
                if (v instanceof Double || v instanceof Float) {
                    return shown + " is not a whole number";
                }
                try {
                    Long.parseLong(text);
                } catch (NumberFormatException e) {
                    return shown + " is not a whole number";
                }
            }
            case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> {
                try {
                    Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    return shown + " is not a number";
                }
            }
            case AttributeDefinition.BOOLEAN -> {
                if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                    return shown + " is neither true nor false";
                }
            }
            case AttributeDefinition.CHARACTER -> {
                if (text.length() != 1) {
                    return shown + " is not one character";
                }
            }
            default -> {
                // text: options and the attribute's own rules below
            }
        }
        String[] options = ad.getOptionValues();
        if (options != null && options.length > 0 && !List.of(options).contains(text)) {
            return shown + " is not one of " + String.join(", ", options);
        }
        String verdict;
        try {
            verdict = ad.validate(text);
        } catch (RuntimeException e) {
            verdict = null;
        }
        if (verdict == null || verdict.isEmpty()) {
            return null;
        }
        String bounds = Bounds.of(ad);
        if (verdict.contains("less than minimum")) {
            return shown + " is below the minimum" + bounds;
        }
        if (verdict.contains("greater than maximum")) {
            return shown + " is above the maximum" + bounds;
        }
        if (verdict.contains("missing")) {
            return "empty: a value is required";
        }
        return shown + ": " + verdict.replace("%", "");
    }

    /** Collects findings, each problem formatted with its source. */
    static final class Collector implements Findings {
        private final ConfigView view;
        final Set<String> problems = new LinkedHashSet<>();
        final Map<String, String> timing = new TreeMap<>();

        Collector(ConfigView view) {
            this.view = view;
        }

        @Override
        public void problem(String pid, String key, String reason) {
            problems.add(view.source(pid) + ": " + key + ": " + reason);
        }

        void general(String message) {
            problems.add(message);
        }

        @Override
        public void timing(String pid, String key, long value) {
            timing.put(pid + " " + key, Long.toString(value));
        }
    }
}
