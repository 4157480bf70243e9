package org.hasm.nas.http.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * The timeout a LOCK is granted: what the client asks for, but at most {@link #MAX_SECONDS}. Tomcat
 * grants up to a week ({@code Infinite} included), and every lock is a shared object both SCMs hold
 * until it is released or expires, so a client that forgets its locks would pin them for a week.
 * RFC 4918 (10.7) lets the server choose a shorter timeout than asked; the one chosen is what the
 * answer's lockdiscovery says, and a client that wants the lock longer refreshes it.
 */
final class LockTimeout {
    /** The longest lock granted, and the one granted when none is asked for (Tomcat's default as well). */
    static final int MAX_SECONDS = 3600;

    private LockTimeout() {
    }

    /** @return the LOCK request as Tomcat should see it: its {@code Timeout} header at most {@code maxSeconds} */
    static HttpServletRequest atMost(HttpServletRequest req, int maxSeconds) {
        String timeout = header(req.getHeader("Timeout"), maxSeconds);
        return new HttpServletRequestWrapper(req) {
            @Override
            public String getHeader(String name) {
                return "Timeout".equalsIgnoreCase(name) ? timeout : super.getHeader(name);
            }
        };
    }

    /**
     * @param requested the {@code Timeout} header of a LOCK, or {@code null}
     * @return the header that grants the timeout Tomcat would grant for {@code requested}, but at most
     *     {@code maxSeconds}
     */
    static String header(String requested, int maxSeconds) {
        // read as Tomcat reads it: the first "Infinite" or "Second-n" (n > 0) of the list, else its default
        long seconds = MAX_SECONDS;
        if (requested != null) {
            for (String t : requested.split(",")) {
                t = t.trim();
                if ("Infinite".equals(t)) {
                    seconds = Long.MAX_VALUE;
                    break;
                }
                if (t.startsWith("Second-")) {
                    try {
                        long n = Long.parseLong(t.substring("Second-".length()));
                        if (n > 0) {
                            seconds = n;
                            break;
                        }
                    } catch (NumberFormatException e) {
                        // not a number: the next one counts
                    }
                }
            }
        }
        return "Second-" + Math.min(seconds, maxSeconds);
    }
}
