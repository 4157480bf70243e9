package org.hasm.admin.internal;

import java.time.Clock;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.hasm.spi.HaController;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.peer.StatusMonitor;

/**
 * The routes of {@code /hasm/api/v1}, kept apart from the servlet API so that every answer, error
 * answers included, is tested without a server. Each service is looked up at every request: they
 * come and go (the controller is upgraded in place, the status monitor restarts on a new
 * configuration) while the admin API stays up.
 */
final class AdminApi {

    /** An answer: the HTTP status, the JSON body and, for 405, the methods allowed. */
    record Reply(int status, String json, String allow) {
        static Reply ok(int status, String json) {
            return new Reply(status, json, null);
        }

        static Reply error(int status, String message) {
            return new Reply(status, Documents.error(message), null);
        }
    }

    /** Sets the test-only drop percentage of a status channel. */
    interface FaultSwitch {
        void drop(String channel, int percent) throws Exception;
    }

    static final String PREFIX = "/hasm/api/v1";
    private static final Set<String> COMMANDS = Set.of("reset", "shutdown", "surrender");
    private static final String COMMAND_PATH = "/commands/";
    private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9_-]+");

    private final Supplier<HaController> controller;
    private final Supplier<StatusMonitor> monitor;
    private final Supplier<PeerLink> link;
    private final boolean faultsEnabled;
    private final Supplier<FaultSwitch> faults;
    private final Clock clock;

    /**
     * @param faultsEnabled whether the framework property {@code hasm.faults.enabled} is {@code true}:
     *     otherwise the fault routes do not exist (404), so a production SCM cannot be told to drop
     *     its heartbeats
     * @param faults the fault switch, or a supplier of {@code null} while Configuration Admin is absent
     */
    AdminApi(Supplier<HaController> controller, Supplier<StatusMonitor> monitor, Supplier<PeerLink> link,
            boolean faultsEnabled, Supplier<FaultSwitch> faults, Clock clock) {
        this.controller = controller;
        this.monitor = monitor;
        this.link = link;
        this.faultsEnabled = faultsEnabled;
        this.faults = faults;
        this.clock = clock;
    }

    /**
     * Answers one request.
     *
     * @param method the HTTP method
     * @param path the path below {@link #PREFIX} ({@code /status}); {@code null} or empty for the prefix itself
     * @param parameter the request's query or form parameters, by name; {@code null} when absent
     * @return the answer; never throws for a bad request (a bug or a failing SPI call propagates)
     */
    Reply handle(String method, String path, Function<String, String> parameter) {
        String p = path == null ? "" : path;
        if (p.equals("/status")) {
            return only("GET", method, () -> status());
        }
        if (p.equals("/journal")) {
            return only("GET", method, () -> journal(parameter.apply("after")));
        }
        if (p.startsWith(COMMAND_PATH) && COMMANDS.contains(p.substring(COMMAND_PATH.length()))) {
            return only("POST", method, () -> command(p.substring(COMMAND_PATH.length()), parameter.apply("reason")));
        }
        if (faultsEnabled && p.equals("/faults/drop")) {
            return only("POST", method, () -> drop(parameter.apply("channel"), parameter.apply("percent")));
        }
        return Reply.error(404, "no such resource: " + PREFIX + p);
    }

    private static Reply only(String allowed, String method, Supplier<Reply> route) {
        if (allowed.equals(method) || ("GET".equals(allowed) && "HEAD".equals(method))) {
            return route.get();
        }
        return new Reply(405, Documents.error("method " + method + " not allowed here; use " + allowed), allowed);
    }

    private Reply status() {
        HaController c = controller.get();
        if (c == null) {
            return noController();
        }
        return Reply.ok(200, Documents.status(c, monitor.get(), link.get(), clock.instant()));
    }

    private Reply journal(String after) {
        long n = -1;
        if (after != null) {
            try {
                n = Long.parseLong(after.trim());
            } catch (NumberFormatException e) {
                n = Long.MIN_VALUE;
            }
            if (n < -1) {
                return Reply.error(400, "parameter 'after' must be a sequence number (-1 or more), not '" + after + "'");
            }
        }
        HaController c = controller.get();
        if (c == null) {
            return noController();
        }
        return Reply.ok(200, Documents.journal(c.journal(n)));
    }

    private Reply command(String command, String reason) {
        HaController c = controller.get();
        if (c == null) {
            return noController();
        }
        String why = reason == null || reason.isBlank() ? "admin API" : reason.trim();
        switch (command) {
            case "reset" -> c.reset(why);
            case "shutdown" -> c.shutdown(why);
            case "surrender" -> c.surrender(why);
            default -> throw new IllegalArgumentException(command); // COMMANDS and this switch disagree
        }
        // 202: the controller queues the command; its effect shows in the status document.
        return Reply.ok(202, Documents.accepted(command));
    }

    private Reply drop(String channel, String percent) {
        if (channel == null || !CHANNEL.matcher(channel).matches()) {
            return Reply.error(400, "parameter 'channel' must match [A-Za-z0-9_-]+, not "
                    + (channel == null ? "absent" : "'" + channel + "'"));
        }
        int p;
        try {
            p = percent == null ? -1 : Integer.parseInt(percent.trim());
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 0 || p > 100) {
            return Reply.error(400, "parameter 'percent' must be a whole number 0..100, not "
                    + (percent == null ? "absent" : "'" + percent + "'"));
        }
        FaultSwitch f = faults.get();
        if (f == null) {
            return Reply.error(503, "Configuration Admin is not available");
        }
        try {
            f.drop(channel, p);
        } catch (Exception e) {
            throw new IllegalStateException("setting fault.drop." + channel + " failed", e);
        }
        return Reply.ok(200, Documents.drop(channel, p));
    }

    private static Reply noController() {
        return Reply.error(503, "the hasm controller is not running on this SCM");
    }
}
