package org.hasm.ctcm.internal;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.spi.HaContext;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Node;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.PeerLink;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.Logger;

/**
 * The OSGi shell without a framework, for the components of this bundle: the fields Declarative
 * Services would inject are set by hand, with a recording logger, an in-memory Configuration Admin
 * and a peer that answers from a function.
 */
final class Fakes {

    private Fakes() {
    }

    static void inject(Object target, String field, Object value) throws ReflectiveOperationException {
        Field f = target.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(target, value);
    }

    /** A logger that keeps every line as {@code LEVEL message}. */
    static final class Log {
        final List<String> lines = new CopyOnWriteArrayList<>();

        Logger logger() {
            return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                    (proxy, method, args) -> {
                        String m = method.getName();
                        if (m.startsWith("is")) {
                            return true;
                        }
                        if (m.equals("getName")) {
                            return "test";
                        }
                        if (args != null && args.length > 0 && args[0] instanceof String s) {
                            lines.add(m.toUpperCase(java.util.Locale.ROOT) + " " + s);
                        }
                        return null;
                    });
        }

        boolean has(String level, String... parts) {
            return lines.stream().anyMatch(l -> l.startsWith(level + " ") && List.of(parts).stream().allMatch(l::contains));
        }
    }

    /** Configuration Admin holding configurations by file key ({@code PID} or {@code FACTORYPID~NAME}). */
    static final class Cm {
        final Map<String, Hashtable<String, Object>> store = new ConcurrentHashMap<>();

        ConfigurationAdmin admin() {
            return (ConfigurationAdmin) Proxy.newProxyInstance(ConfigurationAdmin.class.getClassLoader(),
                    new Class<?>[] {ConfigurationAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                        case "getConfiguration" -> configuration((String) args[0]);
                        case "getFactoryConfiguration" -> configuration(args[0] + "~" + args[1]);
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }

        private Configuration configuration(String key) {
            return (Configuration) Proxy.newProxyInstance(Configuration.class.getClassLoader(),
                    new Class<?>[] {Configuration.class}, (proxy, method, args) -> switch (method.getName()) {
                        case "getProperties" -> {
                            Hashtable<String, Object> p = store.get(key);
                            yield p == null ? null : new Hashtable<>(p);
                        }
                        case "update" -> {
                            @SuppressWarnings("unchecked")
                            Dictionary<String, Object> d = (Dictionary<String, Object>) args[0];
                            Hashtable<String, Object> p = new Hashtable<>();
                            for (String k : Collections.list(d.keys())) {
                                p.put(k, d.get(k));
                            }
                            store.put(key, p);
                            yield null;
                        }
                        case "delete" -> {
                            store.remove(key);
                            yield null;
                        }
                        case "getPid" -> key;
                        case "hashCode" -> key.hashCode();
                        case "equals" -> proxy == args[0];
                        case "toString" -> "Configuration " + key;
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }

        /** What the launcher does at start: each file's properties, values stripped. */
        void load(String key, String text) {
            Hashtable<String, Object> p = new Hashtable<>(PairFiles.properties(text.getBytes(StandardCharsets.UTF_8), key));
            store.put(key, p);
        }

        /** @return the property, or {@code null} when the configuration or the key is absent */
        Object get(String key, String property) {
            Hashtable<String, Object> p = store.get(key);
            return p == null ? null : p.get(property);
        }
    }

    /** A peer that answers each request from {@code answer} (the request's text in, the answer's bytes out). */
    interface Answer {
        byte[] apply(String service, byte[] payload) throws IOException;
    }

    static PeerLink link(Answer answer) {
        return new PeerLink() {
            @Override
            public byte[] request(String service, byte[] payload, Duration timeout) throws IOException {
                return answer.apply(service, payload);
            }

            @Override
            public void send(String service, byte[] payload) throws IOException {
                answer.apply(service, payload);
            }

            @Override
            public List<ChannelView> channels() {
                return List.of();
            }
        };
    }

    static Node node(String scm, String peer, OpMode role, Path dataDir) {
        return new Node() {
            @Override
            public String scm() {
                return scm;
            }

            @Override
            public String peer() {
                return peer;
            }

            @Override
            public OpMode configuredRole() {
                return role;
            }

            @Override
            public Path dataDir() {
                return dataDir;
            }

            @Override
            public long incarnation() {
                return 1;
            }

            @Override
            public List<Personality> personalities() {
                return List.of();
            }

            @Override
            public Configurations configurations() {
                throw new UnsupportedOperationException("not asked by these components");
            }

            @Override
            public List<String> problems() {
                return List.of();
            }

            @Override
            public Map<String, String> timing() {
                return Map.of();
            }
        };
    }

    static BundleContext bundleContext(Map<String, String> properties) {
        return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getProperty")) {
                        return properties.get((String) args[0]);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    static HaContext context() {
        return (HaContext) Proxy.newProxyInstance(HaContext.class.getClassLoader(), new Class<?>[] {HaContext.class},
                (proxy, method, args) -> method.getName().equals("moduleName") ? "config" : null);
    }
}
