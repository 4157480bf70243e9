package org.hasm.nas.http.internal;

import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.osgi.service.component.annotations.Component;

/**
 * The HTTP service's part of {@code hasm check} and of every start: it owns the personality keys
 * {@code export.http.*} (whose syntax the node checks for every protocol) and {@value ServicePlan#PORT},
 * and checks the port of every personality with http exports with the code a takeover reads it with.
 */
@Component(service = ConfigurationCheck.class, property = {
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":export." + ServicePlan.PROTOCOL + ".*",
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + ServicePlan.PORT})
public class HttpCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        // the module's own configuration, as its activation reads it (a configuration transaction is checked here
        // before it is applied on both SCMs)
        java.util.Map<String, Object> own = configurations.get(HttpModule.PID);
        if (own != null) {
            try {
                HttpModule.settings(configurations.typed(HttpModule.Config.class, own));
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                int eq = m.indexOf('=');
                findings.problem(HttpModule.PID, eq > 0 ? m.substring(0, eq) : "*", eq > 0 ? m.substring(eq + 1) : m);
            }
        }
        configurations.factory(Node.PERSONALITY_FACTORY_PID).forEach((name, properties) -> {
            String pid = Node.PERSONALITY_FACTORY_PID + "~" + name;
            Object raw = properties.get(ServicePlan.PORT);
            boolean exports = properties.keySet().stream().anyMatch(k -> k.startsWith("export." + ServicePlan.PROTOCOL + "."));
            if (raw == null) {
                if (exports) {
                    findings.problem(pid, ServicePlan.PORT, "missing: the personality has http exports");
                }
                return;
            }
            try {
                if (port(String.valueOf(raw)) == 0) {
                    // the OS would pick the port, another at each SCM and each takeover: clients could not follow
                    findings.problem(pid, ServicePlan.PORT, "0 is no fixed port: after a takeover the peer would"
                            + " listen on another one than its clients know (1..65535)");
                }
            } catch (IllegalArgumentException e) {
                findings.problem(pid, ServicePlan.PORT, e.getMessage());
            }
        });
    }

    /**
     * @return the port {@code raw} names; 0 asks the OS for a free one (tests of the server alone read the bound
     *     port back; a configuration with 0 is refused by the check)
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static int port(String raw) {
        try {
            int port = Integer.parseInt(raw.strip());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'" + raw + "' is not a port number (1..65535)");
    }
}
