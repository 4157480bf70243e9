package org.hasm.health.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OperatorResetTest {

    @Test
    void onlyAnOperatorsResetEnablesADisabledScm() {
        assertTrue(HealthMonitor.operatorReset("RESET: hasmctl reset by credential 'ops' (found the bad disk)"));
        assertFalse(HealthMonitor.operatorReset(null), "a power-on");
        assertFalse(HealthMonitor.operatorReset("RESET: health: HASM module storage failed: OPMODE FAILED"));
        assertFalse(HealthMonitor.operatorReset("RESET: HASM module storage panicked: volume taken over"));
        assertFalse(HealthMonitor.operatorReset("storage B unwritable since 10:00"));
    }
}
