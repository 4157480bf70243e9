package org.hasm.itests.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.hasm.itests.modules.TestModule;
import org.hasm.itests.modules.SystemUpdater;
import org.hasm.itests.modules.TestModuleActivator;
import org.ops4j.pax.tinybundles.InnerClassStrategy;
import org.ops4j.pax.tinybundles.TinyBundle;
import org.ops4j.pax.tinybundles.TinyBundles;
import org.osgi.framework.Constants;

/**
 * Builds test bundles of {@link TestModule}s with tinybundles. Runs outside the framework (in a
 * test's {@code @Configuration} method, where tinybundles and bnd are on the class path) and
 * writes each bundle to {@code <work>/test-bundles/<symbolic name>.jar}, so that a test inside
 * the framework can install the ones that were not provisioned.
 */
public final class TestBundles {

    private TestBundles() {
    }

    /**
     * Builds a bundle that registers the modules {@code modules} describes.
     *
     * @param symbolicName the bundle's symbolic name
     * @param modules the {@value TestModuleActivator#HEADER} header, for example
     *     {@code "a;tier=hasm;rank=10, b;rank=50;fail=TEST"}
     * @return the jar written
     */
    public static Path build(String symbolicName, String modules) {
        return write(symbolicName, TinyBundles.bundle()
                .symbolicName(symbolicName)
                .setHeader(Constants.BUNDLE_VERSION, "1.0.0")
                .setHeader(TestModuleActivator.HEADER, modules)
                // the module classes stay private: the probe has its own copy of them
                .setHeader("Private-Package", TestModule.class.getPackageName())
                .addClass(TestModule.class, InnerClassStrategy.ALL)
                .addClass(TestModuleActivator.class, InnerClassStrategy.ALL)
                .activator(TestModuleActivator.class));
    }

    /**
     * Builds a bundle whose activator updates the system bundle once per SCM ({@link SystemUpdater}).
     *
     * @return the jar written
     */
    public static Path systemUpdater(String symbolicName) {
        return write(symbolicName, TinyBundles.bundle()
                .symbolicName(symbolicName)
                .setHeader(Constants.BUNDLE_VERSION, "1.0.0")
                .setHeader("Private-Package", SystemUpdater.class.getPackageName())
                .addClass(SystemUpdater.class)
                .activator(SystemUpdater.class));
    }

    private static Path write(String symbolicName, TinyBundle bundle) {
        Path jar = path(symbolicName);
        try (InputStream in = bundle.build(TinyBundles.bndBuilder())) {
            Files.createDirectories(jar.getParent());
            Files.copy(in, jar, StandardCopyOption.REPLACE_EXISTING);
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build test bundle " + symbolicName, e);
        }
    }

    /**
     * @param symbolicName a test bundle's symbolic name
     * @return where {@link #build} writes it (the same path inside and outside the framework)
     */
    public static Path path(String symbolicName) {
        return HasmTestSupport.workDir().resolve("test-bundles").resolve(symbolicName + ".jar");
    }
}
