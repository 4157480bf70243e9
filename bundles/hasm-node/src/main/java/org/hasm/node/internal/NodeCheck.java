package org.hasm.node.internal;

import java.util.Map;
import org.hasm.spi.Personality;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;

/**
 * The node's own check: its identity ({@link Identity}, the code the node's activation runs) and
 * the personalities ({@link PersonalityConfig}, the code every boot runs), whose homes must be this
 * SCM or its peer.
 */
final class NodeCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> node = configurations.get(Node.PID);
        if (node == null) {
            findings.problem(Node.PID, Identity.SCM, "the node has no configuration " + Node.PID
                    + " (the launcher writes it from etc/hasm.properties)");
            return;
        }
        Identity id = Identity.of(configurations.typed(NodeConfig.class, node), findings);
        ConfigView view = (ConfigView) configurations;
        for (Personality p : PersonalityConfig.read(view.factoryByPid(Node.PERSONALITY_FACTORY_PID), findings)) {
            if (id.scm() == null || p.home().equals(id.scm()) || p.home().equals(id.peer())) {
                continue;
            }
            String pid = view.factoryByPid(Node.PERSONALITY_FACTORY_PID).entrySet().stream()
                    .filter(e -> p.name().equals(String.valueOf(e.getValue().get("name")).strip()))
                    .map(Map.Entry::getKey).findFirst().orElse(Node.PERSONALITY_FACTORY_PID);
            findings.problem(pid, "home", "'" + p.home() + "' is neither this SCM (" + id.scm() + ") nor its peer ("
                    + (id.peer() == null ? "none: " + Identity.PEER + " is not set" : id.peer() + ", " + Identity.PEER)
                    + ")");
        }
    }
}
