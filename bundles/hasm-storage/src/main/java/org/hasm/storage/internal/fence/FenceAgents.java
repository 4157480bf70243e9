package org.hasm.storage.internal.fence;

import java.util.Map;
import org.osgi.service.log.Logger;

/** What the fence agents share: their configuration's PID and keys, and logging. */
final class FenceAgents {
    static final String PID = "org.hasm.fence";
    static final String PIDFILE = "fence.process.pidfile";
    static final String COMMAND = "fence.netns.command";

    private FenceAgents() {
    }

    /** @return the trimmed value of a key, {@code null} if unset or blank */
    static String text(Map<String, ?> config, String key) {
        Object v = config.get(key);
        if (v == null) {
            return null;
        }
        String s = String.valueOf(v).trim();
        return s.isEmpty() ? null : s;
    }

    static Reporter reporter(Logger log) {
        return new Reporter() {
            @Override
            public void info(String message) {
                log.info(message);
            }

            @Override
            public void warn(String message) {
                log.warn(message);
            }
        };
    }
}
