package org.hasm.itests.modules;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * A test bundle's activator that updates the system bundle once per SCM, as the shell's {@code update 0}
 * does: the framework stops its bundles and restarts itself in the same process. Once: the first start
 * leaves {@code system-updated} in the SCM's data folder ({@code hasm.data.dir}), and the start after the
 * framework's restart finds it there.
 */
public final class SystemUpdater implements BundleActivator {
    /** The file left in {@code hasm.data.dir}. */
    public static final String MARKER = "system-updated";

    @Override
    public void start(BundleContext context) throws IOException {
        Path marker = Path.of(context.getProperty("hasm.data.dir")).resolve(MARKER);
        if (Files.exists(marker)) {
            return;
        }
        Files.writeString(marker, "updated by " + context.getBundle().getSymbolicName() + "\n");
        // not from the activator's own call: the framework stops this bundle on the way
        Thread t = new Thread(() -> {
            try {
                context.getBundle(0).update();
            } catch (BundleException | IllegalStateException e) {
                System.err.println("system update failed: " + e);
            }
        }, "hasm-test-system-update");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void stop(BundleContext context) {
        // nothing held
    }
}
