package org.hasm.health.internal;

import java.util.Map;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.osgi.service.component.annotations.Component;

/**
 * The health monitor's part of {@code hasm check} and of every start: its configuration checked with
 * the code its component activates with ({@link Limits#problems}), each problem naming its key.
 */
@Component(service = ConfigurationCheck.class)
public class HealthCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> properties = configurations.get(HealthMonitor.PID);
        if (properties == null) {
            return; // the defaults hold
        }
        try {
            HealthConfig config = configurations.typed(HealthConfig.class, properties);
            for (Limits.Problem p : Limits.problems(config)) {
                findings.problem(HealthMonitor.PID, p.key(), p.reason());
            }
        } catch (IllegalArgumentException e) {
            findings.problem(HealthMonitor.PID, "", e.getMessage()); // the message names the key
        }
    }
}
