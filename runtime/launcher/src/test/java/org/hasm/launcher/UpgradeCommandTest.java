package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** hasmctl upgrade: its options, and the upgrade document as text with a progress bar and the time per step. */
class UpgradeCommandTest {

    private static final String DOC = """
            {"upgrade": {"id": "upgrade-1", "bundle": "org.hasm.example", "from": "1.0.0", "to": "1.0.1", "sha256": "ab",
              "status": "ROLLING_BACK", "cause": "org.hasm.example 1.0.1 on scm-b: TEST FAILED: port in use", "held": null,
              "current": 2, "steps": [
                {"description": "scm-b hands over", "started": "2026-12-03T08:00:00Z", "ended": "2026-12-03T08:00:00.400Z",
                 "millis": 400, "outcome": "done"},
                {"description": "install 1.0.1 on scm-b", "started": "2026-12-03T08:00:00.400Z",
                 "ended": "2026-12-03T08:00:02Z", "millis": 1600, "outcome": "org.hasm.example 1.0.1 on scm-b: TEST FAILED: port in use"},
                {"description": "install 1.0.0 on scm-b", "started": "2026-12-03T08:00:02Z", "ended": null, "millis": null,
                 "outcome": null},
                {"description": "scm-b rejoins on 1.0.0", "started": null, "ended": null, "millis": null, "outcome": null}]}}
            """;

    @Test
    @SuppressWarnings("unchecked")
    void theUpgradeReadsAsItWentWithABarAndTheTimeOfEachStep() throws Exception {
        Map<String, ?> u = (Map<String, ?>) ((Map<String, ?>) Json.parse(DOC, "test")).get("upgrade");
        assertEquals("""
                upgrade upgrade-1  org.hasm.example 1.0.0 -> 1.0.1  ROLLING_BACK
                cause  org.hasm.example 1.0.1 on scm-b: TEST FAILED: port in use
                [##########          ] 2/4
                [x] 1. scm-b hands over  0.4 s
                [!] 2. install 1.0.1 on scm-b  1.6 s  org.hasm.example 1.0.1 on scm-b: TEST FAILED: port in use
                [>] 3. install 1.0.0 on scm-b  since 2026-12-03T08:00:02Z
                [ ] 4. scm-b rejoins on 1.0.0
                """, UpgradeCommand.text(u));
        assertEquals("no upgrade was ever planned on this pair\n", UpgradeCommand.text(null));
        assertEquals("[                    ]", UpgradeCommand.bar(0, 6));
        assertEquals("[####################]", UpgradeCommand.bar(6, 6));
    }

    @Test
    void theOptionsOfUpgrade() throws Exception {
        HasmCtl.Request r = HasmCtl.parse(new String[] {"upgrade", "/tmp/e.jar", "--reason", "fix", "--json"});
        assertEquals("start", r.upgrade());
        assertEquals("/tmp/e.jar", r.argument());
        assertTrue(r.json());
        assertEquals(Duration.ofMinutes(15), r.timeout());
        assertEquals("abort", HasmCtl.parse(new String[] {"upgrade", "--abort"}).upgrade());
        assertEquals(Duration.ofSeconds(90), HasmCtl.parse(new String[] {"upgrade", "--resume", "--timeout", "90"}).timeout());
        for (String[] bad : new String[][] {{"upgrade"}, {"upgrade", "x.jar", "--status"}, {"upgrade", "--status", "--abort"},
                {"status", "--abort"}, {"upgrade", "--resume", "--timeout", "0"}, {"upgrade", "--resume", "--timeout", "x"}}) {
            LaunchException e = assertThrows(LaunchException.class, () -> HasmCtl.parse(bad), String.join(" ", bad));
            assertEquals(LaunchException.CONFIG, e.exitCode(), e.getMessage());
        }
    }
}
