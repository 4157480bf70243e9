package org.hasm.launcher;

import static org.hasm.launcher.StatusTable.cast;
import static org.hasm.launcher.StatusTable.objects;
import static org.hasm.launcher.StatusTable.text;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code hasmctl SCM status --watch}: one live view of the pair, as one SCM sees it, redrawn every
 * interval: both SCMs with their states, roles and since when, the peer's verdict, the channels,
 * every personality with the SCM serving it now, the modules that are not well, and the latest
 * notable events of the pair's event log. An SCM that does not answer is a frame too ("not
 * answering: why"), and the view goes on asking: watching an SCM through its own restart shows it.
 *
 * <p>On a terminal each frame replaces the last; otherwise (a pipe, a file) a frame is printed only
 * when something in it changed, under a line with its time, so a log of the view is a log of changes.
 */
final class WatchCommand {
    /** Events worth a line in the view; the module calls and the channels' counters are not. */
    static final List<String> NOTABLE = List.of("org/hasm/controller/STATE", "org/hasm/controller/TRANSITION",
            "org/hasm/controller/PANIC", "org/hasm/controller/UPGRADE", "org/hasm/controller/module/",
            "org/hasm/status/PEER", "org/hasm/status/FENCE", "org/hasm/status/FLOOD", "org/hasm/storage/VOLUME",
            "org/hasm/netif/ADDRESS", "org/hasm/netif/DUPLICATE", "org/hasm/health/", "org/hasm/ups/",
            "org/hasm/alerts/");
    static final int EVENTS_SHOWN = 8;
    /** How far back the first frame looks for notable events (ids). */
    private static final int EVENTS_BACK = 500;
    private static final String CLEAR = "\033[H\033[2J";
    private static final Set<String> SERVING = Set.of("DAC", "DEGRADED");
    private static final Set<String> UNWELL = Set.of("FAILED", "TIMED_OUT", "CONFLICT");

    private final AdminClient client;
    private final PrintStream out;
    private final boolean terminal;
    private final Clock clock;
    /** Every personality seen, by name, with its last document: the view keeps showing one that moved away. */
    private final Map<String, Map<String, ?>> known = new TreeMap<>();
    private final List<String> events = new ArrayList<>();
    private long lastEvent = Long.MIN_VALUE;

    WatchCommand(AdminClient client, PrintStream out, boolean terminal, Clock clock) {
        this.client = client;
        this.out = out;
        this.terminal = terminal;
        this.clock = clock;
    }

    /**
     * @param interval between frames
     * @param count frames to draw, 0 for no end (until interrupted)
     */
    void run(Duration interval, long count) throws InterruptedException {
        String shown = null;
        for (long frame = 0; count == 0 || frame < count; frame++) {
            if (frame > 0) {
                TimeUnit.NANOSECONDS.sleep(interval.toNanos()); // the operator's refresh interval
            }
            String body = frame();
            Instant now = clock.instant();
            if (terminal) {
                out.print(CLEAR + "hasm pair, seen by " + client.base() + "   " + now + "   every "
                        + seconds(interval) + " (Ctrl-C ends)\n\n" + body);
            } else if (!body.equals(shown)) {
                out.print("---- " + now + "\n" + body);
            }
            out.flush();
            shown = body;
        }
    }

    /** One frame, without its time: equal frames mean nothing changed. */
    String frame() throws InterruptedException {
        Map<String, ?> status;
        try {
            Object doc = Json.parse(client.get("/status"), client.base() + " status");
            if (!(doc instanceof Map<?, ?> m)) {
                return client.base() + ": NOT ANSWERING: its status is not a JSON object\n";
            }
            status = cast(m);
        } catch (LaunchException e) {
            return client.base() + ": NOT ANSWERING: " + e.getMessage() + "\n";
        }
        try {
            readEvents();
        } catch (LaunchException e) {
            events.add("(events unreadable: " + e.getMessage() + ")");
            trimEvents();
        }
        return render(status, events);
    }

    String render(Map<String, ?> s, List<String> latest) {
        StringBuilder b = new StringBuilder();
        String self = text(s, "node");
        Map<String, ?> peer = s.get("peer") instanceof Map<?, ?> p ? cast(p) : Map.of();
        String peerName = peer.get("name") == null ? null : peer.get("name").toString();
        List<String[]> scms = new ArrayList<>();
        Object now = terminal ? s.get("time") : null; // a log of changes shows no ticking clock
        scms.add(new String[] {self + " (here)", text(s, "state"), text(s, "opMode"), text(s, "sysConfig"),
            since(s.get("since"), now), text(s, "version"), text(s, "reason")});
        if (peerName != null) {
            String state = text(peer, "state") + (Boolean.TRUE.equals(peer.get("lastKnown")) ? " (last known)" : "");
            boolean alive = Boolean.TRUE.equals(peer.get("alive"));
            scms.add(new String[] {peerName, state, text(peer, "opMode"), "-",
                alive && !terminal ? "heard" : "heard " + since(peer.get("lastHeard"), now), text(peer, "version"),
                (alive ? "alive: " : "DEAD: ") + text(peer, "verdict")});
        }
        table(b, scms, "SCM", "STATE", "ROLE", "SYSCONFIG", "SINCE", "HASM", "NOTE");
        List<String> admin = new ArrayList<>();
        if (Boolean.TRUE.equals(s.get("maintenance"))) {
            admin.add("MAINTENANCE: no automatic action");
        }
        if (Boolean.TRUE.equals(s.get("standby"))) {
            admin.add(self + " in STANDBY");
        }
        if (s.get("failbackPolicy") != null) {
            admin.add("failback " + s.get("failbackPolicy"));
        }
        if (!admin.isEmpty()) {
            b.append(String.join("   ", admin)).append('\n');
        }

        b.append('\n');
        List<String[]> channels = new ArrayList<>();
        for (Map<String, ?> c : objects(s.get("channels"))) {
            channels.add(new String[] {text(c, "name"), text(c, "kind"), text(c, "status"), text(c, "missed"),
                text(c, "note")});
        }
        if (channels.isEmpty()) {
            b.append("channels: none (no peer is watched)\n");
        } else {
            table(b, channels, "CHANNEL", "KIND", "STATUS", "MISSED", "NOTE");
        }

        b.append('\n');
        Set<String> here = new java.util.HashSet<>();
        for (Map<String, ?> p : objects(s.get("pairPersonalities"))) {
            known.putIfAbsent(text(p, "name"), p); // an SCM of a release before it says only what it serves
        }
        for (Map<String, ?> p : objects(s.get("personalities"))) {
            known.put(text(p, "name"), p);
            here.add(text(p, "name"));
        }
        boolean peerServes = peerName != null && Boolean.TRUE.equals(peer.get("alive"))
                && SERVING.contains(String.valueOf(peer.get("state")));
        List<String[]> personalities = new ArrayList<>();
        for (Map.Entry<String, Map<String, ?>> e : known.entrySet()) {
            String by = here.contains(e.getKey()) ? self : peerServes ? peerName : "NOBODY";
            personalities.add(new String[] {e.getKey(), text(e.getValue(), "home"), by,
                String.join(" ", strings(e.getValue().get("addresses")))});
        }
        if (personalities.isEmpty()) {
            b.append("personalities: none served here\n");
        } else {
            table(b, personalities, "PERSONALITY", "HOME", "SERVED BY", "ADDRESSES");
        }

        b.append('\n');
        List<Map<String, ?>> modules = objects(s.get("modules"));
        List<String> unwell = new ArrayList<>();
        for (Map<String, ?> m : modules) {
            String status = text(m, "status");
            if (UNWELL.contains(status)) {
                unwell.add(text(m, "name") + " " + status + (m.get("lastError") == null ? "" : ": " + m.get("lastError")));
            }
        }
        b.append("modules: ").append(modules.size()).append(unwell.isEmpty() ? ", all well" : ", " + unwell.size()
                + " not well").append('\n');
        unwell.forEach(u -> b.append("  ").append(u).append('\n'));

        b.append('\n');
        if (latest.isEmpty()) {
            b.append("events: none notable yet\n");
        } else {
            b.append("latest events:\n");
            latest.forEach(e -> b.append("  ").append(e).append('\n'));
        }
        return b.toString();
    }

    /* Reads the notable events after the last one seen; the first time, those of the last few hundred. */
    private void readEvents() throws LaunchException, InterruptedException {
        if (lastEvent == Long.MIN_VALUE) {
            Object head = Json.parse(client.get("/events?after=-1&limit=1"), client.base() + " events");
            long last = head instanceof Map<?, ?> m && m.get("lastId") instanceof Number n ? n.longValue() : -1;
            lastEvent = Math.max(-1, last - EVENTS_BACK);
        }
        // bounded: 20 pages per frame at most
        lastEvent = EventsCommand.read(client, lastEvent, null, 20, e -> {
            String topic = text(e, "topic");
            if (NOTABLE.stream().anyMatch(t -> t.endsWith("/") ? topic.startsWith(t) : topic.equals(t))) {
                events.add(EventsCommand.line(e));
                trimEvents();
            }
        });
    }

    private void trimEvents() {
        while (events.size() > EVENTS_SHOWN) {
            events.remove(0);
        }
    }

    private static void table(StringBuilder b, List<String[]> rows, String... header) {
        StatusTable.Table t = new StatusTable.Table(header);
        rows.forEach(t::row);
        t.appendTo(b);
    }

    /* "17:39:58Z (3 s)": when, and how long ago by the document's own clock; "-" when unknown */
    static String since(Object then, Object now) {
        if (then == null) {
            return "-";
        }
        try {
            Instant t = Instant.parse(then.toString());
            String at = t.toString().substring(11, 19);
            if (now == null) {
                return at;
            }
            long s = Duration.between(t, Instant.parse(now.toString())).toSeconds();
            return at + " (" + (s < 0 ? 0 : s < 120 ? s + " s" : s < 7200 ? s / 60 + " min" : s / 3600 + " h") + ")";
        } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
            return then.toString();
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static List<String> strings(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof List<?> l) {
            l.forEach(v -> out.add(String.valueOf(v)));
        }
        return out;
    }
}
