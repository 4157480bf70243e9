package org.hasm.itests.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.hasm.itests.dist.ScmProcess;

/** The jars a rolling upgrade installs in the cluster tests and benchmarks: the example service as a new release. */
public final class UpgradeJars {
    /** The example service's symbolic name. */
    public static final String EXAMPLE = "org.hasm.example";

    private UpgradeJars() {
    }

    /** @return the example service's jar in the built distribution's {@code system/} */
    public static Path exampleJar() throws IOException {
        Path dir = ScmProcess.distribution().resolve("system/org/hasm/" + EXAMPLE);
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).findFirst()
                    .orElseThrow(() -> new IOException("no example jar under " + dir));
        }
    }

    /** @return the jar of the bundle {@code symbolicName} in the built distribution's {@code system/} */
    public static Path jar(String symbolicName) throws IOException {
        Path dir = ScmProcess.distribution().resolve("system/org/hasm/" + symbolicName);
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).findFirst()
                    .orElseThrow(() -> new IOException("no jar of " + symbolicName + " under " + dir));
        }
    }

    /** Writes to {@code to} a copy of a bundle jar with another Bundle-Version: the same code as a new release. */
    public static Path withVersion(Path jar, String version, Path to) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            Manifest manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
                // bounded by the jar's entries
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        Files.write(to, bytes.toByteArray());
        return to;
    }
}
