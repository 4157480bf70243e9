package org.hasm.controller.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.hasm.spi.Call;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * The rollback of a bundle replaced through the deploy folder: the jar of every version of a deploy-folder
 * bundle whose module passed its test is kept ({@code <hasm.data.dir>/deployed/<bsn>.jar}), and a new
 * version whose module fails {@code init} or {@code test} gets that exact jar back, in place, with a
 * warning and an event naming the cause. File Install leaves the bundle so while the file in the deploy
 * folder does not change (it compares the file's checksum only); a newer file is tried again. Each failed
 * version is rolled back once per process, so a jar that fails again never makes the bundle flap.
 *
 * <p>Called on the upgrade's thread ("hasm-upgrade"), which alone touches the fields.
 */
final class DeployedBundles {
    static final String FOLDER = "deployed";

    private final BundleContext context;
    private final Supplier<List<ModuleInfo>> modules;
    private final Sink sink;
    private final String scm;
    // by symbolic name: the version whose jar is kept
    private final Map<String, String> kept = new HashMap<>();
    // "bsn@version" of the failed versions rolled back in this process
    private final Set<String> rolledBack = new HashSet<>();

    DeployedBundles(BundleContext context, Supplier<List<ModuleInfo>> modules, Sink sink, String scm) {
        this.context = context;
        this.modules = modules;
        this.sink = sink;
        this.scm = scm;
    }

    /** Keeps the jars of the versions that passed, and rolls back the ones that failed. */
    void look() {
        String deploy = context.getProperty("hasm.deploy.dir");
        String data = context.getProperty("hasm.data.dir");
        if (deploy == null || deploy.isBlank() || data == null || data.isBlank()) {
            return;
        }
        Path deployDir = Path.of(deploy).toAbsolutePath().normalize();
        Path keptDir = Path.of(data).resolve(FOLDER);
        for (ModuleInfo m : modules.get()) {
            Bundle b = m.bundle() == null ? null : bundle(m.bundle(), m.version());
            if (b == null || !from(b, deployDir)) {
                continue;
            }
            try {
                if (m.status() == ModuleStatus.TESTED || m.status() == ModuleStatus.ACTIVE) {
                    keep(b, m.version(), keptDir);
                } else if (m.status() == ModuleStatus.FAILED && (m.lastCall() == Call.INIT || m.lastCall() == Call.TEST)) {
                    rollBack(b, m, keptDir);
                }
            } catch (IOException | RuntimeException e) {
                sink.warn("deploy folder: " + m.bundle() + " " + m.version() + ": " + e.getMessage());
            }
        }
    }

    private void keep(Bundle b, String version, Path keptDir) throws IOException {
        String bsn = b.getSymbolicName();
        if (version.equals(kept.get(bsn))) {
            return;
        }
        byte[] jar = Files.readAllBytes(Path.of(URI.create(b.getLocation())));
        if (!Upgrader.identity(jar, b.getLocation())[1].equals(version)) {
            return; // the file was replaced again meanwhile: File Install brings the next one
        }
        Upgrader.writeJar(keptDir, bsn, jar, false);
        kept.put(bsn, version);
    }

    private void rollBack(Bundle b, ModuleInfo m, Path keptDir) throws IOException {
        String bsn = b.getSymbolicName();
        Path file = keptDir.resolve(bsn + ".jar");
        if (!Files.isRegularFile(file) || !rolledBack.add(bsn + "@" + m.version())) {
            return;
        }
        byte[] jar = Files.readAllBytes(file);
        String previous = Upgrader.identity(jar, file.toString())[1];
        if (previous.equals(m.version())) {
            return;
        }
        String cause = m.name() + " " + m.version() + " " + m.lastCall() + " FAILED: " + m.lastError();
        try (InputStream in = new ByteArrayInputStream(jar)) {
            b.update(in);
        } catch (BundleException e) {
            throw new IOException("the previous jar " + file + " was refused: " + e.getMessage(), e);
        }
        kept.put(bsn, previous);
        sink.warn("deploy folder: " + bsn + " " + m.version() + " rolled back to " + previous + " (the exact previous"
                + " jar): " + cause + "; a newer file in the deploy folder is tried again");
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("scm", scm);
        props.put("bundle", bsn);
        props.put("from", previous);
        props.put("to", m.version());
        props.put("status", "ROLLED_BACK");
        props.put("step", "deploy folder");
        props.put("cause", cause);
        sink.post("org/hasm/controller/UPGRADE", props);
    }

    private Bundle bundle(String bsn, String version) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName()) && b.getVersion().toString().equals(version)) {
                return b;
            }
        }
        return null;
    }

    private static boolean from(Bundle b, Path deployDir) {
        String location = b.getLocation();
        if (location == null || !location.startsWith("file:")) {
            return false;
        }
        try {
            return Path.of(URI.create(location)).toAbsolutePath().normalize().startsWith(deployDir);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
