package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hasm.spi.storage.FenceAgent;
import org.junit.jupiter.api.Test;

/** The configured fence agent must exist and have the configuration it requires, or the SCM does not start. */
class FenceAgentCheckTest {
    private static final FenceAgent AGENT = (peer, timeout) -> false;

    private static Agents.Agent agent(String name, Map<String, Object> properties) {
        return new Agents.Agent(name, AGENT, Agents.missing(properties));
    }

    @Test
    void requiredKeysThatAreAbsentOrBlankAreMissing() {
        assertEquals(List.of(), Agents.missing(Map.of()));
        assertEquals(List.of("fence.netns.command"),
                Agents.missing(Map.of(FenceAgent.REQUIRES, "fence.netns.command")));
        assertEquals(List.of("fence.netns.command"), Agents.missing(
                Map.of(FenceAgent.REQUIRES, "fence.netns.command", "fence.netns.command", "  ")));
        assertEquals(List.of(), Agents.missing(
                Map.of(FenceAgent.REQUIRES, "fence.netns.command", "fence.netns.command", "ip link set x down")));
        assertEquals(List.of("b"), Agents.missing(
                Map.of(FenceAgent.REQUIRES, new String[] {"a", "b"}, "a", "1")));
    }

    @Test
    void anAgentWithoutItsConfigurationOrWithoutRegistrationIsAProblemNoneIsNot() {
        List<Agents.Agent> registered = List.of(
                agent("netns", Map.of(FenceAgent.REQUIRES, "fence.netns.command")),
                agent("process", Map.of(FenceAgent.REQUIRES, "fence.process.pidfile",
                        "fence.process.pidfile", "/run/peer.pid")));
        String netns = Agents.problem("netns", registered);
        assertTrue(netns.startsWith("'netns'") && netns.contains("fence.netns.command"), netns);
        assertNull(Agents.problem("process", registered));
        String unknown = Agents.problem("ipmi", registered);
        assertEquals("'ipmi': no fence agent of that name is registered (registered: netns, none, process)", unknown);
        assertNull(Agents.problem("none", List.of()), "none needs no agent");
    }

    @Test
    void theAgentInterfaceStaysCallable() throws Exception {
        assertEquals(false, AGENT.fence("scm-b", Duration.ofSeconds(1)));
        assertEquals(false, AGENT.stopped("scm-b"));
    }
}
