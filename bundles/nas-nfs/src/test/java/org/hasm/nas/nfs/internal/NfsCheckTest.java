package org.hasm.nas.nfs.internal;

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

/** {@code hasm check} of the NFS keys of the personalities: each problem names the personality and the key. */
class NfsCheckTest {

    private static List<String> check(Map<String, Map<String, Object>> personalities) {
        return check(personalities, null);
    }

    private static List<String> check(Map<String, Map<String, Object>> personalities, Map<String, Object> module) {
        SortedMap<String, Map<String, Object>> factory = new TreeMap<>(personalities);
        Configurations configurations = new Configurations() {
            @Override
            public Node node() {
                throw new UnsupportedOperationException("not asked by this check");
            }

            @Override
            public Map<String, Object> get(String pid) {
                return NfsModule.PID.equals(pid) ? module : null;
            }

            @Override
            public SortedMap<String, Map<String, Object>> factory(String factoryPid) {
                return Node.PERSONALITY_FACTORY_PID.equals(factoryPid) ? factory : new TreeMap<>();
            }

            @Override
            public <A> A typed(Class<A> type, Map<String, ?> properties) {
                return org.hasm.config.Typed.of(type, properties);
            }
        };
        List<String> problems = new ArrayList<>();
        new NfsCheck().check(configurations, new Findings() {
            @Override
            public void problem(String pid, String key, String reason) {
                problems.add(pid + " " + key + ": " + reason);
            }

            @Override
            public void timing(String pid, String key, long value) {
                // the NFS keys hold no timing
            }
        });
        return problems;
    }

    @Test
    void theModulesOwnValuesOutOfRangeAreProblemsNamingTheKey() {
        assertEquals(List.of(), check(Map.of(), Map.of("worker.threads", "8")));
        assertEquals(List.of("org.hasm.nas.nfs worker.threads: 0: must be 1..256"), check(Map.of(), Map.of("worker.threads", "0")));
        List<String> nlm = check(Map.of(), Map.of("nlm.callback.ms", "0"));
        assertEquals(1, nlm.size(), nlm.toString());
        assertTrue(nlm.get(0).startsWith("org.hasm.nas.nfs nlm.callback.ms: "), nlm.toString());
    }

    @Test
    void soundPortsPass() {
        assertEquals(List.of(), check(Map.of("a", Map.of("export.nfs.files", "vol-a:/", "nfs.port", "2049",
                "nfs.portmap.port", "0"), "b", Map.of("http.port", "80"))));
    }

    @Test
    void accessKeysAreCheckedPerExport() {
        assertEquals(List.of(), check(Map.of("a", Map.of("export.nfs.files", "vol-a:/", "nfs.port", "2049",
                "nfs.clients.files", "10.0.0.0/8, 127.0.0.1", "nfs.auth.none.files", "true", "nfs.root.squash.files", "false"))));
        assertEquals(List.of("org.hasm.personality~a nfs.auth.none.files: 'yes' is neither true nor false",
                "org.hasm.personality~a nfs.clients.files: 'nowhere.example' is not an IP address or network (a.b.c.d/n)",
                "org.hasm.personality~a nfs.root.squash.other: names no nfs export (export.nfs.other is not configured)"),
                check(Map.of("a", Map.of("export.nfs.files", "vol-a:/", "nfs.port", "2049",
                        "nfs.clients.files", "10.0.0.0/8,nowhere.example", "nfs.auth.none.files", "yes",
                        "nfs.root.squash.other", "false"))));
    }

    @Test
    void aMissingOrBadPortIsNamed() {
        assertEquals(List.of("org.hasm.personality~a nfs.port: missing: the personality has nfs exports"),
                check(Map.of("a", Map.of("export.nfs.files", "vol-a:/"))));
        assertEquals(List.of("org.hasm.personality~a nfs.port: '0' is not a port number (1..65535)",
                "org.hasm.personality~a nfs.mount.port: 'x' is not a port number (1..65535)",
                "org.hasm.personality~a nfs.portmap.port: '70000' is not a port number (0 for none, 1..65535)"),
                check(Map.of("a", Map.of("export.nfs.files", "vol-a:/", "nfs.port", "0", "nfs.mount.port", "x",
                        "nfs.portmap.port", "70000"))));
    }
}
