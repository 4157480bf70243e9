package org.hasm.itests.lifecycle;

import static org.hasm.itests.support.Journal.journal;
import static org.hasm.itests.support.Journal.module;
import static org.hasm.itests.support.Journal.modules;
import static org.hasm.itests.support.Journal.outcomes;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Locale;
import org.hasm.itests.support.HasmTestSupport;
import org.hasm.itests.support.TestBundles;
import org.hasm.spi.Call;
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

/**
 * A module that throws or overruns its deadline is reported and skipped; the others go on. A
 * HASM-tier module failing during boot puts the SCM in MONITOR.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class FailureIT extends HasmTestSupport {

    private static final String SERVICE_FAILURES = "hasm.test.fail.service";
    private static final String HASM_FAILURE = "hasm.test.fail.hasm";
    private static final long TEST_DEADLINE_MS = 500;

    @Configuration
    public Option[] config() {
        // built now, installed by the test that needs them
        TestBundles.build(SERVICE_FAILURES, "ok-hasm;tier=hasm;rank=10, throws;rank=40;fail=TEST,"
                + " hangs;rank=60;block=TEST, ok-svc;rank=300");
        TestBundles.build(HASM_FAILURE, "core;tier=hasm;rank=10;fail=TEST, svc;rank=50");
        return frameworkOptions(true);
    }

    @Test
    public void failedAndTimedOutModulesAreReportedAndTheOthersComplete() throws Exception {
        context.installBundle(TestBundles.path(SERVICE_FAILURES).toUri().toString()).start();
        awaitRegistered(List.of("ok-hasm", "throws", "hangs", "ok-svc", EXAMPLE));
        HaController c = startController(5_000, TEST_DEADLINE_MS);
        awaitState(ScmState.DAC);
        // services are called in parallel: the state shows before they all returned
        awaitModule("ACTIVE", "ok-svc", m -> m.status() == ModuleStatus.ACTIVE);
        awaitModule("ACTIVE", EXAMPLE, m -> m.status() == ModuleStatus.ACTIVE);

        ModuleInfo threw = module(c, "throws");
        assertEquals(modules(c), ModuleStatus.FAILED, threw.status());
        assertEquals(Call.TEST, threw.lastCall());
        assertNotNull("lastError of a module that threw", threw.lastError());
        assertTrue(threw.lastError(), threw.lastError().contains("failed on purpose"));

        ModuleInfo hung = module(c, "hangs");
        assertEquals(modules(c), ModuleStatus.TIMED_OUT, hung.status());
        assertEquals(Call.TEST, hung.lastCall());
        assertNotNull("lastError of a module that overran", hung.lastError());
        String why = hung.lastError().toLowerCase(Locale.ROOT);
        assertTrue(hung.lastError(), why.contains("deadline") || why.contains("time") || why.contains("500"));
        // the controller went on without waiting for it: the call is still blocked in the module
        assertEquals(Boolean.TRUE, control("hangs", "blocked"));
        assertNotNull("the status shows the overrun call in progress", hung.inCallSince());

        assertEquals(List.of("throws:INIT=PASSED", "throws:TEST=FAILED"), outcomes(c, -1, "throws"));
        assertEquals(List.of("hangs:INIT=PASSED", "hangs:TEST=TIMED_OUT"), outcomes(c, -1, "hangs"));
        for (String ok : List.of("ok-hasm", EXAMPLE, "ok-svc")) {
            assertEquals(ok, List.of(ok + ":INIT=PASSED", ok + ":TEST=PASSED", ok + ":OPMODE MASTER DAC=PASSED"),
                    outcomes(c, -1, ok));
            assertEquals(ok, ModuleStatus.ACTIVE, module(c, ok).status());
        }
        // the failed modules got no opMode, and the others kept the phase order
        List<String> journal = journal(c, -1);
        assertFalse(journal.toString(), journal.contains("throws:OPMODE MASTER DAC"));
        assertFalse(journal.toString(), journal.contains("hangs:OPMODE MASTER DAC"));
        assertEquals(List.of("ok-hasm:INIT", "throws:INIT", "hangs:INIT", "example:INIT", "ok-svc:INIT",
                "ok-hasm:TEST", "throws:TEST", "hangs:TEST", "example:TEST", "ok-svc:TEST",
                "ok-hasm:OPMODE MASTER DAC", "example:OPMODE MASTER DAC", "ok-svc:OPMODE MASTER DAC"), journal);
    }

    @Test
    public void aHasmModuleFailingAtBootPutsTheScmInMonitor() throws Exception {
        context.installBundle(TestBundles.path(HASM_FAILURE).toUri().toString()).start();
        awaitRegistered(List.of("core", "svc", EXAMPLE));
        HaController c = startController(5_000, TEST_DEADLINE_MS);
        awaitState(ScmState.MONITOR);

        assertNotNull("reason in MONITOR", c.reason());
        assertTrue(c.reason(), c.reason().contains("core"));
        // the failure is in the journal; the module's status may have moved on, since a faulting
        // SCM offers stop to every module, the failed one included
        List<String> core = outcomes(c, -1, "core");
        assertEquals(core.toString(), List.of("core:INIT=PASSED", "core:TEST=FAILED"), core.subList(0, 2));
        List<String> journal = journal(c, -1);
        // without its HA modules the SCM never serves: no module was put in DAC
        assertTrue(journal.toString(), journal.stream().noneMatch(e -> e.endsWith("OPMODE MASTER DAC")));
    }
}
