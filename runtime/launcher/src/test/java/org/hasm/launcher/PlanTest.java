package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanTest {

    @TempDir
    Path root;

    private Plan plan(String properties) throws Exception {
        Path home = TestFiles.distribution(root);
        Path node = TestFiles.node(root, properties);
        return Plan.make(Distribution.at(home), Node.load(node, home), false);
    }

    @Test
    void bundlesInFeatureOrderEachOnceAtTheFirstFeaturesLevel() throws Exception {
        Plan plan = plan("hasm.scm=a\nhasm.role=MASTER\nhasm.features=hasm-core,hasm-extra\n");
        assertEquals(List.of("org.example:infra:1.0.0@1", "org.example:module:2.0.0@2", "org.example:plain:1.0.0@2",
                        "org.example:controller:1.0.0@3", "org.example:service:1.0.0@2"),
                plan.bundles().stream().map(b -> b.id() + "@" + b.startLevel()).toList());
        assertEquals(root.resolve("hasm/system/org/example/infra/1.0.0/infra-1.0.0.jar"), plan.bundles().get(0).jar());
        // module is listed at 5 by hasm-extra too, but hasm-core named it first
        assertEquals(3, plan.topLevel());
    }

    @Test
    void theNodesFilesOverrideFeatureDefaultsPropertyByProperty() throws Exception {
        Path home = TestFiles.distribution(root);
        Path node = TestFiles.node(root, "hasm.scm=a\nhasm.role=MASTER\n");
        TestFiles.write(node.resolve("etc/org.hasm.controller.cfg"), "journal.size=50\nextra=yes\n");
        TestFiles.write(node.resolve("etc/org.hasm.personality~a.cfg"), "name=A\n");

        Plan plan = Plan.make(Distribution.at(home), Node.load(node, home), false);

        Path etc = node.resolve("etc");
        assertEquals(Map.of("deadline.init.ms", 10000L, "journal.size", "50", "name", "x", "extra", "yes",
                Plan.SOURCE, etc.resolve("org.hasm.controller.cfg").toString()),
                plan.configurations().get(ConfigKey.parse("org.hasm.controller")));
        assertEquals(Map.of("name", "A", Plan.SOURCE, etc.resolve("org.hasm.personality~a.cfg").toString()),
                plan.configurations().get(ConfigKey.parse("org.hasm.personality~a")));
        // the node's configuration comes from hasm.properties, and names it as its source
        assertEquals(Map.of("hasm.scm", "a", "hasm.role", "MASTER", "hasm.data.dir", node.resolve("data/hasm").toString(),
                "hasm.cluster.key.file", etc.resolve("cluster.key").toString(), Plan.SOURCE,
                etc.resolve("hasm.properties").toString()), plan.configurations().get(ConfigKey.parse("org.hasm.node")));
    }

    @Test
    void theNodesConfigurationComesFromHasmPropertiesAlone() throws Exception {
        Path home = TestFiles.distribution(root);
        Path node = TestFiles.node(root, "hasm.scm=a\nhasm.role=MASTER\n");
        TestFiles.write(node.resolve("etc/org.hasm.node.cfg"), "hasm.scm=b\n");
        LaunchException e = assertThrows(LaunchException.class,
                () -> Plan.make(Distribution.at(home), Node.load(node, home), false));
        assertTrue(e.getMessage().startsWith(node.resolve("etc/org.hasm.node.cfg") + ": the node's configuration comes from "
                + node.resolve("etc/hasm.properties")), e.getMessage());
    }

    @Test
    void frameworkPropertiesLayerDistributionNodeAndLauncher() throws Exception {
        Plan plan = plan("hasm.scm=a\nhasm.role=slave\nfelix.fileinstall.poll=2000\ncustom=${hasm.scm}-${hasm.role}\n");
        Map<String, String> properties = plan.frameworkProperties();
        Path node = root.resolve("node");
        assertEquals("2000", properties.get("felix.fileinstall.poll"));
        assertEquals("a-SLAVE", properties.get("custom"));
        assertEquals(node + "/x", properties.get("hasm.example.where"));
        assertEquals(root.resolve("hasm").toString(), properties.get("hasm.home"));
        assertEquals(node.toString(), properties.get("hasm.node.dir"));
        assertEquals(node.resolve("data/hasm").toString(), properties.get("hasm.data.dir"));
        assertEquals(node.resolve("log").toString(), properties.get("hasm.log.dir"));
        assertEquals(node.resolve("data/framework").toString(), properties.get("org.osgi.framework.storage"));
        assertEquals("onFirstInit", properties.get("org.osgi.framework.storage.clean"));
        assertEquals("1", properties.get("org.osgi.framework.startlevel.beginning"));
        assertEquals(root.resolve("hasm/deploy").toString(), properties.get("felix.fileinstall.dir"));
        assertEquals("INFO", properties.get("org.osgi.service.log.admin.loglevel"));
        assertEquals("--nointeractive", properties.get("gosh.args"));
        assertEquals("SLAVE", properties.get("hasm.role"));
    }

    @Test
    void anUnknownFeatureListsTheAvailableOnes() throws Exception {
        LaunchException e = assertThrows(LaunchException.class,
                () -> plan("hasm.scm=a\nhasm.role=MASTER\nhasm.features=hasm-core,hasm-nope\n"));
        assertEquals(root.resolve("node/etc/hasm.properties") + ": hasm.features: no feature 'hasm-nope' in "
                + root.resolve("hasm/system/features") + " (available: hasm-core, hasm-extra)", e.getMessage());
        assertEquals(LaunchException.CONFIG, e.exitCode());
    }

    @Test
    void aBundleMissingFromSystemIsNamedWithItsFeature() throws Exception {
        Path home = TestFiles.distribution(root);
        Path jar = MavenId.parse("org.example:plain:1.0.0").path(home.resolve("system"));
        Files.delete(jar);
        Path node = TestFiles.node(root, "hasm.scm=a\nhasm.role=MASTER\n");
        LaunchException e = assertThrows(LaunchException.class,
                () -> Plan.make(Distribution.at(home), Node.load(node, home), false));
        assertEquals(home.resolve("system/features/hasm-core.json") + ": bundle org.example:plain:1.0.0 is not in the"
                + " distribution (no " + jar + ")", e.getMessage());
    }

    @Test
    void anUndefinedVariableIsAnError() throws Exception {
        LaunchException e = assertThrows(LaunchException.class,
                () -> plan("hasm.scm=a\nhasm.role=MASTER\nx=${no.such.thing}/y\n"));
        assertEquals("framework property x=${no.such.thing}/y: ${no.such.thing} is not defined", e.getMessage());
    }
}
