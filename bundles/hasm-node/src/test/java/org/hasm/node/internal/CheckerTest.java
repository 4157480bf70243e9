package org.hasm.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hasm.config.Typed;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.wire.ClusterKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.metatype.AttributeDefinition;

class CheckerTest {

    @TempDir
    Path dir;

    /** An attribute with a type, options and an inclusive range. */
    record Ad(String id, int type, String[] options, Long min, Long max) implements AttributeDefinition {
        static Ad of(String id, int type) {
            return new Ad(id, type, null, null, null);
        }

        @Override
        public String getName() {
            return id;
        }

        @Override
        public String getID() {
            return id;
        }

        @Override
        public String getDescription() {
            return id;
        }

        @Override
        public int getCardinality() {
            return 0;
        }

        @Override
        public int getType() {
            return type;
        }

        @Override
        public String[] getOptionValues() {
            return options;
        }

        @Override
        public String[] getOptionLabels() {
            return options;
        }

        @Override
        public String validate(String value) {
            if (min != null && Long.parseLong(value) < min) {
                return "%less than minimum";
            }
            if (max != null && Long.parseLong(value) > max) {
                return "%greater than maximum";
            }
            return "";
        }

        @Override
        public String[] getDefaultValue() {
            return null;
        }

        // Felix's attribute carries its range like this; the message shows it
        public String getMin() {
            return min == null ? null : min.toString();
        }

        public String getMax() {
            return max == null ? null : max.toString();
        }
    }

    private final Map<String, ConfigView.Entry> entries = new LinkedHashMap<>();

    private void config(String pid, String factoryPid, String... kv) {
        Map<String, Object> p = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        p.put(ConfigView.SOURCE, "/n/etc/" + pid + ".cfg");
        entries.put(pid, new ConfigView.Entry(pid, factoryPid, p));
    }

    private void node(String... extra) throws Exception {
        Path key = dir.resolve("cluster.key");
        if (!Files.exists(key)) {
            ClusterKey.generate(key);
        }
        List<String> kv = new ArrayList<>(List.of("hasm.scm", "scm-a", "hasm.role", "MASTER", "hasm.data.dir",
                dir.resolve("data").toString(), "hasm.peer", "scm-b", "hasm.cluster.key.file", key.toString()));
        for (int i = 0; i < extra.length; i += 2) {
            int at = kv.indexOf(extra[i]);
            if (at >= 0) {
                kv.set(at + 1, extra[i + 1]);
            } else {
                kv.add(extra[i]);
                kv.add(extra[i + 1]);
            }
        }
        config("org.hasm.node", null, kv.toArray(String[]::new));
        entries.get("org.hasm.node").properties();
    }

    private static final Checker.Metatype METATYPE = (pid, factory) -> switch (pid) {
        case "org.hasm.node" -> List.of(Ad.of("hasm.scm", AttributeDefinition.STRING),
                new Ad("hasm.role", AttributeDefinition.STRING, new String[] {"MASTER", "SLAVE"}, null, null),
                Ad.of("hasm.peer", AttributeDefinition.STRING), Ad.of("hasm.data.dir", AttributeDefinition.STRING),
                Ad.of("hasm.cluster.key.file", AttributeDefinition.STRING));
        case "org.hasm.status" -> List.of(new Ad("interval.ms", AttributeDefinition.LONG, null, 20L, 3_600_000L),
                Ad.of("channels", AttributeDefinition.STRING), Ad.of("fsync", AttributeDefinition.BOOLEAN));
        case "org.hasm.personality" -> factory ? List.of(Ad.of("name", AttributeDefinition.STRING),
                Ad.of("home", AttributeDefinition.STRING), Ad.of("addresses", AttributeDefinition.STRING),
                Ad.of("volumes", AttributeDefinition.STRING)) : null;
        default -> null;
    };

    private Checker.Result run(Checker.Check... checks) {
        ConfigView[] holder = new ConfigView[1];
        ConfigView.Entry n = entries.get("org.hasm.node");
        Identity id = Identity.of(Typed.of(NodeConfig.class, n == null ? Map.of() : n.properties()), NodeState.IGNORED);
        holder[0] = new ConfigView(new NodeState(id, () -> holder[0]), entries);
        return Checker.run(holder[0], METATYPE, new NodeCheck(), List.of(checks));
    }

    @Test
    void aSoundConfigurationHasNoProblems() throws Exception {
        node();
        config("org.hasm.status", null, "interval.ms", "50");
        config("org.hasm.personality~a", "org.hasm.personality", "name", "A", "home", "scm-a", "addresses", "127.0.3.1");
        assertEquals(List.of(), run().problems());
    }

    @Test
    void everyKeyIsCheckedAgainstItsTypeAndRangeNamingTheFile() throws Exception {
        node();
        config("org.hasm.status", null, "interval.ms", "abc", "fsync", "yes");
        List<String> problems = run().problems();
        assertEquals(List.of("/n/etc/org.hasm.status.cfg: fsync: 'yes' is neither true nor false",
                "/n/etc/org.hasm.status.cfg: interval.ms: 'abc' is not a whole number"), problems);
        entries.clear();
        node();
        config("org.hasm.status", null, "interval.ms", "5");
        assertEquals(List.of("/n/etc/org.hasm.status.cfg: interval.ms: '5' is below the minimum (20..3600000)"),
                run().problems());
    }

    @Test
    void anUnknownKeyIsRefusedWithTheKeyItProbablyMeant() throws Exception {
        node();
        config("org.hasm.status", null, "chanels", "link,host");
        List<String> problems = run().problems();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("/n/etc/org.hasm.status.cfg: chanels: unknown key: did you mean channels?"),
                problems.toString());
    }

    @Test
    void aConfigurationOfHasmThatNoBundleReadsIsRefused() throws Exception {
        node();
        config("org.hasm.statsu", null, "interval.ms", "50");
        config("org.example.other", null, "anything", "x");
        List<String> problems = run().problems();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("no bundle of this node reads the configuration PID org.hasm.statsu"),
                problems.toString());
    }

    @Test
    void keysACheckOwnsAreAcceptedAndItsProblemsAndTimingReported() throws Exception {
        node();
        config("org.hasm.personality~a", "org.hasm.personality", "name", "A", "home", "scm-a", "volumes", "v", "http.port", "seventy",
                "export.nfs.x", "v:/");
        ConfigurationCheck http = new ConfigurationCheck() {
            @Override
            public void check(Configurations configurations, Findings findings) {
                configurations.factory("org.hasm.personality").forEach((name, p) -> {
                    try {
                        Typed.number("http.port", p.get("http.port"), 1, 65535);
                    } catch (IllegalArgumentException e) {
                        findings.problem("org.hasm.personality~" + name, "http.port", e.getMessage());
                    }
                });
                findings.timing("org.hasm.status", "interval.ms", 50);
            }

            @Override
            public void crossCheck(Map<String, String> timing, Findings findings) {
                findings.problem("org.hasm.status", "interval.ms", "seen " + timing);
            }
        };
        Checker.Result result = run(new Checker.Check("http", http, List.of("org.hasm.personality:http.port",
                "org.hasm.personality:export.http.*")));
        String all = String.join("\n", result.problems());
        // the check's own problem, the export of a protocol nobody serves, and the cross check that saw the timing
        assertTrue(all.contains("org.hasm.personality~a.cfg: http.port: http.port=seventy is not a whole number"), all);
        assertTrue(all.contains("org.hasm.personality~a.cfg: export.nfs.x: unknown key"), all);
        assertTrue(all.contains("configuration org.hasm.status: interval.ms: seen {org.hasm.status interval.ms=50}"), all);
        assertEquals(3, result.problems().size(), all);
        assertEquals(Map.of("org.hasm.status interval.ms", "50"), result.timing());
    }

    @Test
    void aPersonalityOfNeitherThisScmNorItsPeerNamesBoth() throws Exception {
        node("hasm.peer", "scm-x");
        config("org.hasm.personality~b", "org.hasm.personality", "name", "B", "home", "scm-b");
        List<String> problems = run().problems();
        assertEquals(List.of("/n/etc/org.hasm.personality~b.cfg: home: 'scm-b' is neither this SCM (scm-a) nor its peer"
                + " (scm-x, hasm.peer)"), problems);
    }

    @Test
    void twoServicesOfOnePersonalityOnOnePortAreAProblemOneServiceOnTwoOfItsOwnIsNot() throws Exception {
        node();
        config("org.hasm.personality~a", "org.hasm.personality", "name", "A", "home", "scm-a", "addresses", "127.0.3.1",
                "http.port", "2049", "nfs.port", "2049", "nfs.mount.port", "2049", "nfs.portmap.port", "0",
                "smb.port", "0445");
        config("org.hasm.personality~b", "org.hasm.personality", "name", "B", "home", "scm-b", "addresses", "127.0.3.2",
                "http.port", "445", "nfs.port", "2049", "nfs.mount.port", "2050", "nfs.portmap.port", "0",
                "example.port", "2050", "smb.port", "twenty");
        ConfigurationCheck services = (c, f) -> { };
        List<String> problems = run(new Checker.Check("services", services, List.of("org.hasm.personality:http.port",
                "org.hasm.personality:nfs.*", "org.hasm.personality:smb.port", "org.hasm.personality:example.port")))
                .problems();
        assertEquals(List.of("/n/etc/org.hasm.personality~a.cfg: nfs.mount.port: port 2049 is already http.port:"
                + " two services of one personality cannot share a port",
                "/n/etc/org.hasm.personality~a.cfg: nfs.port: port 2049 is already http.port:"
                + " two services of one personality cannot share a port",
                "/n/etc/org.hasm.personality~b.cfg: nfs.mount.port: port 2050 is already example.port:"
                + " two services of one personality cannot share a port"), problems);
    }

    @Test
    void aCheckThatThrowsIsAProblemNotACrash() throws Exception {
        node();
        ConfigurationCheck broken = (c, f) -> {
            throw new IllegalStateException("boom");
        };
        List<String> problems = run(new Checker.Check("broken", broken, List.of())).problems();
        assertEquals(List.of("broken configuration check failed: java.lang.IllegalStateException: boom"), problems);
    }
}
