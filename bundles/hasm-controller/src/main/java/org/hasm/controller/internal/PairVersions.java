package org.hasm.controller.internal;

import java.time.Instant;
import java.util.Map;

/**
 * This SCM's hasm release and its peer's, so that a pair in the middle of a rolling upgrade shows
 * both on either SCM. Every controller message this SCM sends carries its own version in an
 * optional field; every message from the peer that carries one updates what is known of the peer (a
 * release before the field sends none, and reads past it). Thread-safe: the fields are volatile and
 * written whole; {@link #own} is set before the link serves.
 */
final class PairVersions {
    /** The optional field of the controller's messages: the sender's hasm version. */
    static final String FIELD = "hasmVersion";

    private volatile String own;
    // the peer's version and when it was said, one object so that readers never see them apart
    private volatile Heard peer;

    record Heard(String version, Instant asOf) {
    }

    /** @param version this SCM's release, or {@code null} if not known (then nothing is sent) */
    void own(String version) {
        own = version == null || version.isBlank() ? null : version;
    }

    String own() {
        return own;
    }

    /** @return what the peer last said it runs, or {@code null} if it never said (or runs a release before the field) */
    Heard peer() {
        return peer;
    }

    /** Notes the version a message of the peer carries, if it carries one; a message without it changes nothing. */
    void heard(Map<String, String> message) {
        String v = message.get(FIELD);
        if (v != null && !v.isBlank()) {
            peer = new Heard(v, Instant.now());
        }
    }

    /** @return {@code fields} with this SCM's version added, when known */
    Map<String, String> stamp(Map<String, String> fields) {
        String v = own;
        if (v != null) {
            fields.putIfAbsent(FIELD, v);
        }
        return fields;
    }
}
