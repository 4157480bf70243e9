package org.hasm.health.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.hasm.spi.Call;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.Tier;
import org.hasm.spi.health.ModuleControl;
import org.junit.jupiter.api.Test;

/** When a restart scheduled after a back-off is still carried out. */
class HealthMonitorRestartTest {

    private static ModuleInfo module(ModuleStatus status, String lastError) {
        return new ModuleInfo() {
            @Override
            public String name() {
                return "svc";
            }

            @Override
            public Tier tier() {
                return Tier.SERVICE;
            }

            @Override
            public int rank() {
                return 10;
            }

            @Override
            public String bundle() {
                return "test.svc";
            }

            @Override
            public String version() {
                return "1.0.0";
            }

            @Override
            public ModuleStatus status() {
                return status;
            }

            @Override
            public Call lastCall() {
                return Call.OPMODE;
            }

            @Override
            public String lastError() {
                return lastError;
            }

            @Override
            public Instant since() {
                return Instant.EPOCH;
            }

            @Override
            public Instant inCallSince() {
                return null;
            }
        };
    }

    @Test
    void aModuleWhoseProbeFailsIsRestartedThoughTheControllerSeesItActive() {
        assertTrue(HealthMonitor.stillWanted(module(ModuleStatus.ACTIVE, null), HealthMonitor.Cause.PROBE),
                "a failing health probe never restarted its module: the controller's status is ACTIVE");
        assertTrue(HealthMonitor.stillWanted(module(ModuleStatus.ACTIVE, null), HealthMonitor.Cause.PANIC));
    }

    @Test
    void aFailedOrTimedOutCallIsRestartedUnlessTheModuleGotOverIt() {
        assertTrue(HealthMonitor.stillWanted(module(ModuleStatus.FAILED, "boom"), HealthMonitor.Cause.CALL));
        assertTrue(HealthMonitor.stillWanted(module(ModuleStatus.TIMED_OUT, "deadline"), HealthMonitor.Cause.CALL));
        assertFalse(HealthMonitor.stillWanted(module(ModuleStatus.ACTIVE, null), HealthMonitor.Cause.CALL));
    }

    @Test
    void aDisabledModuleIsNeverRestarted() {
        String disabled = ModuleControl.DISABLED + " by the health monitor";
        for (HealthMonitor.Cause c : HealthMonitor.Cause.values()) {
            assertFalse(HealthMonitor.stillWanted(module(ModuleStatus.FAILED, disabled), c), c.name());
        }
    }
}
