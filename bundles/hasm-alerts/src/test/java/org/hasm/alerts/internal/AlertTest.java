package org.hasm.alerts.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The alert as a script's environment and as the JSON document. */
class AlertTest {

    @Test
    void eventPropertiesBecomePlainValuesWithoutTheInternalOnes() {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event.topics", "org/hasm/controller/STATE");
        event.put("hasm.journaled", true);
        event.put("count", 3);
        event.put("ratio", 0.5f);
        event.put("alive", false);
        event.put("channels", new String[] {"link", "lan"});
        event.put("volumes", List.of("a", "b"));
        event.put("state", org.hasm.spi.ScmState.DAC);
        assertEquals("{alive=false, channels=[link, lan], count=3, ratio=0.5, state=DAC, volumes=[a, b]}",
                Alert.plain(event).toString());
    }

    @Test
    void propertyNamesBecomeVariablesUpperCasedWithUnderscores() {
        assertEquals("OPMODE", Alert.variable("opMode"));
        assertEquals("FENCE_AGENT", Alert.variable("fence.agent"));
        assertEquals("DELAY_MS_2", Alert.variable("delay-ms/2"));
        assertEquals("_", Alert.variable("é"));
    }

    @Test
    void theEnvironmentHasTheFixedVariablesThenOnePerPropertyEachOnOneLine() {
        Alert a = Fixtures.withProperties(Map.of("opMode", "MASTER", "reason", "a\nb\tc", "kind", "FAILOVER",
                "volumes", List.of("a", "b"), "millis", 12L));
        Map<String, String> env = a.environment();
        assertEquals(List.of("HASM_ALERT_KIND", "HASM_ALERT_TOPIC", "HASM_ALERT_SCM", "HASM_ALERT_INCARNATION",
                "HASM_ALERT_SEQUENCE", "HASM_ALERT_TIME", "HASM_ALERT_DESC", "HASM_ALERT_EVENT_KIND", "HASM_ALERT_MILLIS",
                "HASM_ALERT_OPMODE", "HASM_ALERT_REASON", "HASM_ALERT_VOLUMES"), List.copyOf(env.keySet()));
        assertEquals("state", env.get("HASM_ALERT_KIND"));
        assertEquals("FAILOVER", env.get("HASM_ALERT_EVENT_KIND"));
        assertEquals("a b c", env.get("HASM_ALERT_REASON"));
        assertEquals("a,b", env.get("HASM_ALERT_VOLUMES"));
        assertEquals("12", env.get("HASM_ALERT_MILLIS"));
    }

    @Test
    void theJsonDocumentHasTheAlertAndItsTypedProperties() {
        Alert a = new Alert("peer", "org/hasm/status/PEER", "scm-b", 7, 42, Fixtures.TIME,
                "scm-b: peer \"scm-a\" dead\\gone", Alert.plain(Map.of("alive", false, "incarnation", 4L,
                        "note", "line\nbreak \u0001", "channels", List.of("link"), "load", 1.5)));
        assertEquals("{\"kind\":\"peer\",\"topic\":\"org/hasm/status/PEER\",\"scm\":\"scm-b\",\"incarnation\":7,"
                + "\"sequence\":42,\"time\":\"2026-11-25T10:15:30Z\",\"desc\":\"scm-b: peer \\\"scm-a\\\" dead\\\\gone\","
                + "\"properties\":{\"alive\":false,\"channels\":[\"link\"],\"incarnation\":4,\"load\":1.5,"
                + "\"note\":\"line\\nbreak \\u0001\"}}", new String(a.json(), StandardCharsets.UTF_8));
    }

    @Test
    void aLongValueIsCut() {
        Alert a = Fixtures.alert(1, Map.of("reason", "y".repeat(10_000)));
        String reason = (String) a.properties().get("reason");
        assertEquals(Alert.VALUE_MAX, reason.length());
        assertFalse(a.environment().get("HASM_ALERT_REASON").length() > Alert.VALUE_MAX);
    }
}
