package org.hasm.status.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.hasm.spi.storage.FenceAgent;

/** The fence agents registered, and whether the one {@code fence.agent} names can fence. */
final class Agents {

    /**
     * A registered fence agent, the name it is registered under, and the keys it requires
     * ({@link FenceAgent#REQUIRES}) that its service properties lack.
     */
    record Agent(String name, FenceAgent agent, List<String> missing) {
    }

    private Agents() {
    }

    /** @return the keys named by {@link FenceAgent#REQUIRES} that are absent or blank in the properties */
    static List<String> missing(Map<String, Object> properties) {
        Object required = properties.get(FenceAgent.REQUIRES);
        List<String> keys = new ArrayList<>();
        if (required instanceof String k) {
            keys.add(k);
        } else if (required instanceof String[] ks) {
            keys.addAll(List.of(ks));
        } else if (required instanceof Collection<?> ks) {
            ks.forEach(k -> keys.add(String.valueOf(k)));
        }
        List<String> missing = new ArrayList<>();
        for (String key : keys) {
            Object v = properties.get(key.trim());
            if (v == null || String.valueOf(v).isBlank()) {
                missing.add(key.trim());
            }
        }
        return missing;
    }

    /**
     * @param configured the agent {@code fence.agent} names
     * @return why the SCM cannot run with it, or null: it is {@code none}, or registered with all it requires
     */
    static String problem(String configured, Collection<Agent> registered) {
        if (Settings.DEFAULT_FENCE_AGENT.equals(configured)) {
            return null; // nobody is fenced: the storage lease decides, with or without the none agent
        }
        Agent found = registered.stream().filter(a -> a.name().equals(configured)).findFirst().orElse(null);
        if (found == null) {
            TreeSet<String> names = new TreeSet<>();
            registered.forEach(a -> names.add(a.name()));
            names.add(Settings.DEFAULT_FENCE_AGENT);
            return "'" + configured + "': no fence agent of that name is registered (registered: "
                    + String.join(", ", names) + ")";
        }
        if (!found.missing().isEmpty()) {
            return "'" + configured + "': that agent cannot fence without " + String.join(", ", found.missing())
                    + " in its configuration (org.hasm.fence)";
        }
        return null;
    }
}
