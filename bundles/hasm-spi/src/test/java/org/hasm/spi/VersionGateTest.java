package org.hasm.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import aQute.bnd.differ.Baseline;
import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Jar;
import aQute.bnd.osgi.Processor;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The semantic-version gate of the build, proven on purpose-made changes: the SPI as compiled now is
 * compared with the released baseline in {@code baseline/} the way the build's baseline step does,
 * then with a copy in which one interface gained a method while its package version stayed the same.
 * The first must pass and the second must be refused, or the gate protects nothing. The changed
 * copies are compared with the SPI as built now (whose versions may already be above the release):
 * a change the current versions do not announce is what the gate is for.
 */
class VersionGateTest {
    private static final Path CLASSES = Path.of("target/classes");
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path RELEASED = Path.of("baseline/org/hasm/org.hasm.spi/1.0.0/org.hasm.spi-1.0.0.jar");

    @TempDir
    Path work;

    @Test
    void theSpiAsBuiltPassesAgainstTheRelease() throws Exception {
        Set<Baseline.Info> infos = baseline(CLASSES);
        List<String> refused = mismatches(infos);
        assertTrue(refused.isEmpty(), "the SPI as built is refused by its own gate: " + refused);
    }

    @Test
    void aMethodAddedToAProviderTypeWithoutAMinorBumpIsRefused() throws Exception {
        // PeerView is a provider type: a new method is a minor change of org.hasm.spi.peer
        Path changed = recompile("org/hasm/spi/peer/PeerView.java", "    String scm();",
                "    String scm();\n\n    String addedWithoutAVersion();");
        Set<Baseline.Info> infos = againstCurrent(changed);
        Baseline.Info peer = info(infos, "org.hasm.spi.peer");
        assertTrue(peer.mismatch, "an unversioned minor change passed the gate: " + describe(peer));
        assertEquals(peer.olderVersion.getMajor(), peer.suggestedVersion.getMajor(), describe(peer));
        assertTrue(peer.suggestedVersion.compareTo(peer.newerVersion) > 0, describe(peer));
    }

    @Test
    void aMethodAddedToAConsumerTypeWithoutAMajorBumpIsRefused() throws Exception {
        // HaModule is implemented by third parties: a new abstract method breaks every one of them
        Path changed = recompile("org/hasm/spi/HaModule.java", "    void shutDown() throws HaException;",
                "    void shutDown() throws HaException;\n\n    void addedWithoutAVersion();");
        Baseline.Info root = info(againstCurrent(changed), "org.hasm.spi");
        assertTrue(root.mismatch, "an unversioned major change passed the gate: " + describe(root));
        assertEquals(root.olderVersion.getMajor() + 1, root.suggestedVersion.getMajor(), describe(root));
    }

    // ---- how the build's baseline step sees it ----

    private static Set<Baseline.Info> baseline(Path... classpath) throws Exception {
        // the builder owns the jar it builds: both stay open until the comparison is done
        try (Processor reporter = new Processor(); Jar older = new Jar(RELEASED.toFile());
                Builder builder = builder(classpath)) {
            Jar newer = builder.build();
            assertTrue(builder.getErrors().isEmpty(), "bnd: " + builder.getErrors());
            return new Baseline(reporter, new DiffPluginImpl()).baseline(newer, older, null);
        }
    }

    /** @return the changed SPI compared with the SPI as built now */
    private static Set<Baseline.Info> againstCurrent(Path changed) throws Exception {
        try (Processor reporter = new Processor(); Builder current = builder(CLASSES); Builder next = builder(changed)) {
            Jar older = current.build();
            Jar newer = next.build();
            assertTrue(current.getErrors().isEmpty() && next.getErrors().isEmpty(),
                    "bnd: " + current.getErrors() + next.getErrors());
            return new Baseline(reporter, new DiffPluginImpl()).baseline(newer, older, null);
        }
    }

    /** Makes the bundle as bnd.bnd does: the versioned packages exported, nothing else. */
    private static Builder builder(Path... classpath) throws IOException {
        Builder b = new Builder();
        b.setProperty("Bundle-SymbolicName", "org.hasm.spi");
        b.setProperty("Bundle-Version", "1.0.0");
        b.setProperty("-includepackage", "org.hasm.spi.*");
        b.setProperty("-exportcontents", "${packages;VERSIONED}");
        for (Path p : classpath) {
            b.addClasspath(p.toFile());
        }
        if (classpath[0] != CLASSES) {
            b.addClasspath(CLASSES.toFile());
        }
        return b;
    }

    /**
     * @return a class folder holding the one source file, changed and compiled against the SPI as
     *     built; it goes first on the bundle's classpath, so it replaces the original class
     */
    private Path recompile(String file, String anchor, String replacement) throws IOException {
        String source = Files.readString(SOURCES.resolve(file), StandardCharsets.UTF_8);
        assertTrue(source.contains(anchor), file + " no longer contains '" + anchor + "': update this test");
        Path src = work.resolve("src").resolve(file);
        Files.createDirectories(src.getParent());
        Files.writeString(src, source.replace(anchor, replacement), StandardCharsets.UTF_8);
        Path out = work.resolve("classes");
        Files.createDirectories(out);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String cp = CLASSES.toAbsolutePath() + File.pathSeparator + System.getProperty("java.class.path");
        int rc = javac.run(null, null, null, "-d", out.toString(), "-cp", cp, "-proc:none", src.toString());
        assertEquals(0, rc, "compiling the changed " + file);
        return out;
    }

    private static Baseline.Info info(Set<Baseline.Info> infos, String pkg) {
        return infos.stream().filter(i -> i.packageName.equals(pkg)).findFirst()
                .orElseThrow(() -> new AssertionError("no baseline for " + pkg + " in " + infos.size() + " packages"));
    }

    private static List<String> mismatches(Set<Baseline.Info> infos) {
        assertFalse(infos.isEmpty(), "nothing was compared");
        return infos.stream().filter(i -> i.mismatch).map(VersionGateTest::describe).collect(Collectors.toList());
    }

    private static String describe(Baseline.Info i) {
        return i.packageName + " " + i.packageDiff.getDelta() + ": " + i.olderVersion + " -> " + i.newerVersion
                + ", needs " + i.suggestedVersion;
    }
}
