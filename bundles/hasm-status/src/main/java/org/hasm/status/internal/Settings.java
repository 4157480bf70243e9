package org.hasm.status.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
        List<ChannelConfig> channels, List<DiskChannel.Config> disks, List<String> order, String fenceAgent,
        long fenceTimeoutMs, long fenceDelayMs, Map<String, Integer> drops, boolean faultsEnabled, Path dataDir, Path keyFile,
        List<String> problems) {

    static final long DEFAULT_INTERVAL_MS = 1000;
    static final int DEFAULT_COUNTER_START = 10;
    static final String INTERVAL = "interval.ms";
    static final String COUNTER_START = "counter.start";
    static final String DROP_PREFIX = "fault.drop.";
    static final String FENCE_AGENT = "fence.agent";
    static final String FENCE_TIMEOUT = "fence.timeout.ms";
    static final String FENCE_DELAY = "fence.delay.ms";
    static final String DEFAULT_FENCE_AGENT = "none";
    static final long DEFAULT_FENCE_TIMEOUT_MS = 5000;
    /** How long a network-only outage lasts before the peer is fenced, unless configured. */
    static final long DEFAULT_FENCE_DELAY_MS = 5000;
    static final String KIND_UDP = "udp";
    static final String KIND_DISK = "disk";
    static final String PROP_SCM = "hasm.scm";
    static final String PROP_PEER = "hasm.peer";
    static final String PROP_ROLE = "hasm.role";
    static final String PROP_DATA_DIR = "hasm.data.dir";
    static final String PROP_FAULTS = "hasm.faults.enabled";

    Settings {
        channels = List.copyOf(channels);
        disks = List.copyOf(disks);
        order = List.copyOf(order);
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
        List<String> names = ChannelConfig.names(config.get(ChannelConfig.CHANNELS), problems);
        List<String> udp = new ArrayList<>();
        List<DiskChannel.Config> disks = new ArrayList<>();
        for (String name : names) {
            String kind = kind(config, name, problems);
            if (KIND_DISK.equals(kind)) {
                disk(config, name, counter, disks, problems);
            } else if (KIND_UDP.equals(kind)) {
                udp.add(name);
                if (config.get(channelKey(name, "dir")) != null) {
                    problems.add(channelKey(name, "dir") + " is set but " + channelKey(name, "kind") + " is not "
                            + KIND_DISK);
                }
            }
        }
        // The wire library knows only network channels: hand it those alone.
        Map<String, Object> network = new HashMap<>(config);
        network.put(ChannelConfig.CHANNELS, udp);
        List<ChannelConfig> channels = ChannelConfig.parse(network, problems);
        List<String> order = new ArrayList<>(names);
        order.removeIf(n -> channels.stream().noneMatch(c -> c.name().equals(n))
                && disks.stream().noneMatch(d -> d.name().equals(n)));
        Object rawAgent = config.get(FENCE_AGENT);
        String fenceAgent = rawAgent == null ? null : trim(String.valueOf(rawAgent));
        if (fenceAgent == null) {
            fenceAgent = DEFAULT_FENCE_AGENT;
        }
        long fenceTimeout = ChannelConfig.number(config, FENCE_TIMEOUT, DEFAULT_FENCE_TIMEOUT_MS, 100, 600_000, problems);
        Object rawDelay = config.get(FENCE_DELAY);
        boolean defaultDelay = rawDelay == null || String.valueOf(rawDelay).trim().equals("-1");
        long fenceDelay = defaultDelay ? DEFAULT_FENCE_DELAY_MS
                : ChannelConfig.number(config, FENCE_DELAY, DEFAULT_FENCE_DELAY_MS, 0, 3_600_000, problems);
        boolean faults = "true".equalsIgnoreCase(trim(framework.apply(PROP_FAULTS)));
        Map<String, Integer> drops = drops(config, order, problems);

        String self = trim(framework.apply(PROP_SCM));
        String peer = trim(framework.apply(PROP_PEER));
        OpMode role = null;
        String rawRole = trim(framework.apply(PROP_ROLE));
        if (rawRole != null) {
            try {
                role = OpMode.valueOf(rawRole.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add("framework property " + PROP_ROLE + "=" + rawRole + " is not MASTER or SLAVE");
            }
        }
        Path dataDir = null;
        Path keyFile = null;
        // Without channels there is no peer to watch (a standalone SCM): nothing else is needed.
        if (!names.isEmpty()) {
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
        return new Settings(self, peer, role, interval, counter, channels, disks, order, fenceAgent, fenceTimeout,
                fenceDelay, drops,
                faults, dataDir, keyFile, problems);
    }

    static String channelKey(String name, String suffix) {
        return "channel." + name + "." + suffix;
    }

    private static String kind(Map<String, ?> config, String name, List<String> problems) {
        Object raw = config.get(channelKey(name, "kind"));
        String kind = raw == null ? null : trim(String.valueOf(raw));
        if (kind == null) {
            return KIND_UDP;
        }
        kind = kind.toLowerCase(Locale.ROOT);
        if (!KIND_UDP.equals(kind) && !KIND_DISK.equals(kind)) {
            problems.add(channelKey(name, "kind") + "=" + raw + " is neither " + KIND_UDP + " nor " + KIND_DISK);
            return null;
        }
        return kind;
    }

    private static void disk(Map<String, ?> config, String name, int counterStart, List<DiskChannel.Config> disks,
            List<String> problems) {
        String dirKey = channelKey(name, "dir");
        Object rawDir = config.get(dirKey);
        String dir = rawDir == null ? null : trim(String.valueOf(rawDir));
        Path path = null;
        if (dir == null) {
            problems.add(dirKey + " is not set (the heartbeat folder on the shared storage)");
        } else {
            try {
                path = Path.of(dir);
                if (!path.isAbsolute()) {
                    problems.add(dirKey + "=" + dir + " is not an absolute path");
                    path = null;
                }
            } catch (java.nio.file.InvalidPathException e) {
                problems.add(dirKey + "=" + dir + " is not a path: " + e.getMessage());
            }
        }
        int counter = (int) ChannelConfig.number(config, channelKey(name, "counter"), counterStart, 1, 1_000_000,
                problems);
        String fsyncKey = channelKey(name, "fsync");
        Object rawFsync = config.get(fsyncKey);
        String fsync = rawFsync == null ? null : trim(String.valueOf(rawFsync));
        if (fsync != null && !"true".equalsIgnoreCase(fsync) && !"false".equalsIgnoreCase(fsync)) {
            problems.add(fsyncKey + "=" + rawFsync + " is neither true nor false");
        }
        if (path == null) {
            return;
        }
        for (DiskChannel.Config other : disks) {
            if (other.dir().normalize().equals(path.normalize())) {
                problems.add(dirKey + "=" + dir + " is also the folder of channel " + other.name()
                        + ": one heartbeat, not two");
                return;
            }
        }
        disks.add(new DiskChannel.Config(name, path, counter, "true".equalsIgnoreCase(fsync)));
    }

    private static Map<String, Integer> drops(Map<String, ?> config, List<String> channels, List<String> problems) {
        Map<String, Integer> drops = new LinkedHashMap<>();
        for (String key : config.keySet()) {
            if (!key.startsWith(DROP_PREFIX)) {
                continue;
            }
            String name = key.substring(DROP_PREFIX.length());
            if (!channels.contains(name)) {
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

    /** @return whether any channel is configured: without one, no peer is watched */
    boolean watchesPeer() {
        return !order.isEmpty();
    }

    /** @return the drop percentage in force for a channel: 0 unless faults are enabled */
    int drop(String channel) {
        return faultsEnabled ? drops.getOrDefault(channel, 0) : 0;
    }
}
