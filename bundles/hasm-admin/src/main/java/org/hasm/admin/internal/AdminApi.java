package org.hasm.admin.internal;

import java.time.Clock;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.spi.HaController;
import org.hasm.spi.alerts.Alerts;
import org.hasm.spi.power.PowerMonitor;
import org.hasm.spi.MasterAdmin;
import org.hasm.spi.ScmState;
import org.hasm.spi.config.PairConfiguration;
import org.hasm.spi.config.SharedFiles;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.peer.FenceView;
import org.hasm.spi.peer.StatusMonitor;
import org.hasm.spi.storage.FenceAgent;

/**
 * The routes of {@code /hasm/api/v1}, kept apart from the servlet API so that every answer, error
 * answers included, is tested without a server. Each service is looked up at every request: they
 * come and go (the controller is upgraded in place, the status monitor restarts on a new
 * configuration) while the admin API stays up.
 *
 * <p>Who may do what: {@code /alive} answers anyone, and says nothing but that the SCM's admin API
 * is up. Every other route needs a credential ({@code Authorization: Bearer TOKEN}): the
 * {@code read} role may GET the status and the journal, the {@code operate} role may also POST
 * commands and faults. A request that a web page in a browser could have sent is refused whatever
 * its credential: one with an {@code Origin}, or a {@code Sec-Fetch-Site} other than {@code none}
 * (a typed address), and a POST whose body is a form or plain text, which a page sends without
 * asking the browser first (a CORS preflight) whether it may. The API serves no page, so no
 * origin is its own; a page that rebinds its host name to this SCM's address looks same-origin
 * to the browser, and is refused all the same.
 */
final class AdminApi {

    /** An answer: the HTTP status, the JSON body, for 405 the methods allowed, and other headers (a redirect's). */
    record Reply(int status, String json, String allow, Map<String, String> headers) {
        Reply {
            headers = Map.copyOf(headers);
        }

        Reply(int status, String json, String allow) {
            this(status, json, allow, Map.of());
        }

        static Reply ok(int status, String json) {
            return new Reply(status, json, null);
        }

        static Reply error(int status, String message) {
            return new Reply(status, Documents.error(message), null);
        }
    }

    /**
     * One request, as far as the API looks at it.
     *
     * @param method the HTTP method
     * @param path the path below {@link #PREFIX} ({@code /status}); {@code null} or empty for the prefix itself
     * @param remote the client's address and port, for the log
     * @param header a request header by name (any case), {@code null} when absent
     * @param parameter a query parameter by name, {@code null} when absent
     * @param body the request's body, read when a route needs it (at most {@link FileRoutes#MAX_BODY} bytes)
     */
    record Request(String method, String path, String remote, Function<String, String> header,
            Function<String, String> parameter, Supplier<byte[]> body) {

        /** A request whose body is not read (every route but a shared file's). */
        Request(String method, String path, String remote, Function<String, String> header,
                Function<String, String> parameter) {
            this(method, path, remote, header, parameter, () -> new byte[0]);
        }
    }

    /** Sets the test-only drop percentage of a status channel. */
    interface FaultSwitch {
        void drop(String channel, int percent) throws Exception;
    }

    /** Where the API says who did what: every command, and every request it refused. */
    interface Audit {
        /** A command or fault switch was accepted from {@code who}. */
        void accepted(String what, Credentials.Credential who, String remote);

        /** A request was refused with {@code status}, for the reason given to the client. */
        void refused(Request request, int status, String why);
    }

    static final String PREFIX = "/hasm/api/v1";
    static final String ALIVE = "/alive";
    private static final Set<String> COMMANDS = Set.of("reset", "shutdown", "surrender");
    /** The pair's everyday operations: carried out by the MASTER only, never where they are sent otherwise. */
    private static final Set<String> OPERATIONS = Set.of("move", "standby", "unstandby", "failback", "maintenance");
    static final String COMMAND_PATH = "/commands/";
    /** The rolling upgrade: GET its document (either SCM: it is kept on the shared storage), POST to start, resume, abort. */
    static final String UPGRADE = "/upgrade";
    /** The metrics, Prometheus text format: every SCM its own, for the read role. */
    static final String METRICS = "/metrics";
    /** The alert recipients and their counts ({@code GET}) and a test alert ({@code POST /alerts/test}). */
    static final String ALERTS = "/alerts";
    /** The fence agent as configured ({@code GET}) and its test ({@code POST /fence/test}). */
    static final String FENCE = "/fence";
    /** How long the test of a fence agent may take. */
    static final java.time.Duration FENCE_TEST_TIMEOUT = java.time.Duration.ofSeconds(10);
    /** A redirect's header: the MASTER's name. */
    static final String MASTER_HEADER = "Hasm-Master";
    /** A redirect's header, with https: the SHA-256 (hex) of the certificate the MASTER's admin API serves. */
    static final String MASTER_CERTIFICATE_HEADER = "Hasm-Master-Certificate";
    /** States in which an SCM serves nothing and does not take part in the pair: it shuts down or resets itself. */
    private static final Set<ScmState> APART = Set.of(ScmState.OFF, ScmState.BOOT, ScmState.MONITOR, ScmState.HALTED);
    private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern BEARER = Pattern.compile("(?i)bearer +(\\S+) *");
    /** The content types a page may POST without a preflight (the Fetch standard's CORS-safelisted ones). */
    private static final Set<String> SIMPLE_TYPES = Set.of("application/x-www-form-urlencoded", "multipart/form-data",
            "text/plain");
    private static final int REASON_MAX = 200;

    private final Supplier<HaController> controller;
    private final Supplier<StatusMonitor> monitor;
    private final Supplier<PeerLink> link;
    private final boolean faultsEnabled;
    private final Supplier<FaultSwitch> faults;
    private final Credentials credentials;
    private final Audit audit;
    private final Clock clock;
    // the UPS watch, when one runs: its status goes into the status document; set once, before any request
    private volatile Supplier<PowerMonitor> power = () -> null;
    private volatile Supplier<Alerts> alerts = () -> null;
    // set once after construction (AdminServlet), before the first request
    private volatile EventsRoute events = new EventsRoute(() -> null);
    /** The pair's configuration (CTCM), when its bundle is installed; set once after construction. */
    private volatile Supplier<PairConfiguration> pairConfiguration = () -> null;
    /** The shared files (SFM), when their bundle is installed; set once after construction. */
    private volatile Supplier<SharedFiles> sharedFiles = () -> null;
    /** The SCM's metrics, when their component runs; set once after construction. */
    private volatile Supplier<Metrics> metrics = () -> null;
    /** A bundle put into the deploy folder in place of the one of the same name; set once after construction. */
    private volatile DeployRoute deploy;

    /**
     * @param faultsEnabled whether the framework property {@code hasm.faults.enabled} is {@code true}:
     *     otherwise the fault routes do not exist (404), so a production SCM cannot be told to drop
     *     its heartbeats
     * @param faults the fault switch, or a supplier of {@code null} while Configuration Admin is absent
     * @param credentials who may use the API
     * @param audit told of every command and every refusal
     */
    AdminApi(Supplier<HaController> controller, Supplier<StatusMonitor> monitor, Supplier<PeerLink> link,
            boolean faultsEnabled, Supplier<FaultSwitch> faults, Credentials credentials, Audit audit, Clock clock) {
        this.controller = controller;
        this.monitor = monitor;
        this.link = link;
        this.faultsEnabled = faultsEnabled;
        this.faults = faults;
        this.credentials = credentials;
        this.audit = audit;
        this.clock = clock;
    }

    /** @param alerts the alert scripts and webhooks, or a supplier of {@code null} while that bundle does not run */
    AdminApi alerts(Supplier<Alerts> alerts) {
        this.alerts = alerts;
        return this;
    }

    /** @param power the UPS watch, or a supplier of {@code null} while none runs; the status document shows it */
    AdminApi power(Supplier<PowerMonitor> power) {
        this.power = power;
        return this;
    }

    /** @param journal this SCM's event log, or a supplier of {@code null} while it is not running */
    AdminApi events(java.util.function.Supplier<org.hasm.spi.events.EventJournal> journal) {
        this.events = new EventsRoute(journal);
        return this;
    }

    /** Serves the pair's configuration routes from {@code config} (absent: 404 names the missing bundle). */
    AdminApi pairConfiguration(Supplier<PairConfiguration> config) {
        this.pairConfiguration = config;
        return this;
    }

    /** Serves {@code GET /metrics} from {@code metrics} (absent: 503). */
    AdminApi metrics(Supplier<Metrics> metrics) {
        this.metrics = metrics;
        return this;
    }

    /** Serves {@code /deploy} (absent: 404). */
    AdminApi deploy(DeployRoute route) {
        this.deploy = route;
        return this;
    }

    /** Serves the shared files' routes from {@code files}. */
    AdminApi sharedFiles(Supplier<SharedFiles> files) {
        this.sharedFiles = files;
        return this;
    }

    /**
     * Answers one request.
     *
     * @return the answer; never throws for a bad request (a bug or a failing SPI call propagates)
     */
    Reply handle(Request request) {
        String p = request.path() == null ? "" : request.path();
        String method = request.method();
        if (p.equals(ALIVE)) {
            // a load balancer's or supervisor's probe: no credential, and nothing to learn from it
            return only("GET", method, () -> Reply.ok(200, "{\"alive\":true}"));
        }
        Credentials.Credential who = authenticate(request.header().apply("Authorization"));
        if (who == null) {
            // where the credentials are is said the way the operator knows it, not as a path on this host
            return refuse(request, 401, request.header().apply("Authorization") == null
                    ? "credentials required: send the header 'Authorization: Bearer TOKEN' with the token of one of the"
                            + " SCM's credentials (NODE-FOLDER/etc/admin/ROLE/NAME.token; hasmctl --node-dir NODE-FOLDER"
                            + " sends it)"
                    : "the credential is not valid: 'Authorization: Bearer TOKEN' must carry the token of one of the"
                            + " SCM's credentials (NODE-FOLDER/etc/admin/ROLE/NAME.token)");
        }
        String fromPage = fromWebPage(request);
        if (fromPage != null) {
            return refuse(request, 403, "refused: " + fromPage + "; the admin API takes no requests from web pages");
        }
        if ("POST".equals(method)) {
            String type = simpleType(request.header().apply("Content-Type"));
            if (type != null) {
                return refuse(request, 415, "refused: a POST with a " + type + " body is what a web page's form can"
                        + " send; send no body (the reason goes in the query: ?reason=TEXT)");
            }
        }
        if (p.equals("/status")) {
            return only("GET", method, () -> status());
        }
        if (p.equals("/journal")) {
            return only("GET", method, () -> journal(request.parameter().apply("after")));
        }
        if (p.equals(METRICS)) {
            return only("GET", method, this::metrics);
        }
        if (p.equals("/events")) {
            return only("GET", method, () -> events.answer(request.parameter()));
        }
        if (p.equals(ALERTS)) {
            return only("GET", method, this::alerts);
        }
        if (p.equals(ALERTS + "/test")) {
            // runs the operator's scripts and calls the webhooks: operators only
            return only("POST", method, () -> permitted(request, who, Credentials.Role.OPERATE,
                    () -> alertsTest(request, who)));
        }
        if (p.equals(FENCE)) {
            return only("GET", method, this::fence);
        }
        if (p.equals(FENCE + "/test")) {
            // runs the agent's check, which reads the process table or looks for a program: operators only
            return only("POST", method, () -> permitted(request, who, Credentials.Role.OPERATE,
                    () -> fenceTest(request, who)));
        }
        if (p.startsWith(COMMAND_PATH) && OPERATIONS.contains(p.substring(COMMAND_PATH.length()))) {
            String operation = p.substring(COMMAND_PATH.length());
            return only("POST", method, () -> permitted(request, who, Credentials.Role.OPERATE,
                    () -> operation(request, operation, who)));
        }
        if (p.startsWith(COMMAND_PATH) && COMMANDS.contains(p.substring(COMMAND_PATH.length()))) {
            String command = p.substring(COMMAND_PATH.length());
            return only("POST", method, () -> permitted(request, who, Credentials.Role.OPERATE,
                    () -> command(request, command, request.parameter().apply("reason"), who, request.remote())));
        }
        if (p.equals(ConfigRoutes.PATH) || p.startsWith(ConfigRoutes.PATH + "/")) {
            return config(request, p, who);
        }
        if (p.equals(FileRoutes.PATH) || p.startsWith(FileRoutes.PATH + "/")) {
            return files(request, p, who);
        }
        if (p.equals(UPGRADE)) {
            if ("GET".equals(method) || "HEAD".equals(method)) {
                return upgradeStatus();
            }
            return only("POST", method, () -> permitted(request, who, Credentials.Role.OPERATE,
                    () -> upgrade(request, "upgrade", who)));
        }
        if (p.equals(UPGRADE + "/resume") || p.equals(UPGRADE + "/abort")) {
            String what = "upgrade " + p.substring(UPGRADE.length() + 1);
            return only("POST", method, () -> permitted(request, who, Credentials.Role.OPERATE,
                    () -> upgrade(request, what, who)));
        }
        if (p.equals(DeployRoute.PATH) && deploy != null) {
            DeployRoute route = deploy;
            if ("GET".equals(method) || "HEAD".equals(method)) {
                return route.get(request.parameter().apply("bundle"), request.parameter().apply("since"));
            }
            return only("POST", method, () -> permitted(request, who, Credentials.Role.OPERATE, () -> {
                String jar = request.parameter().apply("jar");
                Reply reply = route.post(jar);
                if (reply.status() == 200) {
                    audit.accepted("deploy " + printable(jar) + ": " + reply.json(), who, request.remote());
                } else {
                    audit.refused(request, reply.status(), reply.json() + " (credential '" + who.name() + "')");
                }
                return reply;
            }));
        }
        if (faultsEnabled && p.equals("/faults/drop")) {
            return only("POST", method, () -> permitted(request, who, Credentials.Role.OPERATE,
                    () -> drop(request.parameter().apply("channel"), request.parameter().apply("percent"), who,
                            request.remote())));
        }
        return Reply.error(404, "no such resource: " + PREFIX + p);
    }

    private Credentials.Credential authenticate(String authorization) {
        if (authorization == null) {
            return null;
        }
        Matcher m = BEARER.matcher(authorization);
        return m.matches() ? credentials.authenticate(m.group(1)) : null;
    }

    /* Browsers say where a request comes from; hasmctl, curl and scripts send neither header. */
    private static String fromWebPage(Request request) {
        String origin = request.header().apply("Origin");
        if (origin != null) {
            return "Origin " + printable(origin) + " says a web page sent it";
        }
        String site = request.header().apply("Sec-Fetch-Site");
        if (site != null && !site.equalsIgnoreCase("none")) {
            return "Sec-Fetch-Site " + printable(site) + " says a web page sent it";
        }
        return null;
    }

    /** @return the media type if it is one a page may send without a preflight, else {@code null} */
    private static String simpleType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip()
                .toLowerCase(Locale.ROOT);
        return SIMPLE_TYPES.contains(type) ? type : null;
    }

    private Reply permitted(Request request, Credentials.Credential who, Credentials.Role needed, Supplier<Reply> route) {
        if (!who.role().allows(needed)) {
            return refuse(request, 403, "credential '" + who.name() + "' has the role " + who.role().folder() + "; "
                    + request.method() + " " + PREFIX + request.path() + " needs the role " + needed.folder());
        }
        return route.get();
    }

    private Reply refuse(Request request, int status, String why) {
        audit.refused(request, status, why);
        return Reply.error(status, why);
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
        return Reply.ok(200, Documents.status(c, monitor.get(), link.get(), power.get(), clock.instant()));
    }

    private Reply alerts() {
        Alerts a = alerts.get();
        if (a == null) {
            return noAlerts();
        }
        return Reply.ok(200, Documents.alerts(a.recipients(), null));
    }

    private Reply alertsTest(Request request, Credentials.Credential who) {
        Alerts a = alerts.get();
        if (a == null) {
            return noAlerts();
        }
        String text = request.parameter().apply("text");
        if (text != null && (text.length() > 200 || text.chars().anyMatch(Character::isISOControl))) {
            return Reply.error(400, "parameter 'text' must be one line of at most 200 characters");
        }
        List<Alerts.Delivery> deliveries;
        try {
            deliveries = a.test(text == null || text.isBlank() ? null : text.strip(), null);
        } catch (IllegalStateException e) {
            return Reply.error(409, "no test alert can be sent now: " + e.getMessage());
        }
        long ok = deliveries.stream().filter(Alerts.Delivery::ok).count();
        audit.accepted("alert test: " + ok + " of " + deliveries.size() + " recipient(s) reached", who, request.remote());
        return Reply.ok(200, Documents.alerts(a.recipients(), deliveries));
    }

    private static Reply noAlerts() {
        return Reply.error(503, "the alerts (bundle org.hasm.alerts) are not running on this SCM");
    }

    private static Reply noMonitor() {
        return Reply.error(503, "the status monitor of this SCM is not running");
    }

    private Reply fence() {
        StatusMonitor m = monitor.get();
        if (m == null) {
            return noMonitor();
        }
        return Reply.ok(200, Documents.fence(m.fence()));
    }

    private Reply fenceTest(Request request, Credentials.Credential who) {
        StatusMonitor m = monitor.get();
        if (m == null) {
            return noMonitor();
        }
        FenceView view = m.fence();
        long started = System.nanoTime();
        FenceAgent.Readiness r = m.testFence(FENCE_TEST_TIMEOUT);
        long millis = (System.nanoTime() - started) / 1_000_000;
        audit.accepted("fence test of agent " + view.agent() + " against " + view.peer() + ": "
                + (r.ready() ? "ready" : "not ready"), who, request.remote());
        return Reply.ok(200, Documents.fenceTest(view, r, millis, clock.instant()));
    }

    private Reply metrics() {
        Metrics m = metrics.get();
        if (m == null) {
            return Reply.error(503, "the metrics of this SCM are not running");
        }
        return new Reply(200, m.text(), null, Map.of("Content-Type", Metrics.contentType()));
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

    /**
     * Only the MASTER administers the pair (DESIGN §3). A command names the SCM it is for ({@code scm},
     * this SCM when absent). The MASTER carries it out, on itself or by ordering its peer; another SCM
     * answers 307 to the same path on the MASTER's admin API, naming the SCM, except for what concerns
     * only itself and needs no MASTER: a surrender (the peer takes over at once, or the controller
     * refuses), and a shutdown or reset while it serves nothing (OFF, BOOT, MONITOR, HALTED). A
     * shutdown of itself also goes ahead when no MASTER is known; anything else is then 503 with why.
     */
    private Reply command(Request request, String command, String reason, Credentials.Credential who, String remote) {
        HaController c = controller.get();
        if (c == null) {
            return noController();
        }
        String why = reason == null || reason.isBlank() ? "admin API" : printable(reason.trim());
        String self = c.scm();
        String asked = request.parameter().apply("scm");
        String target = asked == null || asked.isBlank() ? self : asked.strip();
        boolean itself = target.equals(self);
        String carried = ""; // said in the log when the MASTER did not decide it here, as usual
        if (!(itself && (command.equals("surrender") || APART.contains(c.state())))) {
            MasterAdmin master;
            try {
                master = c.master();
            } catch (IllegalStateException e) {
                if (itself && command.equals("shutdown")) {
                    master = null; // an SCM may always stop itself; nobody could order it to
                } else {
                    String refused = command + " refused: only the MASTER administers the pair, and " + e.getMessage();
                    audit.refused(request, 503, refused + " (credential '" + who.name() + "')");
                    return Reply.error(503, refused);
                }
            }
            if (master != null && !master.local()) {
                return redirect(request, master, target, command, who);
            }
            carried = master == null ? " (no MASTER known: carried out here)" : itself ? "" : " of " + target
                    + ", ordered by the MASTER " + self;
        }
        try {
            if (itself) {
                switch (command) {
                    case "reset" -> c.reset(why);
                    case "shutdown" -> c.shutdown(why);
                    case "surrender" -> c.surrender(why);
                    default -> throw new IllegalArgumentException(command); // COMMANDS and this switch disagree
                }
            } else {
                c.peerCommand(target, command, why + " (credential '" + who.name() + "' from " + remote + ")");
            }
        } catch (IllegalArgumentException e) {
            return refuse(request, 404, command + " refused: " + e.getMessage());
        } catch (IllegalStateException e) {
            // the SCM cannot carry it out in its state: said at once, never accepted and dropped
            String refused = command + " refused: " + e.getMessage();
            audit.refused(request, 409, refused + " (reason '" + why + "', credential '" + who.name() + "')");
            return Reply.error(409, refused);
        }
        audit.accepted(command + carried + " (reason '" + why + "')", who, remote);
        // 202: the controller queues the command; its effect shows in the status document.
        return Reply.ok(202, Documents.accepted(command));
    }

    /**
     * An everyday operation of the pair (move, standby, unstandby, failback, maintenance): decided by the
     * MASTER alone, so any other SCM redirects it there, and with no MASTER known it is 503 with why.
     */
    private Reply operation(Request request, String operation, Credentials.Credential who) {
        HaController c = controller.get();
        if (c == null) {
            return noController();
        }
        String reason = request.parameter().apply("reason");
        String given = reason == null || reason.isBlank() ? "admin API" : printable(reason.trim());
        // who asked goes with the operation into both SCMs' logs, states and journals
        String why = given + " (credential '" + who.name() + "' from " + request.remote() + ")";
        String asked = request.parameter().apply("scm");
        String target = asked == null || asked.isBlank() ? c.scm() : asked.strip();
        String personality = request.parameter().apply("personality");
        String mode = request.parameter().apply("mode");
        if (operation.equals("move") && (personality == null || personality.isBlank())) {
            return Reply.error(400, "move needs the parameter 'personality' (the name of the personality to move)");
        }
        if (operation.equals("maintenance") && !"on".equals(mode) && !"off".equals(mode)) {
            return Reply.error(400, "maintenance needs the parameter 'mode', on or off, not "
                    + (mode == null ? "absent" : "'" + printable(mode) + "'"));
        }
        MasterAdmin master;
        try {
            master = c.master();
        } catch (IllegalStateException e) {
            String refused = operation + " refused: only the MASTER administers the pair, and " + e.getMessage();
            audit.refused(request, 503, refused + " (credential '" + who.name() + "')");
            return Reply.error(503, refused);
        }
        if (!master.local()) {
            return redirect(request, master, target, operation, who);
        }
        String what = switch (operation) {
            case "move" -> "move " + personality.strip();
            case "standby", "unstandby" -> operation + " " + target;
            case "maintenance" -> "maintenance " + mode;
            default -> operation;
        };
        try {
            switch (operation) {
                case "move" -> c.move(personality.strip(), why);
                case "standby" -> c.standby(target, why);
                case "unstandby" -> c.unstandby(target, why);
                case "failback" -> c.failback(why);
                case "maintenance" -> c.maintenance(mode.equals("on"), why);
                default -> throw new IllegalArgumentException(operation); // OPERATIONS and this switch disagree
            }
        } catch (IllegalArgumentException e) {
            return refuse(request, 404, what + " refused: " + e.getMessage());
        } catch (IllegalStateException e) {
            String refused = what + " refused: " + e.getMessage();
            audit.refused(request, 409, refused + " (credential '" + who.name() + "')");
            return Reply.error(409, refused);
        }
        audit.accepted(what + " (reason '" + given + "')", who, request.remote());
        return Reply.ok(202, Documents.accepted(operation));
    }

    /**
     * The pair's configuration: read with the read role, changed with operate, always on the MASTER (another
     * SCM redirects there, like a command: its own configuration follows the MASTER's).
     */
    private Reply config(Request request, String p, Credentials.Credential who) {
        String route = p.substring(ConfigRoutes.PATH.length());
        if (!route.isEmpty() && !route.equals("/diff") && !route.equals("/history")) {
            return Reply.error(404, "no such resource: " + PREFIX + p + " (" + PREFIX + "/config, /config/diff, /config/history)");
        }
        boolean write = route.isEmpty() && "POST".equals(request.method());
        if (!"GET".equals(request.method()) && !"HEAD".equals(request.method()) && !write) {
            return new Reply(405, Documents.error("method " + request.method() + " not allowed here; use "
                    + (route.isEmpty() ? "GET or POST" : "GET")), route.isEmpty() ? "GET, POST" : "GET");
        }
        return permitted(request, who, write ? Credentials.Role.OPERATE : Credentials.Role.READ, () -> {
            PairConfiguration config = pairConfiguration.get();
            if (config == null) {
                return Reply.error(404, "no configuration transactions on this SCM: the feature hasm-config (bundle"
                        + " org.hasm.ctcm) is not installed");
            }
            HaController c = controller.get();
            if (c == null) {
                return noController();
            }
            MasterAdmin master;
            try {
                master = c.master();
            } catch (IllegalStateException e) {
                return Reply.error(503, "configuration: only the MASTER administers the pair, and " + e.getMessage());
            }
            if (!master.local()) {
                return redirect(request, master, c.scm(), "configuration", who);
            }
            try {
                if (write) {
                    String by = "credential '" + who.name() + "' from " + request.remote();
                    Reply r = ConfigRoutes.set(config, request.parameter().apply("pid"),
                            request.parameter().apply("changes"), by);
                    if (r.status() == 200) {
                        audit.accepted("configuration transaction " + printable(String.valueOf(request.parameter()
                                .apply("pid"))), who, request.remote());
                    } else {
                        audit.refused(request, r.status(), r.json());
                    }
                    return r;
                }
                return switch (route) {
                    case "/diff" -> ConfigRoutes.diff(config);
                    case "/history" -> ConfigRoutes.history(config);
                    default -> ConfigRoutes.get(config, c.scm(), request.parameter().apply("key"));
                };
            } catch (IllegalStateException e) {
                return Reply.error(409, "configuration: " + e.getMessage());
            }
        });
    }

    /**
     * The shared files: each SCM answers a GET with its own copies (that is what an operator compares);
     * a file is written (POST, operate) on the MASTER only, which another SCM redirects to.
     */
    private Reply files(Request request, String p, Credentials.Credential who) {
        String name = p.length() > FileRoutes.PATH.length() + 1 ? p.substring(FileRoutes.PATH.length() + 1) : null;
        boolean write = name != null && "POST".equals(request.method());
        if (!"GET".equals(request.method()) && !"HEAD".equals(request.method()) && !write) {
            return new Reply(405, Documents.error("method " + request.method() + " not allowed here; use "
                    + (name == null ? "GET" : "GET or POST")), name == null ? "GET" : "GET, POST");
        }
        return permitted(request, who, write ? Credentials.Role.OPERATE : Credentials.Role.READ, () -> {
            SharedFiles files = sharedFiles.get();
            if (files == null) {
                return Reply.error(404, "no shared files on this SCM: the feature hasm-config (bundle org.hasm.ctcm) is"
                        + " not installed");
            }
            if (!write) {
                return name == null ? FileRoutes.list(files) : FileRoutes.get(files, name);
            }
            HaController c = controller.get();
            if (c == null) {
                return noController();
            }
            MasterAdmin master;
            try {
                master = c.master();
            } catch (IllegalStateException e) {
                return Reply.error(503, "shared file: only the MASTER writes, and " + e.getMessage());
            }
            if (!master.local()) {
                return redirect(request, master, c.scm(), "shared file " + name, who);
            }
            Reply r = FileRoutes.write(files, name, request.body());
            if (r.status() == 200) {
                audit.accepted("shared file " + name + " written", who, request.remote());
            }
            return r;
        });
    }

    /* 307 keeps the method; the query names the SCM, so that the MASTER knows whom the command is for. */
    private Reply redirect(Request request, MasterAdmin master, String target, String command,
            Credentials.Credential who) {
        if (master.url() == null) {
            String refused = command + " refused: only the MASTER administers the pair, and the MASTER " + master.scm()
                    + " does not say where its admin API listens: send the command to it directly";
            audit.refused(request, 503, refused);
            return Reply.error(503, refused);
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("scm", target);
        for (String key : new String[] {"personality", "mode", "reason", "key", "pid", "changes", "jar", "swapBack"}) {
            String value = request.parameter().apply(key);
            if (value != null) {
                query.put(key, value);
            }
        }
        StringBuilder location = new StringBuilder(master.url().replaceAll("/+$", "")).append(PREFIX)
                .append(request.path());
        query.forEach((k, v) -> location.append(location.indexOf("?") < 0 ? '?' : '&').append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Location", location.toString());
        headers.put(MASTER_HEADER, master.scm());
        if (master.certificate() != null) {
            headers.put(MASTER_CERTIFICATE_HEADER, master.certificate());
        }
        audit.accepted(command + " of " + target + " redirected to the MASTER " + master.scm() + " at " + master.url(),
                who, request.remote());
        return new Reply(307, Documents.redirect(command, master.scm(), location.toString()), null, headers);
    }

    private Reply upgradeStatus() {
        HaController c = controller.get();
        if (c == null) {
            return noController();
        }
        try {
            return Reply.ok(200, UpgradeDocument.of(c.upgrade()));
        } catch (IllegalStateException e) {
            return Reply.error(503, "the upgrade cannot be read: " + e.getMessage());
        }
    }

    /**
     * Starts ({@code jar}: a path the MASTER reads), resumes or aborts the pair's rolling upgrade: the MASTER
     * carries it out, any other SCM redirects there, and with no MASTER known it is 503 with why.
     */
    private Reply upgrade(Request request, String what, Credentials.Credential who) {
        HaController c = controller.get();
        if (c == null) {
            return noController();
        }
        String reason = request.parameter().apply("reason");
        String given = reason == null || reason.isBlank() ? "admin API" : printable(reason.trim());
        String why = given + " (credential '" + who.name() + "' from " + request.remote() + ")";
        String jar = request.parameter().apply("jar");
        if (what.equals("upgrade") && (jar == null || jar.isBlank())) {
            return Reply.error(400, "upgrade needs the parameter 'jar': the path of the bundle jar, which the MASTER reads");
        }
        MasterAdmin master;
        try {
            master = c.master();
        } catch (IllegalStateException e) {
            String refused = what + " refused: only the MASTER administers the pair, and " + e.getMessage();
            audit.refused(request, 503, refused + " (credential '" + who.name() + "')");
            return Reply.error(503, refused);
        }
        if (!master.local()) {
            return redirect(request, master, c.scm(), what, who);
        }
        org.hasm.spi.UpgradeView view;
        try {
            switch (what) {
                // jar: a bundle jar or a distribution folder; swapBack=true: the roles as before at the end
                case "upgrade" -> view = c.upgrade(jar.strip(), why,
                        "true".equalsIgnoreCase(request.parameter().apply("swapBack")));
                case "upgrade resume" -> {
                    c.upgradeResume(why);
                    view = c.upgrade();
                }
                case "upgrade abort" -> {
                    c.upgradeAbort(why);
                    view = c.upgrade();
                }
                default -> throw new IllegalArgumentException(what);
            }
        } catch (IllegalArgumentException e) {
            String refused = what + " refused: " + e.getMessage();
            audit.refused(request, 400, refused + " (credential '" + who.name() + "')");
            return Reply.error(400, refused);
        } catch (IllegalStateException e) {
            String refused = what + " refused: " + e.getMessage();
            audit.refused(request, 409, refused + " (credential '" + who.name() + "')");
            return Reply.error(409, refused);
        }
        audit.accepted(what + (jar == null ? "" : " " + printable(jar)) + " (reason '" + given + "')", who,
                request.remote());
        return Reply.ok(202, UpgradeDocument.of(view));
    }

    private Reply drop(String channel, String percent, Credentials.Credential who, String remote) {
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
        } catch (IllegalArgumentException e) {
            return Reply.error(404, e.getMessage());
        } catch (Exception e) {
            throw new IllegalStateException("setting fault.drop of status channel " + channel + " failed", e);
        }
        audit.accepted("fault switch drop " + channel + " " + p + "%", who, remote);
        return Reply.ok(200, Documents.drop(channel, p));
    }

    /* What a client sent goes into the log and the controller's events: one line, bounded. */
    static String printable(String text) {
        StringBuilder b = new StringBuilder(Math.min(text.length(), REASON_MAX));
        for (int i = 0; i < text.length() && b.length() < REASON_MAX; i++) {
            char ch = text.charAt(i);
            b.append(Character.isISOControl(ch) || ch == '\u2028' || ch == '\u2029' ? ' ' : ch);
        }
        return text.length() > REASON_MAX ? b + "..." : b.toString();
    }

    private static Reply noController() {
        return Reply.error(503, "the hasm controller is not running on this SCM");
    }
}
