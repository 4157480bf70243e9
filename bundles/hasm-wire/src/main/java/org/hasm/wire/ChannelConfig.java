package org.hasm.wire;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One configured channel to the peer: {@code channels=link,host} names them, and for each name
 * {@code channel.<name>.local} is where this SCM binds and {@code channel.<name>.peer} where the peer
 * listens.
 *
 * @param name the channel's name
 * @param local the address to bind
 * @param peer the peer's address
 */
public record ChannelConfig(String name, InetSocketAddress local, InetSocketAddress peer) {
    /** Configuration key: the channel names, a comma separated list. */
    public static final String CHANNELS = "channels";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

    /**
     * @param config the raw configuration properties
     * @param problems receives one message per problem, each naming its property
     * @return the channels that are valid, in configuration order
     */
    public static List<ChannelConfig> parse(Map<String, ?> config, List<String> problems) {
        List<ChannelConfig> result = new ArrayList<>();
        for (String name : names(config.get(CHANNELS), problems)) {
            String localKey = "channel." + name + ".local";
            String peerKey = "channel." + name + ".peer";
            try {
                result.add(new ChannelConfig(name, Address.parse(localKey, config.get(localKey)),
                        Address.parse(peerKey, config.get(peerKey))));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        return result;
    }

    /** @return the names listed in {@code value}, in order */
    public static List<String> names(Object value, List<String> problems) {
        List<String> raw = new ArrayList<>();
        if (value instanceof String[] array) {
            raw.addAll(List.of(array));
        } else if (value instanceof Collection<?> c) {
            c.forEach(v -> raw.add(String.valueOf(v)));
        } else if (value != null) {
            raw.addAll(List.of(String.valueOf(value).split(",")));
        }
        Set<String> names = new LinkedHashSet<>();
        for (String r : raw) {
            String n = r.trim();
            if (n.isEmpty()) {
                continue;
            }
            if (!NAME.matcher(n).matches()) {
                problems.add(CHANNELS + ": '" + n + "' is not a channel name (letters, digits, '_' and '-')");
            } else if (!names.add(n)) {
                problems.add(CHANNELS + ": '" + n + "' is listed twice");
            }
        }
        return new ArrayList<>(names);
    }

    /**
     * @return the integer value of {@code key}, or {@code def} if unset; adds a problem naming the
     *     key when it is not an integer in [min, max]
     */
    public static long number(Map<String, ?> config, String key, long def, long min, long max, List<String> problems) {
        Object v = config.get(key);
        if (v == null || String.valueOf(v).isBlank()) {
            return def;
        }
        try {
            long n = v instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(v).trim());
            if (n < min || n > max) {
                problems.add(key + "=" + v + " is out of range " + min + ".." + max);
                return def;
            }
            return n;
        } catch (NumberFormatException e) {
            problems.add(key + "=" + v + " is not a whole number");
            return def;
        }
    }
}
