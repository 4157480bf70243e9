package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private static final Map<String, String> NODE = Map.of("hasm.scm", "scm-a", "hasm.peer", "scm-b");
    private static final Map<String, String> STANDALONE = Map.of("hasm.scm", "scm-a");

    private static List<String> problems(Map<String, Object> config, Map<String, String> node) {
        return TestSettings.parse(config, node::get).problemLines();
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
    void theDefaultsAreTheTunedTiming() {
        Settings s = TestSettings.parse(valid(), NODE::get);
        assertEquals(List.of(), s.problems());
        assertEquals(50, s.intervalMs());
        assertEquals(4, s.counterStart());
        assertEquals("none", s.fenceAgent());
        assertEquals(List.of("link"), s.order());
    }

    @Test
    void aNetworkOnlyOutageIsFencedAfterSecondsNotAfterTensOfMilliseconds() {
        Map<String, Object> c = valid();
        c.put("channels", "link, disk");
        c.put("channel.disk.kind", "disk");
        c.put("channel.disk.dir", "/tmp/hb");
        Settings s = TestSettings.parse(c, NODE::get);
        assertEquals(List.of(), s.problems());
        // the tuned timing detects in 200 ms; the fence delay does not follow it down
        assertEquals(Settings.DEFAULT_FENCE_DELAY_MS, s.fenceDelayMs());
        assertTrue(s.fenceDelayMs() >= 1000, "seconds by default");
        c.put("fence.delay.ms", "-1");
        assertEquals(Settings.DEFAULT_FENCE_DELAY_MS, TestSettings.parse(c, NODE::get).fenceDelayMs());
        c.put("fence.delay.ms", "1500");
        assertEquals(1500, TestSettings.parse(c, NODE::get).fenceDelayMs(), "an explicit delay stays");
    }

    @Test
    void twoChannelsListeningOnOneAddressOrAChannelToItselfAreProblemsNamingTheChannel() {
        Map<String, Object> c = valid();
        c.put("channels", "link, second");
        c.put("channel.second.local", "127.0.0.1:7001");
        c.put("channel.second.peer", "127.0.0.2:7002");
        assertProblem("org.hasm.status.channel~second: local: '127.0.0.1:7001' is also where channel link listens",
                problems(c, NODE));
        c.put("channel.second.local", "0.0.0.0:7001");
        assertProblem("'0.0.0.0:7001' is also where channel link listens", problems(c, NODE));
        c.put("channel.second.local", "127.0.0.1:7003");
        assertEquals(List.of(), problems(c, NODE), "another port");
        c.put("channel.second.peer", "127.0.0.1:7003");
        assertProblem("peer: '127.0.0.1:7003' is this channel's own local address", problems(c, NODE));
    }

    @Test
    void theSlaveFencesOnlyOnceTheMastersFenceHadItsTimeWhateverTheDelay() {
        Map<String, Object> c = valid();
        Map<String, String> slave = Map.of("hasm.scm", "scm-b", "hasm.peer", "scm-a", "hasm.role", "SLAVE");
        assertEquals(5000, Monitor.networkOnlyMs(TestSettings.parse(c, NODE::get)), "the MASTER: the delay");
        assertEquals(10_000, Monitor.networkOnlyMs(TestSettings.parse(c, slave::get)), "the SLAVE: twice the delay");
        c.put("fence.delay.ms", "0");
        c.put("fence.timeout.ms", "2000");
        assertEquals(0, Monitor.networkOnlyMs(TestSettings.parse(c, NODE::get)));
        // twice 0 is 0: both would fence at once and kill each other
        assertEquals(2000, Monitor.networkOnlyMs(TestSettings.parse(c, slave::get)));
    }

    @Test
    void aStandaloneNodeNeedsNoChannels() {
        assertEquals(List.of(), problems(Map.of(), STANDALONE));
    }

    @Test
    void aPeerWithoutChannelsWouldNeverBeWatchedAndChannelsWithoutAPeerWatchNobody() {
        assertEquals(List.of("org.hasm.status: (channels): the peer scm-b is configured (hasm.peer) but no status channel"
                + " is (org.hasm.status.channel~NAME.cfg): it would never be watched"), problems(Map.of(), NODE));
        assertProblem("org.hasm.status.channel~link: (channels): status channels are configured but no peer",
                problems(valid(), STANDALONE));
    }

    @Test
    void badValuesNameTheirConfigurationAndKey() {
        Map<String, Object> c = valid();
        c.put("interval.ms", "5");
        c.put("counter.start", "zero");
        c.put("channel.link.peer", "peer.example:7002");
        List<String> p = problems(c, NODE);
        assertProblem("org.hasm.status: interval.ms: '5' is out of range 20..3600000", p);
        assertProblem("org.hasm.status: counter.start: 'zero' is not a whole number", p);
        assertProblem("org.hasm.status.channel~link: peer: peer.example:7002: peer.example is not an IP address", p);

        Map<String, Object> missing = valid();
        missing.remove("channel.link.local");
        assertProblem("org.hasm.status.channel~link: local: is not set (expected IP:port)", problems(missing, NODE));
        Map<String, Object> drop = valid();
        drop.put("fault.drop.link", "101");
        assertProblem("org.hasm.status.channel~link: fault.drop: '101' is out of range 0..100", problems(drop, NODE));
    }

    @Test
    void storageHeartbeatChannel() {
        Map<String, Object> c = valid();
        c.put("channels", "link, disk");
        c.put("channel.disk.kind", "disk");
        c.put("channel.disk.dir", "/shared/heartbeat");
        c.put("channel.disk.counter", "30");
        c.put("fence.agent", "process");
        c.put("fence.timeout.ms", "2000");
        c.put("fault.drop.disk", "50");
        Settings s = TestSettings.parse(c, NODE::get);
        assertEquals(List.of(), s.problems());
        assertEquals(List.of("disk", "link"), s.order());
        assertEquals(List.of(new DiskChannel.Config("disk", Path.of("/shared/heartbeat"), 30, false)), s.disks());
        assertEquals(1, s.channels().size());
        assertEquals("process", s.fenceAgent());
        assertEquals(2000, s.fenceTimeoutMs());
        assertEquals(50, s.drops().get("disk"));
        assertEquals(1500, s.leaseMs(s.disks().get(0)));

        c.remove("channel.disk.counter");
        c.remove("fence.agent");
        c.remove("fence.timeout.ms");
        c.put("channel.disk.fsync", "true");
        s = TestSettings.parse(c, NODE::get);
        assertEquals(8, s.disks().get(0).counter(), "twice counter.start unless it has its own");
        assertTrue(s.disks().get(0).fsync());
        assertEquals("none", s.fenceAgent());
        assertEquals(5000, s.fenceTimeoutMs());
    }

    @Test
    void badStorageChannelsNameTheirConfigurationAndKey() {
        Map<String, Object> c = valid();
        c.put("channels", "link, disk, d2, d3, net");
        c.put("channel.disk.kind", "disk");
        c.put("channel.d2.kind", "disk");
        c.put("channel.d2.dir", "relative/path");
        c.put("channel.d2.counter", "-1");
        c.put("channel.d2.fsync", "sometimes");
        c.put("channel.d3.kind", "tape");
        c.put("channel.net.local", "127.0.0.1:7003");
        c.put("channel.net.peer", "127.0.0.1:7004");
        c.put("channel.net.dir", "/shared");
        c.put("fence.timeout.ms", "10");
        List<String> p = problems(c, NODE);
        assertProblem("org.hasm.status.channel~disk: dir: is not set", p);
        assertProblem("org.hasm.status.channel~d2: dir: 'relative/path' is not an absolute path", p);
        assertProblem("org.hasm.status.channel~d2: counter: '-1' is out of range", p);
        assertProblem("org.hasm.status.channel~d2: fsync: 'sometimes' is neither true nor false", p);
        assertProblem("org.hasm.status.channel~d3: kind: 'tape' is neither udp nor disk", p);
        assertProblem("org.hasm.status.channel~net: dir: is set but kind is not disk", p);
        assertProblem("org.hasm.status: fence.timeout.ms: '10' is out of range", p);

        Map<String, Object> twice = valid();
        twice.put("channels", "d1, d2");
        twice.put("channel.d1.kind", "disk");
        twice.put("channel.d1.dir", "/shared/hb");
        twice.put("channel.d2.kind", "DISK");
        twice.put("channel.d2.dir", "/shared/hb/");
        assertProblem("org.hasm.status.channel~d2: dir: '/shared/hb/' is also the folder of channel d1",
                problems(twice, NODE));
    }
}
