package org.hasm.controller.internal;

import java.util.Map;
import java.util.regex.Pattern;
import org.hasm.spi.HaModule;
import org.hasm.spi.Tier;

/**
 * The whiteboard properties of one module registration, parsed. An invalid registration keeps
 * a display name and says what is wrong in {@link #error()}, so it can be reported, not dropped.
 */
record ModuleProperties(String name, Tier tier, int rank, String error) {

    /** Module names end up in event topics, whose tokens allow exactly these characters. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

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
        int rank;
        Object rawRank = props.get(HaModule.MODULE_RANK);
        if (rawRank == null) {
            rank = HaModule.DEFAULT_RANK;
        } else if (rawRank instanceof Number n && n.longValue() == n.intValue() && !(rawRank instanceof Double || rawRank instanceof Float)) {
            rank = n.intValue();
        } else {
            try {
                rank = Integer.parseInt(String.valueOf(rawRank).trim());
            } catch (NumberFormatException e) {
                return invalid(name, HaModule.MODULE_RANK + "=" + rawRank + " is not an integer");
            }
        }
        return new ModuleProperties(name, tier, rank, null);
    }

    private static ModuleProperties invalid(String name, String error) {
        return new ModuleProperties(name, Tier.SERVICE, HaModule.DEFAULT_RANK, error);
    }
}
