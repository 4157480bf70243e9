package org.hasm.netif.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The configuration {@code org.hasm.netif}, validated. {@code problems} lists everything wrong,
 * each message naming its property; a module with problems refuses to {@code init}.
 */
record Settings(Mode mode, String device, int prefix, String arping, List<String> commandPrefix,
        long dadTimeoutMs, long commandTimeoutMs, List<String> problems) {

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

    static final int DEFAULT_PREFIX = 24;
    static final String DEFAULT_ARPING = "arping";
    static final long DEFAULT_DAD_TIMEOUT_MS = 1000;
    static final long DEFAULT_COMMAND_TIMEOUT_MS = 5000;

    // An interface name as the kernel takes it: at most 15 bytes, no blanks and no '/'.
    private static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,15}");

    Settings {
        commandPrefix = List.copyOf(commandPrefix);
        problems = List.copyOf(problems);
    }

    /** @return settings for loopback mode with every default */
    static Settings loopback() {
        return parse(Map.of());
    }

    static Settings parse(Map<String, ?> config) {
        List<String> problems = new ArrayList<>();
        Mode mode = Mode.LOOPBACK;
        String rawMode = text(config, MODE);
        if (rawMode != null) {
            try {
                mode = Mode.valueOf(rawMode.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(MODE + "=" + rawMode + " is not a mode: expected 'loopback' or 'linux'");
            }
        }
        String device = text(config, DEVICE);
        int prefix = (int) number(config, PREFIX, DEFAULT_PREFIX, 1, 32, problems);
        String arping = text(config, ARPING);
        if (arping == null) {
            arping = DEFAULT_ARPING;
        }
        String rawPrefix = text(config, COMMAND_PREFIX);
        List<String> commandPrefix = rawPrefix == null ? List.of() : Arrays.asList(rawPrefix.split("\\s+"));
        long dadTimeout = number(config, DAD_TIMEOUT, DEFAULT_DAD_TIMEOUT_MS, 100, 60_000, problems);
        long commandTimeout = number(config, COMMAND_TIMEOUT, DEFAULT_COMMAND_TIMEOUT_MS, 100, 600_000, problems);
        if (mode == Mode.LINUX) {
            if (device == null) {
                problems.add(DEVICE + " is not set: linux mode needs the device the addresses go on (eth0, say)");
            } else if (!DEVICE_NAME.matcher(device).matches()) {
                problems.add(DEVICE + "=" + device + " is not an interface name (at most 15 letters, digits, '_', '.', '@', '-')");
            }
            if (arping.chars().anyMatch(Character::isWhitespace)) {
                problems.add(ARPING + "=" + arping + " must be one path; put wrappers in " + COMMAND_PREFIX);
            }
        }
        return new Settings(mode, device, prefix, arping, commandPrefix, dadTimeout, commandTimeout, problems);
    }

    private static String text(Map<String, ?> config, String key) {
        Object v = config.get(key);
        if (v == null) {
            return null;
        }
        String s = String.valueOf(v).trim();
        return s.isEmpty() ? null : s;
    }

    private static long number(Map<String, ?> config, String key, long dflt, long min, long max, List<String> problems) {
        Object v = config.get(key);
        if (v == null || String.valueOf(v).isBlank()) {
            return dflt;
        }
        long n;
        if (v instanceof Number num) {
            n = num.longValue();
        } else {
            try {
                n = Long.parseLong(String.valueOf(v).trim());
            } catch (NumberFormatException e) {
                problems.add(key + "=" + v + " is not a whole number");
                return dflt;
            }
        }
        if (n < min || n > max) {
            problems.add(key + "=" + n + " is out of range " + min + ".." + max);
            return dflt;
        }
        return n;
    }
}
