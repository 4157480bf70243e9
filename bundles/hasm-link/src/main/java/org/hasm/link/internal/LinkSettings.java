package org.hasm.link.internal;

import static org.hasm.config.ConfigProblem.parse;
import static org.hasm.config.ConfigProblem.read;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.hasm.config.ConfigProblem;
import org.hasm.wire.Address;
import org.hasm.wire.ChannelConfig;

/**
 * The link's configuration, validated: the same code at activation, at {@code init} and in
 * {@code hasm check} ({@link LinkCheck}); each problem names its configuration and key.
 */
record LinkSettings(String self, String peer, List<ChannelConfig> channels, long connectTimeoutMs,
        List<ConfigProblem> problems) {

    /** Something wrong, by configuration (PID or {@code FACTORY~NAME}) and key. */

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
        List<ConfigProblem> problems = new ArrayList<>();
        long connect = read(c::connect_timeout_ms, LinkComponent.PID, CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT_MS,
                problems);
        if (connect < 1 || connect > 600_000) {
            problems.add(new ConfigProblem(LinkComponent.PID, CONNECT_TIMEOUT, "'" + connect
                    + "' is out of range 1..600000"));
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
                problems.add(new ConfigProblem(where, "(name)", "'" + name
                        + "' is not a channel name (letters, digits, '_' and '-')"));
                continue;
            }
            InetSocketAddress local = parse(where, "local", read(d::local, where, "local", "", problems), Address::parse,
                    problems);
            InetSocketAddress remote = parse(where, "peer", read(d::peer, where, "peer", "", problems), Address::parse,
                    problems);
            int order = read(d::order, where, "order", 100, problems);
            if (local != null && remote != null) {
                ChannelConfig channel = new ChannelConfig(name, local, remote);
                String conflict = channel.conflict(channels.stream().map(Ordered::channel).toList());
                if (conflict != null) {
                    int eq = conflict.indexOf('=');
                    problems.add(new ConfigProblem(where, conflict.substring(0, eq), conflict.substring(eq + 1)));
                    continue;
                }
                channels.add(new Ordered(order, channel));
            }
        }
        channels.sort(Comparator.comparingInt(Ordered::order).thenComparing(o -> o.channel().name()));
        if (peer != null && definitions.isEmpty()) {
            problems.add(new ConfigProblem(LinkComponent.PID, "(channels)", "the peer " + peer
                    + " is configured (hasm.peer) but no link channel is (" + CHANNEL_PID
                    + "~NAME.cfg): the SCMs could not talk"));
        } else if (peer == null && !definitions.isEmpty()) {
            problems.add(new ConfigProblem(CHANNEL_PID + "~" + definitions.firstKey(), "(channels)",
                    "link channels are configured but no peer (hasm.peer is not set)"));
        }
        return new LinkSettings(self, peer, channels.stream().map(Ordered::channel).toList(), connect, problems);
    }




    List<String> problemLines() {
        return problems.stream().map(ConfigProblem::toString).toList();
    }
}
