package org.hasm.launcher;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renders the admin API's documents as text for a terminal: a few lines about the SCM and its
 * peer, then one table each for channels, personalities and modules. Absent and null fields show
 * as {@code -}: the API only ever adds fields, so an older or newer SCM still renders.
 */
final class StatusTable {

    private static final String NONE = "-";

    private StatusTable() {
    }

    /** @param doc the status document ({@code GET /hasm/api/v1/status}) */
    static String status(Map<String, ?> doc) {
        StringBuilder out = new StringBuilder();
        Table head = new Table();
        // an SCM of a release before versions in sight says none: nothing shown then
        head.row("node", text(doc, "node") + " (configured " + text(doc, "configuredRole") + ")"
                + (doc.get("version") == null ? "" : "   hasm " + text(doc, "version")));
        head.row("state", text(doc, "state") + "   opMode " + text(doc, "opMode") + "   sysConfig " + text(doc, "sysConfig")
                + (doc.get("since") == null ? "" : "   since " + text(doc, "since") + ago(doc.get("since"), doc.get("time"))));
        head.row("reason", text(doc, "reason"));
        if (doc.containsKey("failbackPolicy")) {
            // an SCM of a release before the everyday operations says nothing of them
            head.row("admin", "failback " + text(doc, "failbackPolicy")
                    + (Boolean.TRUE.equals(doc.get("maintenance")) ? "   MAINTENANCE (no automatic action)" : "")
                    + (Boolean.TRUE.equals(doc.get("standby")) ? "   STANDBY (serves nothing)" : ""));
        }
        head.row("peer", peer(doc.get("peer"), doc.get("time")));
        if (doc.get("ups") instanceof Map<?, ?> ups) {
            // only where a UPS is watched: its line says what it reports and what this SCM does about it
            head.row("ups", ups.get("line") == null ? NONE : ups.get("line").toString());
        }
        String mixed = mixed(doc);
        if (mixed != null) {
            head.row("versions", mixed);
        }
        head.row("time", text(doc, "time"));
        head.appendTo(out);

        Table channels = new Table("CHANNEL", "KIND", "STATUS", "COUNTER", "SENT", "RECEIVED", "MISSED", "REJECTED", "DROPPED",
                "ERRORS", "NOTE");
        for (Map<String, ?> c : objects(doc.get("channels"))) {
            channels.row(text(c, "name"), text(c, "kind"), text(c, "status"), text(c, "counter"), text(c, "sent"),
                    text(c, "received"), text(c, "missed"), text(c, "rejected"), text(c, "dropped"), text(c, "errors"),
                    text(c, "note"));
        }
        section(out, channels, "channels: none (no peer is watched)");

        Table personalities = new Table("PERSONALITY", "HOME", "ADDRESSES");
        for (Map<String, ?> p : objects(doc.get("personalities"))) {
            personalities.row(text(p, "name"), text(p, "home"), list(p.get("addresses")));
        }
        section(out, personalities, "personalities: none served");

        Table modules = new Table("MODULE", "TIER", "RANK", "BUNDLE", "VERSION", "STATUS", "LAST CALL", "ERROR");
        for (Map<String, ?> m : objects(doc.get("modules"))) {
            modules.row(text(m, "name"), text(m, "tier"), text(m, "rank"), text(m, "bundle"), text(m, "version"), text(m, "status"),
                    text(m, "lastCall"), text(m, "lastError"));
        }
        section(out, modules, "modules: none");
        return out.toString();
    }

    /**
     * @param doc the fence document ({@code GET /hasm/api/v1/fence})
     * @param history the latest fence events, oldest first
     */
    static String fence(Map<String, ?> doc, List<Map<String, ?>> history) {
        StringBuilder out = new StringBuilder();
        fenceHead(doc).appendTo(out);
        Table agents = new Table("REGISTERED AGENT", "IMPLEMENTATION", "MISSING CONFIGURATION");
        for (Map<String, ?> a : objects(doc.get("registered"))) {
            agents.row(text(a, "name") + (text(a, "name").equals(text(doc, "agent")) ? " (configured)" : ""),
                    text(a, "implementation"), list(a.get("missing")));
        }
        section(out, agents, "registered agents: none");
        Table events = new Table("TIME", "SCM", "PEER", "AGENT", "OUTCOME");
        for (Map<String, ?> e : history) {
            Map<String, ?> p = e.get("properties") instanceof Map<?, ?> m ? cast(m) : Map.of();
            events.row(text(e, "time"), text(e, "scm"), text(p, "peer"), text(p, "agent"), text(p, "outcome"));
        }
        section(out, events, "fence history: no fence event in the event log");
        return out.toString();
    }

    /** @param doc the alerts ({@code GET /hasm/api/v1/alerts}), with a test's outcome after {@code POST .../test} */
    static String alerts(Map<String, ?> doc) {
        StringBuilder out = new StringBuilder();
        if (doc.get("test") instanceof List<?> test) {
            Table t = new Table("TEST SENT TO", "RECEIVED", "MS", "DETAIL");
            for (Map<String, ?> d : objects(test)) {
                t.row(text(d, "recipient"), Boolean.TRUE.equals(d.get("ok")) ? "yes" : "NO", text(d, "millis"), text(d, "detail"));
            }
            if (t.isEmpty()) {
                out.append("test: no recipient is configured (etc/org.hasm.alerts.cfg: alert.scripts, alert.webhooks)\n");
            } else {
                t.appendTo(out);
            }
            out.append('\n');
        }
        Table r = new Table("RECIPIENT", "KIND", "DELIVERED", "FAILED", "DROPPED", "LAST", "AT", "DETAIL");
        for (Map<String, ?> x : objects(doc.get("recipients"))) {
            r.row(text(x, "target"), text(x, "kind"), text(x, "delivered"), text(x, "failed"), text(x, "dropped"),
                    text(x, "lastOutcome"), text(x, "lastTime"), text(x, "lastDetail"));
        }
        if (r.isEmpty()) {
            out.append("alerts: no recipient configured (etc/org.hasm.alerts.cfg: alert.scripts, alert.webhooks)\n");
        } else {
            r.appendTo(out);
        }
        return out.toString();
    }

    /** @param doc the fence test's answer ({@code POST /hasm/api/v1/fence/test}) */
    static String fenceTest(Map<String, ?> doc) {
        StringBuilder out = new StringBuilder();
        Table head = fenceHead(doc);
        Map<String, ?> test = doc.get("test") instanceof Map<?, ?> m ? cast(m) : Map.of();
        head.row("test", (Boolean.TRUE.equals(test.get("ready")) ? "READY: the agent could fence " : "NOT READY: the agent"
                + " could not fence ") + text(doc, "peer") + " now   (" + text(test, "millis") + " ms, " + text(test, "time")
                + "; nothing was fenced)");
        head.row("found", text(test, "detail"));
        head.appendTo(out);
        return out.toString();
    }

    private static Table fenceHead(Map<String, ?> doc) {
        Table head = new Table();
        head.row("node", text(doc, "scm") + (doc.get("peer") == null ? "   (standalone: no peer)" : "   fences "
                + text(doc, "peer")));
        head.row("agent", text(doc, "agent") + "   timeout " + text(doc, "timeoutMs") + " ms   network-only outage fenced"
                + " after " + text(doc, "delayMs") + " ms");
        head.row("problem", text(doc, "problem"));
        return head;
    }

    @SuppressWarnings("unchecked")
    static Map<String, ?> cast(Map<?, ?> m) {
        return (Map<String, ?>) m;
    }

    /** @param entries the journal ({@code GET /hasm/api/v1/journal}) */
    static String journal(List<?> entries) {
        Table table = new Table("SEQ", "STARTED", "MODULE", "VERSION", "CALL", "OPMODE", "SYSCONFIG", "OUTCOME", "MS", "ERROR");
        for (Map<String, ?> e : objects(entries)) {
            table.row(text(e, "sequence"), text(e, "started"), text(e, "module"), text(e, "version"), text(e, "call"), text(e, "opMode"),
                    text(e, "sysConfig"), text(e, "outcome"), text(e, "millis"), text(e, "error"));
        }
        StringBuilder out = new StringBuilder();
        if (table.isEmpty()) {
            out.append("journal: no entries\n");
        } else {
            table.appendTo(out);
        }
        return out.toString();
    }

    /* " (12 s ago)" from two instants of the document, empty when either is missing or unreadable */
    private static String ago(Object then, Object now) {
        if (then == null || now == null) {
            return "";
        }
        try {
            Duration d = Duration.between(Instant.parse(then.toString()), Instant.parse(now.toString()));
            if (d.isNegative()) {
                return "";
            }
            return d.toSeconds() >= 1 ? " (" + d.toSeconds() + " s ago)" : " (" + d.toMillis() + " ms ago)";
        } catch (DateTimeParseException e) {
            return "";
        }
    }

    /* "scm-a 1.0.0, scm-b 1.1.0 (MIXED: ...)" when both SCMs said their release and they differ, else null */
    private static String mixed(Map<String, ?> doc) {
        Object own = doc.get("version");
        if (own == null || !(doc.get("peer") instanceof Map<?, ?> peer) || peer.get("version") == null
                || own.equals(peer.get("version"))) {
            return null;
        }
        return "MIXED: " + text(doc, "node") + " " + own + ", " + peer.get("name") + " " + peer.get("version")
                + " (one SCM upgraded, the other not yet)";
    }

    private static String peer(Object value, Object now) {
        if (!(value instanceof Map<?, ?> raw)) {
            return "none (no status monitor)";
        }
        @SuppressWarnings("unchecked")
        Map<String, ?> peer = (Map<String, ?>) raw;
        if (peer.get("name") == null) {
            return "none (standalone)";
        }
        // a state no longer heard is what the peer said last, not what it is now
        String age = ago(peer.get("stateAsOf"), now);
        String state = text(peer, "state") + (Boolean.TRUE.equals(peer.get("lastKnown"))
                ? " (last known" + (age.isEmpty() ? ")" : ", " + age.substring(2)) : "");
        return text(peer, "name") + "   " + (Boolean.TRUE.equals(peer.get("alive")) ? "alive" : "NOT ALIVE")
                + (peer.get("verdict") == null ? "" : " (" + text(peer, "verdict") + ")")
                + "   state " + state + "   opMode " + text(peer, "opMode")
                + "   configured " + text(peer, "configuredRole") + "   incarnation " + text(peer, "incarnation")
                + "   last heard " + text(peer, "lastHeard")
                + (peer.get("version") == null ? "" : "   hasm " + text(peer, "version"));
    }

    private static void section(StringBuilder out, Table table, String empty) {
        out.append('\n');
        if (table.isEmpty()) {
            out.append(empty).append('\n');
        } else {
            table.appendTo(out);
        }
    }

    /** @return the field as text, {@code -} when absent or null */
    static String text(Map<String, ?> object, String key) {
        Object value = object.get(key);
        return value == null ? NONE : value.toString();
    }

    private static String list(Object value) {
        if (!(value instanceof List<?> items) || items.isEmpty()) {
            return NONE;
        }
        List<String> texts = new ArrayList<>();
        items.forEach(item -> texts.add(String.valueOf(item)));
        return String.join(",", texts);
    }

    /* Items that are not objects are skipped: the rest of the document is still worth showing. */
    @SuppressWarnings("unchecked")
    static List<Map<String, ?>> objects(Object value) {
        List<Map<String, ?>> objects = new ArrayList<>();
        if (value instanceof List<?> items) {
            for (Object item : items) {
                if (item instanceof Map<?, ?> map) {
                    objects.add((Map<String, ?>) map);
                }
            }
        }
        return objects;
    }

    /** Left-aligned columns, two spaces apart; the last column is not padded. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();
        private final boolean headed;

        Table(String... header) {
            headed = header.length > 0;
            if (headed) {
                rows.add(header);
            }
        }

        void row(String... cells) {
            rows.add(cells);
        }

        boolean isEmpty() {
            return rows.size() == (headed ? 1 : 0);
        }

        void appendTo(StringBuilder out) {
            int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
            int[] widths = new int[columns];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            }
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.length; i++) {
                    line.append(row[i]);
                    if (i < row.length - 1) {
                        line.append(" ".repeat(widths[i] - row[i].length() + 2));
                    }
                }
                out.append(line.toString().stripTrailing()).append('\n');
            }
        }
    }
}
