package org.hasm.example.internal;

import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.osgi.service.component.annotations.Component;

/**
 * The example service's part of {@code hasm check} and of every start: it owns the personality key
 * {@value ExampleService#PORT} (declared here, so that the node does not refuse it as unknown) and
 * checks it with the declaration {@code test()} and {@code opMode} read it with
 * ({@link ExampleService#KEYS}). A service written against the SPI declares and checks its own keys
 * the same way.
 */
@Component(service = ConfigurationCheck.class,
        property = ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + ExampleService.PORT)
public class ExampleCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        ExampleService.KEYS.check(configurations, findings);
    }
}
