package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MavenIdTest {

    private static final Path SYSTEM = Paths.get("/hasm/system");

    @Test
    void groupArtifactVersionIsAJarInRepositoryLayout() {
        MavenId id = MavenId.parse("org.apache.felix:org.apache.felix.log:1.3.0");
        assertEquals(Paths.get("/hasm/system/org/apache/felix/org.apache.felix.log/1.3.0/org.apache.felix.log-1.3.0.jar"),
                id.path(SYSTEM));
        assertEquals("org.apache.felix:org.apache.felix.log:1.3.0", id.toString());
    }

    @Test
    void snapshotsKeepTheirBaseVersion() {
        assertEquals(Paths.get("/hasm/system/org/hasm/org.hasm.spi/1.0.0-SNAPSHOT/org.hasm.spi-1.0.0-SNAPSHOT.jar"),
                MavenId.parse("org.hasm:org.hasm.spi:1.0.0-SNAPSHOT").path(SYSTEM));
    }

    @Test
    void typeAndClassifierGoIntoTheFileName() {
        MavenId feature = MavenId.parse("org.hasm:org.hasm.features:osgifeature:hasm-core:1.0.0");
        assertEquals("osgifeature", feature.type());
        assertEquals("hasm-core", feature.classifier());
        assertEquals(Paths.get("/hasm/system/org/hasm/org.hasm.features/1.0.0/org.hasm.features-1.0.0-hasm-core.osgifeature"),
                feature.path(SYSTEM));
        assertEquals("org.hasm:org.hasm.features:osgifeature:hasm-core:1.0.0", feature.toString());
        assertEquals(Paths.get("/hasm/system/g/a/1/a-1.jar"), MavenId.parse("g:a:bundle:1").path(SYSTEM));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a:b", "a:b:c:d:e:f", "", "a::1", "../x:y:1", "a/b:c:1", "a:b:..", "a:b:1 0", "a:.:1"})
    void rejectsWhatIsNoIdOrWouldLeaveTheRepository(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MavenId.parse(text));
        assertTrue(e.getMessage().startsWith("'" + text + "' is not a Maven id"), e.getMessage());
    }
}
