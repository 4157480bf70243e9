package org.hasm.testkit;

import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerConsumer;

/**
 * An OSGi {@link Logger} for a module created outside a framework (in a {@link ContractKit} run), which
 * writes each line to standard error and keeps it. Needs {@code org.osgi.service.log} on the test's
 * class path, as every module that logs through the OSGi Log Service has it.
 */
public final class Logs {
    private static final Set<String> LEVELS = Set.of("audit", "error", "warn", "info", "debug", "trace");

    private final String name;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final PrintStream out = System.err;

    private Logs(String name) {
        this.name = name;
    }

    /**
     * @param name the logger's name, as {@code LoggerFactory.getLogger(name)} would have it
     * @return a new log
     */
    public static Logs named(String name) {
        return new Logs(name);
    }

    /** @return every line logged so far, {@code LEVEL message} */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** @return a {@link Logger} that writes to this log */
    public Logger logger() {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    String m = method.getName();
                    if (m.equals("getName")) {
                        return name;
                    }
                    if (m.startsWith("is") && m.endsWith("Enabled")) {
                        return true;
                    }
                    if (m.equals("toString")) {
                        return "log " + name;
                    }
                    if (m.equals("hashCode")) {
                        return System.identityHashCode(proxy);
                    }
                    if (m.equals("equals")) {
                        return proxy == args[0];
                    }
                    if (!LEVELS.contains(m) || args == null || args.length == 0) {
                        throw new UnsupportedOperationException(m);
                    }
                    if (args[0] instanceof LoggerConsumer<?> consumer) {
                        consumer.accept((Logger) proxy); // what it throws, the caller declared
                        return null;
                    }
                    Object[] rest = args.length == 2 && args[1] instanceof Object[] array ? array
                            : java.util.Arrays.copyOfRange(args, 1, args.length);
                    log(m, String.valueOf(args[0]), rest);
                    return null;
                });
    }

    private void log(String level, String format, Object[] arguments) {
        StringBuilder b = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.length(); i++) {
            if (format.startsWith("{}", i) && next < arguments.length) {
                b.append(arguments[next++]);
                i++;
            } else {
                b.append(format.charAt(i));
            }
        }
        Throwable thrown = arguments.length > 0 && arguments[arguments.length - 1] instanceof Throwable t ? t : null;
        if (thrown != null && next < arguments.length) {
            b.append(": ").append(thrown);
        }
        String line = level.toUpperCase(java.util.Locale.ROOT) + " " + b;
        lines.add(line);
        out.println("[" + name + "] " + line);
    }
}
