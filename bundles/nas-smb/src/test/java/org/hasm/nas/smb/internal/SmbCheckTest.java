package org.hasm.nas.smb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hasm.config.Typed;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.junit.jupiter.api.Test;

/** {@code hasm check} of the SMB keys of the personalities: each problem names the personality and the key. */
class SmbCheckTest {

    private static List<String> check(Map<String, Map<String, Object>> personalities) {
        SortedMap<String, Map<String, Object>> factory = new TreeMap<>(personalities);
        Configurations configurations = new Configurations() {
            @Override
            public Node node() {
                throw new UnsupportedOperationException("not asked by this check");
            }

            @Override
            public Map<String, Object> get(String pid) {
                return null;
            }

            @Override
            public SortedMap<String, Map<String, Object>> factory(String factoryPid) {
                return Node.PERSONALITY_FACTORY_PID.equals(factoryPid) ? factory : new TreeMap<>();
            }

            @Override
            public <A> A typed(Class<A> type, Map<String, ?> properties) {
                return Typed.of(type, properties);
            }
        };
        List<String> problems = new ArrayList<>();
        new SmbCheck().check(configurations, new Findings() {
            @Override
            public void problem(String pid, String key, String reason) {
                problems.add(pid + " " + key + ": " + reason);
            }

            @Override
            public void timing(String pid, String key, long value) {
                // the personality keys hold no timing
            }
        });
        return problems;
    }

    @Test
    void soundKeysPass() {
        assertEquals(List.of(), check(Map.of("a", Map.of("export.smb.files", "vol-a:/", "export.smb.Docs", "vol-a:/docs",
                "smb.port", "445", "smb.guest", "files", "smb.sync.files", "client", "smb.sync.docs", "always"))));
    }

    @Test
    void aSyncPolicyMustBeKnownAndNameAShare() {
        assertEquals(List.of("org.hasm.personality~a smb.sync.files: 'sometimes' is not a policy: always (every write"
                + " on disk before it is answered) or client (when the client flushes)",
                "org.hasm.personality~a smb.sync.other: names share other, which the personality does not export"
                + " over smb (export.smb.other)"),
                check(Map.of("a", new TreeMap<>(Map.of("export.smb.files", "vol-a:/", "smb.port", "445",
                        "smb.sync.files", "sometimes", "smb.sync.other", "client")))));
    }

    @Test
    void aMissingPortAndAnUnknownGuestShareAreNamed() {
        assertEquals(List.of("org.hasm.personality~a smb.port: missing: the personality has smb exports",
                "org.hasm.personality~a smb.guest: names share pub, which the personality does not export over smb"
                + " (export.smb.pub)"),
                check(Map.of("a", Map.of("export.smb.files", "vol-a:/", "smb.guest", "pub"))));
    }
}
