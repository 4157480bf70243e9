package org.hasm.ctcm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.junit.jupiter.api.Test;

class CtcmCheckTest {

    private static List<String> check(Map<String, Object> ctcm) {
        Configurations configurations = new Configurations() {
            @Override
            public Node node() {
                throw new UnsupportedOperationException("not asked by this check");
            }

            @Override
            public Map<String, Object> get(String pid) {
                return CtcmComponent.PID.equals(pid) ? ctcm : null;
            }

            @Override
            public SortedMap<String, Map<String, Object>> factory(String factoryPid) {
                return new TreeMap<>();
            }

            @Override
            public <A> A typed(Class<A> type, Map<String, ?> properties) {
                return org.hasm.config.Typed.of(type, properties);
            }
        };
        List<String> problems = new ArrayList<>();
        new CtcmCheck().check(configurations, new Findings() {
            @Override
            public void problem(String pid, String key, String reason) {
                problems.add(pid + " " + key + ": " + reason);
            }

            @Override
            public void timing(String pid, String key, long value) {
                // the CTCM reports no timing
            }
        });
        return problems;
    }

    @Test
    void noReplicaFolderOrAnAbsoluteOneIsSound() {
        assertEquals(List.of(), check(null));
        assertEquals(List.of(), check(Map.of("replica.dir", "")));
        assertEquals(List.of(), check(Map.of("replica.dir", "/srv/shared/config")));
    }

    @Test
    void aRelativeReplicaFolderIsRefusedNamingTheKey() {
        List<String> problems = check(Map.of("replica.dir", "shared/config"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("org.hasm.ctcm replica.dir: shared/config is not an absolute path"),
                problems.get(0));
    }
}
