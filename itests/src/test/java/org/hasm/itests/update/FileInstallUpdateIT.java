package org.hasm.itests.update;

import static org.hasm.itests.support.Journal.awaitJournal;
import static org.hasm.itests.support.Journal.lastSequence;
import static org.hasm.itests.support.Journal.module;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import org.hasm.itests.support.HasmTestSupport;
import org.hasm.spi.HaController;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.ScmState;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

/**
 * Hot update the way an operator does it: Felix File Install watches a deploy folder; a new
 * version of the example service copied over the old jar replaces it in the running framework.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class FileInstallUpdateIT extends HasmTestSupport {

    private static final String DEPLOY_DIR = "hasm.test.deploy";

    @Configuration
    public Option[] config() {
        Path deploy = workDir().resolve("deploy-" + UUID.randomUUID());
        return frameworkOptions(false,
                testBundle("hasm.test.neighbour", "neighbour;rank=150"),
                frameworkProperty(DEPLOY_DIR).value(deploy.toString()),
                frameworkProperty("felix.fileinstall.dir").value(deploy.toString()),
                frameworkProperty("felix.fileinstall.poll").value("200"),
                frameworkProperty("felix.fileinstall.noInitialDelay").value("true"),
                bundle(bundleUrl("org.apache.felix.fileinstall")),
                // the example, deployed below, waits on the address readiness of the address module
                bundle(bundleUrl("org.hasm.netif")));
    }

    @Test
    public void aJarCopiedOverTheDeployedOneReplacesTheModule() throws Exception {
        Path deploy = Path.of(context.getProperty(DEPLOY_DIR));
        Files.createDirectories(deploy);
        deleteAfter(deploy);
        Path staging = tempDir("staging");
        awaitRegistered(List.of("neighbour"));
        exampleArrivesLater();
        HaController c = startController();
        awaitState(ScmState.DAC);
        // the state shows once the HASM tier is done; the mark below must follow the neighbour's opMode
        awaitModule("ACTIVE", "neighbour", m -> m.status() == ModuleStatus.ACTIVE);

        // version 1 arrives like any late module
        Path jar = bundlesDir().resolve(EXAMPLE_BSN + ".jar");
        Path deployed = deploy.resolve(EXAMPLE_BSN + ".jar");
        Files.copy(jar, deployed);
        ModuleInfo before = awaitModule("ACTIVE in version 1.0.0", EXAMPLE,
                m -> m.status() == ModuleStatus.ACTIVE && m.version().startsWith("1.0.0"));
        FrameworkIdentity framework = FrameworkIdentity.of(context, EXAMPLE_BSN);
        long exampleId = installed(EXAMPLE_BSN).getBundleId();
        long mark = lastSequence(c);

        // the new version replaces the file in one step, so File Install never reads half a jar
        Path next = staging.resolve(EXAMPLE_BSN + ".jar");
        Files.write(next, withVersion(jar, "1.0.1"));
        Files.move(next, deployed, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        ModuleInfo after = awaitModule("ACTIVE in version 1.0.1", EXAMPLE,
                m -> m.status() == ModuleStatus.ACTIVE && m.version().equals("1.0.1"));
        assertTrue(before.version() + " -> " + after.version(), !before.version().equals(after.version()));
        assertEquals(HotUpdateIT.REPLACED, awaitJournal(c, mark, HotUpdateIT.REPLACED.size()));
        assertEquals(ScmState.DAC, c.state());
        assertEquals(ModuleStatus.ACTIVE, module(c, "neighbour").status());
        String answer = exampleAnswer(examplePort());
        assertTrue(answer, answer.contains("version 1.0.1"));

        assertEquals("same bundle, updated in place", exampleId, installed(EXAMPLE_BSN).getBundleId());
        assertEquals(Bundle.ACTIVE, FrameworkUtil.getBundle(getClass()).getState());
        framework.assertSameAs(FrameworkIdentity.of(context, EXAMPLE_BSN));
    }
}
