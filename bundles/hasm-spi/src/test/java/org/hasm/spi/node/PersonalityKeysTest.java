package org.hasm.spi.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hasm.spi.Export;
import org.hasm.spi.HaException;
import org.hasm.spi.Personality;
import org.junit.jupiter.api.Test;

class PersonalityKeysTest {
    private static final PersonalityKeys KEYS = PersonalityKeys.of(PersonalityKeys.port("kv.port").required(),
            PersonalityKeys.number("kv.cache.mb", 1, 1024), PersonalityKeys.text("kv.name", "[a-z]+", "a name (a-z)"));

    record P(String name, Map<String, String> properties) implements Personality {
        @Override
        public String home() {
            return "scm-a";
        }

        @Override
        public List<String> addresses() {
            return List.of("127.0.0.1");
        }

        @Override
        public List<String> volumes() {
            return List.of();
        }

        @Override
        public List<Export> exports(String protocol) {
            return List.of();
        }
    }

    /** The node's configurations as a check sees them: here only the personalities. */
    record Configs(SortedMap<String, Map<String, Object>> personalities) implements Configurations {
        @Override
        public Node node() {
            throw new UnsupportedOperationException("not read by PersonalityKeys");
        }

        @Override
        public Map<String, Object> get(String pid) {
            return null;
        }

        @Override
        public SortedMap<String, Map<String, Object>> factory(String factoryPid) {
            return factoryPid.equals(Node.PERSONALITY_FACTORY_PID) ? personalities : new TreeMap<>();
        }

        @Override
        public <A> A typed(Class<A> type, Map<String, ?> properties) {
            throw new UnsupportedOperationException("not read by PersonalityKeys");
        }
    }

    @Test
    void everyWrongValueIsNamedWithItsPersonalityKeyAndValue() {
        assertEquals(List.of(), KEYS.problems(new P("A", Map.of("kv.port", "7790", "kv.cache.mb", "64", "kv.name", "x"))));
        assertEquals(List.of("personality B: kv.port: missing: expected a port number (1..65535)",
                "personality B: kv.cache.mb: '0' is not a whole number (1..1024)",
                "personality B: kv.name: 'X1' is not a name (a-z)"),
                KEYS.problems(new P("B", Map.of("kv.cache.mb", "0", "kv.name", "X1"))));
        HaException e = assertThrows(HaException.class, () -> KEYS.require(List.of(
                new P("A", Map.of("kv.port", "7790")), new P("B", Map.of("kv.port", "http")))));
        assertEquals("personality B: kv.port: 'http' is not a port number (1..65535)", e.getMessage());
    }

    @Test
    void aCheckReportsEachByItsFileAndKey() {
        SortedMap<String, Map<String, Object>> personalities = new TreeMap<>();
        personalities.put("a", Map.of("name", "A", "kv.port", "7790"));
        personalities.put("b", Map.of("name", "B", "kv.port", "70000"));
        List<String> found = new ArrayList<>();
        KEYS.check(new Configs(personalities), new Findings() {
            @Override
            public void problem(String pid, String key, String reason) {
                found.add(pid + " " + key + ": " + reason);
            }

            @Override
            public void timing(String pid, String key, long value) {
            }
        });
        assertEquals(List.of("org.hasm.personality~b kv.port: personality B: '70000' is not a port number (1..65535)"), found);
    }

    @Test
    void aValueIsReadOnlyThroughItsDeclaration() throws HaException {
        P a = new P("A", Map.of("kv.port", " 7790 "));
        assertEquals(7790, KEYS.number(a, "kv.port"));
        assertEquals(-1, KEYS.number(a, "kv.cache.mb"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KEYS.value(a, "kv.other"));
        assertEquals("kv.other is not one of [kv.port (a port number (1..65535), required), "
                + "kv.cache.mb (a whole number (1..1024)), kv.name (a name (a-z))]", e.getMessage());
    }
}
