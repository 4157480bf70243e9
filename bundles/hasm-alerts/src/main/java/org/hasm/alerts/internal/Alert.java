package org.hasm.alerts.internal;

import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One alert, as every recipient receives it: a script in its environment and on its standard input (the
 * {@link #json() JSON document}), a webhook as the body of a POST.
 *
 * @param kind what it is about ({@code state}, {@code peer}, ..., {@code test})
 * @param topic the Event Admin topic of the event it reports
 * @param scm the SCM it happened on: this one
 * @param incarnation the SCM's incarnation (its boot) the sequence counts in
 * @param sequence its number among this incarnation's alerts, from 1; 0 for a test
 * @param time when this SCM took the event
 * @param desc one line for a human
 * @param properties the event's properties, each a String, a Long, a Double, a Boolean or a list of
 *     Strings, each text at most {@link #VALUE_MAX} characters
 */
record Alert(String kind, String topic, String scm, long incarnation, long sequence, Instant time, String desc,
        SortedMap<String, Object> properties) {

    /** The longest value given, in characters: a value is cut there, ending in "...". */
    static final int VALUE_MAX = 4096;
    static final String ENV_PREFIX = "HASM_ALERT_";
    /** The properties an event carries for Event Admin and the event log, not about what happened. */
    static final Set<String> INTERNAL = Set.of("event.topics", "hasm.journaled");
    /** The variables every alert sets; a property of the same name is given as {@code HASM_ALERT_EVENT_NAME}. */
    static final Set<String> RESERVED = Set.of("KIND", "TOPIC", "SCM", "INCARNATION", "SEQUENCE", "TIME", "DESC");

    Alert {
        properties = Collections.unmodifiableSortedMap(new TreeMap<>(properties));
    }

    /** @return the properties of an event as an alert carries them: internal ones left out, values made plain */
    static SortedMap<String, Object> plain(Map<String, ?> eventProperties) {
        SortedMap<String, Object> plain = new TreeMap<>();
        for (Map.Entry<String, ?> e : eventProperties.entrySet()) {
            if (e.getKey() == null || e.getValue() == null || INTERNAL.contains(e.getKey())) {
                continue;
            }
            plain.put(e.getKey(), value(e.getValue()));
        }
        return plain;
    }

    private static Object value(Object v) {
        if (v instanceof Boolean || v instanceof Long || v instanceof Double) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float f) {
            return f.doubleValue();
        }
        if (v.getClass().isArray() || v instanceof Collection<?>) {
            List<String> list = new ArrayList<>();
            if (v instanceof Collection<?> c) {
                c.forEach(o -> list.add(cut(String.valueOf(o))));
            } else {
                for (int i = 0; i < Array.getLength(v); i++) {
                    list.add(cut(String.valueOf(Array.get(v, i))));
                }
            }
            return List.copyOf(list);
        }
        return cut(String.valueOf(v));
    }

    static String cut(String s) {
        return s.length() <= VALUE_MAX ? s : s.substring(0, VALUE_MAX - 3) + "...";
    }

    /** @return text on one line: line breaks and other control characters as blanks */
    static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? ' ' : c);
        }
        return b.toString();
    }

    /** @return {@code opMode} as {@code OPMODE}, {@code fence.agent} as {@code FENCE_AGENT} */
    static String variable(String property) {
        StringBuilder b = new StringBuilder(property.length());
        for (int i = 0; i < property.length(); i++) {
            char c = property.charAt(i);
            b.append(c < 128 && Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return b.toString().toUpperCase(Locale.ROOT);
    }

    /** @return the variables a script gets, {@code HASM_ALERT_*}, every value on one line */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(ENV_PREFIX + "KIND", kind);
        env.put(ENV_PREFIX + "TOPIC", topic);
        env.put(ENV_PREFIX + "SCM", oneLine(scm));
        env.put(ENV_PREFIX + "INCARNATION", Long.toString(incarnation));
        env.put(ENV_PREFIX + "SEQUENCE", Long.toString(sequence));
        env.put(ENV_PREFIX + "TIME", time.toString());
        env.put(ENV_PREFIX + "DESC", oneLine(desc));
        for (Map.Entry<String, Object> p : properties.entrySet()) {
            String name = variable(p.getKey());
            String key = ENV_PREFIX + (RESERVED.contains(name) ? "EVENT_" : "") + name;
            Object v = p.getValue();
            String text = v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList())
                    : String.valueOf(v);
            env.putIfAbsent(key, oneLine(text)); // two names that map to one variable: the first in order
        }
        return env;
    }

    /** @return the alert as one JSON object, UTF-8 */
    byte[] json() {
        StringBuilder b = new StringBuilder(256);
        b.append('{');
        field(b, "kind").append(quote(kind)).append(',');
        field(b, "topic").append(quote(topic)).append(',');
        field(b, "scm").append(quote(scm)).append(',');
        field(b, "incarnation").append(incarnation).append(',');
        field(b, "sequence").append(sequence).append(',');
        field(b, "time").append(quote(time.toString())).append(',');
        field(b, "desc").append(quote(desc)).append(',');
        field(b, "properties").append('{');
        boolean first = true;
        for (Map.Entry<String, Object> p : properties.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            field(b, p.getKey());
            Object v = p.getValue();
            if (v instanceof List<?> l) {
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    b.append(i == 0 ? "" : ",").append(quote(String.valueOf(l.get(i))));
                }
                b.append(']');
            } else if (v instanceof Boolean || v instanceof Long) {
                b.append(v);
            } else if (v instanceof Double d) {
                b.append(d.isNaN() || d.isInfinite() ? quote(d.toString()) : d.toString());
            } else {
                b.append(quote(String.valueOf(v)));
            }
        }
        b.append("}}");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static StringBuilder field(StringBuilder b, String name) {
        return b.append(quote(name)).append(':');
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
