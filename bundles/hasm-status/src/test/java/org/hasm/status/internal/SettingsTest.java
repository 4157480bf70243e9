package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private static final Map<String, String> FRAMEWORK = Map.of("hasm.scm", "scm-a", "hasm.peer", "scm-b",
            "hasm.data.dir", "/tmp/x", "hasm.node.dir", "/tmp/n");

    private static List<String> problems(Map<String, Object> config, Map<String, String> framework) {
        return Settings.parse(config, framework::get).problems();
    }

    private static Map<String, Object> valid() {
        Map<String, Object> c = new HashMap<>();
        c.put("channels", "link");
        c.put("channel.link.local", "127.0.0.1:7001");
        c.put("channel.link.peer", "127.0.0.1:7002");
        return c;
    }

    private static void assertProblem(String expected, List<String> problems) {
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), expected + " not in " + problems);
    }

    @Test
    void defaultsAndAValidChannel() {
        Settings s = Settings.parse(valid(), FRAMEWORK::get);
        assertEquals(List.of(), s.problems());
        assertEquals(1000, s.intervalMs());
        assertEquals(10, s.counterStart());
        assertEquals("/tmp/n/etc/cluster.key", s.keyFile().toString());
    }

    @Test
    void aNetworkOnlyOutageIsFencedAfterSecondsNotAfterTensOfMilliseconds() {
        Map<String, Object> c = valid();
        c.put("interval.ms", "50");
        c.put("counter.start", "4");
        c.put("channels", "link, disk");
        c.put("channel.disk.kind", "disk");
        c.put("channel.disk.dir", "/tmp/hb");
        c.put("channel.disk.counter", "8");
        Settings s = Settings.parse(c, FRAMEWORK::get);
        assertEquals(List.of(), s.problems());
        // the tuned timing detects in 200 ms; the fence delay does not follow it down
        assertEquals(Settings.DEFAULT_FENCE_DELAY_MS, s.fenceDelayMs());
        assertTrue(s.fenceDelayMs() >= 1000, "seconds by default");
        c.put("fence.delay.ms", "-1");
        assertEquals(Settings.DEFAULT_FENCE_DELAY_MS, Settings.parse(c, FRAMEWORK::get).fenceDelayMs());

        c.put("fence.delay.ms", "1500");
        assertEquals(1500, Settings.parse(c, FRAMEWORK::get).fenceDelayMs(), "an explicit delay stays");
    }

    @Test
    void noChannelsNeedsNothingElse() {
        assertEquals(List.of(), problems(Map.of(), Map.of()));
    }

    @Test
    void badValuesNameTheirProperty() {
        Map<String, Object> c = valid();
        c.put("interval.ms", "5");
        c.put("counter.start", "zero");
        c.put("channel.link.peer", "peer.example:7002");
        c.put("fault.drop.nope", "5");
        List<String> p = problems(c, FRAMEWORK);
        assertProblem("interval.ms=5 is out of range", p);
        assertProblem("counter.start=zero is not a whole number", p);
        assertProblem("channel.link.peer=peer.example:7002", p);
        assertProblem("fault.drop.nope: there is no channel nope", p);

        Map<String, Object> missing = valid();
        missing.remove("channel.link.local");
        assertProblem("channel.link.local is not set", problems(missing, FRAMEWORK));
        assertProblem("hasm.peer is not set", problems(valid(), Map.of("hasm.scm", "a", "hasm.data.dir", "/x",
                "hasm.node.dir", "/n")));
        assertProblem("hasm.peer=a is this SCM's own name", problems(valid(), Map.of("hasm.scm", "a", "hasm.peer",
                "a", "hasm.data.dir", "/x", "hasm.node.dir", "/n")));
        Map<String, Object> drop = valid();
        drop.put("fault.drop.link", "101");
        assertProblem("fault.drop.link=101 is out of range 0..100", problems(drop, FRAMEWORK));
    }

    @Test
    void storageHeartbeatChannelAndFencing() {
        Map<String, Object> c = valid();
        c.put("channels", "link, disk");
        c.put("channel.disk.kind", "disk");
        c.put("channel.disk.dir", "/shared/heartbeat");
        c.put("channel.disk.counter", "30");
        c.put("fence.agent", "process");
        c.put("fence.timeout.ms", "2000");
        c.put("fault.drop.disk", "50");
        Settings s = Settings.parse(c, FRAMEWORK::get);
        assertEquals(List.of(), s.problems());
        assertEquals(List.of("link", "disk"), s.order());
        assertEquals(List.of(new DiskChannel.Config("disk", java.nio.file.Path.of("/shared/heartbeat"), 30, false)),
                s.disks());
        assertEquals(1, s.channels().size());
        assertEquals("process", s.fenceAgent());
        assertEquals(2000, s.fenceTimeoutMs());
        assertEquals(50, s.drops().get("disk"));

        c.remove("channel.disk.counter");
        c.remove("fence.agent");
        c.remove("fence.timeout.ms");
        c.put("channel.disk.fsync", "true");
        s = Settings.parse(c, FRAMEWORK::get);
        assertEquals(10, s.disks().get(0).counter()); // counter.start unless it has its own
        assertTrue(s.disks().get(0).fsync());
        assertEquals("none", s.fenceAgent());
        assertEquals(5000, s.fenceTimeoutMs());
    }

    @Test
    void badStorageChannelsNameTheirProperty() {
        Map<String, Object> c = valid();
        c.put("channels", "link, disk, d2, d3, net");
        c.put("channel.disk.kind", "disk");
        c.put("channel.d2.kind", "disk");
        c.put("channel.d2.dir", "relative/path");
        c.put("channel.d2.counter", "0");
        c.put("channel.d2.fsync", "sometimes");
        c.put("channel.d3.kind", "tape");
        c.put("channel.net.local", "127.0.0.1:7003");
        c.put("channel.net.peer", "127.0.0.1:7004");
        c.put("channel.net.dir", "/shared");
        c.put("fence.timeout.ms", "10");
        List<String> p = problems(c, FRAMEWORK);
        assertProblem("channel.disk.dir is not set", p);
        assertProblem("channel.d2.dir=relative/path is not an absolute path", p);
        assertProblem("channel.d2.counter=0 is out of range", p);
        assertProblem("channel.d2.fsync=sometimes is neither true nor false", p);
        assertProblem("channel.d3.kind=tape is neither udp nor disk", p);
        assertProblem("channel.net.dir is set but channel.net.kind is not disk", p);
        assertProblem("fence.timeout.ms=10 is out of range", p);

        Map<String, Object> twice = valid();
        twice.put("channels", "d1, d2");
        twice.put("channel.d1.kind", "disk");
        twice.put("channel.d1.dir", "/shared/hb");
        twice.put("channel.d2.kind", "DISK");
        twice.put("channel.d2.dir", "/shared/hb/");
        assertProblem("channel.d2.dir=/shared/hb/ is also the folder of channel d1", problems(twice, FRAMEWORK));

        Map<String, Object> alone = new HashMap<>();
        alone.put("channels", "disk");
        alone.put("channel.disk.kind", "disk");
        alone.put("channel.disk.dir", "/shared/hb");
        assertProblem("hasm.peer is not set", problems(alone, Map.of("hasm.scm", "a", "hasm.data.dir", "/x",
                "hasm.node.dir", "/n")));
    }
}
