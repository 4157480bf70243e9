package org.hasm.storage.internal;

import static org.hasm.config.ConfigProblem.read;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hasm.config.ConfigProblem;

/**
 * The storage module's configuration ({@value #PID}), validated: the same code at activation, at
 * {@code init} and in {@code hasm check} ({@link StorageCheck}). {@code problems} lists everything
 * wrong, each naming its key; a module with problems fails {@code init}.
 *
 * @param sharedDir the shared storage root, {@code null} if not configured (then no personality may
 *     have volumes)
 * @param self this SCM's name (the node's)
 * @param peer the peer's name, {@code null} for a standalone SCM (then an unreadable ownership
 *     record has nobody to be settled with)
 */
record StorageSettings(Path sharedDir, long checkIntervalMs, long leaseMs, String self, String peer,
        List<ConfigProblem> problems) {

    static final String PID = "org.hasm.storage";
    static final String SHARED_DIR = "shared.dir";
    static final String CHECK_INTERVAL = "check.interval.ms";
    static final String LEASE = "lease.ms";
    /** The tuned timing's: every 50 ms, so that a volume taken over is let go within 50 ms. */
    static final long DEFAULT_CHECK_INTERVAL_MS = 50;
    /**
     * Shorter than the default storage heartbeat's lease (8 intervals of 50 ms, 400 ms) by more than an
     * interval: the peer takes over on the heartbeat alone only once this SCM has stopped writing.
     */
    static final long DEFAULT_LEASE_MS = 200;

    StorageSettings {
        problems = List.copyOf(problems);
    }

    /**
     * @param c the module's configuration
     * @param self this SCM's name
     * @param peer the peer's name, {@code null} when standalone
     */
    static StorageSettings of(StorageConfig c, String self, String peer) {
        List<ConfigProblem> problems = new ArrayList<>();
        Path shared = null;
        String raw = read(c::shared_dir, PID, SHARED_DIR, "", problems).strip();
        if (!raw.isEmpty()) {
            try {
                Path p = Path.of(raw);
                if (!p.isAbsolute()) {
                    problems.add(new ConfigProblem(PID, SHARED_DIR, "'" + raw + "' is not an absolute path"));
                } else {
                    shared = p.normalize();
                }
            } catch (InvalidPathException e) {
                problems.add(new ConfigProblem(PID, SHARED_DIR, "'" + raw + "' is not a path: " + e.getMessage()));
            }
        }
        long interval = read(c::check_interval_ms, PID, CHECK_INTERVAL, DEFAULT_CHECK_INTERVAL_MS, problems);
        if (interval < 10 || interval > 60_000) {
            problems.add(new ConfigProblem(PID, CHECK_INTERVAL, "'" + interval + "' is out of range 10..60000"));
            interval = DEFAULT_CHECK_INTERVAL_MS;
        }
        long lease = read(c::lease_ms, PID, LEASE, DEFAULT_LEASE_MS, problems);
        if (lease < 20 || lease > 600_000) {
            problems.add(new ConfigProblem(PID, LEASE, "'" + lease + "' is out of range 20..600000"));
            lease = DEFAULT_LEASE_MS;
        } else if (lease < 2 * interval) {
            // one late watchdog round must not stop every write
            problems.add(new ConfigProblem(PID, LEASE, "'" + lease + "' must be at least twice " + CHECK_INTERVAL + "="
                    + interval));
        }
        return new StorageSettings(shared, interval, lease, self, peer, problems);
    }



    List<String> problemLines() {
        return problems.stream().map(p -> p.key() + ": " + p.reason()).toList();
    }
}
