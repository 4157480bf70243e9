package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NlmSettingsTest {

    @Test
    void aValueOutOfRangeIsRefusedNamingItsKey() {
        assertEquals("nlm.lock.entries=0: must be 16..10000000",
                assertThrows(IllegalArgumentException.class, () -> new NlmSettings(0, 1, 1_000, 111)).getMessage());
        assertEquals("nlm.grace.ms=-1: must be 0..600000",
                assertThrows(IllegalArgumentException.class, () -> new NlmSettings(16, -1, 1_000, 111)).getMessage());
        assertEquals("nlm.callback.ms=5: must be 100..120000",
                assertThrows(IllegalArgumentException.class, () -> new NlmSettings(16, 0, 5, 111)).getMessage());
        assertEquals("nlm.callback.portmap.port=70000: must be 1..65535",
                assertThrows(IllegalArgumentException.class, () -> new NlmSettings(16, 0, 100, 70_000)).getMessage());
        assertEquals(NlmSettings.DEFAULTS, NfsSettings.DEFAULTS.nlm());
    }
}
