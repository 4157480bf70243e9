package org.hasm.alerts.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Which topic is which kind of alert, and which are none. */
class KindsTest {

    @Test
    void eachPublishersTopicIsItsKind() {
        Map<String, String> expected = new TreeMap<>();
        expected.put("org/hasm/controller/STATE", "state");
        expected.put("org/hasm/controller/TRANSITION", "state");
        expected.put("org/hasm/status/PEER", "peer");
        expected.put("org/hasm/status/FENCE", "fence");
        expected.put("org/hasm/storage/VOLUME", "volume");
        expected.put("org/hasm/health/PROBLEM", "health");
        expected.put("org/hasm/health/RECOVERED", "health");
        expected.put("org/hasm/health/RESTART", "health");
        expected.put("org/hasm/health/DISABLE", "health");
        expected.put("org/hasm/health/REBOOT", "health");
        expected.put("org/hasm/health/SCM_DISABLED", "health");
        expected.put("org/hasm/health/SCM_ENABLED", "health");
        expected.put("org/hasm/controller/PANIC", "health");
        expected.put("org/hasm/controller/module/RESTARTED", "health");
        expected.put("org/hasm/controller/module/DISABLED", "health");
        expected.put("org/hasm/controller/module/REFUSED", "health");
        expected.put("org/hasm/ups/ON_BATTERY", "ups");
        expected.put("org/hasm/ups/SHUTDOWN", "ups");
        expected.put("org/hasm/controller/UPGRADE", "upgrade");
        expected.put("org/hasm/netif/ADDRESS", "address");
        expected.put("org/hasm/netif/DUPLICATE", "address");
        Map<String, String> actual = new TreeMap<>();
        expected.keySet().forEach(t -> actual.put(t, Kinds.of(t)));
        assertEquals(expected, actual);
    }

    @Test
    void heartbeatsCallsAndThisBundlesOwnEventsAreNoAlerts() {
        for (String topic : new String[] {"org/hasm/health/WELLNESS", "org/hasm/controller/call/OK",
            "org/hasm/controller/PARAMETERS", "org/hasm/status/CHANNEL", "org/hasm/status/FLOOD", "org/hasm/netif/TICKLE",
            "org/hasm/netif/WAIT", "org/hasm/events/DROPPED", "org/hasm/module/example/SOMETHING",
            "org/hasm/alerts/FAILED", "org/hasm/alerts/DROPPED", "org/hasm/alerts/TEST", "org/hasm/storage/VOLUMES",
            "org/hasm/controller/STATE/X"}) {
            assertNull(Kinds.of(topic), topic);
        }
    }
}
