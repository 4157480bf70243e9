package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.ScmState;
import org.hasm.spi.power.PowerStatus;
import org.junit.jupiter.api.Test;

/** The UPS watch's part of the status document: {@code ups}, null when no UPS is watched. */
class UpsDocumentTest {
    private static final Instant NOW = Instant.parse("2026-12-03T08:00:00Z");

    @Test
    void theUpsIsNullWithoutAWatchAndItsStatusWithOne() {
        SpiViews.Controller c = new SpiViews.Controller();
        c.state = ScmState.DAC;
        Map<String, Object> without = MiniJson.object(Documents.status(c, null, null, NOW));
        assertTrue(without.containsKey("ups"), "the field is there: " + without);
        assertNull(without.get("ups"));

        PowerStatus status = new PowerStatus("ups@127.0.0.1:3493", true, List.of("OB", "DISCHRG"), 80.5, null,
                "UPS ups@127.0.0.1:3493: OB DISCHRG, battery 80.5%; on battery (OB) for 10 s: the pair shuts down in 50 s"
                        + " unless it clears", NOW.minusSeconds(1));
        Map<String, Object> with = MiniJson.object(Documents.status(c, null, null, () -> status, NOW));
        Map<String, Object> ups = new LinkedHashMap<>();
        ups.put("ups", "ups@127.0.0.1:3493");
        ups.put("connected", true);
        ups.put("flags", List.of("OB", "DISCHRG"));
        ups.put("batteryCharge", 80.5);
        ups.put("alarm", null);
        ups.put("line", status.line());
        ups.put("lastReading", "2026-12-03T07:59:59Z");
        assertEquals(ups, with.get("ups"));

        PowerStatus none = new PowerStatus("ups@127.0.0.1:3493", false, List.of(), null, null, "UPS x: not read yet", null);
        Map<?, ?> empty = (Map<?, ?>) MiniJson.object(Documents.status(c, null, null, () -> none, NOW)).get("ups");
        assertNull(empty.get("batteryCharge"));
        assertEquals(List.of(), empty.get("flags"));
        assertEquals(false, empty.get("connected"));
    }
}
