package org.hasm.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

/**
 * The bundles a rolling upgrade installed on this SCM, kept in {@code <hasm.data.dir>/upgraded/<symbolic
 * name>.jar} by the controller once the install took: a start installs such a jar in place of the one
 * its feature names in {@code system/}, so an SCM that restarts (a crash, a reboot) runs what the
 * upgrade left it, not what the distribution shipped.
 */
final class Upgraded {
    static final String FOLDER = "upgraded";

    private Upgraded() {
    }

    /**
     * @param dataDir the node's {@code hasm.data.dir}
     * @param planned the jar the feature names
     * @return the jar to install: the upgrade's, when one of the same symbolic name is kept, else {@code planned}
     */
    static Path jarFor(Path dataDir, Path planned) throws IOException {
        Path folder = dataDir.resolve(FOLDER);
        if (!Files.isDirectory(folder)) {
            return planned;
        }
        String name = symbolicName(planned);
        if (name == null) {
            return planned;
        }
        Path kept = folder.resolve(name + ".jar");
        return Files.isRegularFile(kept) ? kept : planned;
    }

    static String symbolicName(Path jar) throws IOException {
        try (InputStream in = Files.newInputStream(jar); JarInputStream j = new JarInputStream(in)) {
            Manifest mf = j.getManifest();
            String name = mf == null ? null : mf.getMainAttributes().getValue("Bundle-SymbolicName");
            if (name == null) {
                return null;
            }
            int semicolon = name.indexOf(';');
            return (semicolon < 0 ? name : name.substring(0, semicolon)).strip();
        }
    }
}
