package org.hasm.launcher;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code hasmctl SCM upgrade JAR | --status | --resume | --abort}: starts, shows, resumes or aborts the
 * pair's rolling upgrade through the admin API ({@code /hasm/api/v1/upgrade}), then follows it until it
 * ends: each step as it starts and ends, with its time and a progress bar, or with {@code --json} each
 * new state of the upgrade document as one line.
 *
 * <p>Exit codes: 0 the upgrade is DONE (ABORTED after {@code --abort}; any state for {@code --status}),
 * 1 it rolled back, failed, waits for the operator (held) or did not end within {@code --timeout}.
 */
final class UpgradeCommand {
    static final Duration POLL = Duration.ofMillis(200);
    /** How long the SCM followed may not answer (its process restarts) before hasmctl gives up. */
    static final Duration UNANSWERED = Duration.ofSeconds(90);
    /** The action that starts an upgrade ending with the roles swapped back. */
    static final String START_SWAP_BACK = "start-swap-back";
    private static final List<String> ENDED = List.of("DONE", "ROLLED_BACK", "ABORTED", "FAILED");

    private final AdminClient client;
    private final PrintStream out;
    private final boolean json;
    // the steps already said, by index: "started" or "ended"
    private final Map<Integer, String> said = new LinkedHashMap<>();
    private String lastJson;

    UpgradeCommand(AdminClient client, PrintStream out, boolean json) {
        this.client = client;
        this.out = out;
        this.json = json;
    }

    /**
     * @param action "start", "status", "resume" or "abort"
     * @param jar the jar, with "start"
     * @param timeout how long to follow the upgrade
     * @return the exit code
     */
    int run(String action, String jar, String reason, Duration timeout) throws LaunchException, InterruptedException {
        Map<String, String> query = new LinkedHashMap<>();
        if (reason != null) {
            query.put("reason", reason);
        }
        switch (action) {
            case "status" -> {
                String body = client.get("/upgrade");
                if (json) {
                    out.println(body);
                } else {
                    out.print(text(upgrade(body)));
                }
                return 0;
            }
            case "start", START_SWAP_BACK -> {
                // the MASTER reads the jar or distribution folder: a path it can open (the shared storage, or this
                // host when it runs here)
                query.put("jar", Path.of(jar).toAbsolutePath().normalize().toString());
                if (action.equals(START_SWAP_BACK)) {
                    query.put("swapBack", "true");
                }
                client.post("/upgrade", query);
            }
            case "resume", "abort" -> client.post("/upgrade/" + action, query);
            default -> throw new IllegalArgumentException(action);
        }
        if (!json) {
            out.println("hasmctl: " + client.answeredBy() + " accepted upgrade" + (action.startsWith("start") ? " " + jar
                    + (action.equals(START_SWAP_BACK) ? " --swap-back" : "") : " --" + action));
        }
        return follow(action, timeout);
    }

    private int follow(String action, Duration timeout) throws LaunchException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long unanswered = 0; // since when the SCM does not answer, 0 while it does
        // bounded by --timeout
        while (true) {
            String body;
            try {
                body = client.get("/upgrade");
                unanswered = 0;
            } catch (LaunchException e) {
                // an upgrade of the distribution restarts the SCM asked, for a few seconds: wait for it, not forever
                long now = System.nanoTime();
                if (unanswered == 0 && !json) {
                    out.println("hasmctl: " + client.base() + " does not answer now (" + e.getMessage() + "); it may be"
                            + " restarting: waiting up to " + UNANSWERED.toSeconds() + " s");
                }
                unanswered = unanswered == 0 ? now : unanswered;
                if (now - unanswered > UNANSWERED.toNanos() || now > deadline) {
                    throw e;
                }
                LockSupport.parkNanos(POLL.toNanos());
                continue;
            }
            Map<String, ?> u = upgrade(body);
            show(body, u);
            String status = u == null ? null : String.valueOf(u.get("status"));
            if (u == null || ENDED.contains(status)) {
                return status != null && (status.equals("DONE") || (action.equals("abort") && status.equals("ABORTED"))) ? 0
                        : LaunchException.FAILED;
            }
            if (u.get("held") != null) {
                if (!json) {
                    out.println("held: " + u.get("held"));
                }
                return LaunchException.FAILED;
            }
            if (System.nanoTime() - deadline > 0) {
                if (!json) {
                    out.println("hasmctl: the upgrade is still " + status + " after " + timeout.toSeconds()
                            + " s: hasmctl upgrade --status follows it");
                }
                return LaunchException.FAILED;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    private void show(String body, Map<String, ?> u) {
        if (json) {
            if (!body.equals(lastJson)) {
                out.println(body.strip());
                lastJson = body;
            }
            return;
        }
        if (u == null) {
            out.println("no upgrade");
            return;
        }
        List<Map<String, ?>> steps = steps(u);
        for (int i = 0; i < steps.size(); i++) {
            Map<String, ?> s = steps.get(i);
            String state = s.get("ended") != null ? "ended" : s.get("started") != null ? "started" : null;
            if (state == null || state.equals(said.get(i))) {
                continue;
            }
            if (state.equals("ended")) {
                out.println(bar(i + 1, steps.size()) + " " + (i + 1) + "/" + steps.size() + " " + s.get("description") + ": "
                        + s.get("outcome") + " (" + seconds(s.get("millis")) + ")");
            } else {
                out.println(bar(i, steps.size()) + " " + (i + 1) + "/" + steps.size() + " " + s.get("description") + " ...");
            }
            said.put(i, state);
        }
        if (ENDED.contains(String.valueOf(u.get("status")))) {
            out.println("upgrade " + u.get("id") + " " + u.get("status") + (u.get("cause") == null ? "" : ": " + u.get("cause")));
        }
    }

    /** The upgrade document as text: what, how it stands, every step with its time. */
    static String text(Map<String, ?> u) {
        if (u == null) {
            return "no upgrade was ever planned on this pair\n";
        }
        StringBuilder sb = new StringBuilder();
        sb.append("upgrade ").append(u.get("id")).append("  ").append(u.get("bundle")).append(' ').append(u.get("from"))
                .append(" -> ").append(u.get("to")).append("  ").append(u.get("status")).append('\n');
        if (u.get("cause") != null) {
            sb.append("cause  ").append(u.get("cause")).append('\n');
        }
        if (u.get("held") != null) {
            sb.append("held   ").append(u.get("held")).append('\n');
        }
        List<Map<String, ?>> steps = steps(u);
        int done = 0;
        for (Map<String, ?> s : steps) {
            if (s.get("ended") != null) {
                done++;
            }
        }
        sb.append(bar(done, steps.size())).append(' ').append(done).append('/').append(steps.size()).append('\n');
        int current = u.get("current") instanceof Number n ? n.intValue() : -1;
        for (int i = 0; i < steps.size(); i++) {
            Map<String, ?> s = steps.get(i);
            String mark = s.get("ended") != null ? "done".equals(s.get("outcome")) ? "[x]" : "[!]"
                    : i == current ? "[>]" : "[ ]";
            sb.append(mark).append(' ').append(i + 1).append(". ").append(s.get("description"));
            if (s.get("ended") != null) {
                sb.append("  ").append(seconds(s.get("millis")));
                if (!"done".equals(s.get("outcome"))) {
                    sb.append("  ").append(s.get("outcome"));
                }
            } else if (s.get("started") != null) {
                sb.append("  since ").append(s.get("started"));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** e.g. {@code [######              ]} for 3 of 10 */
    static String bar(int done, int total) {
        int width = 20;
        int filled = total <= 0 ? 0 : Math.min(width, done * width / total);
        return "[" + "#".repeat(filled) + " ".repeat(width - filled) + "]";
    }

    private static String seconds(Object millis) {
        if (!(millis instanceof Number n)) {
            return "-";
        }
        return String.format(java.util.Locale.ROOT, "%.1f s", n.longValue() / 1000.0);
    }

    @SuppressWarnings("unchecked")
    private Map<String, ?> upgrade(String body) throws LaunchException {
        Object doc = Json.parse(body, client.base() + " upgrade");
        if (!(doc instanceof Map<?, ?> map) || !map.containsKey("upgrade")) {
            throw new LaunchException(LaunchException.FAILED, client.base() + ": the upgrade document has no 'upgrade'");
        }
        Object u = map.get("upgrade");
        return u instanceof Map<?, ?> m ? (Map<String, ?>) m : null;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, ?>> steps(Map<String, ?> u) {
        List<Map<String, ?>> steps = new ArrayList<>();
        if (u.get("steps") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m) {
                    steps.add((Map<String, ?>) m);
                }
            }
        }
        return steps;
    }
}
