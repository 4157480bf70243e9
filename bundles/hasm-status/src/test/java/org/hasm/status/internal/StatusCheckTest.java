package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.hasm.spi.storage.FenceAgent;
import org.junit.jupiter.api.Test;

/** What {@code hasm check} and every start refuse in the status monitor's configuration, and the timing it reports. */
class StatusCheckTest {

    private final Map<String, Map<String, Object>> configs = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final Map<String, String> timing = new TreeMap<>();

    private final Findings findings = new Findings() {
        @Override
        public void problem(String pid, String key, String reason) {
            problems.add(pid + ": " + key + ": " + reason);
        }

        @Override
        public void timing(String pid, String key, long value) {
            timing.put(pid + " " + key, Long.toString(value));
        }
    };

    private final Node node = new Node() {
        @Override
        public String scm() {
            return "scm-a";
        }

        @Override
        public String peer() {
            return "scm-b";
        }

        @Override
        public OpMode configuredRole() {
            return OpMode.MASTER;
        }

        @Override
        public Path dataDir() {
            return Path.of("/tmp");
        }

        @Override
        public long incarnation() {
            return 0;
        }

        @Override
        public List<Personality> personalities() {
            return List.of();
        }

        @Override
        public Configurations configurations() {
            return view;
        }

        @Override
        public List<String> problems() {
            return List.of();
        }

        @Override
        public Map<String, String> timing() {
            return Map.of();
        }
    };

    private final Configurations view = new Configurations() {
        @Override
        public Node node() {
            return node;
        }

        @Override
        public Map<String, Object> get(String pid) {
            return configs.get(pid);
        }

        @Override
        public SortedMap<String, Map<String, Object>> factory(String factoryPid) {
            SortedMap<String, Map<String, Object>> r = new TreeMap<>();
            configs.forEach((pid, p) -> {
                if (pid.startsWith(factoryPid + "~")) {
                    r.put(pid.substring(factoryPid.length() + 1), p);
                }
            });
            return r;
        }

        @Override
        public <A> A typed(Class<A> type, Map<String, ?> properties) {
            return TestSettings.typed(type, new HashMap<>(properties));
        }
    };

    private void channels() {
        configs.put("org.hasm.status.channel~link", new HashMap<>(Map.of("local", "127.0.0.1:7710", "peer", "127.0.0.1:7720")));
        configs.put("org.hasm.status.channel~disk", new HashMap<>(Map.of("kind", "disk", "dir", "/shared/hb")));
    }

    private StatusCheck check(String... agents) {
        StatusCheck check = new StatusCheck();
        long id = 1;
        for (String a : agents) {
            check.addAgent((FenceAgent) (peer, t) -> false, Map.of("service.id", id++, FenceAgent.NAME, a));
        }
        check.check(view, findings);
        return check;
    }

    @Test
    void aSoundPairReportsTheTimingBothScmsMustShare() {
        channels();
        check();
        assertEquals(List.of(), problems);
        assertEquals(Map.of("org.hasm.status counter.start", "4", "org.hasm.status interval.ms", "50",
                "org.hasm.status.channel~disk counter", "8"), timing);
    }

    @Test
    void aMisspeltFenceAgentIsRefusedNamingTheRegisteredOnes() {
        channels();
        configs.put("org.hasm.status", Map.of("fence.agent", "proces"));
        check("process", "netns");
        assertEquals(List.of("org.hasm.status: fence.agent: 'proces': no fence agent of that name is registered"
                + " (registered: netns, none, process)"), problems);
    }

    @Test
    void aValueThatIsNotANumberIsRefusedNamingTheKey() {
        channels();
        configs.put("org.hasm.status", Map.of("interval.ms", "abc"));
        check();
        assertEquals(List.of("org.hasm.status: interval.ms: 'abc' is not a whole number"), problems);
    }

    @Test
    void aStorageHeartbeatLeaseNoLongerThanTheStorageLeaseIsRefused() {
        channels();
        StatusCheck check = check();
        Map<String, String> all = new TreeMap<>(timing);
        all.put(StatusCheck.STORAGE_LEASE, "349");
        check.crossCheck(all, findings);
        assertEquals(List.of(), problems, "8 x 50 = 400 ms outlasts 349 + 50");
        all.put(StatusCheck.STORAGE_LEASE, "350");
        check.crossCheck(all, findings);
        assertEquals(1, problems.size(), "400 ms does not outlast 350 + 50: " + problems);
        problems.clear();
        all.put(StatusCheck.STORAGE_LEASE, "2000");
        check.crossCheck(all, findings);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("org.hasm.status.channel~disk: counter: the storage heartbeat's lease,"
                + " counter 8 x interval.ms 50 = 400 ms, must be longer than org.hasm.storage lease.ms 2000"), problems.get(0));
    }
}
