package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureTest {

    @TempDir
    Path dir;

    private Feature read(String json) throws Exception {
        return Feature.read(TestFiles.write(dir.resolve("f.json"), json), "f");
    }

    private String error(String json) throws Exception {
        Path file = TestFiles.write(dir.resolve("f.json"), json);
        String message = assertThrows(LaunchException.class, () -> Feature.read(file, "f")).getMessage();
        assertTrue(message.startsWith(file.toString()), message);
        return message.substring(file.toString().length());
    }

    @Test
    void readsBundlesStartOrdersAndTypedConfigurations() throws Exception {
        Feature feature = read(TestFiles.CORE);
        assertEquals("org.hasm:org.hasm.features:osgifeature:hasm-core:1.0.0", feature.id());
        assertEquals(List.of(
                new Feature.Bundle(MavenId.parse("org.example:infra:1.0.0"), 1),
                new Feature.Bundle(MavenId.parse("org.example:module:2.0.0"), 2),
                new Feature.Bundle(MavenId.parse("org.example:plain:1.0.0"), Feature.DEFAULT_START_ORDER),
                new Feature.Bundle(MavenId.parse("org.example:controller:1.0.0"), 3)), feature.bundles());
        assertEquals(Map.of(ConfigKey.parse("org.hasm.controller"),
                Map.of("deadline.init.ms", 10000L, "journal.size", 1000, "name", "x")), feature.configurations());
    }

    @Test
    void aBundleMayStartInTheBackground() throws Exception {
        Feature feature = read("""
                {"id": "g:a:1", "bundles": [{"id": "g:http:1", "start-order": 1, "start-in-background": true},
                                            {"id": "g:b:1", "start-order": 1, "start-in-background": false}, "g:c:1"]}""");
        assertEquals(List.of(new Feature.Bundle(MavenId.parse("g:http:1"), 1, true),
                new Feature.Bundle(MavenId.parse("g:b:1"), 1, false),
                new Feature.Bundle(MavenId.parse("g:c:1"), Feature.DEFAULT_START_ORDER, false)), feature.bundles());
        assertEquals(": bundles[0]: start-in-background yes is not true or false",
                error("{\"id\": \"g:a:1\", \"bundles\": [{\"id\": \"g:c:1\", \"start-in-background\": \"yes\"}]}"));
    }

    @Test
    void factoryConfigurationsUseTheTildeNotation() throws Exception {
        Feature feature = read("""
                {"id": "g:a:1", "configurations": {"org.hasm.personality~b": {"name": "B"}}}""");
        ConfigKey key = feature.configurations().keySet().iterator().next();
        assertEquals("org.hasm.personality", key.pid());
        assertEquals("b", key.name());
    }

    @Test
    void syntaxErrorsGiveLineAndColumn() throws Exception {
        String message = error("{\n  \"id\": \"g:a:1\",\n  \"bundles\": [ \"g:b:1\" }\n}\n");
        assertTrue(message.matches(":3:\\d+: not valid JSON: Unexpected close marker '}'.*"), message);
    }

    @Test
    void aKeyGivenTwiceIsASyntaxError() throws Exception {
        String message = error("{\"id\": \"g:a:1\",\n \"id\": \"g:a:2\"}");
        assertTrue(message.matches(":2:\\d+: not valid JSON: Duplicate field 'id'"), message);
    }

    @Test
    void emptyFilesAndTrailingContentAreRejected() throws Exception {
        assertEquals(": not valid JSON: the file is empty", error("  // nothing\n"));
        assertEquals(":1:17: not valid JSON: unexpected content after the end of the document",
                error("{\"id\": \"g:a:1\"} {}"));
    }

    @Test
    void structureErrorsNameTheElement() throws Exception {
        assertEquals(": a feature is a JSON object", error("[]"));
        assertEquals(": \"id\" is missing or not a string", error("{}"));
        assertEquals(": id: 'x' is not a Maven id (expected groupId:artifactId[:type[:classifier]]:version)",
                error("{\"id\": \"x\"}"));
        assertEquals(": feature-resource-version 2.0 is not supported (expected 1.0)",
                error("{\"feature-resource-version\": \"2.0\", \"id\": \"g:a:1\"}"));
        assertEquals(": bundles must be an array", error("{\"id\": \"g:a:1\", \"bundles\": {}}"));
        assertEquals(": bundles[1]: start-order 0 is not a start level (an integer from 1 to 1000)",
                error("{\"id\": \"g:a:1\", \"bundles\": [\"g:b:1\", {\"id\": \"g:c:1\", \"start-order\": 0}]}"));
        assertEquals(": bundles[0]: start-order 1.5 is not a start level (an integer from 1 to 1000)",
                error("{\"id\": \"g:a:1\", \"bundles\": [{\"id\": \"g:c:1\", \"start-order\": 1.5}]}"));
        assertEquals(": bundles[0]: \"id\" is missing or not a string",
                error("{\"id\": \"g:a:1\", \"bundles\": [{\"start-order\": 1}]}"));
        assertEquals(": bundles[0] must be an id string or an object with \"id\"",
                error("{\"id\": \"g:a:1\", \"bundles\": [7]}"));
        assertEquals(": configurations must be an object (PID: properties)",
                error("{\"id\": \"g:a:1\", \"configurations\": []}"));
        assertEquals(": configurations: \"a b\": 'a b' is not a valid PID (letters, digits, '_' and '-', in parts"
                + " separated by single dots)", error("{\"id\": \"g:a:1\", \"configurations\": {\"a b\": {}}}"));
        assertEquals(": configurations: \"p\": the properties must be an object",
                error("{\"id\": \"g:a:1\", \"configurations\": {\"p\": 1}}"));
        assertEquals(": configurations: \"p\": \"n:Long\": 'x' is not a valid Long",
                error("{\"id\": \"g:a:1\", \"configurations\": {\"p\": {\"n:Long\": \"x\"}}}"));
    }
}
