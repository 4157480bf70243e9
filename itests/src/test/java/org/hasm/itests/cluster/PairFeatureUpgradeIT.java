package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.TestBundles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rolling upgrade of a feature across two real SCMs: its two bundles (the example service and a
 * test module installed on both SCMs) replaced in one install step per SCM, and, when one of the new
 * versions fails its test, both put back together to the exact previous jars.
 */
class PairFeatureUpgradeIT {

    private static final Duration STEP = Duration.ofSeconds(20);
    private static final Duration UPGRADE = Duration.ofSeconds(75);
    private static final String TESTED = "org.hasm.itests.featured";

    @Test
    void aFeatureOfTwoBundlesIsUpgradedTogetherAndRolledBackTogether(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            Path first = TestBundles.build(TESTED, "featured;rank=200");
            for (Scm scm : Scm.values()) {
                Files.writeString(pair.node(scm).resolve("etc/org.hasm.controller.cfg"), "\nupgrade.step.timeout.ms=20000\n",
                        StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                // the test module runs on both SCMs, from each one's own deploy folder
                Path deploy = pair.node(scm).resolve("deploy");
                Files.createDirectories(deploy);
                Files.copy(first, deploy.resolve("featured.jar"));
                Files.writeString(pair.node(scm).resolve("etc/hasm.properties"), "\nhasm.deploy.dir=" + deploy + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            }
            PairFaultIT.startInDac(pair);
            for (Scm scm : Scm.values()) {
                pair.awaitStatus(scm, "module featured 1.0.0 ACTIVE", STEP, s -> version(s, "featured").equals("1.0.0 ACTIVE"));
            }
            String example = version(pair.status(A), "example");

            // 1.0.1: the test module passes, the example fails its test: both go back
            Path failing = feature(work.resolve("repo-1"), "1.0.1",
                    TestBundles.build(TESTED, "featured;rank=200"),
                    TestBundles.build(UpgradeJars.EXAMPLE, "example;rank=100;fail=TEST"));
            HasmCtlRun rolled = ctl(pair, A, "upgrade", failing.toString());
            System.out.println(rolled.stdout());
            assertEquals(1, rolled.code(), rolled + "\n" + pair.diagnostics());
            assertTrue(rolled.stdout().contains("ROLLED_BACK"), rolled.stdout());
            for (Scm scm : Scm.values()) {
                pair.awaitStatus(scm, "both back", STEP, s -> version(s, "featured").equals("1.0.0 ACTIVE")
                        && version(s, "example").equals(example));
            }
            JsonNode u = PairDistributionUpgradeIT.upgradeDocument(pair, B);
            assertEquals("ROLLED_BACK", u.path("status").asText(), u.toString());
            assertEquals("feature:pair-test", u.path("bundle").asText(), u.toString());
            assertTrue(u.path("cause").asText().contains(UpgradeJars.EXAMPLE + " 1.0.1 on scm-b: TEST FAILED"), u.toString());

            // 1.0.2: both pass, and both SCMs run both new versions
            Path good = feature(work.resolve("repo-2"), "1.0.2", TestBundles.build(TESTED, "featured;rank=200"),
                    UpgradeJars.exampleJar());
            HasmCtlRun done = ctl(pair, B, "upgrade", good.toString());
            System.out.println(done.stdout());
            assertEquals(0, done.code(), done + "\n" + pair.diagnostics());
            assertTrue(done.stdout().contains("6/6 scm-a rejoins on 1.0.2: done"), done.stdout());
            for (Scm scm : Scm.values()) {
                JsonNode s = pair.status(scm);
                assertEquals("1.0.2 ACTIVE", version(s, "featured"), scm.id() + ": " + s);
                assertEquals("1.0.2 ACTIVE", version(s, "example"), scm.id() + ": " + s);
            }
            Await.until("the plan DONE", STEP, () -> "DONE".equals(PairDistributionUpgradeIT.upgradeDocument(pair, A)
                    .path("status").asText()), () -> PairDistributionUpgradeIT.upgradeDocument(pair, A).toString());
        }
    }

    /* REPO/features/pair-test.json naming the two bundles in VERSION, their jars beside it as in a system/ folder */
    private static Path feature(Path repo, String version, Path tested, Path example) throws IOException {
        UpgradeJars.withVersion(tested, version, jar(repo, "org.hasm.itests", TESTED, version));
        UpgradeJars.withVersion(example, version, jar(repo, "org.hasm", UpgradeJars.EXAMPLE, version));
        Path file = repo.resolve("features/pair-test.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "// a feature of two bundles\n{\n  \"feature-resource-version\": \"1.0\",\n"
                + "  \"id\": \"org.hasm:org.hasm.features:osgifeature:pair-test:" + version + "\",\n"
                + "  \"bundles\": [\n    { \"id\": \"org.hasm.itests:" + TESTED + ":" + version + "\", \"start-order\": 2 },\n"
                + "    { \"id\": \"org.hasm:" + UpgradeJars.EXAMPLE + ":" + version + "\", \"start-order\": 2 }\n  ]\n}\n",
                StandardCharsets.UTF_8);
        return file;
    }

    private static Path jar(Path repo, String group, String artifact, String version) throws IOException {
        Path dir = repo.resolve(group.replace('.', '/')).resolve(artifact).resolve(version);
        Files.createDirectories(dir);
        return dir.resolve(artifact + "-" + version + ".jar");
    }

    /** @return "VERSION STATUS" of the module, "" when there is none */
    private static String version(JsonNode status, String module) {
        if (status == null) {
            return "";
        }
        for (JsonNode m : status.path("modules")) {
            if (module.equals(m.path("name").asText())) {
                return m.path("version").asText() + " " + m.path("status").asText();
            }
        }
        return "";
    }

    private static HasmCtlRun ctl(Pair pair, Scm scm, String... args) throws Exception {
        return UpgradeRuns.ctl(pair, scm, UPGRADE.plusSeconds(10), args);
    }
}
