package org.hasm.launcher;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code hasmctl SCM deploy JAR}: the SCM puts the jar into its deploy folder in place of the installed
 * bundle with the same symbolic name, whatever either file is called ({@code POST /hasm/api/v1/deploy}),
 * then hasmctl follows the bundle ({@code GET /hasm/api/v1/deploy?bundle=NAME}) until its new version is
 * up: its module has passed {@code init}, {@code test} and, where the SCM serves, {@code opMode}; or it
 * failed, and the deploy folder's rollback gave the version before back.
 *
 * <p>Exit codes: 0 the new version is up, 1 it failed, was rolled back, or was not up within {@code --timeout}.
 */
final class DeployCommand {
    static final Duration POLL = Duration.ofMillis(200);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** How long hasmctl watches for the rollback once the new version failed. */
    static final Duration ROLLBACK_WAIT = Duration.ofSeconds(15);
    private static final Set<String> FAILED = Set.of("FAILED", "TIMED_OUT", "INVALID", "CONFLICT");
    private static final Set<String> SERVING = Set.of("DAC", "DEGRADED");

    private final AdminClient client;
    private final PrintStream out;
    private final boolean json;

    DeployCommand(AdminClient client, PrintStream out, boolean json) {
        this.client = client;
        this.out = out;
        this.json = json;
    }

    /** What a look at the bundle found. */
    record Outcome(boolean ended, boolean up, String text) {
    }

    int run(String jar, Duration timeout) throws LaunchException, InterruptedException {
        // the SCM reads the jar: a path it can open (this host, when it runs here)
        String body = client.post("/deploy", Map.of("jar", Path.of(jar).toAbsolutePath().normalize().toString()));
        Map<String, ?> d = object(body, "deploy");
        String bundle = string(d.get("bundle"));
        String before = string(d.get("before"));
        String after = string(d.get("after"));
        boolean unchanged = Boolean.TRUE.equals(d.get("unchanged"));
        boolean module = Boolean.TRUE.equals(d.get("module"));
        Instant at = instant(d.get("at"));
        if (json) {
            out.println(body.strip());
        } else {
            StringBuilder line = new StringBuilder("hasmctl: " + client.base() + ": " + bundle + " "
                    + (before == null ? "(not installed)" : before) + " -> " + after);
            line.append(unchanged ? ", already in " : ", written to ").append(d.get("file"));
            if (d.get("removed") instanceof List<?> removed && !removed.isEmpty()) {
                line.append("; removed ").append(String.join(", ", removed.stream().map(String::valueOf).toList()));
            }
            out.println(line);
        }
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long rollbackDeadline = 0;
        String failure = null;
        String query = "/deploy?bundle=" + URLEncoder.encode(bundle, StandardCharsets.UTF_8)
                + (at.equals(Instant.EPOCH) ? "" : "&since=" + URLEncoder.encode(at.toString(), StandardCharsets.UTF_8));
        // bounded by --timeout (and, once the new version failed, by ROLLBACK_WAIT)
        while (true) {
            Map<String, ?> now = object(client.get(query), "deploy " + bundle);
            if (failure != null) {
                if (before != null && installed(now, before) && !installed(now, after)) {
                    say(bundle + " " + after + " failed (" + failure + "); rolled back to " + before);
                    return LaunchException.FAILED;
                }
                if (System.nanoTime() - rollbackDeadline > 0) {
                    say(bundle + " " + after + " failed (" + failure + ")"
                            + (before == null ? "" : "; no rollback to " + before + " seen within "
                                    + ROLLBACK_WAIT.toSeconds() + " s"));
                    return LaunchException.FAILED;
                }
            } else {
                Outcome o = look(now, after, module, !unchanged && after.equals(before) ? at : null);
                if (o.ended() && o.up()) {
                    say(bundle + " " + after + " is up on " + now.get("scm") + " (" + o.text() + ", "
                            + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms)");
                    return 0;
                }
                if (o.ended()) {
                    failure = o.text();
                    rollbackDeadline = System.nanoTime() + ROLLBACK_WAIT.toNanos();
                }
            }
            if (failure == null && System.nanoTime() - deadline > 0) {
                say(bundle + " " + after + " is not up after " + timeout.toSeconds() + " s: "
                        + look(now, after, module, null).text() + " (hasmctl status shows its module)");
                return LaunchException.FAILED;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    /**
     * @param notBefore for a version deployed over the same version: its modules count from that instant on
     * @return whether the version {@code after} is up, failed, or neither yet
     */
    static Outcome look(Map<String, ?> now, String after, boolean module, Instant notBefore) {
        // a call of the new version that failed: it may have been rolled back before this look
        for (Map<String, ?> call : list(now.get("calls"))) {
            String outcome = string(call.get("outcome"));
            if (after.equals(string(call.get("version"))) && ("FAILED".equals(outcome) || "TIMED_OUT".equals(outcome))) {
                String error = string(call.get("error"));
                return new Outcome(true, false, "module " + call.get("module") + " " + outcome + " in " + call.get("call")
                        + (error == null ? "" : ": " + error));
            }
        }
        if (!installed(now, after)) {
            return new Outcome(false, false, "not installed yet");
        }
        if (!module) {
            boolean active = list(now.get("installed")).stream().anyMatch(b -> after.equals(string(b.get("version")))
                    && "ACTIVE".equals(string(b.get("state"))));
            return new Outcome(active, active, active ? "bundle ACTIVE" : "bundle not started yet");
        }
        String state = string(now.get("state"));
        List<Map<String, ?>> modules = list(now.get("modules")).stream()
                .filter(m -> after.equals(string(m.get("version"))))
                .filter(m -> notBefore == null || !instant(m.get("since")).isBefore(notBefore)).toList();
        if (modules.isEmpty()) {
            return new Outcome(false, false, "its module is not registered yet");
        }
        StringBuilder text = new StringBuilder();
        boolean all = true;
        for (Map<String, ?> m : modules) {
            String status = string(m.get("status"));
            boolean inCall = m.get("inCallSince") != null;
            text.append(text.length() == 0 ? "" : ", ").append("module ").append(m.get("name")).append(' ').append(status);
            if (FAILED.contains(status) && !inCall) {
                String error = string(m.get("lastError"));
                return new Outcome(true, false, "module " + m.get("name") + " " + status + " in " + m.get("lastCall")
                        + (error == null ? "" : ": " + error));
            }
            boolean settled = !inCall && ("ACTIVE".equals(status) || ("TESTED".equals(status) && !SERVING.contains(state)));
            all &= settled;
        }
        return new Outcome(all, all, text + (all ? "" : " (still coming up)"));
    }

    private static boolean installed(Map<String, ?> now, String version) {
        return list(now.get("installed")).stream().anyMatch(b -> version.equals(string(b.get("version"))));
    }

    private void say(String text) {
        if (!json) {
            out.println("hasmctl: " + client.base() + ": " + text);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, ?> object(String body, String what) throws LaunchException {
        if (Json.parse(body, client.base() + " " + what) instanceof Map<?, ?> map) {
            return (Map<String, ?>) map;
        }
        throw new LaunchException(LaunchException.FAILED, client.base() + ": the " + what + " answer is not a JSON object");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, ?>> list(Object value) {
        if (value instanceof List<?> l) {
            List<Map<String, ?>> maps = new java.util.ArrayList<>();
            for (Object m : l) {
                if (m instanceof Map<?, ?>) {
                    maps.add((Map<String, ?>) m);
                }
            }
            return maps;
        }
        return List.of();
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }

    private static Instant instant(Object value) {
        try {
            return value == null ? Instant.EPOCH : Instant.parse(value.toString());
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
