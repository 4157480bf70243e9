package org.hasm.node.internal;

import java.util.Map;
import java.util.TreeMap;
import org.hasm.spi.Personality;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;

/**
 * The node's own check: its identity ({@link Identity}, the code the node's activation runs) and
 * the personalities ({@link PersonalityConfig}, the code every boot runs), whose homes must be this
 * SCM or its peer, and whose services may not share a port ({@link #portClashes}).
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
        view.factoryByPid(Node.PERSONALITY_FACTORY_PID).forEach((pid, properties) -> portClashes(pid, properties, findings));
    }

    /**
     * Two services of one personality on one port: each binds the personality's addresses, so the second
     * bind would fail at every takeover, long after the configuration was accepted. A service's port keys
     * are named {@code <protocol>.port} or {@code <protocol>.<what>.port} (the protocol of its exports):
     * ports of one protocol may coincide (NFS serves MOUNT on its own port), ports of two may not. A value
     * that is not a port is its owner's to report; 0 (none, or the OS's choice) claims nothing.
     */
    static void portClashes(String pid, Map<String, Object> properties, Findings findings) {
        Map<Integer, String> claimed = new TreeMap<>();
        new TreeMap<>(properties).forEach((key, raw) -> {
            int dot = key.indexOf('.');
            if (dot <= 0 || !key.endsWith(".port") || PersonalityConfig.OWN_KEYS.contains(key)) {
                return;
            }
            int port;
            try {
                port = Integer.parseInt(String.valueOf(raw).strip());
            } catch (NumberFormatException e) {
                return;
            }
            if (port <= 0 || port > 65535) {
                return;
            }
            String earlier = claimed.putIfAbsent(port, key);
            if (earlier != null && !earlier.substring(0, earlier.indexOf('.')).equals(key.substring(0, dot))) {
                findings.problem(pid, key, "port " + port + " is already " + earlier
                        + ": two services of one personality cannot share a port");
            }
        });
    }
}
