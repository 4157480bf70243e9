package org.hasm.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The SPI, the BOM and this kit are published with poms that have no parent, so they repeat versions the
 * root pom keeps for every other module: they must stay the same.
 */
class PublishedPomsTest {
    private static final Path BUNDLES = Path.of("..").toAbsolutePath().normalize();

    private static String read(Path p) throws IOException {
        return Files.readString(p);
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
        return m.find() ? m.group(1).strip() : null;
    }

    /** @return the pom's own version: the first version after its artifactId, outside any parent */
    private static String ownVersion(String pom) {
        String rest = pom.replaceAll("(?s)<parent>.*?</parent>", "");
        return property(rest, "version");
    }

    private static String managed(String pom, String artifactId) {
        Matcher m = Pattern.compile("<artifactId>" + Pattern.quote(artifactId) + "</artifactId><version>([^<]+)</version>")
                .matcher(pom);
        return m.find() ? m.group(1) : null;
    }

    @Test
    void theirVersionsAreTheRootPoms() throws IOException {
        String root = read(BUNDLES.resolve("../pom.xml"));
        String spi = read(BUNDLES.resolve("hasm-spi/pom.xml"));
        String kit = read(BUNDLES.resolve("hasm-testkit/pom.xml"));
        String bom = read(BUNDLES.resolve("hasm-bom/pom.xml"));
        String hasm = ownVersion(root);
        String spiVersion = property(root, "hasm.spi.version");
        assertNotNull(spiVersion);

        assertEquals(spiVersion, ownVersion(spi), "hasm-spi/pom.xml");
        for (String p : new String[] {"project.build.outputTimestamp", "maven.compiler.release", "osgi.annotation.version",
                "osgi.component.annotations.version", "junit.version", "bnd.version", "bnd.baseline.version"}) {
            assertEquals(property(root, p), property(spi, p), "hasm-spi/pom.xml " + p);
        }

        assertEquals(property(root, "osgi.promise.version"), managed(spi, "org.osgi.util.promise"), "hasm-spi: promise");
        assertEquals(property(root, "osgi.function.version"), managed(spi, "org.osgi.util.function"), "hasm-spi: function");

        assertEquals(hasm, ownVersion(kit), "hasm-testkit/pom.xml");
        for (String p : new String[] {"project.build.outputTimestamp", "maven.compiler.release", "hasm.spi.version",
                "osgi.annotation.version", "osgi.log.version", "junit.version"}) {
            assertEquals(property(root, p), property(kit, p), "hasm-testkit/pom.xml " + p);
        }

        assertEquals(hasm, ownVersion(bom), "hasm-bom/pom.xml");
        assertEquals(spiVersion, managed(bom, "org.hasm.spi"), "hasm-bom: org.hasm.spi");
        assertEquals(hasm, managed(bom, "hasm-testkit"), "hasm-bom: hasm-testkit");
        String[][] osgi = {{"osgi.core", "osgi.core.version"}, {"osgi.annotation", "osgi.annotation.version"},
            {"org.osgi.service.component.annotations", "osgi.component.annotations.version"},
            {"org.osgi.service.metatype.annotations", "osgi.metatype.annotations.version"},
            {"org.osgi.service.log", "osgi.log.version"}, {"org.osgi.util.promise", "osgi.promise.version"},
            {"org.osgi.util.function", "osgi.function.version"}, {"junit-bom", "junit.version"}};
        for (String[] o : osgi) {
            assertEquals(property(root, o[1]), managed(bom, o[0]), "hasm-bom: " + o[0]);
        }
    }
}
