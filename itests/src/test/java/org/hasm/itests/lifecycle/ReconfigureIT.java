package org.hasm.itests.lifecycle;

import static org.hasm.itests.support.Journal.awaitJournal;
import static org.hasm.itests.support.Journal.lastSequence;
import static org.junit.Assert.assertEquals;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.HasmTestSupport;
import org.hasm.spi.HaController;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/**
 * The controller's configuration changed while the SCM runs (Config Admin, as an operator or
 * File Install would): the deadlines apply at once, and a RESET boots with the configuration as it
 * is then - the new deadlines and the new personalities, not those of the controller's activation.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class ReconfigureIT extends HasmTestSupport {

    @Configuration
    public Option[] config() {
        return frameworkOptions(false, testBundle("hasm.test.reconfigure", "probe;rank=50"));
    }

    @Test
    public void aResetAfterAConfigurationChangeBootsWithTheNewValues() throws Exception {
        awaitRegistered(List.of("probe"));
        HaController c = startController(5_000, 5_000);
        awaitState(ScmState.DAC);
        assertEquals(5_000L, control("probe", "deadline=OPMODE"));
        assertEquals(List.of("pers-t"), names(c.personalities()));

        // the deadline applies to the running SCM at once
        configure(CONTROLLER_PID, Map.of("deadline.opmode.ms", 700L, "deadline.stop.ms", 800L));
        Await.until("the running SCM's opMode deadline 700 ms",
                () -> Long.valueOf(700).equals(controlQuietly("probe", "deadline=OPMODE")));
        // a second personality of this SCM: what it serves changes only with a boot
        Dictionary<String, Object> second = new Hashtable<>();
        second.put("name", "pers-u");
        second.put("home", SCM);
        second.put("addresses", "127.0.0.2"); // an address belongs to one personality
        configAdmin.createFactoryConfiguration(PERSONALITY_FACTORY_PID, "?").update(second);
        assertEquals(List.of("pers-t"), names(c.personalities()));

        long mark = lastSequence(c);
        c.reset("ReconfigureIT");
        List<String> reset = List.of("probe:STOP", "probe:SHUTDOWN", "probe:INIT", "probe:TEST",
                "probe:OPMODE MASTER DAC");
        assertEquals(reset, awaitJournal(c, mark, reset.size()));
        awaitState(ScmState.DAC);

        // the new incarnation of the module lives with the configuration of this boot
        assertEquals(700L, control("probe", "deadline=OPMODE"));
        assertEquals(800L, control("probe", "deadline=STOP"));
        assertEquals(5_000L, control("probe", "deadline=INIT"));
        assertEquals(List.of("pers-t", "pers-u"), names(c.personalities()));
    }

    private Object controlQuietly(String module, String command) {
        try {
            return control(module, command);
        } catch (Exception e) {
            return null;
        }
    }

    private static List<String> names(List<Personality> personalities) {
        return personalities.stream().map(Personality::name).sorted().collect(Collectors.toList());
    }
}
