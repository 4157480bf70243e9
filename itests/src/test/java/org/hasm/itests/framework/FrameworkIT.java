package org.hasm.itests.framework;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.Collection;
import java.util.List;
import org.hasm.itests.support.HasmTestSupport;
import org.hasm.spi.HaModule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** The test framework itself: what every other IT relies on. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FrameworkIT extends HasmTestSupport {

    @Configuration
    public Option[] config() {
        return frameworkOptions(false,
                testBundle("hasm.test.smoke", "smoke-a;tier=hasm;rank=10, smoke-b;rank=20;fail=TEST"));
    }

    @Test
    public void spiResolvesAndExportsItsPackage() {
        Bundle spi = installed("org.hasm.spi");
        assertNotNull("org.hasm.spi installed", spi);
        assertEquals(Bundle.ACTIVE, spi.getState());
        // the probe sees the very HaModule class the SPI bundle exports
        assertEquals(spi, org.osgi.framework.FrameworkUtil.getBundle(HaModule.class));
    }

    @Test
    public void testModulesRegisterWithTheirProperties() throws Exception {
        // the test's modules, and the runtime's node module (the controller's identity comes from it)
        Collection<ServiceReference<HaModule>> refs = context.getServiceReferences(HaModule.class, null);
        assertEquals(3, refs.size());
        assertEquals(1, context.getServiceReferences(HaModule.class, "(" + HaModule.MODULE_NAME + "=node)").size());
        assertEquals(List.of("smoke-a", "smoke-b"), documentedOrder());
        for (ServiceReference<HaModule> ref : refs) {
            assertTrue(ref.getProperty(HaModule.MODULE_RANK) instanceof Integer);
        }
        assertEquals(List.of(), control("smoke-a", "calls"));
    }

    @Test
    public void controllerIsInstalledButNotStarted() {
        Bundle controller = installed(CONTROLLER_BSN);
        assertNotNull("controller installed", controller);
        assertEquals(Bundle.RESOLVED, controller.getState());
    }
}
