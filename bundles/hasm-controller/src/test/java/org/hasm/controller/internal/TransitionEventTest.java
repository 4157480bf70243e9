package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.hasm.spi.ScmState;
import org.junit.jupiter.api.Test;

class TransitionEventTest {

    @Test
    void theKindKeepsTheMachinesWordsAndDropsReasonsAndNames() {
        assertEquals("FAILOVER", TransitionEvent.kind("FAILOVER"));
        assertEquals("IMPERSONATE+FAILOVER", TransitionEvent.kind("IMPERSONATE (slave → master) + FAILOVER"));
        assertEquals("READY+IMPERSONATE+FAILOVER", TransitionEvent.kind(
                "READY + IMPERSONATE + FAILOVER (scm-b is dead (FENCED): last heard 10:00)"));
        assertEquals("FAILBACK", TransitionEvent.kind("FAILBACK asked (operator: by 'x' (operate)): at the peer's READY"));
        assertEquals("FAILBACK", TransitionEvent.kind("FAILBACK (policy delay 5 s)"));
        assertEquals("READY", TransitionEvent.kind("READY sent, awaiting PROCEED"));
        assertEquals("IMPERSONATE", TransitionEvent.kind("IMPERSONATE (master → slave), READY sent, awaiting PROCEED"));
        assertEquals("POWER_ON", TransitionEvent.kind("POWER ON"));
        assertEquals("MAINTENANCE", TransitionEvent.kind("MAINTENANCE on (admin API (credential 'c' from 127.0.0.1:1))"));
        assertEquals("SHUTDOWN", TransitionEvent.kind("SHUTDOWN: UPS ups@h:3493: on battery (OB)"));
        assertEquals("RESET", TransitionEvent.kind("RESET (HASM module storage panicked: DISK FULL)"));
        assertEquals("TAKEOVER", TransitionEvent.kind("TAKEOVER (handed over)"));
        assertEquals("INIT", TransitionEvent.kind("INIT again (the peer restarted)"));
        assertEquals("MASTER", TransitionEvent.kind("MASTER"));
        assertEquals("FAULT", TransitionEvent.kind("FAULT (storage)"));
        assertEquals("OTHER", TransitionEvent.kind("again"));
        assertEquals("OTHER", TransitionEvent.kind(""));
    }

    @Test
    void theEventSaysFromWhereToWhereAndHowLong() {
        Map<String, Object> p = TransitionEvent.properties("scm-a", "IMPERSONATE (slave → master) + FAILOVER",
                ScmState.DAC, ScmState.DEGRADED, 41);
        assertEquals(Map.of("scm", "scm-a", "transition", "IMPERSONATE (slave → master) + FAILOVER",
                "kind", "IMPERSONATE+FAILOVER", "from", "DAC", "to", "DEGRADED", "millis", 41L), p);
    }
}
