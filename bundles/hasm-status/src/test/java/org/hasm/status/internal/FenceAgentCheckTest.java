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

    private static StatusComponent.Agent agent(String name, Map<String, Object> properties) {
        return new StatusComponent.Agent(name, AGENT, StatusComponent.missing(properties));
    }

    @Test
    void requiredKeysThatAreAbsentOrBlankAreMissing() {
        assertEquals(List.of(), StatusComponent.missing(Map.of()));
        assertEquals(List.of("fence.netns.command"),
                StatusComponent.missing(Map.of(FenceAgent.REQUIRES, "fence.netns.command")));
        assertEquals(List.of("fence.netns.command"), StatusComponent.missing(
                Map.of(FenceAgent.REQUIRES, "fence.netns.command", "fence.netns.command", "  ")));
        assertEquals(List.of(), StatusComponent.missing(
                Map.of(FenceAgent.REQUIRES, "fence.netns.command", "fence.netns.command", "ip link set x down")));
        assertEquals(List.of("b"), StatusComponent.missing(
                Map.of(FenceAgent.REQUIRES, new String[] {"a", "b"}, "a", "1")));
    }

    @Test
    void anAgentWithoutItsConfigurationOrWithoutRegistrationIsAProblemNoneIsNot() {
        List<StatusComponent.Agent> registered = List.of(
                agent("netns", Map.of(FenceAgent.REQUIRES, "fence.netns.command")),
                agent("process", Map.of(FenceAgent.REQUIRES, "fence.process.pidfile",
                        "fence.process.pidfile", "/run/peer.pid")));
        String netns = StatusComponent.agentProblem("netns", registered);
        assertTrue(netns.contains("fence.agent=netns") && netns.contains("fence.netns.command"), netns);
        assertNull(StatusComponent.agentProblem("process", registered));
        String unknown = StatusComponent.agentProblem("ipmi", registered);
        assertTrue(unknown.contains("fence.agent=ipmi") && unknown.contains("no fence agent"), unknown);
        assertNull(StatusComponent.agentProblem("none", List.of()), "none needs no agent");
    }

    @Test
    void theAgentInterfaceStaysCallable() throws Exception {
        assertEquals(false, AGENT.fence("scm-b", Duration.ofSeconds(1)));
        assertEquals(false, AGENT.stopped("scm-b"));
    }
}
