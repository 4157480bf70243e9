package org.hasm.netif.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.hasm.config.ConfigProblem;

/**
 * The configuration {@code org.hasm.netif}, validated: the same code at activation, at {@code init}
 * and in {@code hasm check} ({@link NetifCheck}). {@code problems} lists everything wrong, each
 * naming its key; a module with problems refuses to {@code init}.
 */
record Settings(Mode mode, String device, int prefix, String arping, List<String> commandPrefix,
        long dadTimeoutMs, long commandTimeoutMs, Tickle tickle, List<ConfigProblem> problems) {

    /**
     * TCP tickles (linux mode only): whether they are sent, how often this SCM's connection list is
     * read and, when it changed, written, and how many connections it holds at most.
     */
    record Tickle(boolean enabled, long intervalMs, int maxConnections) {
        static final Tickle DEFAULT = new Tickle(true, DEFAULT_TICKLE_INTERVAL_MS, DEFAULT_TICKLE_MAX);
    }

    /** How addresses are brought up. */
    enum Mode {
        /** Bookkeeping only: every personality has its own 127.x address, always there. */
        LOOPBACK,
        /** {@code ip addr} on a real device, duplicate detection and gratuitous ARP. */
        LINUX
    }

    static final String MODE = "mode";
    static final String DEVICE = "device";
    static final String PREFIX = "prefix";
    static final String ARPING = "arping";
    static final String COMMAND_PREFIX = "command.prefix";
    static final String DAD_TIMEOUT = "dad.timeout.ms";
    static final String COMMAND_TIMEOUT = "command.timeout.ms";
    static final String TICKLE_ENABLED = "tickle.enabled";
    static final String TICKLE_INTERVAL = "tickle.interval.ms";
    static final String TICKLE_MAX = "tickle.max.connections";

    static final int DEFAULT_PREFIX = 24;
    static final String DEFAULT_ARPING = "arping";
    static final long DEFAULT_DAD_TIMEOUT_MS = 1000;
    static final long DEFAULT_COMMAND_TIMEOUT_MS = 5000;
    static final long DEFAULT_TICKLE_INTERVAL_MS = 1000;
    static final int DEFAULT_TICKLE_MAX = 4096;

    // An interface name as the kernel takes it: at most 15 bytes, no blanks and no '/'.
    private static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,15}");

    Settings {
        commandPrefix = List.copyOf(commandPrefix);
        problems = List.copyOf(problems);
    }

    /** @return settings for loopback mode with every default */
    static Settings loopback() {
        return new Settings(Mode.LOOPBACK, null, DEFAULT_PREFIX, DEFAULT_ARPING, List.of(), DEFAULT_DAD_TIMEOUT_MS,
                DEFAULT_COMMAND_TIMEOUT_MS, Tickle.DEFAULT, List.of());
    }

    static Settings of(NetifConfig c) {
        List<ConfigProblem> problems = new ArrayList<>();
        Mode mode = Mode.LOOPBACK;
        String rawMode = text(read(c::mode, MODE, "", problems));
        if (rawMode != null) {
            try {
                mode = Mode.valueOf(rawMode.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(problem(MODE, "'" + rawMode + "' is not a mode: expected 'loopback' or 'linux'"));
            }
        }
        String device = text(read(c::device, DEVICE, "", problems));
        int prefix = (int) range(PREFIX, read(c::prefix, PREFIX, DEFAULT_PREFIX, problems), DEFAULT_PREFIX, 1, 32,
                problems);
        String arping = text(read(c::arping, ARPING, DEFAULT_ARPING, problems));
        if (arping == null) {
            arping = DEFAULT_ARPING;
        }
        String rawPrefix = text(read(c::command_prefix, COMMAND_PREFIX, "", problems));
        List<String> commandPrefix = rawPrefix == null ? List.of() : Arrays.asList(rawPrefix.split("\\s+"));
        long dadTimeout = range(DAD_TIMEOUT, read(c::dad_timeout_ms, DAD_TIMEOUT, DEFAULT_DAD_TIMEOUT_MS, problems),
                DEFAULT_DAD_TIMEOUT_MS, 100, 60_000, problems);
        long commandTimeout = range(COMMAND_TIMEOUT, read(c::command_timeout_ms, COMMAND_TIMEOUT,
                DEFAULT_COMMAND_TIMEOUT_MS, problems), DEFAULT_COMMAND_TIMEOUT_MS, 100, 600_000, problems);
        boolean tickleEnabled = read(c::tickle_enabled, TICKLE_ENABLED, true, problems);
        long tickleInterval = range(TICKLE_INTERVAL, read(c::tickle_interval_ms, TICKLE_INTERVAL,
                DEFAULT_TICKLE_INTERVAL_MS, problems), DEFAULT_TICKLE_INTERVAL_MS, 100, 60_000, problems);
        int tickleMax = (int) range(TICKLE_MAX, read(c::tickle_max_connections, TICKLE_MAX, DEFAULT_TICKLE_MAX,
                problems), DEFAULT_TICKLE_MAX, 1, ConnectionList.MAX_CONNECTIONS, problems);
        if (mode == Mode.LINUX) {
            if (device == null) {
                problems.add(problem(DEVICE,
                        "is not set: linux mode needs the device the addresses go on (eth0, say)"));
            } else if (!DEVICE_NAME.matcher(device).matches()) {
                problems.add(problem(DEVICE, "'" + device + "' is not an interface name (at most 15 letters, digits,"
                        + " '_', '.', '@', '-')"));
            }
            if (arping.chars().anyMatch(Character::isWhitespace)) {
                problems.add(problem(ARPING, "'" + arping + "' must be one path; put wrappers in " + COMMAND_PREFIX));
            }
        }
        return new Settings(mode, device, prefix, arping, commandPrefix, dadTimeout, commandTimeout,
                new Tickle(tickleEnabled, tickleInterval, tickleMax), problems);
    }

    private static String text(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static long range(String key, long n, long dflt, long min, long max, List<ConfigProblem> problems) {
        return ConfigProblem.range(NetifComponent.PID, key, n, dflt, min, max, problems);
    }

    private static ConfigProblem problem(String key, String reason) {
        return new ConfigProblem(NetifComponent.PID, key, reason);
    }

    private static <T> T read(java.util.function.Supplier<T> value, String key, T fallback,
            List<ConfigProblem> problems) {
        return ConfigProblem.read(value, NetifComponent.PID, key, fallback, problems);
    }

    List<String> problemLines() {
        return problems.stream().map(p -> p.key() + ": " + p.reason()).toList();
    }
}
