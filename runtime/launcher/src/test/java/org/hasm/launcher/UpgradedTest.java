package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start installs the jar a rolling upgrade kept for a bundle, in place of the distribution's. */
class UpgradedTest {
    @TempDir
    Path dir;

    private Path jar(Path file, String bsn) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Bundle-SymbolicName", bsn);
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream j = new JarOutputStream(out, mf)) {
            j.flush();
        }
        return file;
    }

    @Test
    void theKeptJarOfTheSameSymbolicNameWinsAndEveryOtherBundleIsTheDistributions() throws IOException {
        Path data = dir.resolve("data");
        Path example = jar(dir.resolve("system/example-1.0.0.jar"), "org.hasm.example;singleton:=true");
        Path other = jar(dir.resolve("system/other-1.0.0.jar"), "org.hasm.other");
        assertEquals(example, Upgraded.jarFor(data, example), "nothing kept: the distribution's");
        Path kept = jar(data.resolve("upgraded/org.hasm.example.jar"), "org.hasm.example");
        assertEquals(kept, Upgraded.jarFor(data, example));
        assertEquals(other, Upgraded.jarFor(data, other));
    }
}
