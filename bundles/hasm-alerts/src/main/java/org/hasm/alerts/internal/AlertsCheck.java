package org.hasm.alerts.internal;

import java.util.Map;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.osgi.service.component.annotations.Component;

/**
 * The alerts' part of {@code hasm check} and of every start, and of every change while the SCM runs:
 * {@link Settings}, the code the component applies. A script that is not an absolute path to an executable
 * file, a webhook that is not an http or https URL, a token file that cannot be read, an unknown kind, a
 * number out of range: each is refused naming its key, which keeps the SCM from starting, or puts a running
 * one in MONITOR with that message, rather than let it alert some recipients and not others.
 */
@Component(service = ConfigurationCheck.class)
public class AlertsCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> own = configurations.get(AlertsComponent.PID);
        if (own == null) {
            return; // nothing configured: no recipient
        }
        Settings.of(configurations.typed(AlertsConfig.class, own)).problems()
                .forEach(p -> findings.problem(p.pid(), p.key(), p.reason()));
    }
}
