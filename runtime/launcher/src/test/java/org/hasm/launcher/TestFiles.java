package org.hasm.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds distributions and node folders in a test's temporary folder. */
final class TestFiles {

    static final String CORE = """
            // the core, as a test sees it
            {
              "feature-resource-version": "1.0",
              "id": "org.hasm:org.hasm.features:osgifeature:hasm-core:1.0.0",
              "name": "core",
              "bundles": [
                { "id": "org.example:infra:1.0.0", "start-order": 1 },
                { "id": "org.example:module:2.0.0", "start-order": 2 },
                "org.example:plain:1.0.0",
                { "id": "org.example:controller:1.0.0", "start-order": 3 }
              ],
              "configurations": {
                "org.hasm.controller": { "deadline.init.ms:Long": 10000, "journal.size:Integer": 1000, "name": "x" }
              }
            }
            """;

    static final String EXTRA = """
            {
              "id": "org.hasm:org.hasm.features:osgifeature:hasm-extra:1.0.0",
              "bundles": [
                { "id": "org.example:module:2.0.0", "start-order": 5 },
                { "id": "org.example:service:1.0.0", "start-order": 2 }
              ]
            }
            """;

    private TestFiles() {
    }

    /** A distribution with features hasm-core and hasm-extra and every jar they name. */
    static Path distribution(Path root) throws IOException {
        Path home = root.resolve("hasm");
        write(home.resolve("system/features/hasm-core.json"), CORE);
        write(home.resolve("system/features/hasm-extra.json"), EXTRA);
        for (String id : new String[] {"org.example:infra:1.0.0", "org.example:module:2.0.0",
                "org.example:plain:1.0.0", "org.example:controller:1.0.0", "org.example:service:1.0.0"}) {
            write(MavenId.parse(id).path(home.resolve("system")), "not really a jar");
        }
        write(home.resolve("etc/framework.properties"), """
                felix.fileinstall.poll=500
                hasm.example.where=${hasm.node.dir}/x
                """);
        Files.createDirectories(home.resolve("deploy"));
        return home;
    }

    /** A node folder with the given hasm.properties text. */
    static Path node(Path root, String properties) throws IOException {
        Path node = root.resolve("node");
        write(node.resolve("etc/hasm.properties"), properties);
        return node;
    }

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
