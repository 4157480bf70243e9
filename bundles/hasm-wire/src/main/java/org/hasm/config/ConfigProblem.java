package org.hasm.config;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * A value of a configuration that is wrong: the configuration's PID (a factory configuration's with
 * its name, {@code org.hasm.status.channel~link}), the key, and why, in words an operator acts on
 * ({@code 'abc' is not a whole number}).
 */
public record ConfigProblem(String pid, String key, String reason) {

    @Override
    public String toString() {
        return pid + ": " + key + ": " + reason;
    }

    /**
     * Reads one value of a typed configuration ({@link Typed}, or Declarative Services' own): a value
     * that cannot be converted is a problem naming the PID and the key, and the fallback stands in,
     * so that every problem of a configuration is found in one pass.
     *
     * @param value the component property type's method, e.g. {@code config::interval_ms}
     * @param fallback what stands in for a missing or wrong value
     * @param problems where the problem is added
     */
    public static <T> T read(Supplier<T> value, String pid, String key, T fallback, List<ConfigProblem> problems) {
        try {
            T v = value.get();
            return v == null ? fallback : v;
        } catch (RuntimeException e) {
            problems.add(new ConfigProblem(pid, key, reason(key, e)));
            return fallback;
        }
    }

    /**
     * Keeps a number read from a configuration within its bounds: one out of them is a problem naming the
     * PID and the key ({@code '0' is out of range 100..300000}), and the default stands in.
     *
     * @param dflt what stands in for a number out of range
     * @param problems where the problem is added
     */
    public static long range(String pid, String key, long n, long dflt, long min, long max, List<ConfigProblem> problems) {
        if (n < min || n > max) {
            problems.add(new ConfigProblem(pid, key, "'" + n + "' is out of range " + min + ".." + max));
            return dflt;
        }
        return n;
    }

    /**
     * Parses one value with a parser whose {@link IllegalArgumentException} names the key first
     * ({@code peer=host:7002: host is not an IP address}, as {@link org.hasm.wire.Address#parse} does):
     * a failure is a problem naming the PID and the key, with the message after the key, and
     * {@code null} stands in.
     */
    public static <T> T parse(String pid, String key, String value, BiFunction<String, String, T> parser,
            List<ConfigProblem> problems) {
        try {
            return parser.apply(key, value);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            problems.add(new ConfigProblem(pid, key, m.startsWith(key) ? m.substring(key.length()).replaceFirst("^[ =:]+", "") : m));
            return null;
        }
    }

    /**
     * @return what a conversion failure says, without the key it is reported under:
     *     {@code interval.ms=abc is not a whole number} becomes {@code 'abc' is not a whole number}
     */
    public static String reason(String key, RuntimeException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int is = m.indexOf(" is ");
        if (m.startsWith(key + "=") && is > key.length()) {
            return "'" + m.substring(key.length() + 1, is) + "'" + m.substring(is);
        }
        return m;
    }
}
