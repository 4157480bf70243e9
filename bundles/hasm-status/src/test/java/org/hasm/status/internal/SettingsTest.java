package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private static final Map<String, String> FRAMEWORK = Map.of("hasm.scm", "scm-a", "hasm.peer", "scm-b",
            "hasm.data.dir", "/tmp/x", "hasm.node.dir", "/tmp/n");

    private static List<String> problems(Map<String, Object> config, Map<String, String> framework) {
        return Settings.parse(config, framework::get).problems();
    }

    private static Map<String, Object> valid() {
        Map<String, Object> c = new HashMap<>();
        c.put("channels", "link");
        c.put("channel.link.local", "127.0.0.1:7001");
        c.put("channel.link.peer", "127.0.0.1:7002");
        return c;
    }

    private static void assertProblem(String expected, List<String> problems) {
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), expected + " not in " + problems);
    }

    @Test
    void defaultsAndAValidChannel() {
        Settings s = Settings.parse(valid(), FRAMEWORK::get);
        assertEquals(List.of(), s.problems());
        assertEquals(1000, s.intervalMs());
        assertEquals(10, s.counterStart());
        assertEquals("/tmp/n/etc/cluster.key", s.keyFile().toString());
    }

    @Test
    void noChannelsNeedsNothingElse() {
        assertEquals(List.of(), problems(Map.of(), Map.of()));
    }

    @Test
    void badValuesNameTheirProperty() {
        Map<String, Object> c = valid();
        c.put("interval.ms", "5");
        c.put("counter.start", "zero");
        c.put("channel.link.peer", "peer.example:7002");
        c.put("fault.drop.nope", "5");
        List<String> p = problems(c, FRAMEWORK);
        assertProblem("interval.ms=5 is out of range", p);
        assertProblem("counter.start=zero is not a whole number", p);
        assertProblem("channel.link.peer=peer.example:7002", p);
        assertProblem("fault.drop.nope: there is no channel nope", p);

        Map<String, Object> missing = valid();
        missing.remove("channel.link.local");
        assertProblem("channel.link.local is not set", problems(missing, FRAMEWORK));
        assertProblem("hasm.peer is not set", problems(valid(), Map.of("hasm.scm", "a", "hasm.data.dir", "/x",
                "hasm.node.dir", "/n")));
        assertProblem("hasm.peer=a is this SCM's own name", problems(valid(), Map.of("hasm.scm", "a", "hasm.peer",
                "a", "hasm.data.dir", "/x", "hasm.node.dir", "/n")));
        Map<String, Object> drop = valid();
        drop.put("fault.drop.link", "101");
        assertProblem("fault.drop.link=101 is out of range 0..100", problems(drop, FRAMEWORK));
    }
}
