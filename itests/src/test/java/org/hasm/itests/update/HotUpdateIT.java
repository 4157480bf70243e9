package org.hasm.itests.update;

import static org.hasm.itests.support.Journal.awaitJournal;
import static org.hasm.itests.support.Journal.lastSequence;
import static org.hasm.itests.support.Journal.module;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.List;
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
 * Hot update with {@code Bundle.update(InputStream)}: the example service is replaced by a higher
 * version in the running framework; the old instance is stopped and shut down, the new one brought
 * up to DAC, and nothing else restarts.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class HotUpdateIT extends HasmTestSupport {

    static final List<String> REPLACED = List.of("example:STOP", "example:SHUTDOWN",
            "example:INIT", "example:TEST", "example:OPMODE MASTER DAC");

    @Configuration
    public Option[] config() {
        return frameworkOptions(true, testBundle("hasm.test.neighbour", "neighbour;rank=150"));
    }

    @Test
    public void bundleUpdateReplacesTheModuleWithoutRestartingTheFramework() throws Exception {
        awaitRegistered(List.of("neighbour", EXAMPLE));
        HaController c = startController();
        awaitState(ScmState.DAC);
        // services run in parallel: the state shows before both returned, and the mark below must follow them
        awaitModule("ACTIVE", "neighbour", m -> m.status() == ModuleStatus.ACTIVE);
        ModuleInfo before = awaitModule("ACTIVE", EXAMPLE, m -> m.status() == ModuleStatus.ACTIVE);
        assertTrue(before.version(), before.version().startsWith("1.0.0"));
        assertTrue(exampleAnswer(examplePort()).contains("version " + before.version()));

        Bundle example = installed(EXAMPLE_BSN);
        long exampleId = example.getBundleId();
        FrameworkIdentity framework = FrameworkIdentity.of(context, EXAMPLE_BSN);
        long mark = lastSequence(c);

        example.update(new ByteArrayInputStream(withVersion(bundlesDir().resolve(EXAMPLE_BSN + ".jar"), "1.0.1")));

        ModuleInfo after = awaitModule("ACTIVE in version 1.0.1", EXAMPLE,
                m -> m.status() == ModuleStatus.ACTIVE && m.version().equals("1.0.1"));
        assertEquals(EXAMPLE_BSN, after.bundle());
        // only the example was called: old instance down, then the new one up
        assertEquals(REPLACED, awaitJournal(c, mark, REPLACED.size()));
        assertEquals(ScmState.DAC, c.state());
        assertEquals(ModuleStatus.ACTIVE, module(c, "neighbour").status());
        assertEquals(List.of("INIT", "TEST", "OPMODE MASTER DAC"), control("neighbour", "calls"));
        // the new code serves
        String answer = exampleAnswer(examplePort());
        assertTrue(answer, answer.contains("version 1.0.1"));

        assertEquals("same bundle, updated in place", exampleId, installed(EXAMPLE_BSN).getBundleId());
        assertEquals(Bundle.ACTIVE, FrameworkUtil.getBundle(getClass()).getState());
        framework.assertSameAs(FrameworkIdentity.of(context, EXAMPLE_BSN));
    }
}
