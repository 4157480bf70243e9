package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WatchCommandTest {

    private static Map<String, ?> doc(String json) throws LaunchException {
        @SuppressWarnings("unchecked")
        Map<String, ?> m = (Map<String, ?>) Json.parse(json, "test");
        return m;
    }

    private static WatchCommand watch(boolean terminal) throws LaunchException {
        AdminClient client = new AdminClient("http://127.0.0.1:1", HasmCtl.TIMEOUT, null, null);
        return new WatchCommand(client, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), terminal,
                Clock.systemUTC());
    }

    private static final String DAC = "{\"node\":\"scm-b\",\"state\":\"DAC\",\"opMode\":\"SLAVE\",\"sysConfig\":\"DAC\","
            + "\"since\":\"2026-12-04T10:00:00Z\",\"time\":\"2026-12-04T10:00:30Z\",\"version\":\"1.0.0\","
            + "\"failbackPolicy\":\"auto\",\"peer\":{\"name\":\"scm-a\",\"alive\":true,\"verdict\":\"HEARD\","
            + "\"state\":\"DAC\",\"opMode\":\"MASTER\",\"lastHeard\":\"2026-12-04T10:00:29Z\"},"
            + "\"channels\":[{\"name\":\"udp-1\",\"kind\":\"udp\",\"status\":\"GOOD\",\"missed\":0}],"
            + "\"personalities\":[{\"name\":\"B\",\"home\":\"scm-b\",\"addresses\":[\"127.0.0.3\"]}],"
            + "\"modules\":[{\"name\":\"status\",\"status\":\"ACTIVE\"},{\"name\":\"http\",\"status\":\"ACTIVE\"}]}";

    @Test
    void aPersonalitySeenOnceStaysInTheViewWithWhoServesItNow() throws Exception {
        WatchCommand w = watch(false);
        String before = w.render(doc(DAC.replace("\"personalities\":[", "\"personalities\":[{\"name\":\"A\","
                + "\"home\":\"scm-a\",\"addresses\":[\"127.0.0.2\"]},")), List.of());
        assertTrue(before.contains("A            scm-a  scm-b      127.0.0.2"), before);
        // A went home to scm-a: this SCM no longer lists it, and the peer serves it
        String after = w.render(doc(DAC), List.of("2026-12-04T10:00:31Z scm-a#7 org/hasm/controller/STATE state=DAC"));
        assertTrue(after.contains("A            scm-a  scm-a      127.0.0.2"), after);
        assertTrue(after.contains("B            scm-b  scm-b      127.0.0.3"), after);
        assertTrue(after.contains("latest events:\n  2026-12-04T10:00:31Z scm-a#7"), after);
        assertTrue(after.contains("modules: 2, all well"), after);
        // a log of changes has no ticking clock: the same document renders the same
        assertEquals(after, w.render(doc(DAC.replace("10:00:30Z", "10:00:45Z").replace("10:00:29Z", "10:00:44Z")),
                List.of("2026-12-04T10:00:31Z scm-a#7 org/hasm/controller/STATE state=DAC")));
    }

    @Test
    void aDeadPeerServesNothingAndAFailedModuleIsNamed() throws Exception {
        WatchCommand w = watch(true);
        w.render(doc(DAC.replace("\"personalities\":[", "\"personalities\":[{\"name\":\"A\",\"home\":\"scm-a\",\"addresses\":[]},")),
                List.of());
        String dead = w.render(doc(DAC.replace("\"alive\":true,\"verdict\":\"HEARD\"", "\"alive\":false,\"verdict\":\"FENCED\"")
                .replace("{\"name\":\"http\",\"status\":\"ACTIVE\"}", "{\"name\":\"http\",\"status\":\"FAILED\","
                        + "\"lastError\":\"port 8080 in use\"}")), List.of());
        assertTrue(dead.contains("DEAD: FENCED"), dead);
        assertTrue(dead.contains("heard 10:00:29 (1 s)"), dead);
        assertTrue(dead.contains("A            scm-a  NOBODY"), dead);
        assertTrue(dead.contains("modules: 2, 1 not well\n  http FAILED: port 8080 in use"), dead);
        assertTrue(dead.contains("scm-b (here)  DAC"), dead);
    }
}
