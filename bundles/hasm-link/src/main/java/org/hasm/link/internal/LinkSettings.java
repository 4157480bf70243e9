package org.hasm.link.internal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Supplier;
import org.hasm.wire.Address;
import org.hasm.wire.ChannelConfig;

/**
 * The link's configuration, validated: the same code at activation, at {@code init} and in
 * {@code hasm check} ({@link LinkCheck}); each problem names its configuration and key.
 */
record LinkSettings(String self, String peer, List<ChannelConfig> channels, long connectTimeoutMs,
        List<Problem> problems) {

    /** Something wrong, by configuration (PID or {@code FACTORY~NAME}) and key. */
    record Problem(String pid, String key, String reason) {
        @Override
        public String toString() {
            return pid + ": " + key + ": " + reason;
        }
    }

    static final String CHANNEL_PID = "org.hasm.link.channel";
    static final long DEFAULT_CONNECT_TIMEOUT_MS = 1000;
    static final String CONNECT_TIMEOUT = "connect.timeout.ms";

    LinkSettings {
        channels = List.copyOf(channels);
        problems = List.copyOf(problems);
    }

    /**
     * @param c the link's configuration
     * @param definitions its channels' configurations by channel name
     * @param self this SCM's name (the node's)
     * @param peer the peer's name, {@code null} when standalone
     */
    static LinkSettings of(LinkConfig c, SortedMap<String, ChannelDefinition> definitions, String self, String peer) {
        List<Problem> problems = new ArrayList<>();
        long connect = read(c::connect_timeout_ms, LinkComponent.PID, CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT_MS,
                problems);
        if (connect < 1 || connect > 600_000) {
            problems.add(new Problem(LinkComponent.PID, CONNECT_TIMEOUT, "'" + connect + "' is out of range 1..600000"));
            connect = DEFAULT_CONNECT_TIMEOUT_MS;
        }
        record Ordered(int order, ChannelConfig channel) {
        }
        List<Ordered> channels = new ArrayList<>();
        for (Map.Entry<String, ChannelDefinition> e : definitions.entrySet()) {
            String name = e.getKey();
            ChannelDefinition d = e.getValue();
            String where = CHANNEL_PID + "~" + name;
            if (!name.matches("[A-Za-z0-9_-]+")) {
                problems.add(new Problem(where, "(name)", "'" + name + "' is not a channel name (letters, digits, '_'"
                        + " and '-')"));
                continue;
            }
            InetSocketAddress local = address(where, "local", read(d::local, where, "local", "", problems), problems);
            InetSocketAddress remote = address(where, "peer", read(d::peer, where, "peer", "", problems), problems);
            int order = read(d::order, where, "order", 100, problems);
            if (local != null && remote != null) {
                channels.add(new Ordered(order, new ChannelConfig(name, local, remote)));
            }
        }
        channels.sort(Comparator.comparingInt(Ordered::order).thenComparing(o -> o.channel().name()));
        if (peer != null && definitions.isEmpty()) {
            problems.add(new Problem(LinkComponent.PID, "(channels)", "the peer " + peer + " is configured (hasm.peer)"
                    + " but no link channel is (" + CHANNEL_PID + "~NAME.cfg): the SCMs could not talk"));
        } else if (peer == null && !definitions.isEmpty()) {
            problems.add(new Problem(CHANNEL_PID + "~" + definitions.firstKey(), "(channels)", "link channels are"
                    + " configured but no peer (hasm.peer is not set)"));
        }
        return new LinkSettings(self, peer, channels.stream().map(Ordered::channel).toList(), connect, problems);
    }

    private static InetSocketAddress address(String where, String key, String value, List<Problem> problems) {
        try {
            return Address.parse(key, value);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            problems.add(new Problem(where, key, m.startsWith(key) ? m.substring(key.length()).replaceFirst("^[ =:]+", "")
                    : m));
            return null;
        }
    }

    private static <T> T read(Supplier<T> value, String pid, String key, T fallback, List<Problem> problems) {
        try {
            T v = value.get();
            return v == null ? fallback : v;
        } catch (RuntimeException e) {
            problems.add(new Problem(pid, key, reason(key, e)));
            return fallback;
        }
    }

    /** @return what a conversion failure says, without the key it is reported under: {@code 'abc' is not ...} */
    static String reason(String key, RuntimeException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int is = m.indexOf(" is ");
        if (m.startsWith(key + "=") && is > key.length()) {
            return "'" + m.substring(key.length() + 1, is) + "'" + m.substring(is);
        }
        return m;
    }

    List<String> problemLines() {
        return problems.stream().map(Problem::toString).toList();
    }
}
