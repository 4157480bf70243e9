package org.hasm.itests.lifecycle;

import static org.hasm.itests.support.Journal.assertOrderModuloParallel;
import static org.hasm.itests.support.Journal.awaitJournal;
import static org.hasm.itests.support.Journal.concat;
import static org.hasm.itests.support.Journal.each;
import static org.hasm.itests.support.Journal.lastSequence;
import static org.hasm.itests.support.Journal.modules;
import static org.hasm.itests.support.Journal.reversed;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.HasmTestSupport;
import org.hasm.itests.support.Journal;
import org.hasm.spi.HaController;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;

/**
 * The order of the lifecycle calls, as {@code HaModule} documents it: every module's init, then
 * every test, then every opMode, forward (HASM tier first, one by one by rank, ties by service.id;
 * then the services, started together in that order); stop and shutDown in reverse. The journal
 * lists calls as they started, so it shows the whole order; the modules' own record shows the HASM
 * modules in order and every phase complete before the next. Modules come from three bundles,
 * around the example service (service tier, rank 100).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class ModuleOrderIT extends HasmTestSupport {

    /** The services below, called in parallel within a phase (the example among them). */
    private static final Set<String> SERVICES = Set.of("svc-first", "svc-tie", EXAMPLE, "svc-mid", "svc-last");

    /** The forward order the registrations below must give (svc-tie and example tie on rank 100). */
    private static final List<String> NAMED_ORDER =
            List.of("storage", "address", "hasm-high", "svc-first", "svc-mid", "svc-last");

    @Configuration
    public Option[] config() {
        return frameworkOptions(true,
                // a HASM module with a rank above every service's still comes before them
                testBundle("hasm.test.order.hasm", "address;tier=hasm;rank=20, hasm-high;tier=hasm;rank=500,"
                        + " storage;tier=hasm;rank=10"),
                testBundle("hasm.test.order.svc1", "svc-last;rank=200, svc-first;rank=50"),
                testBundle("hasm.test.order.svc2", "svc-mid;rank=150, svc-tie;rank=100"));
    }

    @Test
    public void bootCallsEveryPhaseForwardAndShutdownReverses() throws Exception {
        List<String> order = awaitRegistered();
        HaController c = startController();
        awaitState(ScmState.DAC);

        List<String> boot = concat(each(order, "INIT"), each(order, "TEST"), each(order, "OPMODE MASTER DAC"));
        assertEquals("boot journal", boot, awaitJournal(c, -1, boot.size()));
        assertEquals(OpMode.MASTER, c.opMode());
        assertEquals(SysConfig.DAC, c.sysConfig());
        assertEquals("modules() lists the forward order", order, c.modules().stream().map(ModuleInfo::name)
                .filter(m -> !Journal.runtimeModule(m)).collect(Collectors.toList()));
        for (ModuleInfo m : c.modules()) {
            assertEquals(m.name() + " status", ModuleStatus.ACTIVE, m.status());
        }
        // the modules themselves saw the same calls in the same order as the journal says, except
        // that the services of one phase run in parallel
        assertOrderModuloParallel("recorded boot", withoutExample(boot), recorded(), SERVICES);
        // and the example service serves the personality it was given
        String answer = exampleAnswer(examplePort());
        assertTrue(answer, answer.contains("pers-t") && answer.contains(SCM));

        long mark = lastSequence(c);
        int recordedMark = recorded().size();
        c.shutdown("ModuleOrderIT");
        awaitState(ScmState.HALTED);
        List<String> down = concat(each(reversed(order), "STOP"), each(reversed(order), "SHUTDOWN"));
        assertEquals("shutdown journal", down, awaitJournal(c, mark, down.size()));
        assertOrderModuloParallel("recorded shutdown", withoutExample(down),
                recorded().subList(recordedMark, recorded().size()), SERVICES);
    }

    @Test
    public void stoppingTheControllerBundleStopsThenShutsDownInReverse() throws Exception {
        List<String> order = awaitRegistered();
        startController();
        awaitState(ScmState.DAC);
        List<String> boot = concat(each(order, "INIT"), each(order, "TEST"), each(order, "OPMODE MASTER DAC"));
        Await.until("test modules booted", () -> recorded().size() >= withoutExample(boot).size());
        int mark = recorded().size();

        installed(CONTROLLER_BSN).stop();

        // the journal leaves with the controller: the test modules' own record tells the order
        List<String> down = withoutExample(concat(each(reversed(order), "STOP"), each(reversed(order), "SHUTDOWN")));
        Await.until("stop and shutDown of every test module", () -> recorded().size() >= mark + down.size());
        assertOrderModuloParallel("recorded stop", down, recorded().subList(mark, recorded().size()), SERVICES);
        assertEquals(Bundle.RESOLVED, installed(CONTROLLER_BSN).getState());
    }

    /** Waits until all eight modules are registered; returns the documented order. */
    private List<String> awaitRegistered() throws Exception {
        awaitRegistered(List.of("storage", "address", "hasm-high", "svc-first", "svc-tie", EXAMPLE, "svc-mid",
                "svc-last"));
        List<String> order = documentedOrder();
        // the order computed from the service properties is the one the test meant
        assertEquals(NAMED_ORDER, order.stream().filter(NAMED_ORDER::contains).collect(Collectors.toList()));
        assertTrue(order.toString(), order.indexOf(EXAMPLE) > order.indexOf("svc-first")
                && order.indexOf(EXAMPLE) < order.indexOf("svc-mid")
                && order.indexOf("svc-tie") > order.indexOf("svc-first")
                && order.indexOf("svc-tie") < order.indexOf("svc-mid"));
        return order;
    }

    private static List<String> withoutExample(List<String> entries) {
        return entries.stream().filter(e -> !e.startsWith(EXAMPLE + ":")).collect(Collectors.toList());
    }
}
