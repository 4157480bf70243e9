package org.hasm.alerts.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.hasm.spi.HaController;
import org.hasm.spi.peer.StatusMonitor;
import org.hasm.spi.power.PowerMonitor;
import org.hasm.spi.storage.VolumeManager;

/**
 * The one line an alert says to a human ({@code HASM_ALERT_DESC}, {@code desc}), from the event's topic
 * and properties alone: a pure function, so that every wording is tested.
 */
final class Describe {

    /** The longest description, in characters. */
    static final int MAX = 1000;

    private Describe() {
    }

    /**
     * @param serving the names of the personalities this SCM serves, when known to be those of the state a
     *     STATE event reports; {@code null} otherwise
     */
    static String of(String topic, Map<String, ?> p, List<String> serving) {
        String text = text(topic, p, serving);
        text = Alert.oneLine(text);
        return text.length() <= MAX ? text : text.substring(0, MAX - 3) + "...";
    }

    static String test(String scm, String text) {
        return Alert.oneLine(scm + ": test alert" + (blank(text) ? "" : ": " + text));
    }

    private static String text(String topic, Map<String, ?> p, List<String> serving) {
        String scm = or(p.get("scm"), "?");
        String last = topic.substring(topic.lastIndexOf('/') + 1);
        switch (topic) {
            case HaController.TOPIC_STATE:
                return scm + ": " + state(p.get("state"), p.get("opMode"))
                        + (p.get("sysConfig") == null || String.valueOf(p.get("sysConfig")).equals(p.get("state"))
                                ? "" : ", system " + p.get("sysConfig"))
                        + (serving == null || serving.isEmpty() ? "" : ", serving " + and(serving))
                        + paren(p.get("reason"));
            case Kinds.TOPIC_TRANSITION:
                return scm + ": " + or(p.get("transition"), or(p.get("kind"), "transition")) + ": " + or(p.get("from"), "?")
                        + " -> " + or(p.get("to"), "?") + (p.get("millis") == null ? "" : " in " + p.get("millis") + " ms");
            case StatusMonitor.TOPIC_PEER: {
                boolean alive = Boolean.parseBoolean(String.valueOf(p.get("alive")));
                return scm + ": peer " + or(p.get("peer"), "?") + (alive ? " alive" : " dead")
                        + (p.get("state") == null ? "" : ", " + state(p.get("state"), p.get("opMode")))
                        + paren(verdict(p.get("verdict")));
            }
            case Kinds.TOPIC_FENCE:
                return scm + ": fence of peer " + or(p.get("peer"), "?") + ": " + or(p.get("outcome"), "?")
                        + paren(p.get("agent") == null ? null : "agent " + p.get("agent"));
            case VolumeManager.TOPIC_VOLUME: {
                String owner = or(p.get("owner"), "");
                long epoch = number(p.get("epoch"));
                return scm + ": volume " + or(p.get("volume"), "?") + " " + or(p.get("step"), "changed")
                        + (owner.isEmpty() ? "" : ", owner " + owner) + (epoch > 0 ? ", epoch " + epoch : "")
                        + colon(p.get("reason"));
            }
            case Kinds.TOPIC_PANIC:
                return scm + ": module " + or(p.get("module"), "?") + " panicked" + colon(p.get("reason"));
            case Kinds.TOPIC_UPGRADE:
                return scm + ": upgrade" + (p.get("upgrade") == null ? "" : " " + p.get("upgrade")) + " of "
                        + or(p.get("bundle"), "?") + " " + or(p.get("from"), "?") + " -> " + or(p.get("to"), "?") + ": "
                        + or(p.get("status"), "?") + (blank(p.get("step")) ? "" : ", " + p.get("step"))
                        + paren(p.get("cause"));
            case Kinds.TOPIC_ADDRESS:
                return scm + ": address " + or(p.get("address"), "?") + personality(p) + " " + or(p.get("action"), "?")
                        + paren(p.get("mode") == null ? null : "mode " + p.get("mode"));
            case Kinds.TOPIC_DUPLICATE:
                return scm + ": address " + or(p.get("address"), "?") + personality(p) + " is held by another host"
                        + paren(p.get("holder") == null ? null : "holder " + p.get("holder"));
            default:
                break;
        }
        if (topic.startsWith(Kinds.HEALTH_PREFIX)) {
            return scm + ": " + health(last, p);
        }
        if (topic.startsWith(Kinds.MODULE_PREFIX)) {
            return scm + ": module " + or(p.get("module"), "?") + " " + last.toLowerCase(Locale.ROOT)
                    + colon(p.get("reason"));
        }
        if (topic.startsWith(PowerMonitor.TOPIC_PREFIX)) {
            return scm + ": UPS " + last + colon(p.get("message"));
        }
        return scm + ": " + topic + " " + rest(p);
    }

    private static String health(String event, Map<String, ?> p) {
        return switch (event) {
            case "PROBLEM" -> "health check " + or(p.get("check"), "?") + colon(p.get("problem"));
            case "RECOVERED" -> "health check " + or(p.get("check"), "?") + " is fine again"
                    + paren(p.get("was") == null ? null : "was: " + p.get("was"));
            case "RESTART" -> "service " + or(p.get("module"), "?") + " failed and is restarted"
                    + (p.get("delayMs") == null ? "" : " in " + p.get("delayMs") + " ms")
                    + (p.get("failures") == null ? "" : " (failure " + p.get("failures") + ")") + colon(p.get("reason"));
            case "DISABLE" -> "service " + or(p.get("module"), "?") + " failed too often and is disabled"
                    + colon(p.get("reason"));
            case "REBOOT" -> "a HASM module failed: the SCM reboots" + colon(p.get("reason"));
            case "SCM_DISABLED" -> "the SCM is disabled and stays in MONITOR until an operator resets it"
                    + colon(p.get("reason"));
            case "SCM_ENABLED" -> "the SCM is enabled again" + colon(p.get("reason"));
            default -> "health " + event + " " + rest(p);
        };
    }

    /** @return {@code DAC(master)}, {@code INIT(slave)}, {@code DEGRADED}: as the controller's log says it */
    static String state(Object state, Object opMode) {
        String s = or(state, "?");
        if ((s.equals("INIT") || s.equals("DAC")) && opMode != null) {
            return s + "(" + String.valueOf(opMode).toLowerCase(Locale.ROOT) + ")";
        }
        return s;
    }

    private static String verdict(Object verdict) {
        if (verdict == null) {
            return null;
        }
        return switch (String.valueOf(verdict)) {
            case "HEARD" -> "heard";
            case "STARTING" -> "not heard yet";
            case "NETWORK_OUTAGE" -> "network outage: every channel lost, its storage heartbeat goes on";
            case "FLOOD" -> "every channel lost in a flood, its storage heartbeat goes on";
            case "UNCONFIRMED" -> "silent on every channel, not confirmed dead yet";
            case "REPORTED_FAULT" -> "it reported a fault";
            case "FENCED" -> "fenced";
            case "STOPPED" -> "its fence agent found it stopped";
            case "LEASE_EXPIRED" -> "its storage lease expired";
            case "SILENT" -> "lost on all channels";
            default -> String.valueOf(verdict);
        };
    }

    /** @return {@code a}, {@code a and b}, {@code a, b and c} */
    static String and(List<String> names) {
        if (names.size() == 1) {
            return names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
    }

    private static String personality(Map<String, ?> p) {
        return p.get("personality") == null ? "" : " of " + p.get("personality");
    }

    private static String rest(Map<String, ?> p) {
        StringBuilder b = new StringBuilder();
        new TreeMap<String, Object>(p).forEach((k, v) -> {
            if (!k.equals("scm") && !Alert.INTERNAL.contains(k)) {
                b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v);
            }
        });
        return b.toString();
    }

    private static String paren(Object text) {
        return blank(text) ? "" : " (" + text + ")";
    }

    private static String colon(Object text) {
        return blank(text) ? "" : ": " + text;
    }

    private static boolean blank(Object o) {
        return o == null || String.valueOf(o).isBlank();
    }

    private static String or(Object o, String fallback) {
        return blank(o) ? fallback : String.valueOf(o);
    }

    private static long number(Object o) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        try {
            return o == null ? 0 : Long.parseLong(String.valueOf(o).trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
