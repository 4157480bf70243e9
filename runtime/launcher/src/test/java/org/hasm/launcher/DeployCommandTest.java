package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeployCommandTest {

    private static Map<String, Object> now(String state, List<String> versions, Map<String, Object>... modules) {
        return Map.of("state", state,
                "installed", versions.stream().map(v -> (Object) Map.of("version", v, "state", "ACTIVE")).toList(),
                "modules", List.of(modules));
    }

    private static Map<String, Object> module(String version, String status, String since) {
        Map<String, Object> m = new HashMap<>();
        m.put("name", "kv");
        m.put("version", version);
        m.put("status", status);
        m.put("lastCall", "TEST");
        m.put("lastError", "port 7790 in use");
        m.put("since", since);
        return m;
    }

    @Test
    void theNewVersionIsUpWhenItsModuleServesOrIsTestedWhereTheScmServesNothing() {
        String t = "2026-12-03T10:00:01Z";
        assertFalse(DeployCommand.look(now("DAC", List.of("1.0.0")), "1.1.0", true, null).ended(), "not installed yet");
        assertFalse(DeployCommand.look(now("DAC", List.of("1.1.0")), "1.1.0", true, null).ended(), "no module yet");
        assertFalse(DeployCommand.look(now("DAC", List.of("1.1.0"), module("1.1.0", "TESTED", t)), "1.1.0", true, null)
                .ended(), "tested, its opMode to come");
        DeployCommand.Outcome up = DeployCommand.look(now("DAC", List.of("1.1.0"), module("1.1.0", "ACTIVE", t)), "1.1.0",
                true, null);
        assertTrue(up.ended() && up.up(), up.text());
        assertTrue(DeployCommand.look(now("MONITOR", List.of("1.1.0"), module("1.1.0", "TESTED", t)), "1.1.0", true, null)
                .up(), "MONITOR calls no opMode");
        Map<String, Object> calling = module("1.1.0", "ACTIVE", t);
        calling.put("inCallSince", t);
        assertFalse(DeployCommand.look(now("DAC", List.of("1.1.0"), calling), "1.1.0", true, null).ended());
    }

    @Test
    void aFailedModuleEndsTheWaitWithItsError() {
        DeployCommand.Outcome o = DeployCommand.look(now("DAC", List.of("1.1.0"),
                module("1.1.0", "FAILED", "2026-12-03T10:00:01Z")), "1.1.0", true, null);
        assertTrue(o.ended());
        assertFalse(o.up());
        assertEquals("module kv FAILED in TEST: port 7790 in use", o.text());
    }

    @Test
    void aFailedCallOfTheNewVersionEndsTheWaitEvenWhenItWasRolledBackBeforeTheLook() {
        Map<String, Object> now = new HashMap<>(now("DAC", List.of("1.0.0"), module("1.0.0", "ACTIVE",
                "2026-12-03T10:00:01Z")));
        now.put("calls", List.of(Map.of("module", "kv", "call", "TEST", "version", "1.1.0", "outcome", "FAILED",
                "error", "port 7790 in use")));
        DeployCommand.Outcome o = DeployCommand.look(now, "1.1.0", true, null);
        assertTrue(o.ended());
        assertFalse(o.up());
        assertEquals("module kv FAILED in TEST: port 7790 in use", o.text());
    }

    @Test
    void theSameVersionDeployedAgainCountsOnlyModulesSinceTheDeploy() {
        Instant at = Instant.parse("2026-12-03T10:00:05Z");
        assertFalse(DeployCommand.look(now("DAC", List.of("1.0.0"), module("1.0.0", "ACTIVE", "2026-12-03T10:00:01Z")),
                "1.0.0", true, at).ended(), "the module of before the deploy");
        assertTrue(DeployCommand.look(now("DAC", List.of("1.0.0"), module("1.0.0", "ACTIVE", "2026-12-03T10:00:06Z")),
                "1.0.0", true, at).up());
    }

    @Test
    void aBundleWithoutAModuleIsUpWhenItIsActive() {
        assertTrue(DeployCommand.look(now("DAC", List.of("1.1.0")), "1.1.0", false, null).up());
    }

    @Test
    void theCommandLineNeedsAJarAndTakesATimeout() throws Exception {
        HasmCtl.Request r = HasmCtl.parse(new String[] {"deploy", "kv.jar", "--timeout", "30"});
        assertEquals("deploy", r.command());
        assertEquals("kv.jar", r.argument());
        assertEquals(Duration.ofSeconds(30), r.timeout());
        assertEquals(DeployCommand.DEFAULT_TIMEOUT, HasmCtl.parse(new String[] {"deploy", "kv.jar"}).timeout());
        assertTrue(assertThrows(LaunchException.class, () -> HasmCtl.parse(new String[] {"deploy"})).getMessage()
                .contains("deploy needs the bundle jar"));
        assertTrue(assertThrows(LaunchException.class, () -> HasmCtl.parse(new String[] {"status", "--timeout", "3"}))
                .getMessage().contains("--timeout is for upgrade and deploy only"));
        // a value whose nanoseconds overflow a long was taken, and the wait threw once the deploy was written
        assertTrue(assertThrows(LaunchException.class, () -> HasmCtl.parse(new String[] {"deploy", "kv.jar", "--timeout",
                "9300000000"})).getMessage().contains("must be 1 to 31536000 seconds"));
        assertEquals(Duration.ofSeconds(HasmCtl.MAX_TIMEOUT_S),
                HasmCtl.parse(new String[] {"deploy", "kv.jar", "--timeout", "31536000"}).timeout());
    }
}
