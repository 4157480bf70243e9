package org.hasm.alerts.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one line each alert says, from the properties its publisher gives the event. */
class DescribeTest {

    private static Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void aStateSaysWhatTheScmServesAndWhy() {
        assertEquals("scm-b: DEGRADED, serving A and B (peer scm-a lost on all channels)",
                Describe.of("org/hasm/controller/STATE", props("scm", "scm-b", "state", "DEGRADED", "opMode", "MASTER",
                        "sysConfig", "DEGRADED", "reason", "peer scm-a lost on all channels"), List.of("A", "B")));
        assertEquals("scm-a: DAC(master), serving A",
                Describe.of("org/hasm/controller/STATE", props("scm", "scm-a", "state", "DAC", "opMode", "MASTER",
                        "sysConfig", "DAC"), List.of("A")));
        assertEquals("scm-a: INIT(slave), system ASSUMEDAC",
                Describe.of("org/hasm/controller/STATE", props("scm", "scm-a", "state", "INIT", "opMode", "SLAVE",
                        "sysConfig", "ASSUMEDAC"), null));
        assertEquals("scm-a: MONITOR (configuration: org.hasm.alerts: alert.kinds: 'x' is not a kind)",
                Describe.of("org/hasm/controller/STATE", props("scm", "scm-a", "state", "MONITOR",
                        "reason", "configuration: org.hasm.alerts: alert.kinds: 'x' is not a kind"), List.of()));
        assertEquals("scm-a: HALTED (SHUTDOWN: by the operator)", Describe.of("org/hasm/controller/STATE",
                props("scm", "scm-a", "state", "HALTED", "reason", "SHUTDOWN: by the operator"), null));
    }

    @Test
    void aTransitionSaysFromWhereToWhereAndHowLong() {
        assertEquals("scm-b: FAILOVER: DAC -> DEGRADED in 1234 ms", Describe.of("org/hasm/controller/TRANSITION",
                props("scm", "scm-b", "transition", "FAILOVER", "kind", "FAILOVER", "from", "DAC", "to", "DEGRADED",
                        "millis", 1234L), null));
    }

    @Test
    void thePeerSaysAliveOrDeadAndTheEvidence() {
        assertEquals("scm-b: peer scm-a dead (lost on all channels)", Describe.of("org/hasm/status/PEER",
                props("scm", "scm-b", "peer", "scm-a", "alive", false, "verdict", "SILENT", "incarnation", 4L), null));
        assertEquals("scm-b: peer scm-a alive, DAC(master) (heard)", Describe.of("org/hasm/status/PEER",
                props("scm", "scm-b", "peer", "scm-a", "alive", true, "verdict", "HEARD", "state", "DAC",
                        "opMode", "MASTER"), null));
        assertEquals("scm-b: peer scm-a alive (network outage: every channel lost, its storage heartbeat goes on)",
                Describe.of("org/hasm/status/PEER", props("scm", "scm-b", "peer", "scm-a", "alive", true,
                        "verdict", "NETWORK_OUTAGE"), null));
    }

    @Test
    void fenceVolumeAndAddressEvents() {
        assertEquals("scm-b: fence of peer scm-a: fenced (agent netns)", Describe.of("org/hasm/status/FENCE",
                props("scm", "scm-b", "peer", "scm-a", "agent", "netns", "outcome", "fenced"), null));
        assertEquals("scm-b: volume data-a acquired, owner scm-b, epoch 5", Describe.of("org/hasm/storage/VOLUME",
                props("scm", "scm-b", "volume", "data-a", "epoch", 5L, "owner", "scm-b", "step", "acquired"), null));
        assertEquals("scm-b: volume data-a unwritable: full: 0 bytes left", Describe.of("org/hasm/storage/VOLUME",
                props("scm", "scm-b", "volume", "data-a", "epoch", 0L, "owner", "", "step", "unwritable",
                        "reason", "full: 0 bytes left"), null));
        assertEquals("scm-b: address 10.0.0.5 of A up (mode real)", Describe.of("org/hasm/netif/ADDRESS",
                props("scm", "scm-b", "address", "10.0.0.5", "mode", "real", "personality", "A", "action", "up"), null));
        assertEquals("scm-b: address 10.0.0.5 of A is held by another host (holder 52:54:00:12:34:56)",
                Describe.of("org/hasm/netif/DUPLICATE", props("scm", "scm-b", "address", "10.0.0.5", "mode", "real",
                        "personality", "A", "holder", "52:54:00:12:34:56"), null));
    }

    @Test
    void healthModuleUpsAndUpgradeEvents() {
        assertEquals("scm-a: health check disk.data: 3% free, below 5%", Describe.of("org/hasm/health/PROBLEM",
                props("scm", "scm-a", "check", "disk.data", "problem", "3% free, below 5%"), null));
        assertEquals("scm-a: service nfs failed and is restarted in 2000 ms (failure 2): test failed",
                Describe.of("org/hasm/health/RESTART", props("scm", "scm-a", "module", "nfs", "reason", "test failed",
                        "delayMs", 2000L, "failures", 2), null));
        assertEquals("scm-a: module storage panicked: lease lost", Describe.of("org/hasm/controller/PANIC",
                props("scm", "scm-a", "module", "storage", "reason", "lease lost"), null));
        assertEquals("scm-a: module nfs disabled: by the operator", Describe.of("org/hasm/controller/module/DISABLED",
                props("scm", "scm-a", "module", "nfs", "reason", "by the operator"), null));
        assertEquals("scm-a: UPS ON_BATTERY: UPS ups@127.0.0.1:3493: on battery (OB)", Describe.of("org/hasm/ups/ON_BATTERY",
                props("scm", "scm-a", "ups", "ups@127.0.0.1:3493", "message", "UPS ups@127.0.0.1:3493: on battery (OB)"),
                null));
        assertEquals("scm-a: upgrade u-7 of org.hasm.nas.nfs 1.0.0 -> 1.1.0: ROLLED_BACK, step 2: install (test failed)",
                Describe.of("org/hasm/controller/UPGRADE", props("scm", "scm-a", "upgrade", "u-7", "bundle",
                        "org.hasm.nas.nfs", "from", "1.0.0", "to", "1.1.0", "status", "ROLLED_BACK", "step",
                        "step 2: install", "cause", "test failed"), null));
    }

    @Test
    void aDescriptionIsOneLineOfBoundedLength() {
        String d = Describe.of("org/hasm/controller/STATE", props("scm", "scm-a", "state", "MONITOR",
                "reason", "first line\nsecond line\r\n" + "x".repeat(5000)), null);
        assertTrue(d.startsWith("scm-a: MONITOR (first line second line  xxx"), d);
        assertEquals(Describe.MAX, d.length());
        assertTrue(d.endsWith("..."));
        assertEquals("scm-a: test alert: does the pager ring?", Describe.test("scm-a", "does the pager ring?"));
        assertEquals("scm-a: test alert", Describe.test("scm-a", null));
    }

    @Test
    void anEventWithoutItsUsualPropertiesIsStillDescribed() {
        assertEquals("?: transition: ? -> ?", Describe.of("org/hasm/controller/TRANSITION", props("transition", ""),
                null));
        assertEquals("scm-a: health NEW_THING count=3", Describe.of("org/hasm/health/NEW_THING",
                props("scm", "scm-a", "count", 3L, "hasm.journaled", true), null));
    }
}
