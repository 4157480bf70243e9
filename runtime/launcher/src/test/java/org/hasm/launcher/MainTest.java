package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The command line: usage, and that every mistake in a node folder is one line and exit code 2. */
class MainTest {

    @TempDir
    Path root;
    private Path home;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void distribution() throws Exception {
        home = TestFiles.distribution(root);
    }

    private int execute(String... args) {
        return new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                home).execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noArgumentsPrintUsageAndFail() {
        assertEquals(2, execute());
        assertTrue(err().startsWith("usage: hasm run DIR"), err());
        assertEquals("", out());
    }

    @Test
    void helpPrintsUsage() {
        assertEquals(0, execute("--help"));
        assertTrue(out().startsWith("usage: hasm run DIR"), out());
        assertEquals(0, execute("help"));
        assertEquals("", err());
    }

    @Test
    void unknownCommandsAreNamed() {
        assertEquals(2, execute("frobnicate"));
        assertEquals("hasm: unknown command 'frobnicate' (commands: check, demo, help, run, token; see hasm help)\n", err());
    }

    @Test
    void runNeedsExactlyOneFolder() {
        assertEquals(2, execute("run"));
        assertEquals(2, execute("run", "a", "b"));
        assertEquals("hasm: run needs the node folder: hasm run DIR\nhasm: run takes one node folder, not 2 arguments\n",
                err());
    }

    @Test
    void checkWithoutFolderChecksEveryFeature() {
        assertEquals(0, execute("check"));
        assertEquals("hasm: 2 features (hasm-core, hasm-extra), 6 bundle references: all present in "
                + home.resolve("system") + "\n", out());
    }

    @Test
    void checkBootsTheFrameworkAsARunDoes() throws Exception {
        // the test distribution's jars are not bundles: a check that only read the files would say OK
        Path node = TestFiles.node(root, "hasm.scm=scm-a\nhasm.role=MASTER\nhasm.features=hasm-core,hasm-extra\n");
        TestFiles.write(node.resolve("etc/org.hasm.personality~a.cfg"), "name=A\n");
        assertEquals(3, execute("check", node.toString()), err());
        assertTrue(err().startsWith("hasm: bundle org.example:infra:1.0.0 (feature hasm-core) cannot be installed"), err());
        assertEquals("", out());
    }

    static Stream<Arguments> malformedNodes() {
        String ok = "hasm.scm=scm-a\nhasm.role=MASTER\n";
        return Stream.of(
                Arguments.of("unknown feature", ok + "hasm.features=hasm-core,nope\n", null, null,
                        "etc/hasm.properties: hasm.features: no feature 'nope' in HOME/system/features"
                                + " (available: hasm-core, hasm-extra)"),
                Arguments.of("bad cfg escape", ok, "org.hasm.controller.cfg", "x=\\u00g0\n",
                        "etc/org.hasm.controller.cfg: cannot be parsed: Malformed \\uxxxx encoding."),
                Arguments.of("bad cfg name", ok, "org..hasm.cfg", "x=1\n",
                        "etc/org..hasm.cfg: the file name must be PID.cfg or FACTORYPID~NAME.cfg: 'org..hasm' is not"
                                + " a valid PID (letters, digits, '_' and '-', in parts separated by single dots)"),
                Arguments.of("bad factory name", ok, "org.hasm.personality~a b.cfg", "name=A\n",
                        "etc/org.hasm.personality~a b.cfg: the file name must be PID.cfg or FACTORYPID~NAME.cfg:"
                                + " 'a b' is not a valid configuration name in 'org.hasm.personality~a b'"
                                + " (letters, digits, '_' and '-', in parts separated by single dots)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedNodes")
    void everyMistakeIsOneLineAndExitCode2(String what, String properties, String cfgName, String cfgText,
            String expected) throws Exception {
        Path node = TestFiles.node(root, properties);
        if (cfgName != null) {
            TestFiles.write(node.resolve("etc").resolve(cfgName), cfgText);
        }
        int code = execute("run", node.toString());
        String message = "hasm: " + node + "/" + expected.replace("HOME", home.toString()) + "\n";
        assertAll(
                () -> assertEquals(2, code),
                () -> assertEquals(message, err()),
                () -> assertEquals("", out()),
                () -> assertFalse(err().contains("Exception")));
    }

    @Test
    void aMissingFolderIsOneLine() {
        Path missing = root.resolve("nowhere");
        assertEquals(2, execute("run", missing.toString()));
        assertEquals("hasm: " + missing + ": no such folder (the node folder holds etc/hasm.properties)\n", err());
    }

    @Test
    void aFeatureThatIsNotJsonIsOneLineWithPosition() throws Exception {
        Path feature = TestFiles.write(home.resolve("system/features/broken.json"), "{\n  \"id\": \"g:a:1\"\n  \"bundles\": []\n}\n");
        Path node = TestFiles.node(root, "hasm.scm=a\nhasm.role=MASTER\nhasm.features=broken\n");
        assertEquals(2, execute("run", node.toString()));
        assertTrue(err().matches("hasm: " + feature + ":3:\\d+: not valid JSON: Unexpected character \\('\"'.*\\n"), err());
        assertEquals(1, err().lines().count());
    }

    @Test
    void aBundleMissingFromTheDistributionIsOneLine() throws Exception {
        Files.delete(MavenId.parse("org.example:service:1.0.0").path(home.resolve("system")));
        Path node = TestFiles.node(root, "hasm.scm=a\nhasm.role=MASTER\nhasm.features=hasm-extra\n");
        assertEquals(2, execute("run", node.toString()));
        assertEquals("hasm: " + home.resolve("system/features/hasm-extra.json") + ": bundle org.example:service:1.0.0"
                + " is not in the distribution (no " + MavenId.parse("org.example:service:1.0.0").path(home.resolve("system"))
                + ")\n", err());
    }

    @Test
    void notADistribution() throws Exception {
        home = root.resolve("empty");
        Files.createDirectories(home);
        assertEquals(2, execute("check"));
        assertEquals("hasm: " + home + ": not a hasm distribution (no system/ folder)\n", err());
    }
}
