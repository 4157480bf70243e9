package org.hasm.itests.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.hasm.itests.dist.ScmProcess;

/**
 * New releases of the whole distribution for the upgrade tests and benchmarks: copies of the built one
 * that differ where a release would (the hasm version its controller bundle says, the wire version it
 * speaks), or that do not start at all.
 */
public final class Distributions {
    /** The controller bundle, whose version is the hasm version an SCM's status shows. */
    public static final String CONTROLLER = "org.hasm.controller";

    private Distributions() {
    }

    /**
     * @return a copy of {@code dist} at {@code target} whose hasm version is {@code version} (the controller
     *     bundle's, rewritten in place) and whose hasm-core speaks the next wire version (the test-only switch
     *     {@code hasm.faults.wire.next} in its framework defaults, as PairMixedVersionIT's scm-b)
     */
    public static Path next(Path dist, Path target, String version) throws IOException {
        copy(dist, target);
        Path jar = jar(target, CONTROLLER);
        Path staged = target.resolve("controller.jar.tmp");
        UpgradeJars.withVersion(jar, version, staged);
        Files.move(staged, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(target.resolve("etc/framework.properties"), "\n# the next release's wire version (test only)\n"
                + "hasm.faults.wire.next=true\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        return target.toRealPath();
    }

    /**
     * @return a copy of {@code dist} of hasm {@code version} whose event log bundle is no jar: its launcher
     *     refuses to start (exit 3, "cannot be installed"), as a release built wrong would
     */
    public static Path broken(Path dist, Path target, String version) throws IOException {
        next(dist, target, version);
        Files.writeString(jar(target, "org.hasm.events"), "not a jar", StandardCharsets.US_ASCII);
        return target.toRealPath();
    }

    private static void copy(Path dist, Path target) throws IOException {
        ScmProcess.copyTree(dist, target);
        // copyTree copies contents, not modes
        for (String script : List.of("bin/hasm", "bin/hasmctl")) {
            if (!target.resolve(script).toFile().setExecutable(true)) {
                throw new IOException(target.resolve(script) + " cannot be made executable");
            }
        }
    }

    /** @return the one jar of {@code bsn} under {@code dist/system/} */
    static Path jar(Path dist, String bsn) throws IOException {
        Path dir = dist.resolve("system/org/hasm/" + bsn);
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).findFirst()
                    .orElseThrow(() -> new IOException("no jar of " + bsn + " under " + dir));
        }
    }
}
