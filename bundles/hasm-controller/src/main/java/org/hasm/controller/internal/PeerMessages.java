package org.hasm.controller.internal;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;

/**
 * The controller's messages to the peer's controller (NOP, GETSTATE, READY, PROCEED, LEAVING), as
 * {@code key=value} lines. The link authenticates and versions the frames around them; this codec
 * only has to refuse what it does not understand, with a message, never with a crash.
 */
final class PeerMessages {
    static final String TYPE = "type";

    private PeerMessages() {
    }

    static byte[] encode(Map<String, String> fields) {
        StringBuilder sb = new StringBuilder();
        fields.forEach((k, v) -> sb.append(k).append('=').append(v == null ? "" : v.replace('\n', ' ')).append('\n'));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] of(String type, String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        map.put(TYPE, type);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return encode(map);
    }

    /** {@link #of}, with this SCM's version in its optional field when known ({@link PairVersions}). */
    static byte[] of(PairVersions versions, String type, String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        map.put(TYPE, type);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return encode(versions.stamp(map));
    }

    /** @throws IllegalArgumentException naming what is malformed */
    static Map<String, String> decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes.length > 16 * 1024) {
            throw new IllegalArgumentException("controller message of " + (bytes == null ? 0 : bytes.length)
                    + " bytes: expected 1 to 16384");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("controller message line without key=value: '" + abbreviate(line) + "'");
            }
            map.put(line.substring(0, eq), line.substring(eq + 1));
        }
        if (!map.containsKey(TYPE)) {
            throw new IllegalArgumentException("controller message without a type");
        }
        return map;
    }

    static ScmState state(String s) {
        return s == null || s.isEmpty() ? null : ScmState.valueOf(s.toUpperCase(Locale.ROOT));
    }

    static OpMode mode(String s) {
        return s == null || s.isEmpty() ? null : OpMode.valueOf(s.toUpperCase(Locale.ROOT));
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
