package org.hasm.admin.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.hasm.spi.config.Commit;
import org.hasm.spi.config.Fingerprint;
import org.hasm.spi.config.PairConfiguration;

/**
 * The routes of the pair's configuration ({@code /config}, {@code /config/diff}, {@code /config/history}),
 * once {@link AdminApi} found this SCM to be the MASTER and the caller's role sufficient. A
 * transaction's changes come in the query as {@code changes}: lines {@code KEY=VALUE}.
 */
final class ConfigRoutes {

    static final String PATH = "/config";
    /** Parameters a redirect to the MASTER carries along. */
    static final String[] PARAMETERS = {"key", "pid", "changes", "reason"};

    private ConfigRoutes() {
    }

    /** {@code GET /config[?key=PID[:KEY]]}. */
    static AdminApi.Reply get(PairConfiguration config, String scm, String key) {
        String pid = key == null || key.isBlank() ? null : key.strip();
        String field = null;
        if (pid != null && pid.indexOf(':') > 0) {
            field = pid.substring(pid.indexOf(':') + 1);
            pid = pid.substring(0, pid.indexOf(':'));
        }
        Fingerprint f = config.fingerprint();
        SortedMap<String, SortedMap<String, String>> all = config.configurations();
        if (pid != null && !all.containsKey(pid)) {
            return AdminApi.Reply.error(404, "no configuration " + pid + " in the pair's (" + String.join(", ", all.keySet())
                    + ")");
        }
        if (field != null && !all.get(pid).containsKey(field)) {
            return AdminApi.Reply.error(404, "configuration " + pid + " has no key " + field);
        }
        JsonWriter w = new JsonWriter().beginObject().name("scm").value(scm).name("generation").value(f.generation())
                .name("checksum").value(f.checksum()).name("configurations").beginObject();
        for (Map.Entry<String, SortedMap<String, String>> e : all.entrySet()) {
            if (pid != null && !pid.equals(e.getKey())) {
                continue;
            }
            w.name(e.getKey()).beginObject();
            for (Map.Entry<String, String> kv : e.getValue().entrySet()) {
                if (field == null || field.equals(kv.getKey())) {
                    w.name(kv.getKey()).value(kv.getValue());
                }
            }
            w.endObject();
        }
        return AdminApi.Reply.ok(200, w.endObject().endObject().toString());
    }

    /** {@code POST /config?pid=P&changes=LINES}. */
    static AdminApi.Reply set(PairConfiguration config, String pid, String changes, String by) {
        if (pid == null || pid.isBlank()) {
            return AdminApi.Reply.error(400, "parameter 'pid' missing: the configuration to change (PID or FACTORYPID~NAME)");
        }
        if (changes == null || changes.isBlank()) {
            return AdminApi.Reply.error(400, "parameter 'changes' missing: lines KEY=VALUE");
        }
        Map<String, String> map = new LinkedHashMap<>();
        int n = 0;
        for (String line : changes.split("\n")) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                return AdminApi.Reply.error(400, "parameter 'changes', line " + n + ": '" + AdminApi.printable(line)
                        + "' is not KEY=VALUE");
            }
            map.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        Commit c;
        try {
            c = config.commit(pid.strip(), map, by);
        } catch (IllegalArgumentException e) {
            return AdminApi.Reply.error(400, "configuration refused, nothing written: " + e.getMessage());
        } catch (IllegalStateException e) {
            return AdminApi.Reply.error(409, "configuration transaction refused: " + e.getMessage());
        }
        return AdminApi.Reply.ok(200, commit(new JsonWriter(), c).toString());
    }

    static AdminApi.Reply diff(PairConfiguration config) {
        JsonWriter w = new JsonWriter().beginObject().name("differences").beginArray();
        config.diff().forEach(w::value);
        return AdminApi.Reply.ok(200, w.endArray().endObject().toString());
    }

    static AdminApi.Reply history(PairConfiguration config) {
        List<Commit> all = config.history();
        JsonWriter w = new JsonWriter().beginArray();
        all.forEach(c -> commit(w, c));
        return AdminApi.Reply.ok(200, w.endArray().toString());
    }

    private static JsonWriter commit(JsonWriter w, Commit c) {
        w.beginObject().name("generation").value(c.fingerprint().generation()).name("checksum")
                .value(c.fingerprint().checksum()).name("time").value(c.time()).name("by").value(c.by())
                .name("file").value(c.file()).name("changes").beginObject();
        c.changes().forEach((k, v) -> {
            w.name(k);
            if (v == null) {
                w.nullValue();
            } else {
                w.value(v);
            }
        });
        w.endObject().name("peer").value(c.peer()).name("resetNeeded").beginArray();
        c.resetNeeded().forEach(w::value);
        return w.endArray().endObject();
    }
}
