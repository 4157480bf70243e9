package org.hasm.psom.internal;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import org.junit.jupiter.api.Test;

class PsomModuleTest {
    private static PsomConfig config(long writeTimeoutMs, long tombstoneLifetimeMs) {
        return new PsomConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return PsomConfig.class;
            }

            @Override
            public long request_timeout_ms() {
                return 2000;
            }

            @Override
            public long write_timeout_ms() {
                return writeTimeoutMs;
            }

            @Override
            public long tombstone_lifetime_ms() {
                return tombstoneLifetimeMs;
            }
        };
    }

    @Test
    void aTombstoneLifetimeTooShortToOutlastAWriteInFlightIsAProblemNamingTheProperty() {
        assertNull(PsomModule.problem(config(5000, 600_000)));
        String p = PsomModule.problem(config(5000, 59_999));
        assertTrue(p != null && p.contains("tombstone.lifetime.ms=59999"), p);
        p = PsomModule.problem(config(30_000, 200_000));
        assertTrue(p != null && p.contains("write.timeout.ms=30000") && p.contains("300000"), p);
        p = PsomModule.problem(config(1000, 600_000)); // requests of 2000 ms in writes of at most 1000
        assertTrue(p != null && p.contains("request.timeout.ms=2000 is longer than write.timeout.ms=1000"), p);
    }
}
