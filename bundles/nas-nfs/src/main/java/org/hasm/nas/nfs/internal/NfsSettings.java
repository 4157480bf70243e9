package org.hasm.nas.nfs.internal;

/**
 * The NFS service's limits, validated.
 *
 * @param workerThreads threads that carry out requests, per personality
 * @param drcEntries replies the duplicate request cache keeps per volume
 * @param drcAgeMs how long it keeps one
 * @param scanLimit entries the search for a file renamed behind the server's back may look at
 * @param nlm the limits of the lock service
 */
record NfsSettings(int workerThreads, int drcEntries, long drcAgeMs, int scanLimit, NlmSettings nlm) {

    static final NfsSettings DEFAULTS = new NfsSettings(8, 4096, 600_000, 200_000);

    NfsSettings(int workerThreads, int drcEntries, long drcAgeMs, int scanLimit) {
        this(workerThreads, drcEntries, drcAgeMs, scanLimit, NlmSettings.DEFAULTS);
    }

    NfsSettings {
        check("worker.threads", workerThreads, 1, 256);
        check("drc.entries", drcEntries, 16, 1_000_000);
        check("drc.age.ms", drcAgeMs, 1_000, 86_400_000);
        check("scan.limit", scanLimit, 1, 100_000_000);
    }

    private static void check(String key, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + "=" + v + ": must be " + min + ".." + max);
        }
    }
}
