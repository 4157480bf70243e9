package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeTest {

    @TempDir
    Path root;

    private Path home() {
        return root.resolve("hasm");
    }

    private String error(String properties) throws Exception {
        Path node = TestFiles.node(root, properties);
        return assertThrows(LaunchException.class, () -> Node.load(node, home())).getMessage();
    }

    private String file() {
        return root.resolve("node/etc/hasm.properties").toString();
    }

    @Test
    void minimalNodeGetsTheDefaults() throws Exception {
        Node node = Node.load(TestFiles.node(root, "hasm.scm=scm-a\nhasm.role=master\n"), home());
        assertEquals(root.resolve("node"), node.dir());
        assertEquals("scm-a", node.scm());
        assertEquals("MASTER", node.role());
        assertEquals(List.of("hasm-core"), node.features());
        assertEquals(home().resolve("deploy"), node.deployDir());
        assertEquals("INFO", node.logLevel());
        assertEquals(Map.of(), node.frameworkProperties());
        assertEquals(root.resolve("node/data/hasm"), node.dataDir());
        assertEquals(root.resolve("node/data/framework"), node.storageDir());
        assertEquals(root.resolve("node/log"), node.logDir());
    }

    @Test
    void everyKeyIsReadAndOthersPassThrough() throws Exception {
        Node node = Node.load(TestFiles.node(root, """
                hasm.scm = scm_B
                hasm.role = Slave
                hasm.features = hasm-core, hasm-example ,,hasm-core
                hasm.deploy.dir = ../shared/deploy
                hasm.log.level = debug
                felix.fileinstall.poll = 2000
                """), home());
        assertEquals("scm_B", node.scm());
        assertEquals("SLAVE", node.role());
        assertEquals(List.of("hasm-core", "hasm-example"), node.features());
        assertEquals(root.resolve("shared/deploy"), node.deployDir());
        assertEquals("DEBUG", node.logLevel());
        assertEquals(Map.of("felix.fileinstall.poll", "2000"), node.frameworkProperties());
    }

    @Test
    void anAbsoluteDeployDirStaysAsItIs() throws Exception {
        Path elsewhere = root.resolve("elsewhere").toAbsolutePath();
        Node node = Node.load(TestFiles.node(root, "hasm.scm=a\nhasm.role=MASTER\nhasm.deploy.dir=" + elsewhere + "\n"),
                home());
        assertEquals(elsewhere, node.deployDir());
    }

    @Test
    void missingFolderOrPropertiesFile() throws Exception {
        Path missing = root.resolve("nope");
        assertEquals(missing + ": no such folder (the node folder holds etc/hasm.properties)",
                assertThrows(LaunchException.class, () -> Node.load(missing, home())).getMessage());
        Path plainFile = TestFiles.write(root.resolve("file"), "x");
        assertEquals(plainFile + ": not a folder (the node folder holds etc/hasm.properties)",
                assertThrows(LaunchException.class, () -> Node.load(plainFile, home())).getMessage());
        Files.createDirectories(root.resolve("empty"));
        assertEquals(root.resolve("empty/etc/hasm.properties") + ": missing (a node folder needs etc/hasm.properties"
                        + " with hasm.scm and hasm.role; see examples/standalone)",
                assertThrows(LaunchException.class, () -> Node.load(root.resolve("empty"), home())).getMessage());
    }

    @Test
    void theNodesKeysGoToTheNodeBundlesConfigurationUnchecked() throws Exception {
        Node node = Node.load(TestFiles.node(root, """
                hasm.scm = scm a
                hasm.role = mastr
                hasm.peer = scm-b
                hasm.cluster.key.file = secrets/key
                other = 1
                """), home());
        // the node bundle checks them (hasm check and every start), naming this file: here they are carried
        assertEquals("scm a", node.scm());
        assertEquals("MASTR", node.role());
        assertEquals(Map.of("other", "1"), node.frameworkProperties());
        assertEquals(Map.of("hasm.scm", "scm a", "hasm.role", "mastr", "hasm.peer", "scm-b", "hasm.data.dir",
                root.resolve("node/data/hasm").toString(), "hasm.cluster.key.file", root.resolve("node/secrets/key").toString()),
                node.nodeConfiguration());
        Node minimal = Node.load(TestFiles.node(root.resolve("m"), "hasm.role=SLAVE\n"), home());
        assertEquals(null, minimal.scm());
        assertEquals(Map.of("hasm.role", "SLAVE", "hasm.data.dir", root.resolve("m/node/data/hasm").toString(),
                "hasm.cluster.key.file", root.resolve("m/node/etc/cluster.key").toString()), minimal.nodeConfiguration());
    }

    @Test
    void badValues() throws Exception {
        assertEquals(file() + ": hasm.features: '../etc/passwd' is not a feature name (letters, digits, '.', '_' and '-')",
                error("hasm.scm=a\nhasm.role=MASTER\nhasm.features=hasm-core,../etc/passwd"));
        assertEquals(file() + ": hasm.features is empty (at least hasm-core)",
                error("hasm.scm=a\nhasm.role=MASTER\nhasm.features= , "));
        assertEquals(file() + ": hasm.log.level=LOUD is not a log level (expected ERROR, WARN, INFO, DEBUG or TRACE)",
                error("hasm.scm=a\nhasm.role=MASTER\nhasm.log.level=LOUD"));
        assertEquals(file() + ": hasm.home is set by the launcher and cannot be set here",
                error("hasm.scm=a\nhasm.role=MASTER\nhasm.home=/x"));
        assertEquals(file() + ": cannot be parsed: Malformed \\uxxxx encoding.",
                error("hasm.scm=a\\u12"));
    }

    @Test
    void aFileThatIsNotUtf8IsRejected() throws Exception {
        Path node = TestFiles.node(root, "");
        Files.write(node.resolve("etc/hasm.properties"), new byte[] {'a', '=', (byte) 0xff, (byte) 0xfe});
        assertEquals(file() + ": cannot be parsed: not UTF-8 text",
                assertThrows(LaunchException.class, () -> Node.load(node, home())).getMessage());
    }
}
