package org.hasm.itests.lifecycle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.hasm.itests.support.HasmTestSupport;
import org.hasm.spi.HaController;
import org.hasm.spi.ScmState;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/**
 * A configuration made wrong while the SCM runs (through Configuration Admin, as the shell or a tool
 * would): the node checks every change at once, and the controller goes to MONITOR with the
 * configuration, the key and the reason, instead of finding out at the next boot.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class WrongConfigurationIT extends HasmTestSupport {

    @Configuration
    public Option[] config() {
        return frameworkOptions(false, testBundle("hasm.test.wrong", "probe;rank=50"));
    }

    @Test
    public void aWrongValueAppliedAtRunTimePutsTheScmInMonitorNamingKeyAndReason() throws Exception {
        awaitRegistered(List.of("probe"));
        HaController c = startController();
        awaitState(ScmState.DAC);

        Dictionary<String, Object> wrong = new Hashtable<>();
        wrong.put("name", "pers-w");
        wrong.put("home", SCM);
        wrong.put("addresses", "127.0.3.999");
        configAdmin.getFactoryConfiguration(PERSONALITY_FACTORY_PID, "w", "?").update(wrong);

        awaitState(ScmState.MONITOR);
        String reason = c.reason();
        assertTrue(reason, reason.contains(PERSONALITY_FACTORY_PID + "~w: addresses: '127.0.3.999' is not an IP address"));
        assertTrue(reason, reason.contains("correct it, then reset"));
        assertEquals("nothing served in MONITOR", List.of(), c.personalities());
    }
}
