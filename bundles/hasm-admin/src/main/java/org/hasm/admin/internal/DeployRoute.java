package org.hasm.admin.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import org.hasm.admin.internal.AdminApi.Reply;
import org.hasm.spi.CallRecord;
import org.hasm.spi.HaController;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.storage.DurableFiles;
import org.osgi.framework.Version;

/**
 * {@code /hasm/api/v1/deploy}: a bundle jar put into this SCM's deploy folder in place of the installed
 * bundle with the same symbolic name, whatever either file is called.
 *
 * <p>{@code POST ?jar=PATH} (operate role): the SCM reads the jar at PATH, takes its
 * {@code Bundle-SymbolicName} and {@code Bundle-Version}, and writes it over the deploy-folder file the
 * installed bundle of that name came from (crash-safely: a temporary file forced to disk, then renamed
 * over it), so that the folder's watcher updates that bundle in place instead of installing a second one
 * beside it; a bundle not installed yet gets the jar under its own file name. Other files of the folder
 * that carry the same symbolic name are removed. The answer says the version before and after; the
 * controller then brings the new version up to the SCM's state, and rolls it back if its module fails
 * {@code init} or {@code test}. A bundle that came from elsewhere (the distribution) is refused: a rolling
 * upgrade replaces those on both SCMs.
 *
 * <p>{@code GET ?bundle=NAME[&since=INSTANT]} (read role): where that bundle is now: its installed versions
 * and their state, this SCM's state, its modules, and the lifecycle calls of its modules since the instant,
 * for {@code hasmctl deploy} to follow.
 */
final class DeployRoute {
    private static final AtomicLong TEMPS = new AtomicLong();
    static final String PATH = "/deploy";
    /** The largest jar taken: the whole file is read into memory before anything is written. */
    static final long MAX_JAR = 256L * 1024 * 1024;
    private static final String SERVICE_CAPABILITY = "org.hasm.spi.HaModule";

    /** One installed bundle, as far as a deploy looks at it. */
    record Installed(String bundle, String version, String location, String state) {
    }

    /** The framework's bundles (the admin bundle's context in production). */
    interface Framework {
        List<Installed> bundles();
    }

    private final Path deployDir;
    private final Framework framework;
    private final Supplier<HaController> controller;

    /**
     * @param deployDir this SCM's deploy folder ({@code hasm.deploy.dir}), or {@code null} when it has none
     */
    DeployRoute(Path deployDir, Framework framework, Supplier<HaController> controller) {
        this.deployDir = deployDir == null ? null : deployDir.toAbsolutePath().normalize();
        this.framework = framework;
        this.controller = controller;
    }

    /** A jar's identity, from its manifest. */
    record Identity(String bundle, String version, boolean module) {
    }

    /** The outcome of a POST: what the deploy folder holds now. */
    record Deployed(String bundle, String before, String after, Path file, List<Path> removed, boolean unchanged,
            boolean module, Instant at) {
    }

    /** Thrown for a request that cannot be carried out: {@code status} is the HTTP status to answer with. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    Reply post(String jar) {
        try {
            return Reply.ok(200, document(deploy(jar)));
        } catch (Refused e) {
            return Reply.error(e.status, "deploy refused: " + e.getMessage());
        }
    }

    /**
     * @param since an instant (ISO-8601) from which on the lifecycle calls of the bundle's modules are listed,
     *     or {@code null} for none: a version that failed and was rolled back between two looks shows there
     */
    Reply get(String bundle, String since) {
        if (bundle == null || bundle.isBlank()) {
            return Reply.error(400, "deploy needs the parameter 'bundle': a bundle's symbolic name");
        }
        Instant from = null;
        if (since != null && !since.isBlank()) {
            try {
                from = Instant.parse(since.strip());
            } catch (java.time.format.DateTimeParseException e) {
                return Reply.error(400, "parameter 'since' must be an instant such as 2026-12-03T10:00:00Z, not '"
                        + AdminApi.printable(since) + "'");
            }
        }
        String name = bundle.strip();
        JsonWriter w = new JsonWriter().beginObject();
        w.name("bundle").value(name);
        HaController c = controller.get();
        w.name("scm").value(c == null ? null : c.scm());
        w.name("state").value(c == null ? null : c.state());
        w.name("installed").beginArray();
        for (Installed b : framework.bundles()) {
            if (name.equals(b.bundle())) {
                w.beginObject().name("version").value(b.version()).name("state").value(b.state())
                        .name("location").value(b.location()).endObject();
            }
        }
        w.endArray();
        w.name("modules").beginArray();
        if (c != null) {
            for (ModuleInfo m : c.modules()) {
                if (name.equals(m.bundle())) {
                    Documents.module(w, m);
                }
            }
        }
        w.endArray();
        w.name("calls").beginArray();
        if (c != null && from != null) {
            for (CallRecord r : c.journal(-1)) {
                if (name.equals(r.bundle()) && r.started() != null && !r.started().isBefore(from)) {
                    w.beginObject().name("module").value(r.module()).name("call").value(r.call())
                            .name("version").value(r.version()).name("outcome").value(r.outcome())
                            .name("error").value(r.error()).name("started").value(r.started()).endObject();
                }
            }
        }
        w.endArray();
        return Reply.ok(200, w.endObject().toString());
    }

    Deployed deploy(String jar) throws Refused {
        if (jar == null || jar.isBlank()) {
            throw new Refused(400, "the parameter 'jar' is missing: the path of the bundle jar, which this SCM reads");
        }
        if (deployDir == null) {
            throw new Refused(409, "this SCM has no deploy folder (the framework property hasm.deploy.dir is not set)");
        }
        Path source = Path.of(jar.strip()).toAbsolutePath().normalize();
        byte[] bytes = read(source);
        Identity identity = identity(bytes, source.toString());

        // the bundles of that name installed now, and which of them came from the deploy folder
        List<Installed> same = framework.bundles().stream().filter(b -> identity.bundle().equals(b.bundle())).toList();
        Installed current = null;
        Path target = null;
        for (Installed b : same.stream()
                .sorted(Comparator.comparing((Installed b) -> Version.parseVersion(b.version())).reversed()).toList()) {
            Path file = file(b.location());
            if (file == null || !deployDir.equals(file.getParent())) {
                throw new Refused(409, identity.bundle() + " " + b.version() + " is installed from " + b.location()
                        + ", not from the deploy folder " + deployDir + ": hasmctl upgrade replaces it on both SCMs");
            }
            if (current == null) {
                current = b;
                target = file;
            }
        }
        List<Path> others = new ArrayList<>();
        try {
            Files.createDirectories(deployDir);
            for (Path p : jars()) {
                if (target != null && p.equals(target)) {
                    continue;
                }
                if (bundleOf(p).equals(identity.bundle())) {
                    others.add(p);
                }
            }
        } catch (IOException e) {
            throw new Refused(500, "the deploy folder " + deployDir + " cannot be read: " + e.getMessage());
        }
        if (target == null) {
            // not installed: the jar's own name, unless a file of another bundle has it
            String own = source.getFileName().toString();
            target = deployDir.resolve(own.endsWith(".jar") ? own : identity.bundle() + ".jar");
            if (Files.exists(target) && !others.contains(target)) {
                target = deployDir.resolve(identity.bundle() + ".jar");
                if (Files.exists(target) && !others.contains(target)) {
                    throw new Refused(409, target + " holds another bundle: remove it or rename it first");
                }
            }
        }
        boolean unchanged;
        try {
            unchanged = Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bytes);
            if (!unchanged) {
                write(target, bytes);
            }
            List<Path> removed = new ArrayList<>();
            for (Path p : others) {
                if (!p.equals(target) && Files.deleteIfExists(p)) {
                    removed.add(p);
                }
            }
            syncFolder();
            return new Deployed(identity.bundle(), current == null ? null : current.version(), identity.version(), target,
                    List.copyOf(removed), unchanged, identity.module(), Instant.now());
        } catch (IOException e) {
            throw new Refused(500, "writing " + target + " failed: " + e.getMessage());
        }
    }

    static String document(Deployed d) {
        JsonWriter w = new JsonWriter().beginObject();
        w.name("bundle").value(d.bundle());
        w.name("before").value(d.before());
        w.name("after").value(d.after());
        w.name("file").value(d.file().toString());
        w.name("removed").beginArray();
        for (Path p : d.removed()) {
            w.value(p.toString());
        }
        w.endArray();
        w.name("unchanged").value(d.unchanged());
        // whether the jar declares an HaModule service: then its module shows how the new version came up
        w.name("module").value(d.module());
        // when the file was written: a module of the same version counts as the new one from then on
        w.name("at").value(d.at());
        return w.endObject().toString();
    }

    private static byte[] read(Path source) throws Refused {
        if (!Files.isRegularFile(source)) {
            throw new Refused(400, source + " is not a file this SCM can read");
        }
        try {
            if (Files.size(source) > MAX_JAR) {
                throw new Refused(400, source + " is larger than " + MAX_JAR / (1024 * 1024) + " MiB");
            }
            return Files.readAllBytes(source);
        } catch (IOException e) {
            throw new Refused(400, source + " cannot be read: " + e.getMessage());
        }
    }

    /** @return the jar's symbolic name and version; refused when it is no bundle */
    static Identity identity(byte[] bytes, String where) throws Refused {
        Manifest manifest;
        try (JarInputStream in = new JarInputStream(new java.io.ByteArrayInputStream(bytes))) {
            manifest = in.getManifest();
        } catch (IOException e) {
            throw new Refused(400, where + " is not a jar: " + e.getMessage());
        }
        if (manifest == null) {
            throw new Refused(400, where + " has no META-INF/MANIFEST.MF (or it is not the jar's first entry)");
        }
        Attributes a = manifest.getMainAttributes();
        String bsn = a.getValue("Bundle-SymbolicName");
        if (bsn == null || bsn.isBlank()) {
            throw new Refused(400, where + " is not an OSGi bundle: its manifest has no Bundle-SymbolicName");
        }
        String name = bsn.split(";", 2)[0].strip();
        String version = a.getValue("Bundle-Version");
        try {
            version = Version.parseVersion(version == null ? null : version.strip()).toString();
        } catch (IllegalArgumentException e) {
            throw new Refused(400, where + ": Bundle-Version '" + version + "' is not an OSGi version: " + e.getMessage());
        }
        String provided = a.getValue("Provide-Capability");
        return new Identity(name, version, provided != null && provided.contains(SERVICE_CAPABILITY));
    }

    /** @return the symbolic name of the jar at {@code p}, or "" when it is no bundle */
    private static String bundleOf(Path p) {
        try (InputStream raw = Files.newInputStream(p); JarInputStream in = new JarInputStream(raw)) {
            Manifest m = in.getManifest();
            String bsn = m == null ? null : m.getMainAttributes().getValue("Bundle-SymbolicName");
            return bsn == null ? "" : bsn.split(";", 2)[0].strip();
        } catch (IOException e) {
            return "";
        }
    }

    private List<Path> jars() throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(deployDir, "*.jar")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    found.add(p.toAbsolutePath().normalize());
                }
            }
        }
        return found;
    }

    /** @return the file a bundle location names, or {@code null} when it is not a file */
    static Path file(String location) {
        if (location == null) {
            return null;
        }
        try {
            URI uri = URI.create(location);
            return "file".equalsIgnoreCase(uri.getScheme()) ? Path.of(uri).toAbsolutePath().normalize() : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /* The folder's watcher takes only names ending in .jar: the temporary file is never picked up half written. */
    /* Each write has a temporary file of its own (two deploys of one jar at once never mix their bytes in one),
       removed if it does not reach its rename. */
    private void write(Path target, byte[] bytes) throws IOException {
        Path temp = deployDir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + "-"
                + TEMPS.incrementAndGet() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof FileAlreadyExistsException)) {
                Files.deleteIfExists(temp);
            }
            throw e;
        }
    }

    private void syncFolder() {
        try {
            DurableFiles.syncFolder(deployDir);
        } catch (IOException e) {
            // some file systems cannot open a folder: the rename is still atomic, only its durability is the OS's
        }
    }
}
