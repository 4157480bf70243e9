package org.hasm.controller.internal;

import java.util.function.Supplier;

/**
 * GETSTATE's optional field {@value #FIELD}: the pair configuration's fingerprint
 * ({@code GENERATION:CHECKSUM}) of an SCM with configuration transactions (the CTCM). A release without
 * it answers without the field and pairs all the same. Two SCMs with different configurations at the
 * same generation contradict each other: the INIT handshake then faults (MONITOR), on both SCMs, since
 * each asks the other.
 */
final class ConfigFingerprint {

    static final String FIELD = "config";

    /** This SCM's fingerprint, or {@code null} when it has no CTCM or its configuration is not settled. */
    private volatile Supplier<String> local = () -> null;

    void source(Supplier<String> fingerprint) {
        this.local = fingerprint;
    }

    /** @return this SCM's fingerprint now, or {@code null} */
    String get() {
        try {
            return local.get();
        } catch (RuntimeException e) {
            return null; // not settled: nothing to compare
        }
    }

    /**
     * @param mine this SCM's fingerprint, or {@code null}
     * @param theirs the peer's, from its GETSTATE answer, or {@code null}
     * @return why the two contradict each other, naming the field and both values; {@code null} when they
     *     do not (equal, different generations, a side without the field, or malformed)
     */
    static String conflict(String mine, String theirs, String peer) {
        if (mine == null || theirs == null) {
            return null;
        }
        int a = mine.indexOf(':');
        int b = theirs.indexOf(':');
        if (a <= 0 || b <= 0 || !mine.substring(0, a).equals(theirs.substring(0, b)) || mine.equals(theirs)) {
            return null;
        }
        return "configuration contradictory: this SCM and " + peer + " have different configurations at generation "
                + mine.substring(0, a) + ": field checksum " + mine.substring(a + 1) + " here, " + theirs.substring(b + 1)
                + " on " + peer + " (GETSTATE)";
    }
}
