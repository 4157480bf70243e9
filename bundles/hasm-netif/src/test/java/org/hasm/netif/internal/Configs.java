package org.hasm.netif.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

/** The configuration as Declarative Services hands it to the component: typed, a missing key gives the default. */
final class Configs {

    private Configs() {
    }

    static NetifConfig config(Map<String, ?> p) {
        return (NetifConfig) Proxy.newProxyInstance(NetifConfig.class.getClassLoader(), new Class<?>[] {NetifConfig.class},
                (proxy, m, args) -> {
                    if (m.getDeclaringClass() == Object.class) {
                        return m.getName().equals("toString") ? p.toString() : m.getName().equals("hashCode")
                                ? System.identityHashCode(proxy) : proxy == args[0];
                    }
                    String key = m.getName().replace('_', '.');
                    Object v = p.get(key);
                    if (v == null) {
                        return m.getDefaultValue();
                    }
                    String s = String.valueOf(v).strip();
                    try {
                        if (m.getReturnType() == long.class) {
                            return Long.parseLong(s);
                        }
                        if (m.getReturnType() == int.class) {
                            return Integer.parseInt(s);
                        }
                        if (m.getReturnType() == boolean.class) {
                            if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
                                throw new IllegalArgumentException(key + "=" + v + " is not true or false");
                            }
                            return Boolean.parseBoolean(s);
                        }
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(key + "=" + v + " is not a whole number");
                    }
                    return String.valueOf(v);
                });
    }

    static Settings parse(Map<String, ?> p) {
        return Settings.of(config(p));
    }
}
