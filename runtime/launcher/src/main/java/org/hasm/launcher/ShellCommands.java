package org.hasm.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The {@code hasm:} commands of the Gogo shell on the SCM's console ({@code hasm:status},
 * {@code hasm:journal}, {@code hasm:events}, {@code hasm:surrender}, ...). Each is hasmctl itself, run
 * in this JVM against this SCM's admin API with the node folder's credential, so the console prints
 * exactly what {@code hasmctl --node-dir DIR ...} prints, redirects to the MASTER included. Registered by
 * the launcher from the system bundle: Gogo finds commands by their service properties and calls them
 * by reflection, so no bundle and no import is needed, and a node without a console is unaffected.
 */
public final class ShellCommands {

    static final String SCOPE = "hasm";
    static final String[] FUNCTIONS = {"status", "journal", "events", "fence", "alerts", "surrender", "reset", "shutdown", "move",
        "standby", "unstandby", "failback", "maintenance", "ctl"};

    private final Path home;
    private final Path nodeDir;
    private final Map<String, String> env;

    ShellCommands(Path home, Path nodeDir, Map<String, String> env) {
        this.home = home;
        this.nodeDir = nodeDir;
        this.env = env;
    }

    /** Registers the commands in the framework of {@code context}; they go with it. */
    static ServiceRegistration<Object> register(BundleContext context, Path home, Path nodeDir) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.command.scope", SCOPE);
        props.put("osgi.command.function", FUNCTIONS);
        return context.registerService(Object.class, new ShellCommands(home, nodeDir, System.getenv()), props);
    }

    /** {@code hasm:status [--json]}: the SCM's state, as {@code hasmctl status}. */
    public String status(String... args) {
        List<String> given = List.of(args);
        if (given.contains("--watch") && given.stream().noneMatch(a -> a.equals("--count") || a.startsWith("--count="))) {
            return "hasm:status: --watch without --count holds the console; run hasmctl status --watch in a terminal\n";
        }
        return run("status", args);
    }

    /** {@code hasm:journal [--after N] [--json]} */
    public String journal(String... args) {
        return run("journal", args);
    }

    /** {@code hasm:events [--after ID] [--topic T] [--json]} (no --follow: the console would be held) */
    public String events(String... args) {
        for (String a : args) {
            if (a.equals("--follow")) {
                return "hasm:events: --follow holds the console; run hasmctl events --follow in a terminal\n";
            }
        }
        return run("events", args);
    }

    /** {@code hasm:fence [--test] [--json]}: the fence agent, its history, and its check. */
    public String fence(String... args) {
        return run("fence", args);
    }

    /** {@code hasm:alerts [--test [--text T]] [--json]}: the alert recipients, and a test alert. */
    public String alerts(String... args) {
        return run("alerts", args);
    }

    public String surrender(String... args) {
        return run("surrender", args);
    }

    public String reset(String... args) {
        return run("reset", args);
    }

    public String shutdown(String... args) {
        return run("shutdown", args);
    }

    public String move(String... args) {
        return run("move", args);
    }

    public String standby(String... args) {
        return run("standby", args);
    }

    public String unstandby(String... args) {
        return run("unstandby", args);
    }

    public String failback(String... args) {
        return run("failback", args);
    }

    public String maintenance(String... args) {
        return run("maintenance", args);
    }

    /** {@code hasm:ctl ARGS...}: any hasmctl command line for this SCM ({@code hasm:ctl config get}). */
    public String ctl(String... args) {
        if (args.length == 0) {
            return run("help", args);
        }
        String[] rest = new String[args.length - 1];
        System.arraycopy(args, 1, rest, 0, rest.length);
        return run(args[0], rest);
    }

    /* hasmctl with this node folder; what it says on stderr and its exit code go into the text too. */
    String run(String command, String... args) {
        List<String> line = new ArrayList<>(List.of("--node-dir", nodeDir.toString(), command));
        line.addAll(List.of(args));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            code = new HasmCtl(out, out, home, env).execute(line.toArray(String[]::new));
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        return code == 0 ? text : text + "(exit " + code + ")\n";
    }
}
