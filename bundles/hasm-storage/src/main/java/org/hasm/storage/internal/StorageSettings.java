package org.hasm.storage.internal;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The storage module's configuration ({@value #PID}), validated. {@code problems} lists everything
 * wrong, each message naming its property; a module with problems fails {@code init}.
 *
 * @param sharedDir the shared storage root, {@code null} if not configured (then no personality may
 *     have volumes)
 * @param self this SCM's name from the framework property {@value #PROP_SCM}, {@code null} if unset
 * @param peer the peer's name from the framework property {@value #PROP_PEER}, {@code null} for a
 *     standalone SCM (then an unreadable ownership record has nobody to be settled with)
 */
record StorageSettings(Path sharedDir, long checkIntervalMs, long leaseMs, String self, String peer,
        List<String> problems) {

    static final String PID = "org.hasm.storage";
    static final String SHARED_DIR = "shared.dir";
    static final String CHECK_INTERVAL = "check.interval.ms";
    static final String LEASE = "lease.ms";
    static final String PROP_SCM = "hasm.scm";
    static final String PROP_PEER = "hasm.peer";
    static final long DEFAULT_CHECK_INTERVAL_MS = 200;
    static final long DEFAULT_LEASE_MS = 2000;

    StorageSettings {
        problems = List.copyOf(problems);
    }

    /**
     * @param config the component's properties
     * @param framework looks up a framework property
     */
    static StorageSettings parse(Map<String, ?> config, Function<String, String> framework) {
        List<String> problems = new ArrayList<>();
        Path shared = null;
        String raw = text(config.get(SHARED_DIR));
        if (raw != null) {
            try {
                Path p = Path.of(raw);
                if (!p.isAbsolute()) {
                    problems.add(SHARED_DIR + "=" + raw + " is not an absolute path");
                } else {
                    shared = p.normalize();
                }
            } catch (InvalidPathException e) {
                problems.add(SHARED_DIR + "=" + raw + " is not a path: " + e.getMessage());
            }
        }
        long interval = number(config, CHECK_INTERVAL, DEFAULT_CHECK_INTERVAL_MS, 10, 60_000, problems);
        long lease = number(config, LEASE, DEFAULT_LEASE_MS, 20, 600_000, problems);
        if (lease < 2 * interval) {
            // one late watchdog round must not stop every write
            problems.add(LEASE + "=" + lease + " must be at least twice " + CHECK_INTERVAL + "=" + interval);
        }
        String self = text(framework.apply(PROP_SCM));
        if (self != null && !OwnerRecord.SCM_NAME.matcher(self).matches()) {
            problems.add("framework property " + PROP_SCM + "=" + self + " is not a valid SCM name");
        }
        String peer = text(framework.apply(PROP_PEER));
        return new StorageSettings(shared, interval, lease, self, peer, problems);
    }

    private static String text(Object value) {
        if (value == null) {
            return null;
        }
        String s = String.valueOf(value).trim();
        return s.isEmpty() ? null : s;
    }

    private static long number(Map<String, ?> config, String key, long dflt, long min, long max, List<String> problems) {
        Object v = config.get(key);
        if (v == null || (v instanceof String s && s.isBlank())) {
            return dflt;
        }
        long n;
        if (v instanceof Number num && !(v instanceof Double) && !(v instanceof Float)) {
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
            problems.add(key + "=" + n + " is out of range [" + min + ", " + max + "]");
            return dflt;
        }
        return n;
    }
}
