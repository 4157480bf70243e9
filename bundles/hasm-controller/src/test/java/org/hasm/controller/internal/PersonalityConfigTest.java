package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.Personality;
import org.junit.jupiter.api.Test;

class PersonalityConfigTest {

    private static Dictionary<String, Object> dict(String... kv) {
        Hashtable<String, Object> d = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            d.put(kv[i], kv[i + 1]);
        }
        return d;
    }

    @Test
    void readsNameHomeAddressesAndServiceProperties() {
        List<String> problems = new ArrayList<>();
        List<Personality> list = PersonalityConfig.read(Map.of("org.hasm.personality~a",
                dict("name", "A", "home", "scm-a", "addresses", "127.0.0.1, ::1", "example.port", "7071",
                        "service.pid", "org.hasm.personality~a")), problems);
        assertEquals(List.of(), problems);
        Personality a = list.get(0);
        assertEquals("A", a.name());
        assertEquals("scm-a", a.home());
        assertEquals(List.of("127.0.0.1", "::1"), a.addresses());
        assertEquals(Map.of("example.port", "7071"), a.properties());
    }

    @Test
    void everyProblemIsNamedWithItsConfiguration() {
        Map<String, Dictionary<String, Object>> configs = new LinkedHashMap<>();
        configs.put("p~1", dict("home", "scm-a"));
        configs.put("p~2", dict("name", "A", "home", "scm-a", "addresses", "127.0.0.1,filer.example"));
        configs.put("p~3", dict("name", "A", "home", "scm-b"));
        configs.put("p~4", dict("name", "B"));
        configs.put("p~5", dict("name", "C", "home", "scm-a", "addresses", "300.1.1.1"));
        List<String> problems = new ArrayList<>();
        PersonalityConfig.read(configs, problems);
        assertEquals(5, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("p~1: missing 'name'"));
        assertTrue(problems.get(1).contains("p~2: addresses: 'filer.example' is not an IP address"));
        assertTrue(problems.get(2).contains("p~3: a second personality named A"));
        assertTrue(problems.get(3).contains("p~4: missing 'home'"));
        assertTrue(problems.get(4).contains("'300.1.1.1' is not an IP address"));
    }

    @Test
    void readsVolumesAndExportsPerProtocol() {
        List<String> problems = new ArrayList<>();
        List<Personality> list = PersonalityConfig.read(Map.of("p~a", dict("name", "A", "home", "scm-a",
                "volumes", "vol-a, vol-a2", "export.http.docs", "vol-a:/", "export.http.pub", "vol-a2:/pub/:ro",
                "export.nfs.data", "vol-a:data")), problems);
        assertEquals(List.of(), problems);
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
        Map<String, Dictionary<String, Object>> configs = new LinkedHashMap<>();
        configs.put("p~1", dict("name", "A", "home", "scm-a", "volumes", "v1", "export.http.x", "v1:../etc",
                "export.http.y", "v2:/", "export.http.z", "v1", "export.http", "v1:/", "export.http.w", "v1:/:rx"));
        configs.put("p~2", dict("name", "B", "home", "scm-b", "volumes", "v1"));
        List<String> problems = new ArrayList<>();
        PersonalityConfig.read(configs, problems);
        assertEquals(6, problems.size(), problems.toString());
        String all = String.join("\n", problems);
        assertTrue(all.contains("export.http.x=v1:../etc: the path may not contain"), all);
        assertTrue(all.contains("volume v2 is not one of this personality's volumes"), all);
        assertTrue(all.contains("export.http.z=v1 is not <volume>:<path>"), all);
        assertTrue(all.contains("export.http is not export.<protocol>.<name>"), all);
        assertTrue(all.contains("export.http.w=v1:/:rx is not"), all);
        assertTrue(all.contains("volume v1 is already served by personality A"), all);
    }
}
