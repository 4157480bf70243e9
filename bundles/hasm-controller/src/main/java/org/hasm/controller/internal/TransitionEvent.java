package org.hasm.controller.internal;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.hasm.spi.ScmState;

/**
 * The event that says a transition's actions are done: {@value #TOPIC}, with the transition as the log
 * says it, its {@code kind} (a short, bounded name for counting: metrics label by it), the states
 * before and after, and how long its actions took. The STATE event says where the SCM is; this one says
 * what it went through to get there and at what cost, which is what an operator graphs.
 */
final class TransitionEvent {

    static final String TOPIC = "org/hasm/controller/TRANSITION";

    private TransitionEvent() {
    }

    /**
     * The kind of a transition as the state machine names it: its upper-case words without what is said
     * in parentheses or after a colon or a comma, so that reasons and names never become label values
     * ({@code "IMPERSONATE (slave → master) + FAILOVER"} is {@code IMPERSONATE+FAILOVER},
     * {@code "FAILBACK asked (x): at the peer's READY"} is {@code FAILBACK}, {@code "RESET (by y)"} is
     * {@code RESET}).
     */
    static String kind(String transition) {
        StringBuilder outside = new StringBuilder(transition.length());
        int depth = 0;
        for (int i = 0; i < transition.length(); i++) {
            char c = transition.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
            } else if (depth == 0) {
                if (c == ':' || c == ',') {
                    break;
                }
                outside.append(c);
            }
        }
        StringBuilder kind = new StringBuilder();
        for (String part : outside.toString().split("\\+")) {
            StringBuilder words = new StringBuilder();
            for (String word : part.trim().split("\\s+")) {
                if (!word.isEmpty() && word.equals(word.toUpperCase(Locale.ROOT)) && word.chars().allMatch(
                        ch -> ch >= 'A' && ch <= 'Z' || ch == '_')) {
                    words.append(words.length() == 0 ? "" : "_").append(word);
                }
            }
            if (words.length() > 0) {
                kind.append(kind.length() == 0 ? "" : "+").append(words);
            }
        }
        return kind.length() == 0 ? "OTHER" : kind.toString();
    }

    /** The event's properties. */
    static Map<String, Object> properties(String scm, String transition, ScmState from, ScmState to, long millis) {
        Map<String, Object> p = new HashMap<>();
        p.put("scm", scm);
        p.put("transition", transition);
        p.put("kind", kind(transition));
        p.put("from", from.name());
        p.put("to", to.name());
        p.put("millis", millis);
        return p;
    }
}
