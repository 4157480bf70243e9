package org.hasm.netif.internal;

import java.util.Map;
import org.hasm.config.Typed;

/** The configuration as Declarative Services hands it to the component, converted the node's way ({@link Typed}). */
final class Configs {

    private Configs() {
    }

    static NetifConfig config(Map<String, ?> p) {
        return Typed.of(NetifConfig.class, p);
    }

    static Settings parse(Map<String, ?> p) {
        return Settings.of(config(p));
    }
}
