package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureFileTest {

    private static Path write(Path repo, String json) throws Exception {
        Path file = repo.resolve("features/pair-test.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, json);
        return file;
    }

    @Test
    void aFeatureNamesItsVersionAndTheJarsOfItsBundlesInTheFolderAboveFeatures(@TempDir Path repo) throws Exception {
        Path a = repo.resolve("org/hasm/org.hasm.example/1.0.1/org.hasm.example-1.0.1.jar");
        Path b = repo.resolve("org/hasm/itests/deployed/1.0.1/deployed-1.0.1.jar");
        for (Path p : List.of(a, b)) {
            Files.createDirectories(p.getParent());
            Files.write(p, new byte[] {1});
        }
        Path file = write(repo, """
                /* a comment, as the launcher's features have */
                {
                  "feature-resource-version": "1.0",
                  "id": "org.hasm:org.hasm.features:osgifeature:pair-test:1.0.1",  // the name and version
                  "bundles": [
                    { "id": "org.hasm:org.hasm.example:1.0.1", "start-order": 2 },
                    { "id": "org.hasm.itests:deployed:1.0.1", "start-order": 2, "start-in-background": false }
                  ],
                  "configurations": { "x": { "a:Integer": 1, "b": [ "\\u0041", null ] } }
                }
                """);
        FeatureFile f = FeatureFile.read(file);
        assertEquals("pair-test", f.name());
        assertEquals("1.0.1", f.version());
        assertEquals(List.of(a, b), f.jars());
    }

    @Test
    void aBundleMissingFromTheFolderIsNamedWithWhereItWasLookedFor(@TempDir Path repo) throws Exception {
        Path file = write(repo, "{\"id\": \"g:a:osgifeature:pair-test:2\", \"bundles\": [{\"id\": \"g:b:2\"}]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureFile.read(file));
        assertTrue(e.getMessage().contains("bundle g:b:2 is not in " + repo) && e.getMessage().contains("g/b/2/b-2.jar"),
                e.getMessage());
    }

    @Test
    void badInputIsRefusedNamingTheFileAndWhatIsWrong(@TempDir Path repo) throws Exception {
        for (Map.Entry<String, String> c : Map.of(
                "{\"id\": \"g:a:osgifeature:x:1\", \"bundles\": [", "not JSON: the document ends early (line 1)",
                "{\"bundles\": []}", "has no \"id\"",
                "{\"id\": \"g:a:1\", \"bundles\": [{\"id\": \"g:b:1\"}]}", "is not group:artifact:osgifeature:NAME:VERSION",
                "{\"id\": \"g:a:osgifeature:x:1\", \"bundles\": []}", "lists no \"bundles\"",
                "{\"id\": \"g:a:osgifeature:x:1\", \"bundles\": [{\"id\": \"g:..:1\"}]}", "is not a Maven id",
                "{\"id\": \"g:a:osgifeature:x:1\"} x", "text after the document").entrySet()) {
            Path file = write(repo, c.getKey());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureFile.read(file),
                    c.getKey());
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(c.getValue()),
                    c.getKey() + " -> " + e.getMessage());
        }
    }
}
