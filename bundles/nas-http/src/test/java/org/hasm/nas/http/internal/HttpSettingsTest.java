package org.hasm.nas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HttpSettingsTest {

    @Test
    void requestThreadsDefaultToFourPerProcessorAndAtLeastEight() {
        int expected = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
        assertEquals(expected, HttpSettings.automaticMaxThreads());
        assertEquals(expected, HttpSettings.defaults().maxThreads());
    }

    @Test
    void negativeRequestThreadsAreRefusedWithTheirName() {
        HttpSettings d = HttpSettings.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HttpSettings(
                d.maxPutBytes(), d.maxHeaderBytes(), d.connectionTimeoutMillis(), d.keepAliveTimeoutMillis(), -1,
                d.maxConnections(), d.retryAfterSeconds()));
        assertEquals("max.threads=-1 must be positive", e.getMessage());
    }
}
