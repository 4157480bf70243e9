package org.hasm.netif.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void defaultsAreLoopback() {
        Settings s = Configs.parse(Map.of());
        assertEquals(Settings.Mode.LOOPBACK, s.mode());
        assertEquals(24, s.prefix());
        assertEquals("arping", s.arping());
        assertEquals(1000, s.dadTimeoutMs());
        assertEquals(List.of(), s.commandPrefix());
        assertEquals(List.of(), s.problems());
    }

    @Test
    void linuxModeTakesEverySetting() {
        Settings s = Configs.parse(Map.of("mode", "Linux", "device", "eth0", "prefix", 26, "arping", "/usr/bin/arping",
                "command.prefix", " ip netns exec  hasm-a ", "dad.timeout.ms", "2500", "command.timeout.ms", 3000L));
        assertEquals(List.of(), s.problems());
        assertEquals(Settings.Mode.LINUX, s.mode());
        assertEquals("eth0", s.device());
        assertEquals(26, s.prefix());
        assertEquals("/usr/bin/arping", s.arping());
        assertEquals(List.of("ip", "netns", "exec", "hasm-a"), s.commandPrefix());
        assertEquals(2500, s.dadTimeoutMs());
        assertEquals(3000, s.commandTimeoutMs());
    }

    @Test
    void unknownModeIsNamed() {
        assertProblem(Map.of("mode", "vrrp"), "mode: 'vrrp'");
    }

    @Test
    void linuxModeNeedsADevice() {
        assertProblem(Map.of("mode", "linux"), "device: is not set");
        assertProblem(Map.of("mode", "linux", "device", "eth0 eth1"), "device: 'eth0 eth1'");
        assertProblem(Map.of("mode", "linux", "device", "a-very-long-device-name"), "device: 'a-very");
    }

    @Test
    void numbersAreCheckedAndNamed() {
        assertProblem(Map.of("prefix", "33"), "prefix: '33' is out of range 1..32");
        assertProblem(Map.of("prefix", "wide"), "prefix: 'wide' is not a whole number");
        assertProblem(Map.of("dad.timeout.ms", "5"), "dad.timeout.ms: '5'");
        assertProblem(Map.of("command.timeout.ms", "-1"), "command.timeout.ms: '-1'");
    }

    @Test
    void ticklesAreOnByDefaultAndTheirSettingsAreCheckedAndNamed() {
        assertEquals(new Settings.Tickle(true, 1000, 4096), Configs.parse(Map.of()).tickle());
        assertEquals(new Settings.Tickle(false, 250, 10), Configs.parse(Map.of("tickle.enabled", "false",
                "tickle.interval.ms", "250", "tickle.max.connections", "10")).tickle());
        assertProblem(Map.of("tickle.enabled", "maybe"), "tickle.enabled: 'maybe' is neither true nor false");
        assertProblem(Map.of("tickle.interval.ms", "50"), "tickle.interval.ms: '50' is out of range 100..60000");
        assertProblem(Map.of("tickle.max.connections", "0"), "tickle.max.connections: '0' is out of range 1..65536");
        assertProblem(Map.of("tickle.max.connections", "many"), "tickle.max.connections: 'many' is not a whole number");
    }

    @Test
    void arpingIsOnePath() {
        assertProblem(Map.of("mode", "linux", "device", "eth0", "arping", "sudo arping"), "arping: 'sudo arping'");
    }

    private static void assertProblem(Map<String, ?> config, String expected) {
        List<String> problems = Configs.parse(config).problemLines();
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(expected)), "expected '" + expected + "' in " + problems);
    }
}
