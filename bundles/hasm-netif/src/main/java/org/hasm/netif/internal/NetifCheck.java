package org.hasm.netif.internal;

import java.util.Map;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.osgi.service.component.annotations.Component;

/** The address module's configuration check: {@link Settings}, the code its activation runs. */
@Component(service = ConfigurationCheck.class)
public class NetifCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> own = configurations.get(NetifComponent.PID);
        Settings.of(configurations.typed(NetifConfig.class, own == null ? Map.of() : own)).problems()
                .forEach(p -> findings.problem(p.pid(), p.key(), p.reason()));
    }
}
