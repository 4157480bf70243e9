package org.hasm.status.internal;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import org.hasm.config.Typed;
import org.hasm.spi.OpMode;

/**
 * Settings for tests from the flat notation of a node folder: {@code interval.ms}, {@code channels}
 * (names, comma separated) and {@code channel.NAME.KEY} (the keys of {@code org.hasm.status.channel~NAME}
 * for a channel listed),
 * {@code fault.drop.NAME}; the node's identity from {@code hasm.scm}, {@code hasm.peer}, {@code hasm.role}
 * and {@code hasm.faults.enabled}. The typed configurations behave as Declarative Services makes them: a
 * missing key gives the default, a value that is not of its type throws naming the key.
 */
final class TestSettings {

    private TestSettings() {
    }

    static Settings parse(Map<String, ?> flat, Function<String, String> node) {
        Map<String, Object> own = new HashMap<>();
        Map<String, Map<String, Object>> channels = new TreeMap<>();
        Object names = flat.get("channels");
        if (names != null) {
            for (String n : String.valueOf(names).split(",")) {
                if (!n.isBlank()) {
                    channels.put(n.strip(), new HashMap<>());
                }
            }
        }
        flat.forEach((key, value) -> {
            if (key.equals("channels")) {
                return;
            }
            if (key.startsWith("channel.")) {
                String rest = key.substring("channel.".length());
                int dot = rest.indexOf('.');
                Map<String, Object> channel = channels.get(rest.substring(0, dot));
                if (channel != null) { // the keys of a channel not listed are no channel's
                    channel.put(rest.substring(dot + 1), value);
                }
            } else if (key.startsWith("fault.drop.")) {
                Map<String, Object> channel = channels.get(key.substring("fault.drop.".length()));
                if (channel != null) {
                    channel.put("fault.drop", value);
                }
            } else {
                own.put(key, value);
            }
        });
        SortedMap<String, ChannelDefinition> defs = new TreeMap<>();
        channels.forEach((name, p) -> defs.put(name, typed(ChannelDefinition.class, p)));
        String role = node.apply("hasm.role");
        return Settings.of(typed(StatusConfig.class, own), defs, node.apply("hasm.scm"), node.apply("hasm.peer"),
                role == null ? OpMode.MASTER : OpMode.valueOf(role.toUpperCase(Locale.ROOT)),
                "true".equals(node.apply("hasm.faults.enabled")));
    }

    /** The configuration as Declarative Services hands it to the component, converted the node's way. */
    static <A> A typed(Class<A> type, Map<String, Object> p) {
        return Typed.of(type, p);
    }

    /** @return the codec the node hands the status monitor for this key */
    static org.hasm.wire.FrameCodec codec(org.hasm.wire.ClusterKey key) {
        return new org.hasm.wire.FrameCodec(key.derive("status"));
    }
}
