package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** hasmctl status shows the UPS line where a UPS is watched, and nothing of it elsewhere. */
class UpsStatusLineTest {

    @SuppressWarnings("unchecked")
    private static Map<String, ?> parse(String json) throws LaunchException {
        return (Map<String, ?>) Json.parse(json, "test");
    }

    @Test
    void theUpsLineFollowsThePeer() throws Exception {
        String text = StatusTable.status(parse("""
                {"node": "scm-a", "state": "DAC", "peer": null, "time": "2026-12-03T08:00:00Z",
                 "ups": {"ups": "ups@127.0.0.1:3493", "connected": true, "flags": ["OB"], "batteryCharge": 80,
                         "alarm": null, "line": "UPS ups@127.0.0.1:3493: OB, battery 80%; on battery (OB) for 10 s: the pair shuts down in 50 s unless it clears",
                         "lastReading": "2026-12-03T07:59:59Z"}}
                """));
        assertTrue(text.contains("\nups     UPS ups@127.0.0.1:3493: OB, battery 80%; on battery (OB) for 10 s: the pair shuts"
                + " down in 50 s unless it clears\ntime "), text);
    }

    @Test
    void noUpsNoLine() throws Exception {
        assertFalse(StatusTable.status(parse("{\"node\": \"scm-a\", \"ups\": null}")).contains("\nups "));
        assertFalse(StatusTable.status(parse("{\"node\": \"scm-a\"}")).contains("\nups "));
    }
}
