package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.hasm.config.Typed;
import org.hasm.spi.HaException;
import org.hasm.testkit.Logs;
import org.junit.jupiter.api.Test;

/**
 * A configuration of the module with a value out of range activates all the same (thrown at activation, the
 * module would only be missing, the SCM in DAC with its NFS exports unserved and no word why) and fails
 * {@code init} naming it, so the controller puts the SCM in MONITOR; a valid one set later clears it.
 */
class NfsModuleConfigTest {

    @Test
    void aValueOutOfRangeFailsInitNamingItAndAValidOneClearsIt() {
        NfsModule m = new NfsModule(Typed.of(NfsModule.Config.class, Map.of("worker.threads", "0")),
                Logs.named("org.hasm.nas.nfs").logger());
        HaException e = assertThrows(HaException.class, () -> m.init(null));
        assertTrue(e.getMessage().contains("org.hasm.nas.nfs: worker.threads=0"), e.getMessage());
        m.modified(Typed.of(NfsModule.Config.class, Map.of("worker.threads", "4")));
        // past the configuration: init goes on (and stops at what this test does not give it)
        Exception next = assertThrows(Exception.class, () -> m.init(null));
        assertTrue(!String.valueOf(next.getMessage()).contains("worker.threads"), next.toString());
    }

    @Test
    void theGracePeriodAfterALossIsTypedDefaultsTo45sIsOffAtZeroAndABadValueFailsInit() {
        assertEquals(45_000, NfsModule.settings(Typed.of(NfsModule.Config.class, Map.of())).nlm().graceMs());
        assertEquals(0, NfsModule.settings(Typed.of(NfsModule.Config.class, Map.of("nlm.grace.ms", "0"))).nlm().graceMs());
        NfsModule m = new NfsModule(Typed.of(NfsModule.Config.class, Map.of("nlm.grace.ms", "600001")),
                Logs.named("org.hasm.nas.nfs").logger());
        HaException e = assertThrows(HaException.class, () -> m.init(null));
        assertTrue(e.getMessage().contains("org.hasm.nas.nfs: nlm.grace.ms=600001: must be 0..600000"), e.getMessage());
    }
}
