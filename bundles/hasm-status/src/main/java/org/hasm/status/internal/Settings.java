package org.hasm.status.internal;

import static org.hasm.config.ConfigProblem.parse;
import static org.hasm.config.ConfigProblem.read;

import java.net.InetSocketAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import org.hasm.config.ConfigProblem;
import org.hasm.spi.OpMode;
import org.hasm.wire.Address;
import org.hasm.wire.ChannelConfig;

/**
 * The status monitor's configuration, validated: the same code at activation, at {@code init} and
 * in {@code hasm check} ({@link StatusCheck}). {@code problems} lists everything wrong, each naming
 * its configuration and key; a monitor with problems does not start.
 */
record Settings(String self, String peer, OpMode role, long intervalMs, int counterStart,
        List<ChannelConfig> channels, List<DiskChannel.Config> disks, List<String> order, String fenceAgent,
        long fenceTimeoutMs, long fenceDelayMs, Map<String, Integer> drops, boolean faultsEnabled,
        List<ConfigProblem> problems) {

    /** Something wrong, by configuration (PID or {@code FACTORY~NAME}) and key. */

    static final String CHANNEL_PID = "org.hasm.status.channel";
    static final long DEFAULT_INTERVAL_MS = 50;
    static final int DEFAULT_COUNTER_START = 4;
    static final String INTERVAL = "interval.ms";
    static final String COUNTER_START = "counter.start";
    static final String FENCE_AGENT = "fence.agent";
    static final String DEFAULT_FENCE_AGENT = "none";
    static final long DEFAULT_FENCE_TIMEOUT_MS = 5000;
    /** How long a network-only outage lasts before the peer is fenced, unless configured. */
    static final long DEFAULT_FENCE_DELAY_MS = 5000;
    static final String KIND_UDP = "udp";
    static final String KIND_DISK = "disk";
    /** Framework property: the test-only fault switches are honoured. */
    static final String PROP_FAULTS = "hasm.faults.enabled";

    Settings {
        channels = List.copyOf(channels);
        disks = List.copyOf(disks);
        order = List.copyOf(order);
        drops = Map.copyOf(drops);
        problems = List.copyOf(problems);
    }

    /**
     * @param c the status monitor's configuration
     * @param definitions the channels' configurations by channel name
     * @param self this SCM's name (the node's)
     * @param peer the peer's name, {@code null} when standalone
     * @param role the configured role
     * @param faultsEnabled whether the test-only drop switches count
     */
    static Settings of(StatusConfig c, SortedMap<String, ChannelDefinition> definitions, String self, String peer,
            OpMode role, boolean faultsEnabled) {
        List<ConfigProblem> problems = new ArrayList<>();
        String pid = StatusComponent.PID;
        long interval = read(c::interval_ms, pid, INTERVAL, DEFAULT_INTERVAL_MS, problems);
        if (interval < 20 || interval > 3_600_000) {
            problems.add(new ConfigProblem(pid, INTERVAL, "'" + interval + "' is out of range 20..3600000"));
            interval = DEFAULT_INTERVAL_MS;
        }
        int counter = read(c::counter_start, pid, COUNTER_START, DEFAULT_COUNTER_START, problems);
        if (counter < 1 || counter > 1_000_000) {
            problems.add(new ConfigProblem(pid, COUNTER_START, "'" + counter + "' is out of range 1..1000000"));
            counter = DEFAULT_COUNTER_START;
        }
        String agent = read(c::fence_agent, pid, FENCE_AGENT, DEFAULT_FENCE_AGENT, problems).strip();
        if (agent.isEmpty()) {
            agent = DEFAULT_FENCE_AGENT;
        }
        long fenceTimeout = read(c::fence_timeout_ms, pid, "fence.timeout.ms", DEFAULT_FENCE_TIMEOUT_MS, problems);
        if (fenceTimeout < 100 || fenceTimeout > 600_000) {
            problems.add(new ConfigProblem(pid, "fence.timeout.ms", "'" + fenceTimeout
                    + "' is out of range 100..600000"));
            fenceTimeout = DEFAULT_FENCE_TIMEOUT_MS;
        }
        long fenceDelay = read(c::fence_delay_ms, pid, "fence.delay.ms", -1L, problems);
        if (fenceDelay < -1 || fenceDelay > 3_600_000) {
            problems.add(new ConfigProblem(pid, "fence.delay.ms", "'" + fenceDelay + "' is out of range -1..3600000"));
            fenceDelay = -1;
        }
        if (fenceDelay == -1) {
            fenceDelay = DEFAULT_FENCE_DELAY_MS;
        }

        List<ChannelConfig> udp = new ArrayList<>();
        List<DiskChannel.Config> disks = new ArrayList<>();
        List<String> order = new ArrayList<>();
        Map<String, Integer> drops = new LinkedHashMap<>();
        for (Map.Entry<String, ChannelDefinition> e : definitions.entrySet()) {
            String name = e.getKey();
            ChannelDefinition d = e.getValue();
            String where = CHANNEL_PID + "~" + name;
            if (!FrameName.valid(name)) {
                problems.add(new ConfigProblem(where, "(name)", "'" + name
                        + "' is not a channel name (letters, digits, '_' and '-')"));
                continue;
            }
            String kind = read(d::kind, where, "kind", KIND_UDP, problems).strip().toLowerCase(Locale.ROOT);
            int drop = read(d::fault_drop, where, "fault.drop", 0, problems);
            if (drop < 0 || drop > 100) {
                problems.add(new ConfigProblem(where, "fault.drop", "'" + drop + "' is out of range 0..100"));
                drop = 0;
            }
            boolean added;
            if (KIND_DISK.equals(kind)) {
                added = disk(where, name, d, counter, disks, problems);
            } else if (KIND_UDP.equals(kind)) {
                added = udp(where, name, d, udp, problems);
            } else {
                problems.add(new ConfigProblem(where, "kind", "'" + kind + "' is neither " + KIND_UDP + " nor "
                        + KIND_DISK));
                added = false;
            }
            if (added) {
                order.add(name);
                if (drop > 0) {
                    drops.put(name, drop);
                }
            }
        }
        if (peer != null && definitions.isEmpty()) {
            problems.add(new ConfigProblem(pid, "(channels)", "the peer " + peer
                    + " is configured (hasm.peer) but no status channel is (" + CHANNEL_PID
                    + "~NAME.cfg): it would never be watched"));
        } else if (peer == null && !definitions.isEmpty()) {
            problems.add(new ConfigProblem(CHANNEL_PID + "~" + definitions.firstKey(), "(channels)",
                    "status channels are configured but no peer (hasm.peer is not set)"));
        }
        return new Settings(self, peer, role, interval, counter, udp, disks, order, agent, fenceTimeout, fenceDelay,
                drops, faultsEnabled, problems);
    }

    private static boolean udp(String where, String name, ChannelDefinition d, List<ChannelConfig> udp,
            List<ConfigProblem> problems) {
        if (!read(d::dir, where, "dir", "", problems).isBlank()) {
            problems.add(new ConfigProblem(where, "dir", "is set but kind is not " + KIND_DISK));
        }
        InetSocketAddress local = parse(where, "local", read(d::local, where, "local", "", problems), Address::parse,
                problems);
        InetSocketAddress peer = parse(where, "peer", read(d::peer, where, "peer", "", problems), Address::parse,
                problems);
        if (local == null || peer == null) {
            return false;
        }
        ChannelConfig channel = new ChannelConfig(name, local, peer);
        String conflict = channel.conflict(udp);
        if (conflict != null) {
            int eq = conflict.indexOf('=');
            problems.add(new ConfigProblem(where, conflict.substring(0, eq), conflict.substring(eq + 1)));
            return false;
        }
        udp.add(channel);
        return true;
    }


    private static boolean disk(String where, String name, ChannelDefinition d, int counterStart,
            List<DiskChannel.Config> disks, List<ConfigProblem> problems) {
        String dir = read(d::dir, where, "dir", "", problems).strip();
        Path path = null;
        if (dir.isEmpty()) {
            problems.add(new ConfigProblem(where, "dir", "is not set (the heartbeat folder on the shared storage)"));
        } else {
            try {
                path = Path.of(dir);
                if (!path.isAbsolute()) {
                    problems.add(new ConfigProblem(where, "dir", "'" + dir + "' is not an absolute path"));
                    path = null;
                }
            } catch (InvalidPathException e) {
                problems.add(new ConfigProblem(where, "dir", "'" + dir + "' is not a path: " + e.getMessage()));
            }
        }
        int counter = read(d::counter, where, "counter", 0, problems);
        if (counter < 0 || counter > 1_000_000) {
            problems.add(new ConfigProblem(where, "counter", "'" + counter + "' is out of range 0..1000000"));
            counter = 0;
        }
        boolean fsync = read(d::fsync, where, "fsync", false, problems);
        if (!read(d::local, where, "local", "", problems).isBlank() || !read(d::peer, where, "peer", "", problems)
                .isBlank()) {
            problems.add(new ConfigProblem(where, "local", "a storage heartbeat channel has no addresses (kind="
                    + KIND_DISK + ")"));
        }
        if (path == null) {
            return false;
        }
        for (DiskChannel.Config other : disks) {
            if (other.dir().normalize().equals(path.normalize())) {
                problems.add(new ConfigProblem(where, "dir", "'" + dir + "' is also the folder of channel "
                        + other.name() + ": one heartbeat, not two"));
                return false;
            }
        }
        disks.add(new DiskChannel.Config(name, path, counter == 0 ? 2 * counterStart : counter, fsync));
        return true;
    }



    /** @return the problems as one line each */
    List<String> problemLines() {
        return problems.stream().map(ConfigProblem::toString).toList();
    }

    /** @return whether any channel is configured: without one, no peer is watched */
    boolean watchesPeer() {
        return !order.isEmpty();
    }

    /** @return the drop percentage in force for a channel: 0 unless faults are enabled */
    int drop(String channel) {
        return faultsEnabled ? drops.getOrDefault(channel, 0) : 0;
    }

    /** @return the storage heartbeat's lease of a disk channel, in ms */
    long leaseMs(DiskChannel.Config disk) {
        return disk.counter() * intervalMs;
    }

    /** Channel names are sender-name tokens. */
    static final class FrameName {
        private FrameName() {
        }

        static boolean valid(String name) {
            return name != null && name.matches("[A-Za-z0-9_-]+");
        }
    }
}
