package org.hasm.launcher;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code hasmctl SCM config get [KEY] | set PID KEY=VALUE... | diff | history [--json]}: the pair's
 * configuration through the MASTER's admin API (a SLAVE redirects there, and hasmctl follows once).
 */
final class ConfigCommand {

    static final String USAGE = String.join(System.lineSeparator(),
            "       hasmctl SCM config get [PID[:KEY]] [--json]   the pair's configuration as committed, its generation",
            "       hasmctl SCM config set PID KEY=VALUE... [--reason TEXT]",
            "                                                     a configuration transaction on the MASTER: checked as",
            "                                                     hasm check does, committed on both SCMs and the replica",
            "       hasmctl SCM config diff [--json]              files edited by hand; the MASTER's against its peer's",
            "       hasmctl SCM config history [--json]           the committed transactions");

    /** Options that take the SCM's address or credential, with a value: passed on to {@link HasmCtl#parse}. */
    private static final Set<String> SCM_OPTIONS = Set.of("--node", "--node-dir", "--token-file");

    /**
     * What the command line asks: the SCM options (for {@link HasmCtl#parse}) and the config arguments.
     *
     * @param scm the options that say which SCM, as given
     * @param verb get, set, diff or history
     * @param arguments what follows the verb
     */
    record Line(List<String> scm, String verb, List<String> arguments, boolean json, String reason) {
    }

    private ConfigCommand() {
    }

    /** @return whether the command line is a {@code config} command */
    static boolean isConfig(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (SCM_OPTIONS.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                return a.equals("config");
            }
        }
        return false;
    }

    static Line parse(String[] args) throws LaunchException {
        List<String> scm = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        boolean json = false;
        String reason = null;
        boolean seen = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a.startsWith("--") && a.indexOf('=') > 0 ? a.substring(0, a.indexOf('=')) : a;
            if (SCM_OPTIONS.contains(name)) {
                scm.add(a);
                if (name.equals(a)) {
                    if (i + 1 >= args.length) {
                        throw new LaunchException(a + " needs a value");
                    }
                    scm.add(args[++i]);
                }
            } else if (a.equals("--json")) {
                json = true;
            } else if (name.equals("--reason")) {
                reason = name.equals(a) ? (i + 1 < args.length ? args[++i] : null) : a.substring(a.indexOf('=') + 1);
                if (reason == null) {
                    throw new LaunchException("--reason needs a value");
                }
            } else if (a.startsWith("--")) {
                throw new LaunchException("unknown option " + a + " for config (see hasmctl help)");
            } else if (!seen && a.equals("config")) {
                seen = true;
            } else {
                rest.add(a);
            }
        }
        if (rest.isEmpty()) {
            throw new LaunchException("config needs get, set, diff or history (see hasmctl help)");
        }
        String verb = rest.remove(0);
        switch (verb) {
            case "get" -> {
                if (rest.size() > 1) {
                    throw new LaunchException("config get takes at most one PID[:KEY], not " + rest);
                }
            }
            case "set" -> {
                if (rest.size() < 2) {
                    throw new LaunchException("config set needs a PID and at least one KEY=VALUE (hasmctl SCM config set"
                            + " org.hasm.controller deadline.opmode.ms=12000)");
                }
                for (String kv : rest.subList(1, rest.size())) {
                    if (kv.indexOf('=') <= 0) {
                        throw new LaunchException("config set: '" + kv + "' is not KEY=VALUE");
                    }
                    if (kv.indexOf('\n') >= 0 || kv.indexOf('\r') >= 0) {
                        // the changes travel as lines: a line break would quietly make a second key
                        throw new LaunchException("config set: '" + kv.replace("\n", "\\n").replace("\r", "\\r")
                                + "' holds a line break; a value is one line");
                    }
                }
                if (json) {
                    throw new LaunchException("--json is for get, diff and history");
                }
            }
            case "diff", "history" -> {
                if (!rest.isEmpty()) {
                    throw new LaunchException("config " + verb + " takes no argument, not " + rest);
                }
            }
            default -> throw new LaunchException("unknown config command '" + verb + "' (get, set, diff, history)");
        }
        if (reason != null && !verb.equals("set")) {
            throw new LaunchException("--reason is for config set only");
        }
        return new Line(scm, verb, rest, json, reason);
    }

    static int run(Line line, AdminClient client, PrintStream out) throws LaunchException, InterruptedException {
        switch (line.verb()) {
            case "get" -> {
                String body = client.getFromMaster("/config" + (line.arguments().isEmpty() ? ""
                        : "?key=" + URLEncoder.encode(line.arguments().get(0), StandardCharsets.UTF_8)));
                if (line.json()) {
                    out.println(body);
                    return 0;
                }
                Map<?, ?> doc = object(body, client);
                out.println("generation " + doc.get("generation") + " (" + doc.get("checksum") + "), from " + doc.get("scm"));
                if (doc.get("configurations") instanceof Map<?, ?> all) {
                    all.forEach((pid, keys) -> {
                        if (keys instanceof Map<?, ?> m) {
                            m.forEach((k, v) -> out.println(pid + " " + k + "=" + v));
                        }
                    });
                }
            }
            case "set" -> {
                Map<String, String> form = new LinkedHashMap<>();
                form.put("pid", line.arguments().get(0));
                form.put("changes", String.join("\n", line.arguments().subList(1, line.arguments().size())));
                if (line.reason() != null) {
                    form.put("reason", line.reason());
                }
                Map<?, ?> c = object(client.post("/config", form), client);
                boolean redirected = !client.answeredBy().equals(client.base());
                out.println("hasmctl: " + client.answeredBy() + " committed generation " + c.get("generation") + ": "
                        + c.get("file") + " " + c.get("changes") + "; peer: " + c.get("peer")
                        + (c.get("resetNeeded") instanceof List<?> r && !r.isEmpty()
                                ? "; takes effect at the next RESET of each SCM: " + r : "")
                        + (redirected ? " (the MASTER; " + client.base() + " redirected it there)" : ""));
            }
            case "diff" -> {
                String body = client.getFromMaster("/config/diff");
                if (line.json()) {
                    out.println(body);
                    return 0;
                }
                Object d = object(body, client).get("differences");
                if (d instanceof List<?> l && !l.isEmpty()) {
                    l.forEach(out::println);
                } else {
                    out.println("no difference: the files match the database, and the peer's configuration this one");
                }
            }
            case "history" -> {
                String body = client.getFromMaster("/config/history");
                if (line.json()) {
                    out.println(body);
                    return 0;
                }
                if (Json.parse(body, client.base() + " config history") instanceof List<?> all) {
                    for (Object o : all) {
                        if (o instanceof Map<?, ?> c) {
                            out.println(c.get("generation") + "  " + c.get("time") + "  " + c.get("file") + " "
                                    + c.get("changes") + "  by " + c.get("by") + "  peer: " + c.get("peer"));
                        }
                    }
                }
            }
            default -> throw new LaunchException("unknown config command '" + line.verb() + "'");
        }
        return 0;
    }

    private static Map<?, ?> object(String body, AdminClient client) throws LaunchException {
        if (Json.parse(body, client.base() + " config") instanceof Map<?, ?> m) {
            return m;
        }
        throw new LaunchException(LaunchException.FAILED, client.base() + ": the answer is not a JSON object");
    }
}
