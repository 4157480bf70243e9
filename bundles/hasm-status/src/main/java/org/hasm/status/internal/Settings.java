package org.hasm.status.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.hasm.spi.OpMode;
import org.hasm.wire.ChannelConfig;
import org.hasm.wire.ClusterKey;
import org.hasm.wire.FrameCodec;

/**
 * The status monitor's configuration, validated. {@code problems} lists everything wrong, each
 * message naming its property; a monitor with problems does not start.
 */
record Settings(String self, String peer, OpMode role, long intervalMs, int counterStart,
        List<ChannelConfig> channels, Map<String, Integer> drops, boolean faultsEnabled, Path dataDir,
        Path keyFile, List<String> problems) {

    static final long DEFAULT_INTERVAL_MS = 1000;
    static final int DEFAULT_COUNTER_START = 10;
    static final String INTERVAL = "interval.ms";
    static final String COUNTER_START = "counter.start";
    static final String DROP_PREFIX = "fault.drop.";
    static final String PROP_SCM = "hasm.scm";
    static final String PROP_PEER = "hasm.peer";
    static final String PROP_ROLE = "hasm.role";
    static final String PROP_DATA_DIR = "hasm.data.dir";
    static final String PROP_FAULTS = "hasm.faults.enabled";

    Settings {
        channels = List.copyOf(channels);
        drops = Map.copyOf(drops);
        problems = List.copyOf(problems);
    }

    /**
     * @param config the component's properties
     * @param framework looks up a framework property
     */
    static Settings parse(Map<String, ?> config, Function<String, String> framework) {
        List<String> problems = new ArrayList<>();
        long interval = ChannelConfig.number(config, INTERVAL, DEFAULT_INTERVAL_MS, 20, 3_600_000, problems);
        int counter = (int) ChannelConfig.number(config, COUNTER_START, DEFAULT_COUNTER_START, 1, 1_000_000, problems);
        List<ChannelConfig> channels = ChannelConfig.parse(config, problems);
        boolean faults = "true".equalsIgnoreCase(trim(framework.apply(PROP_FAULTS)));
        Map<String, Integer> drops = drops(config, channels, problems);

        String self = trim(framework.apply(PROP_SCM));
        String peer = trim(framework.apply(PROP_PEER));
        OpMode role = null;
        String rawRole = trim(framework.apply(PROP_ROLE));
        if (rawRole != null) {
            try {
                role = OpMode.valueOf(rawRole.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add("framework property " + PROP_ROLE + "=" + rawRole + " is not MASTER or SLAVE");
            }
        }
        Path dataDir = null;
        Path keyFile = null;
        // Without channels there is no peer to watch (a standalone SCM): nothing else is needed.
        if (!channels.isEmpty() || !ChannelConfig.names(config.get(ChannelConfig.CHANNELS), new ArrayList<>()).isEmpty()) {
            if (!FrameCodec.validName(self)) {
                problems.add("framework property " + PROP_SCM + (self == null ? " is not set" : "=" + self + " is not a valid SCM name"));
            }
            if (!FrameCodec.validName(peer)) {
                problems.add("framework property " + PROP_PEER + (peer == null ? " is not set (the peer's SCM name)"
                        : "=" + peer + " is not a valid SCM name"));
            } else if (peer.equals(self)) {
                problems.add("framework property " + PROP_PEER + "=" + peer + " is this SCM's own name");
            }
            String data = trim(framework.apply(PROP_DATA_DIR));
            if (data == null) {
                problems.add("framework property " + PROP_DATA_DIR + " is not set (the incarnation is kept there)");
            } else {
                dataDir = Path.of(data);
            }
            try {
                keyFile = ClusterKey.location(framework);
            } catch (java.io.IOException e) {
                problems.add(e.getMessage());
            }
        }
        return new Settings(self, peer, role, interval, counter, channels, drops, faults, dataDir, keyFile, problems);
    }

    private static Map<String, Integer> drops(Map<String, ?> config, List<ChannelConfig> channels, List<String> problems) {
        Map<String, Integer> drops = new LinkedHashMap<>();
        for (String key : config.keySet()) {
            if (!key.startsWith(DROP_PREFIX)) {
                continue;
            }
            String name = key.substring(DROP_PREFIX.length());
            if (channels.stream().noneMatch(c -> c.name().equals(name))) {
                problems.add(key + ": there is no channel " + name);
                continue;
            }
            drops.put(name, (int) ChannelConfig.number(config, key, 0, 0, 100, problems));
        }
        return drops;
    }

    private static String trim(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** @return the drop percentage in force for a channel: 0 unless faults are enabled */
    int drop(String channel) {
        return faultsEnabled ? drops.getOrDefault(channel, 0) : 0;
    }
}
