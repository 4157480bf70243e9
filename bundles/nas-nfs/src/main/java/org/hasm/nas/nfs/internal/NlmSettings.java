package org.hasm.nas.nfs.internal;

/**
 * The limits of the lock service (NLM and NSM), validated.
 *
 * @param lockEntries locks and share reservations kept per volume; more are refused NLM4_DENIED_NOLOCKS
 * @param graceMs how long only reclaims are admitted after the lock state was really lost (0: not at all); a restart
 *     or takeover during it resumes it for the time left
 * @param callbackMs the deadline of one call back to a client (NLM_GRANTED, a _RES, SM_NOTIFY), portmapper included
 * @param callbackPortmapPort the port of the client hosts' portmappers, where their NLM and NSM ports are asked
 */
record NlmSettings(int lockEntries, long graceMs, long callbackMs, int callbackPortmapPort) {

    static final NlmSettings DEFAULTS = new NlmSettings(100_000, 45_000, 5_000, 111);

    NlmSettings {
        check("nlm.lock.entries", lockEntries, 16, 10_000_000);
        check("nlm.grace.ms", graceMs, 0, 600_000);
        check("nlm.callback.ms", callbackMs, 100, 120_000);
        check("nlm.callback.portmap.port", callbackPortmapPort, 1, 65535);
    }

    private static void check(String key, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + "=" + v + ": must be " + min + ".." + max);
        }
    }
}
