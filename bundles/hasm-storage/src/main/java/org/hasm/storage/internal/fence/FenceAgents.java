package org.hasm.storage.internal.fence;

import org.osgi.service.log.Logger;

/** What the fence agents share: their configuration's PID and keys, and logging. */
final class FenceAgents {
    static final String PID = "org.hasm.fence";
    static final String PIDFILE = "fence.process.pidfile";
    static final String COMMAND = "fence.netns.command";

    private FenceAgents() {
    }

    /** @return the trimmed value of a typed configuration's text, {@code null} if unset or blank */
    static String text(java.util.function.Supplier<String> value) {
        String s = value.get();
        if (s == null) {
            return null;
        }
        s = s.trim();
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
