package org.hasm.itests.lifecycle;

import static org.hasm.itests.support.Journal.awaitJournal;
import static org.hasm.itests.support.Journal.concat;
import static org.hasm.itests.support.Journal.each;
import static org.hasm.itests.support.Journal.lastSequence;
import static org.hasm.itests.support.Journal.module;
import static org.hasm.itests.support.Journal.reversed;
import static org.junit.Assert.assertEquals;

import java.util.List;
import java.util.Map;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.HasmTestSupport;
import org.hasm.spi.HaController;
import org.hasm.spi.HaModule;
import org.hasm.spi.ScmState;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * A module's rank changed while it runs (its service properties modified in place, the service
 * staying registered) decides its place in the next transition: here a RESET, whose stop and
 * shutDown go in reverse and whose boot goes forward, both in the new order.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class RankChangeIT extends HasmTestSupport {

    @Configuration
    public Option[] config() {
        return frameworkOptions(true, testBundle("hasm.test.rank", "first;rank=50, second;rank=150, third;rank=200"));
    }

    @Test
    public void exampleRankSetThroughConfigAdminReordersTheNextTransition() throws Exception {
        HaController c = bootToDac(List.of("first", EXAMPLE, "second", "third"));
        long serviceId = serviceId(EXAMPLE);

        configure(EXAMPLE_PID, Map.of(HaModule.MODULE_RANK, 175));
        Await.until("example's service property " + HaModule.MODULE_RANK + "=175",
                () -> "175".equals(String.valueOf(property(EXAMPLE, HaModule.MODULE_RANK))));
        assertEquals("the same service, modified in place", serviceId, serviceId(EXAMPLE));

        // the registry shows the new property before the controller's whiteboard callback has run
        Await.until("the controller to see example's rank 175", () -> module(c, EXAMPLE).rank() == 175);
        assertResetFollows(c, List.of("first", "second", EXAMPLE, "third"));
        assertEquals(175, module(c, EXAMPLE).rank());
    }

    @Test
    public void testModuleRankSetThroughItsRegistrationReordersTheNextTransition() throws Exception {
        HaController c = bootToDac(List.of("first", EXAMPLE, "second", "third"));
        long serviceId = serviceId("first");

        control("first", "rank=300");
        Await.until("first's service property " + HaModule.MODULE_RANK + "=300",
                () -> "300".equals(String.valueOf(property("first", HaModule.MODULE_RANK))));
        assertEquals("the same service, modified in place", serviceId, serviceId("first"));

        Await.until("the controller to see first's rank 300", () -> module(c, "first").rank() == 300);
        assertResetFollows(c, List.of(EXAMPLE, "second", "third", "first"));
        assertEquals(300, module(c, "first").rank());
    }

    private HaController bootToDac(List<String> order) throws Exception {
        awaitRegistered(order);
        assertEquals(order, documentedOrder());
        HaController c = startController();
        awaitState(ScmState.DAC);
        List<String> boot = concat(each(order, "INIT"), each(order, "TEST"), each(order, "OPMODE MASTER DAC"));
        assertEquals(boot, awaitJournal(c, -1, boot.size()));
        return c;
    }

    /** RESET now: every call of it in {@code order} (the order after the change). */
    private void assertResetFollows(HaController c, List<String> order) throws Exception {
        assertEquals("documented order after the change", order, documentedOrder());
        long mark = lastSequence(c);
        c.reset("RankChangeIT");
        List<String> expected = concat(each(reversed(order), "STOP"), each(reversed(order), "SHUTDOWN"),
                each(order, "INIT"), each(order, "TEST"), each(order, "OPMODE MASTER DAC"));
        assertEquals("RESET journal", expected, awaitJournal(c, mark, expected.size()));
        awaitState(ScmState.DAC);
    }

    private ServiceReference<HaModule> reference(String module) throws InvalidSyntaxException {
        return context.getServiceReferences(HaModule.class, "(" + HaModule.MODULE_NAME + "=" + module + ")")
                .stream().findFirst().orElseThrow(() -> new AssertionError("no module " + module));
    }

    private long serviceId(String module) throws InvalidSyntaxException {
        return (Long) reference(module).getProperty(Constants.SERVICE_ID);
    }

    private Object property(String module, String key) {
        try {
            return reference(module).getProperty(key);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
