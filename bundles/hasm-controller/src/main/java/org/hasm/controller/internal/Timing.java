package org.hasm.controller.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The timing fingerprint the controllers compare in the INIT handshake: every timing value both SCMs
 * must share (the status interval and counter, the storage lease, ...), by {@code "PID key"}, as the
 * node's check reports them. GETSTATE's answer carries it; the asking SCM compares it with its own.
 */
final class Timing {
    /** The field of GETSTATE's answer. */
    static final String FIELD = "timing";

    private Timing() {
    }

    /** @return {@code PID key=value;PID key=value}: keys hold no ';' nor '=', values are numbers */
    static String encode(Map<String, String> timing) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(timing).forEach((k, v) -> {
            if (b.length() > 0) {
                b.append(';');
            }
            b.append(k).append('=').append(v);
        });
        return b.toString();
    }

    /** @return the fingerprint {@link #encode} wrote; empty for none (a peer of a release without it) */
    static Map<String, String> decode(String text) {
        Map<String, String> timing = new TreeMap<>();
        if (text == null || text.isBlank()) {
            return timing;
        }
        for (String entry : text.split(";")) {
            int eq = entry.lastIndexOf('=');
            if (eq > 0) {
                timing.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return timing;
    }

    /**
     * @param own this SCM's timing
     * @param peer the peer's, as its GETSTATE answered
     * @param peerName the peer's name
     * @return why the two SCMs cannot run together, naming every value that differs on both sides;
     *     {@code null} when every value both report is equal (a value only one reports is not judged:
     *     a channel of one's own, or a release that does not report it)
     */
    static String mismatch(Map<String, String> own, Map<String, String> peer, String peerName) {
        List<String> differ = new ArrayList<>();
        new TreeMap<>(own).forEach((key, value) -> {
            String theirs = peer.get(key);
            if (theirs != null && !theirs.equals(value)) {
                differ.add(key + " is " + value + " here and " + theirs + " on " + peerName);
            }
        });
        if (differ.isEmpty()) {
            return null;
        }
        return "timing differs from the peer's: " + String.join("; ", differ) + " (both SCMs of a pair must use the"
                + " same timing: correct the configuration of one, then reset it)";
    }
}
