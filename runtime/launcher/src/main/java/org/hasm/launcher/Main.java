package org.hasm.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code bin/hasm}: starts one SCM from a node folder, or checks one without starting.
 *
 * <p>Exit codes: 0 stopped cleanly (or check passed), 1 the framework failed or did not stop in
 * time, 2 bad usage or configuration (nothing started), 3 bundles that do not resolve or start, 75
 * stopped to be started again on the distribution the node folder names ({@link Relaunch}).
 */
public final class Main {

    /** How long a stop may take before the process gives up on it. */
    static final long STOP_TIMEOUT_MS = 60_000;

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: hasm run DIR       start one SCM from the node folder DIR",
            "       hasm supervise DIR as run, and start it again on the distribution DIR/distribution names",
            "                          when the SCM asks (a rolling upgrade of the distribution: exit code 75)",
            "       hasm check [DIR]   check the distribution's features, or the node folder DIR, without starting",
            "       hasm demo [--dir DIR] [--no-start] [--base-port P] [--timing tuned|patent]",
            "                 [--interval-ms N] [--counter N] [--init-timeout-ms N] [--faults]",
            "                          write a pair of SCMs (DIR/scm-a MASTER, DIR/scm-b SLAVE) and run both until",
            "                          Ctrl-C; admin API on 127.0.0.1:P and P+1 (default 7700), see bin/hasmctl;",
            "                          status every 50 ms, 4 missed = BAD (tuned, the default) or every 1000 ms,",
            "                          10 missed (patent); --interval-ms and --counter change either",
            "       hasm token DIR [--role read|operate] [--name NAME]",
            "                          a new admin credential in DIR/etc/admin/ROLE/NAME.token (default operate,",
            "                          hasmctl: the one hasmctl --node-dir DIR uses)",
            "       hasm help          this text",
            "",
            "A node folder holds:",
            "  etc/hasm.properties     hasm.scm (required), hasm.role (MASTER or SLAVE, required),",
            "                          hasm.features (default hasm-core), hasm.deploy.dir, hasm.log.level;",
            "                          other keys are passed to the framework",
            "  etc/PID.cfg             a configuration; etc/FACTORYPID~NAME.cfg a factory configuration",
            "  etc/admin/ROLE/NAME.token  the admin API's credentials (owner-only; see hasm token)",
            "  data/, log/             created: framework storage (emptied at every start), hasm.log",
            "See examples/standalone. Environment: JAVA_HOME, HASM_JAVA_OPTS (more JVM options).");

    private interface Command {
        int run(String[] args) throws Exception;
    }

    private final PrintStream out;
    private final PrintStream err;
    /** The distribution's folder, or null to {@linkplain Distribution#locate() locate} it. */
    private final Path home;
    /* Sorted, so the list in "unknown command" reads the same every time. Subcommands of other
       parts of hasm (a demo pair, an admin client) are added here. */
    private final Map<String, Command> commands = new TreeMap<>();

    Main(PrintStream out, PrintStream err, Path home) {
        this.out = out;
        this.err = err;
        this.home = home;
        commands.put("run", this::run);
        commands.put("check", this::check);
        commands.put("demo", this::demo);
        commands.put("token", args -> AdminAccess.tokenCommand(args, home == null ? Distribution.locate()
                : Distribution.at(home), out));
        commands.put("help", args -> {
            out.println(USAGE);
            return 0;
        });
    }

    public static void main(String[] args) {
        int code = new Main(System.out, System.err, null).execute(args);
        System.out.flush();
        System.exit(code);
    }

    /** @return the exit code */
    int execute(String[] args) {
        if (args.length == 0) {
            err.println(USAGE);
            return LaunchException.CONFIG;
        }
        String name = args[0];
        if (name.equals("--help") || name.equals("-h")) {
            name = "help";
        }
        Command command = commands.get(name);
        try {
            if (command == null) {
                throw new LaunchException("unknown command '" + args[0] + "' (commands: "
                        + String.join(", ", commands.keySet()) + "; see hasm help)");
            }
            String[] rest = new String[args.length - 1];
            System.arraycopy(args, 1, rest, 0, rest.length);
            return command.run(rest);
        } catch (LaunchException e) {
            err.println("hasm: " + e.getMessage());
            return e.exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("hasm: interrupted");
            return LaunchException.FAILED;
        } catch (Exception | Error e) {
            // a bug, not an operator's mistake: still one line, the trace only on request
            err.println("hasm: internal error: " + Runner.oneLine(e)
                    + (Boolean.getBoolean("hasm.debug") ? "" : " (run with HASM_JAVA_OPTS=-Dhasm.debug=true for details)"));
            if (Boolean.getBoolean("hasm.debug")) {
                e.printStackTrace(err);
            }
            return LaunchException.FAILED;
        }
    }

    private int run(String[] args) throws Exception {
        Path dir = nodeDir(args, "run", true);
        Distribution dist = home == null ? Distribution.locate() : Distribution.at(home);
        try {
            return start(dir, dist);
        } catch (LaunchException e) {
            return wentBack(dir, dist, e);
        }
    }

    private int start(Path dir, Distribution dist) throws Exception {
        Node node = Node.load(dir, dist.home());
        Plan plan = Plan.make(dist, node, System.console() != null);
        Shutdown shutdown = new Shutdown(out, err, STOP_TIMEOUT_MS);
        shutdown.install();
        PidFile pid = PidFile.write(node.dir());
        try {
            out.println("hasm: starting SCM " + node.scm() + " (" + node.role() + ") from " + node.dir() + " on "
                    + dist.home());
            Runner runner = new Runner(plan, shutdown, out, err, STOP_TIMEOUT_MS);
            // started by systemd as a Type=notify service: say when it stops; the controller says the rest
            SystemdNotify notify = SystemdNotify.from(System::getProperty, System.getenv(), err);
            if (notify != null) {
                shutdown.onStopping(() -> notify.accept("STOPPING=1\nSTATUS=stopping SCM " + node.scm()));
                notify.accept("STATUS=starting SCM " + node.scm() + " from " + node.dir());
                runner.notify(notify);
            }
            Relaunch.Service relaunch = restartable(plan) ? new Relaunch.Service(node.dir(), node.dataDir(),
                    realHome(dist), shutdown, out) : null;
            runner.relaunch(relaunch);
            int code = runner.run();
            if (code == 0 && relaunch != null && relaunch.requested() != null) {
                out.println("hasm: SCM " + node.scm() + " restarts on " + relaunch.requested() + " (exit "
                        + Relaunch.EXIT_RESTART + ")");
                return Relaunch.EXIT_RESTART;
            }
            return code;
        } finally {
            pid.remove();
        }
    }

    /* A restarted SCM whose new release does not start goes back to the one it was restarted from, once. */
    private int wentBack(Path dir, Distribution dist, LaunchException failure) throws LaunchException {
        String previous = System.getenv(Relaunch.ENV_PREVIOUS);
        // the node's data folder, as Node#dataDir names it: the node may be what failed to load
        Path data = dir.toAbsolutePath().normalize().resolve("data").resolve("hasm");
        Relaunch.Decision d = Relaunch.onFailedStart(failure.exitCode(), previous == null || previous.isBlank() ? null
                : Path.of(previous).normalize(), realHome(dist), Files.exists(data.resolve(Relaunch.FAILED_FILE)),
                Relaunch.history(System.getenv(Relaunch.ENV_RESTARTS), System.currentTimeMillis() / 1000));
        if (!(d instanceof Relaunch.Restart back)) {
            throw failure;
        }
        err.println("hasm: " + failure.getMessage());
        try {
            Relaunch.writeFailed(data, realHome(dist), "exit code " + failure.exitCode() + ": " + failure.getMessage());
            Relaunch.writeNamed(dir.toAbsolutePath().normalize(), back.target());
        } catch (IOException e) {
            err.println("hasm: cannot go back to " + back.target() + ": " + e.getMessage());
            throw failure;
        }
        err.println("hasm: " + realHome(dist) + " did not start after a restart: back to " + back.target() + " (exit "
                + Relaunch.EXIT_RESTART + ")");
        return Relaunch.EXIT_RESTART;
    }

    private static boolean restartable(Plan plan) {
        return Boolean.getBoolean(Relaunch.SUPERVISED)
                || "true".equalsIgnoreCase(plan.frameworkProperties().get(Relaunch.RESTARTABLE));
    }

    private static Path realHome(Distribution dist) {
        try {
            return dist.home().toRealPath();
        } catch (IOException e) {
            return dist.home();
        }
    }

    private int demo(String[] args) throws Exception {
        DemoPair.Options options = DemoPair.parse(args);
        Distribution dist = home == null ? Distribution.locate() : Distribution.at(home);
        return new Demo(out, err, dist, options).run();
    }

    private int check(String[] args) throws LaunchException {
        Path dir = nodeDir(args, "check", false);
        Distribution dist = home == null ? Distribution.locate() : Distribution.at(home);
        if (dir == null) {
            int bundles = 0;
            for (String name : dist.featureNames()) {
                bundles += Plan.locate(dist, Feature.read(dist.featuresDir().resolve(name + ".json"), name)).size();
            }
            out.println("hasm: " + dist.featureNames().size() + " features (" + String.join(", ", dist.featureNames())
                    + "), " + bundles + " bundle references: all present in " + dist.system());
            return 0;
        }
        Node node = Node.load(dir, dist.home());
        Plan plan = Plan.make(dist, node, false);
        // the same check as a start: the framework up to the node's check of every configuration
        int configurations;
        try {
            configurations = Runner.check(plan, out, err);
        } catch (LaunchException e) {
            throw e;
        } catch (Exception e) {
            throw new LaunchException(LaunchException.FAILED, "the check could not run: " + Runner.oneLine(e));
        }
        out.println("hasm: " + node.dir() + ": SCM " + node.scm() + " (" + node.role() + "), features "
                + String.join(",", node.features()) + ", " + plan.bundles().size() + " bundles, "
                + configurations + " configurations: OK");
        return 0;
    }

    private static Path nodeDir(String[] args, String command, boolean required) throws LaunchException {
        if (args.length > 1) {
            throw new LaunchException(command + " takes one node folder, not " + args.length + " arguments");
        }
        if (args.length == 0) {
            if (required) {
                throw new LaunchException(command + " needs the node folder: hasm " + command + " DIR");
            }
            return null;
        }
        return Paths.get(args[0]);
    }
}
