package org.hasm.controller.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.hasm.spi.Call;
import org.hasm.spi.HaModule;
import org.hasm.spi.Tier;

/**
 * The whiteboard properties of one module registration, parsed. An invalid registration keeps
 * a display name and says what is wrong in {@link #error()}, so it can be reported, not dropped.
 *
 * @param name the module's name
 * @param tier its tier
 * @param rank its rank in the tier
 * @param after the services it must follow (services only)
 * @param deadlines the deadlines it declares for itself; a call it does not name uses the controller's
 * @param error what is wrong with the registration, or {@code null}
 */
record ModuleProperties(String name, Tier tier, int rank, List<String> after, Map<Call, Duration> deadlines,
        String error) {

    /** Module names end up in event topics, whose tokens allow exactly these characters. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

    /** The service property of each call's own deadline. */
    static final Map<Call, String> DEADLINE_KEYS = Map.of(
            Call.INIT, HaModule.MODULE_DEADLINE_INIT,
            Call.TEST, HaModule.MODULE_DEADLINE_TEST,
            Call.OPMODE, HaModule.MODULE_DEADLINE_OPMODE,
            Call.STOP, HaModule.MODULE_DEADLINE_STOP,
            Call.SHUTDOWN, HaModule.MODULE_DEADLINE_SHUTDOWN);

    ModuleProperties {
        after = List.copyOf(after);
        deadlines = deadlines.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(deadlines));
    }

    ModuleProperties(String name, Tier tier, int rank, String error) {
        this(name, tier, rank, List.of(), Map.of(), error);
    }

    static ModuleProperties parse(Map<String, ?> props, String fallbackName) {
        Object rawName = props.get(HaModule.MODULE_NAME);
        String name = rawName == null ? null : String.valueOf(rawName).trim();
        if (name == null || name.isEmpty()) {
            return invalid(fallbackName, "missing service property " + HaModule.MODULE_NAME);
        }
        if (!NAME.matcher(name).matches()) {
            return invalid(fallbackName, HaModule.MODULE_NAME + "=" + name
                    + " is not a module name: use letters, digits, '_' and '-'");
        }
        Tier tier;
        try {
            tier = Tier.parse(props.get(HaModule.MODULE_TIER));
        } catch (IllegalArgumentException e) {
            return invalid(name, e.getMessage());
        }
        Long rank = integer(props.get(HaModule.MODULE_RANK), HaModule.DEFAULT_RANK);
        if (rank == null || rank != rank.intValue()) {
            return invalid(name, HaModule.MODULE_RANK + "=" + props.get(HaModule.MODULE_RANK) + " is not an integer");
        }
        List<String> after = new ArrayList<>();
        String afterError = after(props.get(HaModule.MODULE_AFTER), name, after);
        if (afterError != null) {
            return invalid(name, afterError);
        }
        if (!after.isEmpty() && tier == Tier.HASM) {
            return invalid(name, HaModule.MODULE_AFTER + "=" + String.join(",", after)
                    + " on a module of the hasm tier: HASM modules are ordered by " + HaModule.MODULE_RANK);
        }
        Map<Call, Duration> deadlines = new EnumMap<>(Call.class);
        for (Call call : Call.values()) {
            String key = DEADLINE_KEYS.get(call);
            Object raw = props.get(key);
            Long ms = integer(raw, 0);
            if (ms == null || ms < 0) {
                return invalid(name, key + "=" + raw + " is not a number of milliseconds (0 or absent: the controller's)");
            }
            if (ms > 0) {
                deadlines.put(call, Duration.ofMillis(ms));
            }
        }
        return new ModuleProperties(name, tier, rank.intValue(), after, deadlines, null);
    }

    /** @return the value as a whole number, {@code dflt} if absent, {@code null} if it is not one */
    private static Long integer(Object raw, long dflt) {
        if (raw == null) {
            return dflt;
        }
        if (raw instanceof Double || raw instanceof Float) {
            return null; // a fraction is a mistake even when it happens to be whole
        }
        if (raw instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(String.valueOf(raw).trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Reads {@link HaModule#MODULE_AFTER} into {@code out}; @return what is wrong, or {@code null} */
    private static String after(Object raw, String self, List<String> out) {
        List<String> names = new ArrayList<>();
        if (raw instanceof String s) {
            for (String part : s.split(",")) {
                names.add(part);
            }
        } else if (raw instanceof String[] array) {
            names.addAll(List.of(array));
        } else if (raw instanceof Collection<?> c) {
            c.forEach(o -> names.add(String.valueOf(o)));
        } else if (raw != null) {
            return HaModule.MODULE_AFTER + "=" + raw + " is not a list of module names";
        }
        for (String n : names) {
            String name = n.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (!NAME.matcher(name).matches()) {
                return HaModule.MODULE_AFTER + ": '" + name + "' is not a module name";
            }
            if (name.equals(self)) {
                return HaModule.MODULE_AFTER + " names the module itself (" + name + ")";
            }
            if (!out.contains(name)) {
                out.add(name);
            }
        }
        return null;
    }

    private static ModuleProperties invalid(String name, String error) {
        return new ModuleProperties(name, Tier.SERVICE, HaModule.DEFAULT_RANK, error);
    }
}
