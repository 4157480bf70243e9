package org.hasm.launcher;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code bin/hasmctl}: the operator's client of an SCM's admin REST API.
 *
 * <p>Exit codes: 0 done, 1 the SCM cannot be reached or answered with an error, 2 bad usage.
 * Every failure is one line on stderr.
 */
public final class HasmCtl {
    /** The longest --timeout: a year, in seconds. */
    static final long MAX_TIMEOUT_S = 365L * 24 * 3600;

    static final String DEFAULT_NODE = "http://127.0.0.1:7700";
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: hasmctl SCM status [--json]                   the SCM's state, peer, channels, personalities, modules",
            "       hasmctl SCM status --watch [--interval S] [--count N]",
            "                                                     one live view of the pair as the SCM sees it: both",
            "                                                     SCMs, channels, who serves each personality, modules",
            "                                                     not well, the latest events; redrawn every S seconds",
            "                                                     (default 1; to a pipe: printed when it changes)",
            "       hasmctl SCM journal [--after N] [--json]      the lifecycle calls it made (after sequence N)",
            "       hasmctl SCM events [--after ID] [--topic T] [--follow] [--json]",
            "                                                     its event log, its peer's events included (after",
            "                                                     event ID; topic T, or T* for a prefix); --follow",
            "                                                     prints new ones as they come, until interrupted",
            "       hasmctl SCM reset|shutdown|surrender [--scm NAME] [--reason TEXT]",
            "                                                     ask the pair's MASTER to have SCM NAME (default: the",
            "                                                     SCM addressed) do that; a SLAVE redirects to the MASTER",
            "       hasmctl SCM move PERSONALITY [--reason TEXT]   hand the personality to the SCM that does not serve",
            "                                                     it now (again to move it back), with no failed request",
            "       hasmctl SCM standby|unstandby [--scm NAME] [--reason TEXT]",
            "                                                     the SCM hands everything over and stays up serving",
            "                                                     nothing / gets its personality back",
            "       hasmctl SCM failback [--reason TEXT]          give a waiting peer its personality back (failback",
            "                                                     policy manual or delay, or after maintenance)",
            "       hasmctl SCM maintenance on|off [--reason TEXT]",
            "                                                     the pair serves on but takes no automatic action",
            "       hasmctl SCM fence [--test] [--json]           the fence agent the SCM would use against its peer,",
            "                                                     the agents registered, the last fence events; --test",
            "                                                     has the agent check, fencing nothing, that it could",
            "                                                     fence the peer now (exit 1 if not)",
            "       hasmctl SCM alerts [--test [--text T]] [--json]",
            "                                                     the alert scripts and webhooks the SCM tells of its",
            "                                                     transitions, with what each received; --test sends",
            "                                                     each a test alert now (exit 1 unless all received it)",
            ConfigCommand.USAGE,
            "       hasmctl SCM upgrade JAR|FEATURE.json|DIST [--swap-back] [--reason TEXT] [--timeout S] [--json]",
            "                                                     upgrade the bundle JAR, the feature (its bundles in",
            "                                                     the folder above features/), or the whole distribution",
            "                                                     folder DIST across the pair (the MASTER reads it):",
            "                                                     SLAVE then MASTER on a cooperative handover (DIST:",
            "                                                     each SCM's process restarts on it), rolled back if",
            "                                                     the new version fails; --swap-back ends with the",
            "                                                     roles as before; follows it",
            "       hasmctl SCM upgrade --status|--resume|--abort [--json]",
            "                                                     the last upgrade; carry on or undo one in progress",
            "       hasmctl SCM deploy JAR [--timeout S] [--json]",
            "                                                     put the bundle JAR into this SCM's deploy folder in",
            "                                                     place of the installed bundle with its symbolic name",
            "                                                     (whatever either file is called), say the version",
            "                                                     before and after, and follow it until it is up or",
            "                                                     rolled back (default --timeout 60)",
            "       hasmctl help",
            "",
            "SCM is one of",
            "  --node-dir DIR     the SCM's node folder: its admin URL and its credential",
            "                     DIR/etc/admin/operate/" + AdminAccess.DEFAULT_NAME + AdminAccess.SUFFIX
                    + " (bin/hasm token DIR writes one)",
            "  --node URL         its admin URL (default " + DEFAULT_NODE + "), with the credential in",
            "                     --token-file FILE or the file $" + AdminClient.TOKEN_FILE_ENV + " names",
            "--token-file FILE also overrides the credential of --node-dir.");

    private static final Set<String> COMMANDS = Set.of("reset", "shutdown", "surrender", "move", "standby", "unstandby",
            "failback", "maintenance", "upgrade");
    /** Commands that name an SCM: this one when --scm does not. */
    private static final Set<String> FOR_AN_SCM = Set.of("reset", "shutdown", "surrender", "standby", "unstandby");

    private final PrintStream out;
    private final PrintStream err;
    /** The distribution, or null to {@linkplain Distribution#locate() locate} it (for --node-dir). */
    private final Path home;
    private final Map<String, String> env;

    HasmCtl(PrintStream out, PrintStream err, Path home, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.home = home;
        this.env = env;
    }

    public static void main(String[] args) {
        int code = new HasmCtl(System.out, System.err, null, System.getenv()).execute(args);
        System.out.flush();
        System.exit(code);
    }

    /**
     * What the command line asks for.
     *
     * @param node the admin URL, or {@code null} with {@code nodeDir}
     * @param nodeDir the node folder, or {@code null}
     * @param tokenFile the credential's file, or {@code null}
     */
    record Request(String node, Path nodeDir, Path tokenFile, String command, boolean json, Long after, String reason,
            String scm, String argument, boolean follow, String topic, String upgrade, Duration timeout, Watch watch,
            boolean test, String text) {

        Request(String node, Path nodeDir, Path tokenFile, String command, boolean json, Long after, String reason,
                String scm, String argument) {
            this(node, nodeDir, tokenFile, command, json, after, reason, scm, argument, false, null, null, null, null,
                    false, null);
        }
    }

    /**
     * {@code status --watch}: redraw every {@code interval}, {@code count} frames (0: until interrupted).
     */
    record Watch(Duration interval, long count) {
    }

    /** The shortest refresh of {@code status --watch}: each frame is two requests to the SCM. */
    static final Duration WATCH_MIN = Duration.ofMillis(200);

    /** @return the exit code */
    int execute(String[] args) {
        try {
            if (ConfigCommand.isConfig(args)) {
                ConfigCommand.Line line = ConfigCommand.parse(args);
                List<String> scm = new ArrayList<>(line.scm());
                scm.add("status"); // the SCM options, as any command takes them
                return ConfigCommand.run(line, client(parse(scm.toArray(String[]::new))), out);
            }
            Request request = parse(args);
            if (request.command().equals("help")) {
                out.println(USAGE);
                return 0;
            }
            return run(request, client(request));
        } catch (LaunchException e) {
            err.println("hasmctl: " + e.getMessage());
            return e.exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("hasmctl: interrupted");
            return LaunchException.FAILED;
        } catch (RuntimeException e) {
            err.println("hasmctl: internal error: " + Runner.oneLine(e));
            return LaunchException.FAILED;
        }
    }

    /* Where the SCM is and what credential to send: the node folder says both, unless told otherwise. */
    private AdminClient client(Request request) throws LaunchException {
        Path tokenFile = request.tokenFile();
        if (request.nodeDir() == null) {
            if (tokenFile == null && env.get(AdminClient.TOKEN_FILE_ENV) != null && !env.get(AdminClient.TOKEN_FILE_ENV).isBlank()) {
                tokenFile = Path.of(env.get(AdminClient.TOKEN_FILE_ENV));
            }
            return new AdminClient(request.node(), TIMEOUT, tokenFile == null ? null : AdminClient.Credential.read(tokenFile),
                    null);
        }
        Distribution dist = home == null ? Distribution.locate() : Distribution.at(home);
        Node node = Node.load(request.nodeDir(), dist.home());
        Plan plan = Plan.make(dist, node, false);
        AdminAccess.Listener listener = AdminAccess.listener(dist, plan);
        if (tokenFile == null) {
            tokenFile = AdminAccess.tokenFile(AdminAccess.credentialsFolder(node, plan.frameworkProperties()), "operate",
                    AdminAccess.DEFAULT_NAME);
            if (!Files.exists(tokenFile)) {
                throw new LaunchException(tokenFile + ": missing (create it with bin/hasm token " + node.dir()
                        + ", or pass --token-file FILE)");
            }
        }
        return new AdminClient(listener.url().toString(), TIMEOUT, AdminClient.Credential.read(tokenFile), listener);
    }

    static Request parse(String[] args) throws LaunchException {
        String node = null;
        Path nodeDir = null;
        Path tokenFile = null;
        String command = null;
        boolean json = false;
        Long after = null;
        String reason = null;
        String scm = null;
        String argument = null;
        boolean follow = false;
        String topic = null;
        String upgrade = null; // start (with the jar in argument), status, resume, abort
        boolean swapBack = false;
        Duration timeout = null;
        boolean watch = false;
        Duration interval = null;
        Long count = null;
        boolean test = false;
        String text = null;
        List<String> rest = new ArrayList<>(List.of(args));
        for (int i = 0; i < rest.size(); i++) {
            String arg = rest.get(i);
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--node" -> node = value != null ? value : next(rest, ++i, arg);
                case "--node-dir" -> nodeDir = Path.of(value != null ? value : next(rest, ++i, arg));
                case "--token-file" -> tokenFile = Path.of(value != null ? value : next(rest, ++i, arg));
                case "--json" -> json = true;
                case "--after" -> {
                    String n = value != null ? value : next(rest, ++i, arg);
                    try {
                        after = Long.parseLong(n);
                    } catch (NumberFormatException e) {
                        throw new LaunchException("--after " + n + ": not a whole number (a journal sequence, -1 for all)");
                    }
                    if (after < -1) {
                        throw new LaunchException("--after " + n + ": must be -1 or more");
                    }
                }
                case "--reason" -> reason = value != null ? value : next(rest, ++i, arg);
                case "--scm" -> scm = value != null ? value : next(rest, ++i, arg);
                case "--follow" -> follow = true;
                case "--watch" -> watch = true;
                case "--test" -> test = true;
                case "--text" -> text = value != null ? value : next(rest, ++i, arg);
                case "--interval" -> {
                    String n = value != null ? value : next(rest, ++i, arg);
                    try {
                        interval = Duration.ofMillis(Math.round(Double.parseDouble(n) * 1000));
                    } catch (NumberFormatException | ArithmeticException e) {
                        throw new LaunchException("--interval " + n + ": not a number of seconds");
                    }
                    if (interval.compareTo(WATCH_MIN) < 0 || interval.compareTo(Duration.ofHours(1)) > 0) {
                        throw new LaunchException("--interval " + n + ": must be from 0.2 to 3600 seconds");
                    }
                }
                case "--count" -> {
                    String n = value != null ? value : next(rest, ++i, arg);
                    try {
                        count = Long.parseLong(n);
                    } catch (NumberFormatException e) {
                        throw new LaunchException("--count " + n + ": not a whole number of frames");
                    }
                    if (count < 1) {
                        throw new LaunchException("--count " + n + ": must be 1 or more");
                    }
                }
                case "--topic" -> topic = value != null ? value : next(rest, ++i, arg);
                case "-h", "--help" -> command = "help";
                case "--swap-back" -> swapBack = true;
                case "--status", "--resume", "--abort" -> {
                    if (upgrade != null) {
                        throw new LaunchException("one of --status, --resume, --abort at a time");
                    }
                    upgrade = arg.substring(2);
                }
                case "--timeout" -> {
                    String n = value != null ? value : next(rest, ++i, arg);
                    long seconds;
                    try {
                        seconds = Long.parseLong(n);
                    } catch (NumberFormatException e) {
                        throw new LaunchException("--timeout " + n + ": not a whole number of seconds");
                    }
                    // at most a year: refused here, before anything is sent, not by an overflow once it was
                    if (seconds < 1 || seconds > MAX_TIMEOUT_S) {
                        throw new LaunchException("--timeout " + n + ": must be 1 to " + MAX_TIMEOUT_S + " seconds");
                    }
                    timeout = Duration.ofSeconds(seconds);
                }
                default -> {
                    if (arg.startsWith("-")) {
                        throw new LaunchException("unknown option " + arg + " (see hasmctl help)");
                    }
                    if (command != null && argument == null && (command.equals("move") || command.equals("maintenance")
                            || command.equals("upgrade") || command.equals("deploy"))) {
                        argument = arg;
                    } else if (command != null) {
                        throw new LaunchException("one command at a time: '" + command + "' and '" + arg + "'");
                    } else {
                        command = arg;
                    }
                }
            }
        }
        if (command == null) {
            throw new LaunchException("no command (status, journal, reset, shutdown, surrender; see hasmctl help)");
        }
        if (!command.equals("help") && !command.equals("status") && !command.equals("journal") && !command.equals("events")
                && !command.equals("deploy") && !command.equals("fence") && !command.equals("alerts")
                && !COMMANDS.contains(command)) {
            throw new LaunchException("unknown command '" + command + "' (status, journal, events, fence, alerts, reset, shutdown,"
                    + " surrender, move, standby, unstandby, failback, maintenance, upgrade, deploy)");
        }
        if ((watch || interval != null || count != null) && !command.equals("status")) {
            throw new LaunchException((watch ? "--watch" : interval != null ? "--interval" : "--count")
                    + " is for status only");
        }
        if ((interval != null || count != null) && !watch) {
            throw new LaunchException((interval != null ? "--interval" : "--count") + " is for status --watch only");
        }
        if (watch && json) {
            throw new LaunchException("--watch draws a view for people; for JSON, poll status --json");
        }
        if (test && !command.equals("fence") && !command.equals("alerts")) {
            throw new LaunchException("--test is for fence and alerts only");
        }
        if (text != null && !(test && command.equals("alerts"))) {
            throw new LaunchException("--text is for alerts --test only");
        }
        if (command.equals("deploy") && argument == null) {
            throw new LaunchException("deploy needs the bundle jar to deploy (hasmctl SCM deploy JAR)");
        }
        if (timeout != null && !command.equals("upgrade") && !command.equals("deploy")) {
            throw new LaunchException("--timeout is for upgrade and deploy only");
        }
        if (command.equals("upgrade")) {
            if ((upgrade == null) == (argument == null)) {
                throw new LaunchException("upgrade needs a jar, or one of --status, --resume, --abort (not both)");
            }
            upgrade = upgrade == null ? "start" : upgrade;
            if (swapBack && !upgrade.equals("start")) {
                throw new LaunchException("--swap-back is for starting an upgrade, not --" + upgrade);
            }
            upgrade = swapBack ? UpgradeCommand.START_SWAP_BACK : upgrade;
        } else if (swapBack) {
            throw new LaunchException("--swap-back is for upgrade only");
        } else if (upgrade != null) {
            throw new LaunchException("--" + upgrade + " is for upgrade only");
        }
        if (command.equals("move") && argument == null) {
            throw new LaunchException("move needs the personality to move (hasmctl SCM move A)");
        }
        if (command.equals("maintenance") && !"on".equals(argument) && !"off".equals(argument)) {
            throw new LaunchException("maintenance needs on or off" + (argument == null ? "" : ", not '" + argument + "'"));
        }
        if (after != null && !command.equals("journal") && !command.equals("events")) {
            throw new LaunchException("--after is for journal and events only");
        }
        if ((follow || topic != null) && !command.equals("events")) {
            throw new LaunchException((follow ? "--follow" : "--topic") + " is for events only");
        }
        if (reason != null && !COMMANDS.contains(command)) {
            throw new LaunchException("--reason is for commands only, not " + command);
        }
        if (scm != null && !FOR_AN_SCM.contains(command)) {
            throw new LaunchException("--scm is for reset, shutdown, surrender, standby and unstandby only");
        }
        if (json && COMMANDS.contains(command) && !command.equals("upgrade")) {
            throw new LaunchException("--json is for status and journal only");
        }
        if (node != null && nodeDir != null) {
            throw new LaunchException("--node and --node-dir: one or the other (--node-dir says where the SCM listens)");
        }
        if (nodeDir == null) {
            node = node == null ? DEFAULT_NODE : node;
            AdminClient.parse(node);
        }
        Duration defaultTimeout = command.equals("upgrade") ? Duration.ofMinutes(15)
                : command.equals("deploy") ? DeployCommand.DEFAULT_TIMEOUT : null;
        return new Request(node, nodeDir, tokenFile, command, json, after, reason, scm, argument, follow, topic, upgrade,
                timeout == null ? defaultTimeout : timeout,
                watch ? new Watch(interval == null ? Duration.ofSeconds(1) : interval, count == null ? 0 : count) : null,
                test, text);
    }

    private static String next(List<String> args, int i, String option) throws LaunchException {
        if (i >= args.size()) {
            throw new LaunchException(option + " needs a value");
        }
        return args.get(i);
    }

    private int run(Request request, AdminClient client) throws LaunchException, InterruptedException {
        switch (request.command()) {
            case "status" -> {
                if (request.watch() != null) {
                    new WatchCommand(client, out, System.console() != null && out == System.out, java.time.Clock.systemUTC())
                            .run(request.watch().interval(), request.watch().count());
                    return 0;
                }
                String body = client.get("/status");
                if (request.json()) {
                    out.println(body);
                } else {
                    out.print(StatusTable.status(object(Json.parse(body, client.base() + " status"), client)));
                }
            }
            case "journal" -> {
                String body = client.get("/journal" + (request.after() == null ? "" : "?after=" + request.after()));
                if (request.json()) {
                    out.println(body);
                } else if (Json.parse(body, client.base() + " journal") instanceof List<?> entries) {
                    out.print(StatusTable.journal(entries));
                } else {
                    throw new LaunchException(LaunchException.FAILED, client.base() + ": the journal is not a JSON array");
                }
            }
            case "events" -> new EventsCommand(client, out).run(request.after(), request.topic(), request.follow(),
                    request.json());
            case "alerts" -> {
                return new AlertsCommand(client, out, request.json()).run(request.test(), request.text());
            }
            case "fence" -> {
                return new FenceCommand(client, out, request.json()).run(request.test());
            }
            case "deploy" -> {
                return new DeployCommand(client, out, request.json()).run(request.argument(), request.timeout());
            }
            case "upgrade" -> {
                return new UpgradeCommand(client, out, request.json()).run(request.upgrade(), request.argument(),
                        request.reason(), request.timeout());
            }
            default -> {
                Map<String, String> form = new LinkedHashMap<>();
                if (request.scm() != null) {
                    form.put("scm", request.scm());
                }
                if (request.command().equals("move")) {
                    form.put("personality", request.argument());
                }
                if (request.command().equals("maintenance")) {
                    form.put("mode", request.argument());
                }
                if (request.reason() != null) {
                    form.put("reason", request.reason());
                }
                client.post("/commands/" + request.command(), form);
                boolean redirected = !client.answeredBy().equals(client.base());
                out.println("hasmctl: " + client.answeredBy() + " accepted " + request.command()
                        + (request.argument() == null ? "" : " " + request.argument())
                        + (request.scm() == null ? "" : " of " + request.scm())
                        + (request.reason() == null ? "" : " (" + request.reason() + ")")
                        + (redirected ? " (the MASTER; " + client.base() + " redirected the command there)" : ""));
            }
        }
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> object(Object value, AdminClient client) throws LaunchException {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, ?>) map;
        }
        throw new LaunchException(LaunchException.FAILED, client.base() + ": the status is not a JSON object");
    }
}
