package org.hasm.nas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.junit.jupiter.api.Test;

/**
 * {@code hasm check} (and the check of every configuration transaction) of the HTTP module's own configuration:
 * a value its activation would refuse is a problem naming the key, before it reaches either SCM.
 */
class HttpCheckTest {

    private static List<String> check(Map<String, Object> module) {
        return check(module, new TreeMap<>());
    }

    private static List<String> check(Map<String, Object> module, SortedMap<String, Map<String, Object>> personalities) {
        Configurations configurations = new Configurations() {
            @Override
            public Node node() {
                throw new UnsupportedOperationException("not asked by this check");
            }

            @Override
            public Map<String, Object> get(String pid) {
                return HttpModule.PID.equals(pid) ? module : null;
            }

            @Override
            public SortedMap<String, Map<String, Object>> factory(String factoryPid) {
                return Node.PERSONALITY_FACTORY_PID.equals(factoryPid) ? personalities : new TreeMap<>();
            }

            @Override
            public <A> A typed(Class<A> type, Map<String, ?> properties) {
                return org.hasm.config.Typed.of(type, properties);
            }
        };
        List<String> problems = new ArrayList<>();
        new HttpCheck().check(configurations, new Findings() {
            @Override
            public void problem(String pid, String key, String reason) {
                problems.add(pid + " " + key + ": " + reason);
            }

            @Override
            public void timing(String pid, String key, long value) {
            }
        });
        return problems;
    }

    @Test
    void theModulesOwnValuesOutOfRangeAreProblemsNamingTheKey() {
        assertEquals(List.of(), check(Map.of("max.threads", "200")));
        assertEquals(List.of("org.hasm.nas.http max.threads: 0 must be positive"), check(Map.of("max.threads", "0")));
        assertEquals(List.of("org.hasm.nas.http max.header.bytes: 512 must be at least 1024"),
                check(Map.of("max.header.bytes", "512")));
    }

    @Test
    void theBoundsOfLocksAndDeadPropertiesMustBePositive() {
        assertEquals(List.of(), check(Map.of("max.locks", "50", "max.dead.properties", "10",
                "max.dead.property.bytes", "1048576")));
        assertEquals(List.of("org.hasm.nas.http max.locks: 0 must be positive"), check(Map.of("max.locks", "0")));
        assertEquals(List.of("org.hasm.nas.http max.dead.properties: -1 must be positive"),
                check(Map.of("max.dead.properties", "-1")));
        assertEquals(List.of("org.hasm.nas.http max.dead.property.bytes: 0 must be positive"),
                check(Map.of("max.dead.property.bytes", "0")));
    }

    @Test
    void aPersonalityPortIsFixedAndInRange() {
        SortedMap<String, Map<String, Object>> ps = new TreeMap<>();
        ps.put("a", Map.of("export.http.files", "v:/", "http.port", "8080"));
        ps.put("b", Map.of("export.http.files", "v:/", "http.port", "0"));
        ps.put("c", Map.of("export.http.files", "v:/", "http.port", "70000"));
        ps.put("d", Map.of("export.http.files", "v:/"));
        assertEquals(List.of(
                "org.hasm.personality~b http.port: 0 is no fixed port: after a takeover the peer would listen on another"
                        + " one than its clients know (1..65535)",
                "org.hasm.personality~c http.port: '70000' is not a port number (1..65535)",
                "org.hasm.personality~d http.port: missing: the personality has http exports"), check(null, ps));
    }
}
