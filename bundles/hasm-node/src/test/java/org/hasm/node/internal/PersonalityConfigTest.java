package org.hasm.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.Personality;
import org.junit.jupiter.api.Test;

class PersonalityConfigTest {

    private static Map<String, Object> props(String... kv) {
        Map<String, Object> d = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            d.put(kv[i], kv[i + 1]);
        }
        return d;
    }

    @Test
    void readsNameHomeAddressesAndServiceProperties() {
        Found found = new Found();
        List<Personality> list = PersonalityConfig.read(Map.of("org.hasm.personality~a",
                props("name", "A", "home", "scm-a", "addresses", "127.0.0.1, ::1", "example.port", "7071",
                        "service.pid", "org.hasm.personality~a", "hasm.config.source", "/n/etc/x.cfg")), found);
        assertEquals(List.of(), found.problems);
        Personality a = list.get(0);
        assertEquals("A", a.name());
        assertEquals("scm-a", a.home());
        assertEquals(List.of("127.0.0.1", "::1"), a.addresses());
        assertEquals(Map.of("example.port", "7071"), a.properties());
    }

    @Test
    void everyProblemIsNamedWithItsConfigurationAndKey() {
        Map<String, Map<String, Object>> configs = new LinkedHashMap<>();
        configs.put("p~1", props("home", "scm-a"));
        configs.put("p~2", props("name", "A", "home", "scm-a", "addresses", "127.0.0.1,filer.example"));
        configs.put("p~3", props("name", "A", "home", "scm-b"));
        configs.put("p~4", props("name", "B"));
        configs.put("p~5", props("name", "C", "home", "scm-a", "addresses", "127.0.3.999"));
        Found found = new Found();
        PersonalityConfig.read(configs, found);
        assertEquals(5, found.problems.size(), found.all());
        assertTrue(found.problems.get(0).startsWith("p~1: name: missing"), found.all());
        assertTrue(found.problems.get(1).startsWith("p~2: addresses: 'filer.example' is not an IP address"), found.all());
        assertTrue(found.problems.get(2).startsWith("p~3: name: a second personality named A"), found.all());
        assertTrue(found.problems.get(3).startsWith("p~4: home: missing"), found.all());
        assertTrue(found.problems.get(4).startsWith("p~5: addresses: '127.0.3.999' is not an IP address"), found.all());
    }

    @Test
    void readsVolumesAndExportsPerProtocol() {
        Found found = new Found();
        List<Personality> list = PersonalityConfig.read(Map.of("p~a", props("name", "A", "home", "scm-a",
                "volumes", "vol-a, vol-a2", "export.http.docs", "vol-a:/", "export.http.pub", "vol-a2:/pub/:ro",
                "export.nfs.data", "vol-a:data")), found);
        assertEquals(List.of(), found.problems);
        Personality a = list.get(0);
        assertEquals(List.of("vol-a", "vol-a2"), a.volumes());
        assertEquals(List.of("docs", "pub"), a.exports("http").stream().map(org.hasm.spi.Export::name).toList());
        org.hasm.spi.Export pub = a.exports("http").get(1);
        assertEquals("vol-a2", pub.volume());
        assertEquals("pub", pub.path());
        assertTrue(pub.readOnly());
        assertEquals("data", a.exports("nfs").get(0).path());
        assertEquals(List.of(), a.exports("smb"));
        assertEquals(Map.of(), a.properties());
    }

    @Test
    void exportsThatClimbOutOrNameAnotherVolumeAndSharedVolumesAreRefused() {
        Map<String, Map<String, Object>> configs = new LinkedHashMap<>();
        configs.put("p~1", props("name", "A", "home", "scm-a", "volumes", "v1", "export.http.x", "v1:../etc",
                "export.http.y", "v2:/", "export.http.z", "v1", "export.http", "v1:/", "export.http.w", "v1:/:rx"));
        configs.put("p~2", props("name", "B", "home", "scm-b", "volumes", "v1"));
        Found found = new Found();
        PersonalityConfig.read(configs, found);
        assertEquals(6, found.problems.size(), found.all());
        String all = found.all();
        assertTrue(all.contains("export.http.x: 'v1:../etc': the path may not contain"), all);
        assertTrue(all.contains("volume v2 is not one of this personality's volumes"), all);
        assertTrue(all.contains("export.http.z: 'v1' is not <volume>:<path>"), all);
        assertTrue(all.contains("export.http: not export.<protocol>.<name>"), all);
        assertTrue(all.contains("export.http.w: 'v1:/:rx' is not"), all);
        assertTrue(all.contains("p~2: volumes: volume v1 is already served by personality A"), all);
    }

    @Test
    void anAddressOfTwoPersonalitiesIsAProblem() {
        Map<String, Map<String, Object>> configs = new LinkedHashMap<>();
        configs.put("p~1", props("name", "A", "home", "scm-a", "addresses", "10.0.0.5, 10.0.0.6"));
        configs.put("p~2", props("name", "B", "home", "scm-b", "addresses", "10.0.0.7,10.0.0.5"));
        Found found = new Found();
        PersonalityConfig.read(configs, found);
        assertEquals(1, found.problems.size(), found.all());
        assertTrue(found.all().contains("p~2: addresses: address 10.0.0.5 is already personality A's"), found.all());
    }

    @Test
    void anExportThatReachesHasmsReservedNamesIsRefusedWhateverItsProtocol() {
        Map<String, Map<String, Object>> configs = new LinkedHashMap<>();
        configs.put("p~1", props("name", "A", "home", "scm-a", "volumes", "v1",
                "export.http.priv", "v1:.hasm-private", "export.nfs.deep", "v1:data/.hasm-private/kv",
                "export.smb.ok", "v1:data/hasm-private"));
        Found found = new Found();
        List<Personality> list = PersonalityConfig.read(configs, found);
        String all = found.all();
        assertEquals(2, found.problems.size(), all);
        assertTrue(all.contains("export.http.priv: 'v1:.hasm-private': '.hasm-private' is reserved for hasm"), all);
        assertTrue(all.contains("export.nfs.deep: 'v1:data/.hasm-private/kv': '.hasm-private' is reserved"), all);
        assertEquals(List.of("ok"), list.get(0).exports("smb").stream().map(org.hasm.spi.Export::name).toList());
    }
}
