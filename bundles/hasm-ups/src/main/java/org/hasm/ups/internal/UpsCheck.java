package org.hasm.ups.internal;

import java.util.Map;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.osgi.service.component.annotations.Component;

/** The UPS module's part of {@code hasm check} and of every start: {@link Settings}, the code its activation runs. */
@Component(service = ConfigurationCheck.class)
public class UpsCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> own = configurations.get(UpsComponent.PID);
        if (own == null) {
            return; // no UPS configured: the module stays off
        }
        Settings.of(configurations.typed(UpsConfig.class, own)).problems()
                .forEach(p -> findings.problem(p.pid(), p.key(), p.reason()));
    }
}
