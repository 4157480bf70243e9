package org.hasm.spi.node;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.hasm.spi.HaException;
import org.hasm.spi.Personality;

/**
 * The per-personality keys a service reads ({@code kv.port} in {@code org.hasm.personality~a.cfg}),
 * declared once, so that {@code hasm check} (through the service's {@link ConfigurationCheck}), its
 * {@code test()} and its {@code opMode} judge a value the same way and say what is wrong the same way:
 * the personality, the key and the value.
 *
 * <pre>
 * static final PersonalityKeys KEYS = PersonalityKeys.of(PersonalityKeys.port("kv.port").required());
 *
 * &#64;Component(property = ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":kv.port")
 * public class KvCheck implements ConfigurationCheck {
 *     public void check(Configurations configurations, Findings findings) {
 *         KvService.KEYS.check(configurations, findings);
 *     }
 * }
 * // in test(): KEYS.require(node.personalities()); in opMode: int port = KEYS.port(p, "kv.port");
 * </pre>
 *
 * @since org.hasm.spi.node 1.1.0, hasm.spi 1.1.0
 */
public final class PersonalityKeys {

    /** One key: what its value must be. Immutable. */
    public static final class Key {
        private final String name;
        private final long min;
        private final long max;
        private final Pattern pattern;
        private final String expected;
        private final boolean required;

        private Key(String name, long min, long max, Pattern pattern, String expected, boolean required) {
            if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("'" + name + "' is not a key (letters, digits, '_', '-' and '.')");
            }
            this.name = name;
            this.min = min;
            this.max = max;
            this.pattern = pattern;
            this.expected = expected;
            this.required = required;
        }

        /** @return the key */
        public String name() {
            return name;
        }

        /** @return whether every personality must have it */
        public boolean isRequired() {
            return required;
        }

        /** @return the same key, which every personality must have */
        public Key required() {
            return new Key(name, min, max, pattern, expected, true);
        }

        /**
         * @param raw a value, or {@code null} when the personality has none
         * @return what is wrong with it ({@code "'x' is not a port number (1..65535)"}), or {@code null}
         */
        public String problem(String raw) {
            if (raw == null) {
                return required ? "missing: expected " + expected : null;
            }
            String v = raw.strip();
            if (pattern != null) {
                return pattern.matcher(v).matches() ? null : "'" + raw + "' is not " + expected;
            }
            try {
                long n = Long.parseLong(v);
                if (n >= min && n <= max) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            return "'" + raw + "' is not " + expected;
        }

        @Override
        public String toString() {
            return name + " (" + expected + (required ? ", required" : "") + ")";
        }
    }

    private final List<Key> keys;

    private PersonalityKeys(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /** @return a set of keys */
    public static PersonalityKeys of(Key... keys) {
        return new PersonalityKeys(List.of(keys));
    }

    /** @return a key whose value is a TCP or UDP port, 1..65535 */
    public static Key port(String name) {
        return new Key(name, 1, 65535, null, "a port number (1..65535)", false);
    }

    /** @return a key whose value is a whole number from {@code min} to {@code max} */
    public static Key number(String name, long min, long max) {
        return new Key(name, min, max, null, "a whole number (" + min + ".." + max + ")", false);
    }

    /**
     * @param regex what the whole value must match
     * @param expected what that is, for a message ({@code "a share name (letters and digits)"})
     * @return a key whose value is text
     */
    public static Key text(String name, String regex, String expected) {
        return new Key(name, 0, 0, Pattern.compile(regex), Objects.requireNonNull(expected, "expected"), false);
    }

    /** @return the keys, in the order declared */
    public List<Key> keys() {
        return keys;
    }

    /**
     * @return what is wrong with the personality's values, each as
     *     {@code personality A: kv.port: 'x' is not a port number (1..65535)}; empty when nothing
     */
    public List<String> problems(Personality personality) {
        List<String> found = new ArrayList<>();
        Map<String, String> properties = personality.properties();
        for (Key k : keys) {
            String problem = k.problem(properties.get(k.name));
            if (problem != null) {
                found.add("personality " + personality.name() + ": " + k.name + ": " + problem);
            }
        }
        return found;
    }

    /**
     * For {@code test()} and {@code opMode}: every personality's values must be right.
     *
     * @throws HaException naming every personality, key and value that is wrong
     */
    public void require(Collection<? extends Personality> personalities) throws HaException {
        List<String> found = new ArrayList<>();
        personalities.forEach(p -> found.addAll(problems(p)));
        if (!found.isEmpty()) {
            throw new HaException(String.join("; ", found));
        }
    }

    /**
     * For a {@link ConfigurationCheck}: reports each wrong value of each personality configuration, by its
     * file ({@code org.hasm.personality~a}) and key.
     */
    public void check(Configurations configurations, Findings findings) {
        configurations.factory(Node.PERSONALITY_FACTORY_PID).forEach((name, properties) -> {
            Object personality = properties.get("name");
            for (Key k : keys) {
                Object raw = properties.get(k.name);
                String problem = k.problem(raw == null ? null : String.valueOf(raw));
                if (problem != null) {
                    findings.problem(Node.PERSONALITY_FACTORY_PID + "~" + name, k.name,
                            "personality " + (personality == null ? name : personality) + ": " + problem);
                }
            }
        });
    }

    /**
     * @return the value of a port or number key of the personality, or {@code -1} when it has none
     * @throws HaException if the key is not declared here or its value is wrong, naming the personality,
     *     the key and the value
     */
    public long number(Personality personality, String key) throws HaException {
        String raw = value(personality, key);
        return raw == null ? -1 : Long.parseLong(raw.strip());
    }

    /**
     * @return the value of the key in the personality, or {@code null} when it has none
     * @throws HaException if the key is not declared here or its value is wrong
     */
    public String value(Personality personality, String key) throws HaException {
        Key k = keys.stream().filter(x -> x.name.equals(key)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(key + " is not one of " + keys));
        String raw = personality.properties().get(key);
        String problem = k.problem(raw);
        if (problem != null) {
            throw new HaException("personality " + personality.name() + ": " + key + ": " + problem);
        }
        return raw;
    }
}
