package org.hasm.controller.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * A whole distribution as a rolling upgrade installs it: the SCM's process restarted on another
 * distribution folder (a new launcher, framework or hasm-core cannot be replaced under a running
 * framework). The launcher offers the restart as a service ({@code hasm.launcher=restart}) when a loop
 * starts it again ({@code bin/hasm supervise}, or a supervisor of the operator's): it writes the node
 * folder's {@code distribution} file crash-safely and exits with code 75; a new release that does not
 * start goes back to the previous one and says why in {@code <hasm.data.dir>/restart-failed}.
 *
 * <p>A distribution is named by its folder and identified by its digest (SHA-256 over every file of
 * {@code bin/}, {@code lib/}, {@code etc/} and {@code system/}, names and contents), so that an SCM
 * restarts only on the very release the plan was made with, and by its hasm version (the controller
 * bundle's in {@code system/}), which is what the SCM's status says once it runs it.
 */
final class DistributionRelease {
    /** The plan's {@code bundle} for a distribution: what the status and the document show. */
    static final String NAME = "distribution";
    static final String CONTROLLER = "org.hasm.controller";
    private static final String FILTER = "(&(objectClass=java.util.function.Function)(hasm.launcher=restart))";
    private static final List<String> PARTS = List.of("bin", "lib", "etc", "system");

    private DistributionRelease() {
    }

    /**
     * @return the folder, real and absolute
     * @throws IllegalArgumentException naming the folder when it is no distribution
     */
    static Path folder(String path) {
        Path dir = Path.of(path);
        if (!Files.isDirectory(dir.resolve("system")) || !Files.isExecutable(dir.resolve("bin/hasm"))) {
            throw new IllegalArgumentException(dir + " is not a hasm distribution: it needs bin/hasm and system/");
        }
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + " cannot be resolved: " + e.getMessage(), e);
        }
    }

    /**
     * @return the hasm version the distribution runs: its controller bundle's (the one jar of
     *     {@value #CONTROLLER} under {@code system/})
     */
    static String version(Path dist) {
        Path dir = dist.resolve("system/org/hasm/" + CONTROLLER);
        List<Path> jars;
        try (Stream<Path> files = Files.walk(dir, 3)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar")).toList();
        } catch (IOException e) {
            throw new IllegalArgumentException(dist + " has no controller bundle (" + dir + "): " + e.getMessage(), e);
        }
        if (jars.size() != 1) {
            throw new IllegalArgumentException(dist + " has " + jars.size() + " controller jars under " + dir
                    + ", not one: its hasm version is not clear");
        }
        try (JarFile jar = new JarFile(jars.get(0).toFile())) {
            String v = jar.getManifest() == null ? null : jar.getManifest().getMainAttributes().getValue("Bundle-Version");
            if (v == null) {
                throw new IllegalArgumentException(jars.get(0) + " has no Bundle-Version");
            }
            return org.osgi.framework.Version.parseVersion(v.strip()).toString();
        } catch (IOException e) {
            throw new IllegalArgumentException(jars.get(0) + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** @return SHA-256, hex, over the names and contents of every file of the distribution's parts, in name order */
    static String digest(Path dist) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
        byte[] buffer = new byte[64 * 1024];
        for (String part : PARTS) {
            Path root = dist.resolve(part);
            if (!Files.isDirectory(root)) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> walk = Files.walk(root)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                md.update(dist.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                try (InputStream in = Files.newInputStream(f)) {
                    // bounded by the file's length
                    for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                        md.update(buffer, 0, n);
                    }
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** @return the distribution this process runs ({@code hasm.home}), real and absolute, or {@code null} */
    static Path running(BundleContext context) {
        String home = context.getProperty("hasm.home");
        if (home == null || home.isBlank()) {
            return null;
        }
        try {
            return Path.of(home).toRealPath();
        } catch (IOException e) {
            return Path.of(home).toAbsolutePath().normalize();
        }
    }

    /** @return whether the launcher offers the restart here (a loop starts it again) */
    static boolean restartable(BundleContext context) {
        return restartService(context) != null;
    }

    /**
     * Asks the launcher for a restart on {@code dist}: it writes the node folder's distribution file and
     * stops the framework; the process exits 75 and the loop starts {@code dist}'s {@code bin/hasm}.
     *
     * @throws IOException with the launcher's reason when it refuses, or when no loop would restart this SCM
     */
    @SuppressWarnings("unchecked")
    static void restart(BundleContext context, Path dist) throws IOException {
        ServiceReference<?> ref = restartService(context);
        if (ref == null) {
            throw new IOException("this SCM's process is not restarted by a loop (bin/hasm supervise, or a supervisor"
                    + " that answers exit code 75 with hasm.restartable=true): it cannot restart on " + dist);
        }
        Object service = context.getService(ref);
        try {
            if (!(service instanceof Function<?, ?> f)) {
                throw new IOException("the launcher's restart service is gone");
            }
            Object refused = ((Function<String, Object>) f).apply(dist.toString());
            if (refused != null) {
                throw new IOException("the launcher refused the restart on " + dist + ": " + refused);
            }
        } finally {
            context.ungetService(ref);
        }
    }

    private static ServiceReference<?> restartService(BundleContext context) {
        try {
            Collection<ServiceReference<Function>> refs = context.getServiceReferences(Function.class, FILTER);
            return refs.isEmpty() ? null : refs.iterator().next();
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(FILTER, e);
        } catch (IllegalStateException e) {
            return null; // the bundle is stopping
        }
    }

    /** Forgets how the last restart went: a new one is ordered, and the next probe must not read the old outcome. */
    static void forgetFailedRestart(BundleContext context) throws IOException {
        String data = context.getProperty("hasm.data.dir");
        if (data != null && !data.isBlank()) {
            Files.deleteIfExists(Path.of(data).resolve("restart-failed"));
        }
    }

    /**
     * @return "DIST: why" when a restart of this SCM on DIST did not start and it went back; {@code null} if none
     */
    static String failedRestart(BundleContext context) {
        String data = context.getProperty("hasm.data.dir");
        if (data == null || data.isBlank()) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(Path.of(data).resolve("restart-failed"), StandardCharsets.UTF_8);
            return lines.isEmpty() ? null : lines.get(0) + (lines.size() > 1 ? ": " + lines.get(1) : "");
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return "(restart-failed cannot be read: " + e.getMessage() + ")";
        }
    }
}
