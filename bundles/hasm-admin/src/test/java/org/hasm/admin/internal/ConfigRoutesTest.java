package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hasm.spi.MasterAdmin;
import org.hasm.spi.OpMode;
import org.hasm.spi.config.Commit;
import org.hasm.spi.config.Fingerprint;
import org.hasm.spi.config.PairConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration routes of the admin API: who may, where (the MASTER), what is answered. */
class ConfigRoutesTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path admin;

    private final SpiViews.Controller controller = new SpiViews.Controller();
    private final Pairs config = new Pairs();
    private PairConfiguration installed = config;
    private String operate;
    private String read;

    /** The pair's configuration as a CTCM keeps it, in memory: one PID, the rule of a minimum. */
    static final class Pairs implements PairConfiguration {
        final SortedMap<String, SortedMap<String, String>> files = new TreeMap<>();
        final List<Commit> commits = new ArrayList<>();
        long generation;

        Pairs() {
            files.put("org.hasm.controller", new TreeMap<>(Map.of("deadline.opmode.ms", "10000")));
        }

        @Override
        public Fingerprint fingerprint() {
            return new Fingerprint(generation, "c".repeat(64));
        }

        @Override
        public SortedMap<String, SortedMap<String, String>> configurations() {
            return files;
        }

        @Override
        public Commit commit(String file, Map<String, String> changes, String by) {
            changes.forEach((k, v) -> {
                if (Long.parseLong(v) < 1) {
                    throw new IllegalArgumentException("etc/" + file + ".cfg: " + k + ": '" + v + "' is below the minimum");
                }
            });
            files.get(file).putAll(changes);
            Commit c = new Commit(new Fingerprint(++generation, "d".repeat(64)), CLOCK.instant(), by, file, changes,
                    "applied", List.of());
            commits.add(c);
            return c;
        }

        @Override
        public List<Commit> history() {
            return commits;
        }

        @Override
        public List<String> diff() {
            return List.of("org.hasm.controller: field x is '1' in scm-a, '2' in scm-b");
        }
    }

    @BeforeEach
    void credentials() throws IOException {
        operate = CredentialsTest.write(admin, "operate", "ops", "o".repeat(40));
        read = CredentialsTest.write(admin, "read", "monitor", "r".repeat(40));
    }

    private AdminApi.Reply call(String token, String method, String path, String... params) {
        AdminApi api = new AdminApi(() -> controller, () -> null, () -> null, false, () -> null,
                new Credentials(admin, p -> { }), new AdminApi.Audit() {
                    @Override
                    public void accepted(String what, Credentials.Credential who, String remote) {
                    }

                    @Override
                    public void refused(AdminApi.Request request, int status, String why) {
                    }
                }, CLOCK).pairConfiguration(() -> installed);
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            m.put(params[i], params[i + 1]);
        }
        Map<String, String> h = Map.of("authorization", "Bearer " + token);
        AdminApi.Reply r = api.handle(new AdminApi.Request(method, path, "127.0.0.1:50000",
                name -> h.get(name.toLowerCase(Locale.ROOT)), m::get));
        MiniJson.parse(r.json());
        return r;
    }

    private static String error(AdminApi.Reply r) {
        return (String) MiniJson.object(r.json()).get("error");
    }

    @Test
    void withoutTheBundleTheRoutesSayWhichFeatureIsMissing() {
        installed = null;
        AdminApi.Reply r = call(read, "GET", "/config");
        assertEquals(404, r.status());
        assertTrue(error(r).contains("hasm-config"), r.json());
    }

    @Test
    void readRoleReadsAndOperateRoleCommits() {
        AdminApi.Reply get = call(read, "GET", "/config", "key", "org.hasm.controller:deadline.opmode.ms");
        assertEquals(200, get.status(), get.json());
        assertEquals(Map.of("org.hasm.controller", Map.of("deadline.opmode.ms", "10000")),
                MiniJson.object(get.json()).get("configurations"));
        assertEquals(403, call(read, "POST", "/config", "pid", "org.hasm.controller", "changes", "deadline.opmode.ms=5")
                .status());
        AdminApi.Reply set = call(operate, "POST", "/config", "pid", "org.hasm.controller", "changes",
                "deadline.opmode.ms=12000\ndeadline.stop.ms=9000");
        assertEquals(200, set.status(), set.json());
        assertEquals(1L, MiniJson.object(set.json()).get("generation"));
        assertEquals("applied", MiniJson.object(set.json()).get("peer"));
        assertTrue(config.commits.get(0).by().contains("credential 'ops'"), config.commits.get(0).by());
        assertEquals(200, call(read, "GET", "/config/history").status());
        assertEquals(200, call(read, "GET", "/config/diff").status());
    }

    @Test
    void aRefusedChangeIs400WithTheChecksWordsAndNothingCommitted() {
        AdminApi.Reply r = call(operate, "POST", "/config", "pid", "org.hasm.controller", "changes", "deadline.opmode.ms=-5");
        assertEquals(400, r.status());
        assertTrue(error(r).startsWith("configuration refused, nothing written: etc/org.hasm.controller.cfg:"
                + " deadline.opmode.ms: '-5' is below the minimum"), r.json());
        assertEquals(List.of(), config.commits);
        AdminApi.Reply malformed = call(operate, "POST", "/config", "pid", "org.hasm.controller", "changes", "novalue");
        assertEquals(400, malformed.status());
        assertTrue(error(malformed).contains("line 1: 'novalue' is not KEY=VALUE"), malformed.json());
        assertEquals(404, call(read, "GET", "/config", "key", "org.hasm.nothing").status());
        assertEquals(404, call(read, "GET", "/config/other").status());
        assertEquals(405, call(operate, "DELETE", "/config").status());
    }

    @Test
    void onTheSlaveEveryConfigurationRouteIsRedirectedToTheMaster() {
        controller.opMode = OpMode.SLAVE;
        controller.master = new MasterAdmin("scm-b", false, "http://127.0.0.1:7702", null);
        AdminApi.Reply set = call(operate, "POST", "/config", "pid", "org.hasm.controller", "changes", "deadline.opmode.ms=1");
        assertEquals(307, set.status(), set.json());
        assertEquals("http://127.0.0.1:7702/hasm/api/v1/config?scm=scm-a&pid=org.hasm.controller&changes="
                + "deadline.opmode.ms%3D1", set.headers().get("Location"));
        assertEquals(307, call(read, "GET", "/config/history").status());
        assertEquals(List.of(), config.commits, "nothing is committed on the SLAVE");
    }
}
