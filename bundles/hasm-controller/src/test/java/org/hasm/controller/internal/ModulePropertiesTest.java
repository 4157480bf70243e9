package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.Call;
import org.hasm.spi.HaModule;
import org.hasm.spi.Tier;
import org.junit.jupiter.api.Test;

class ModulePropertiesTest {

    private static ModuleProperties parse(Object... keyValues) {
        Map<String, Object> props = new HashMap<>();
        props.put(HaModule.MODULE_NAME, "svc");
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            props.put((String) keyValues[i], keyValues[i + 1]);
        }
        return ModuleProperties.parse(props, "fallback");
    }

    private static void assertInvalid(String expectedInError, Object... keyValues) {
        ModuleProperties p = parse(keyValues);
        assertTrue(p.error() != null && p.error().contains(expectedInError), String.valueOf(p.error()));
    }

    @Test
    void afterTakesAStringListAnArrayOrACollection() {
        assertEquals(List.of("a", "b"), parse(HaModule.MODULE_AFTER, " a, b ,a").after());
        assertEquals(List.of("a", "b"), parse(HaModule.MODULE_AFTER, new String[] {"a", "b"}).after());
        assertEquals(List.of("a"), parse(HaModule.MODULE_AFTER, List.of("a")).after());
        // DS writes an empty array for @HaModuleProperties(after = {}) left at its default
        assertEquals(List.of(), parse(HaModule.MODULE_AFTER, new String[0]).after());
        assertNull(parse(HaModule.MODULE_AFTER, "").error());
    }

    @Test
    void badFollowDeclarationsAreInvalidAndSayWhy() {
        assertInvalid("'a/b' is not a module name", HaModule.MODULE_AFTER, "a/b");
        assertInvalid("names the module itself", HaModule.MODULE_AFTER, "svc");
        assertInvalid("is not a list of module names", HaModule.MODULE_AFTER, 42);
        assertInvalid("HASM modules are ordered by hasm.module.rank", HaModule.MODULE_AFTER, "x",
                HaModule.MODULE_TIER, "hasm");
    }

    @Test
    void deadlinesAreOptionalPositiveMillisecondsPerCall() {
        ModuleProperties p = parse(HaModule.MODULE_DEADLINE_OPMODE, 30_000L, HaModule.MODULE_DEADLINE_STOP, "500",
                HaModule.MODULE_DEADLINE_INIT, 0L);
        assertNull(p.error());
        assertEquals(Map.of(Call.OPMODE, Duration.ofSeconds(30), Call.STOP, Duration.ofMillis(500)), p.deadlines());
        assertInvalid(HaModule.MODULE_DEADLINE_TEST + "=soon is not a number of milliseconds",
                HaModule.MODULE_DEADLINE_TEST, "soon");
        assertInvalid(HaModule.MODULE_DEADLINE_SHUTDOWN + "=-1", HaModule.MODULE_DEADLINE_SHUTDOWN, -1);
        assertInvalid(HaModule.MODULE_DEADLINE_OPMODE + "=1.5", HaModule.MODULE_DEADLINE_OPMODE, 1.5d);
    }

    @Test
    void theDeadlineOfACallIsTheModulesOwnCappedByTheMaximumOrTheDefault() {
        Map<Call, Duration> defaults = new HashMap<>();
        for (Call c : Call.values()) {
            defaults.put(c, Duration.ofSeconds(10));
        }
        Settings s = new Settings("scm-t", org.hasm.spi.OpMode.MASTER, null, defaults, Duration.ofSeconds(60),
                Duration.ofSeconds(1), Duration.ofSeconds(1), 100, List.of(), List.of());
        ModuleProperties p = parse(HaModule.MODULE_DEADLINE_OPMODE, 30_000, HaModule.MODULE_DEADLINE_STOP, 90_000);
        assertEquals(Duration.ofSeconds(30), s.deadline(p, Call.OPMODE));
        assertEquals(Duration.ofSeconds(60), s.deadline(p, Call.STOP));
        assertEquals(Duration.ofSeconds(10), s.deadline(p, Call.INIT));
        assertEquals(Tier.SERVICE, p.tier());
    }
}
