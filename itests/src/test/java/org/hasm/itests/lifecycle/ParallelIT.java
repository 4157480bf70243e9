package org.hasm.itests.lifecycle;

import static org.hasm.itests.support.Journal.awaitJournal;
import static org.hasm.itests.support.Journal.journal;
import static org.hasm.itests.support.Journal.lastSequence;
import static org.hasm.itests.support.Journal.module;
import static org.hasm.itests.support.Journal.modules;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.HasmTestSupport;
import org.hasm.itests.support.TestBundles;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.HaController;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.ScmState;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.InvalidSyntaxException;

/**
 * Services do not wait for each other: a service that blocks in opMode delays no other, even one
 * ranked after it. A service that declares it follows another ({@code hasm.module.after}) is called
 * once that one returned, and on the way down goes before it; HASM modules keep their rank order
 * around them.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class ParallelIT extends HasmTestSupport {

    private static final String INDEPENDENT = "hasm.test.parallel.independent";
    private static final String DEPENDENT = "hasm.test.parallel.dependent";

    @Configuration
    public Option[] config() {
        TestBundles.build(INDEPENDENT, "base;tier=hasm;rank=10, slow;rank=20;block=OPMODE, quick;rank=30");
        TestBundles.build(DEPENDENT, "base;tier=hasm;rank=10, web;rank=40;after=db, db;rank=50;block=OPMODE,"
                + " other;rank=60");
        return frameworkOptions(false);
    }

    @Test
    public void aServiceBlockedInOpModeDelaysNoOther() throws Exception {
        context.installBundle(TestBundles.path(INDEPENDENT).toUri().toString()).start();
        awaitRegistered(List.of("base", "slow", "quick"));
        HaController c = startController(5_000, 5_000);
        awaitState(ScmState.DAC);
        awaitModule("ACTIVE", "quick", m -> m.status() == ModuleStatus.ACTIVE);
        // quick serves while slow, ranked before it, is still in its opMode and within its 5 s deadline (the two
        // calls start together on threads of their own: slow's may reach its module a moment after quick's returned)
        Await.until("slow blocked in its opMode", Await.DEFAULT_TIMEOUT, () -> {
            try {
                return Boolean.TRUE.equals(control("slow", "blocked"));
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        }, () -> "modules " + modules(c));
        assertEquals(modules(c), ModuleStatus.TESTED, module(c, "slow").status());
        assertEquals(Call.OPMODE, module(c, "slow").lastCall());
        assertTrue(journal(c, -1).toString(), journal(c, -1).stream().noneMatch(e -> e.startsWith("slow:OPMODE")));

        control("slow", "release");
        awaitModule("ACTIVE", "slow", m -> m.status() == ModuleStatus.ACTIVE);
        // started together, in rank order, after the HASM tier
        assertEquals(List.of("base:OPMODE MASTER DAC", "slow:OPMODE MASTER DAC", "quick:OPMODE MASTER DAC"),
                awaitJournal(c, -1, 9).subList(6, 9));
    }

    @Test
    public void aFollowerIsCalledAfterItsPredecessorAndStopsBeforeIt() throws Exception {
        context.installBundle(TestBundles.path(DEPENDENT).toUri().toString()).start();
        awaitRegistered(List.of("base", "web", "db", "other"));
        HaController c = startController(5_000, 5_000);
        awaitState(ScmState.DAC);
        awaitModule("ACTIVE", "other", m -> m.status() == ModuleStatus.ACTIVE);
        assertEquals(Boolean.TRUE, control("db", "blocked"));
        // web ranks first but follows db: no opMode for it while db's runs
        assertEquals(List.of("INIT", "TEST"), control("web", "calls"));

        control("db", "release");
        awaitModule("ACTIVE", "web", m -> m.status() == ModuleStatus.ACTIVE);
        assertAfter(record(c, "web", Call.OPMODE), record(c, "db", Call.OPMODE));

        long mark = lastSequence(c);
        c.shutdown("ParallelIT");
        awaitState(ScmState.HALTED);
        List<String> down = awaitJournal(c, mark, 8);
        List<String> stops = down.stream().filter(e -> e.endsWith(":STOP")).collect(Collectors.toList());
        // the HASM module lets go last; web before the db it follows
        assertEquals(down.toString(), "base:STOP", stops.get(stops.size() - 1));
        assertTrue(down.toString(), stops.indexOf("web:STOP") < stops.indexOf("db:STOP"));
        assertAfter(record(c, "db", Call.STOP), record(c, "web", Call.STOP));
        assertAfter(record(c, "base", Call.STOP), record(c, "db", Call.STOP));
        assertFalse(down.toString(), down.indexOf("base:SHUTDOWN") < down.indexOf("db:SHUTDOWN"));
    }

    /** {@code later} started no earlier than {@code earlier} ended. */
    private static void assertAfter(CallRecord later, CallRecord earlier) {
        assertFalse(later + " started before " + earlier + " ended",
                later.started().isBefore(earlier.started().plusMillis(earlier.millis())));
    }

    private static CallRecord record(HaController c, String module, Call call) {
        return c.journal(-1).stream().filter(r -> r.module().equals(module) && r.call() == call)
                .reduce((first, second) -> second)
                .orElseThrow(() -> new AssertionError("no " + module + ":" + call + " in " + journal(c, -1)));
    }
}
