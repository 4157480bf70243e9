package org.hasm.itests.lifecycle;

import static org.hasm.itests.support.Journal.awaitJournal;
import static org.hasm.itests.support.Journal.lastSequence;
import static org.hasm.itests.support.Journal.module;
import static org.junit.Assert.assertEquals;

import java.util.List;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.HasmTestSupport;
import org.hasm.itests.support.TestBundles;
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

/**
 * A module that appears while the SCM is in DAC is brought up to it (init, test, opMode); one that
 * leaves gets stop, then shutDown. The other modules are not called meanwhile.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class LateModuleIT extends HasmTestSupport {

    private static final String LATE_BUNDLE = "hasm.test.late";
    private static final List<String> LATE_UP = List.of("late:INIT", "late:TEST", "late:OPMODE MASTER DAC");
    private static final List<String> LATE_DOWN = List.of("late:STOP", "late:SHUTDOWN");

    @Configuration
    public Option[] config() {
        TestBundles.build(LATE_BUNDLE, "late;rank=60");
        return frameworkOptions(true, testBundle("hasm.test.early", "early;tier=hasm;rank=10"));
    }

    @Test
    public void aLateModuleIsBroughtUpAndAnUnregisteredOneStopped() throws Exception {
        HaController c = bootToDac();
        long mark = lastSequence(c);
        Bundle late = context.installBundle(TestBundles.path(LATE_BUNDLE).toUri().toString());
        late.start();
        awaitModule("ACTIVE", "late", m -> m.status() == ModuleStatus.ACTIVE);
        assertEquals(LATE_UP, awaitJournal(c, mark, LATE_UP.size()));
        assertEquals(List.of("INIT", "TEST", "OPMODE MASTER DAC"), control("late", "calls"));

        mark = lastSequence(c);
        control("late", "unregister");
        assertEquals(LATE_DOWN, awaitJournal(c, mark, LATE_DOWN.size()));
        Await.until("late leaves the module list", () -> gone(c, "late"));

        // registered again: a new life, from init
        mark = lastSequence(c);
        control("late", "register");
        assertEquals(LATE_UP, awaitJournal(c, mark, LATE_UP.size()));
        awaitModule("ACTIVE again", "late", m -> m.status() == ModuleStatus.ACTIVE);
    }

    @Test
    public void stoppingTheBundleOfAModuleStopsThenShutsItDown() throws Exception {
        HaController c = bootToDac();
        Bundle late = context.installBundle(TestBundles.path(LATE_BUNDLE).toUri().toString());
        late.start();
        awaitModule("ACTIVE", "late", m -> m.status() == ModuleStatus.ACTIVE);

        long mark = lastSequence(c);
        late.stop();
        assertEquals(LATE_DOWN, awaitJournal(c, mark, LATE_DOWN.size()));
        Await.until("late leaves the module list", () -> gone(c, "late"));
        assertEquals(ScmState.DAC, c.state());
        assertEquals(ModuleStatus.ACTIVE, module(c, "early").status());
        assertEquals(ModuleStatus.ACTIVE, module(c, EXAMPLE).status());
    }

    private HaController bootToDac() throws Exception {
        awaitRegistered(List.of("early", EXAMPLE));
        HaController c = startController();
        awaitState(ScmState.DAC);
        // the state shows once the HASM tier is done; the example's opMode may still run
        awaitModule("ACTIVE", EXAMPLE, m -> m.status() == ModuleStatus.ACTIVE);
        return c;
    }

    /** A module that left is either no longer listed or listed as shut down. */
    private static boolean gone(HaController c, String name) {
        ModuleInfo m = module(c, name);
        return m == null || m.status() == ModuleStatus.SHUT_DOWN;
    }
}
