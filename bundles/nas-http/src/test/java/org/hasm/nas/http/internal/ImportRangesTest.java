package org.hasm.nas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The bundle uses the SPI's provider types (the storage module's {@code VolumeManager}, the address
 * module's {@code AddressReadiness}, PSOM's {@code SharedObjects}) and implements none of them (its {@code ConfigurationCheck} and
 * {@code ServiceRequests} are consumer types), so bnd imports every SPI package
 * with a consumer range and the bundle keeps resolving against every later 1.x of the SPI. A class
 * that implemented a {@code @ProviderType} interface would narrow its package to the next minor.
 */
class ImportRangesTest {
    private static final Pattern VERSION = Pattern.compile(";version=\"([^\"]*)\"");

    @Test
    void everySpiPackageIsImportedWithAConsumerRange() throws IOException, URISyntaxException {
        Map<String, String> imports = imports(manifest().getMainAttributes().getValue("Import-Package"));
        Map<String, String> spi = new LinkedHashMap<>();
        imports.forEach((p, range) -> {
            if (p.startsWith("org.hasm.spi")) {
                spi.put(p, range);
            }
        });
        assertEquals(Set.of("org.hasm.spi", "org.hasm.spi.address", "org.hasm.spi.health", "org.hasm.spi.node",
                "org.hasm.spi.shared", "org.hasm.spi.storage"), spi.keySet());
        spi.forEach((p, range) -> assertTrue(range.matches("\\[1\\.\\d+,2\\)"), p + " is imported with " + range
                + ": a provider range, so a class of this bundle implements one of its @ProviderType interfaces"));
    }

    /** The manifest bnd wrote next to the classes (the jar takes it from there). */
    private static Manifest manifest() throws IOException, URISyntaxException {
        Path classes = Path.of(HttpModule.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (InputStream in = Files.newInputStream(classes.resolve("META-INF/MANIFEST.MF"))) {
            return new Manifest(in);
        }
    }

    /** @return each imported package and its version range ("" if none) */
    private static Map<String, String> imports(String header) {
        Map<String, String> imports = new LinkedHashMap<>();
        StringBuilder clause = new StringBuilder();
        boolean quoted = false;
        for (char c : (header + ",").toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                String s = clause.toString().trim();
                int semicolon = s.indexOf(';');
                Matcher v = VERSION.matcher(s);
                imports.put(semicolon < 0 ? s : s.substring(0, semicolon), v.find() ? v.group(1) : "");
                clause.setLength(0);
            } else {
                clause.append(c);
            }
        }
        return imports;
    }
}
