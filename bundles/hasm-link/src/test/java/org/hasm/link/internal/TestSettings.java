package org.hasm.link.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import org.hasm.config.Typed;
import org.hasm.wire.ClusterKey;
import org.hasm.wire.FrameCodec;

/**
 * Link settings for tests from the flat notation: {@code channels} (names in the order they are
 * tried), {@code channel.NAME.local}, {@code channel.NAME.peer}, {@code connect.timeout.ms}; the
 * identity from {@code hasm.scm} and {@code hasm.peer}. The typed configurations behave as
 * Declarative Services makes them.
 */
final class TestSettings {

    private TestSettings() {
    }

    static LinkSettings parse(Map<String, ?> flat, Function<String, String> node) {
        Map<String, Object> own = new HashMap<>();
        SortedMap<String, ChannelDefinition> defs = new TreeMap<>();
        Object names = flat.get("channels");
        int order = 0;
        if (names != null) {
            for (String n : String.valueOf(names).split(",")) {
                String name = n.strip();
                if (name.isEmpty()) {
                    continue;
                }
                Map<String, Object> p = new HashMap<>();
                p.put("order", order++);
                flat.forEach((k, v) -> {
                    if (k.startsWith("channel." + name + ".")) {
                        p.put(k.substring(("channel." + name + ".").length()), v);
                    }
                });
                defs.put(name, typed(ChannelDefinition.class, p));
            }
        }
        flat.forEach((k, v) -> {
            if (!k.equals("channels") && !k.startsWith("channel.")) {
                own.put(k, v);
            }
        });
        return LinkSettings.of(typed(LinkConfig.class, own), defs, node.apply("hasm.scm"), node.apply("hasm.peer"));
    }

    /** The configuration as Declarative Services hands it to the component, converted the node's way. */
    static <A> A typed(Class<A> type, Map<String, Object> p) {
        return Typed.of(type, p);
    }

    /** @return the codec the node hands the link for this key */
    static FrameCodec codec(ClusterKey key) {
        return new FrameCodec(key.derive("link"));
    }
}
