package org.hasm.itests.lifecycle;

import static org.hasm.itests.support.Journal.journal;
import static org.hasm.itests.support.Journal.modules;
import static org.hasm.itests.support.Journal.outcomes;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.hasm.itests.support.HasmTestSupport;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
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
 * A module that declares its own opMode deadline and overruns it: while its call runs, the status
 * says TIMED_OUT and since when the call runs; when it returns, the journal gets its real outcome,
 * marked late, and the status becomes ACTIVE - the module does serve.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class LateReturnIT extends HasmTestSupport {

    @Configuration
    public Option[] config() {
        return frameworkOptions(false,
                testBundle("hasm.test.late.return", "late;rank=20;block=OPMODE;deadline.OPMODE=400, next;rank=30"));
    }

    @Test
    public void anOverrunIsShownInProgressThenWithItsRealOutcome() throws Exception {
        awaitRegistered(List.of("late", "next"));
        HaController c = startController(5_000, 5_000);
        awaitState(ScmState.DAC);
        assertEquals("its own deadline, not the controller's 5 s", 400L, control("late", "deadline=OPMODE"));

        ModuleInfo overrun = awaitModule("TIMED_OUT", "late", m -> m.status() == ModuleStatus.TIMED_OUT);
        assertEquals(Call.OPMODE, overrun.lastCall());
        assertNotNull(modules(c), overrun.inCallSince());
        assertTrue(overrun.lastError(), overrun.lastError().contains("deadline of 400 ms"));
        assertEquals(Boolean.TRUE, control("late", "blocked"));
        awaitModule("ACTIVE", "next", m -> m.status() == ModuleStatus.ACTIVE);

        control("late", "release");
        ModuleInfo back = awaitModule("ACTIVE after its late return", "late", m -> m.status() == ModuleStatus.ACTIVE);
        assertNull(back.inCallSince());
        assertEquals(List.of("late:INIT=PASSED", "late:TEST=PASSED", "late:OPMODE MASTER DAC=TIMED_OUT",
                "late:OPMODE MASTER DAC=PASSED"), outcomes(c, -1, "late"));
        List<CallRecord> opModes = c.journal(-1).stream()
                .filter(r -> r.module().equals("late") && r.call() == Call.OPMODE).collect(Collectors.toList());
        assertFalse(opModes.get(0).late());
        assertEquals(400, opModes.get(0).millis());
        assertTrue(opModes.get(1).late());
        assertEquals(opModes.get(0).started(), opModes.get(1).started());
        assertTrue(opModes.get(1).toString(), opModes.get(1).millis() >= 400);
        // the SCM's mode did not change meanwhile: nothing more to give it
        assertEquals(journal(c, -1).toString(), List.of("INIT", "TEST", "OPMODE MASTER DAC"), control("late", "calls"));
    }
}
