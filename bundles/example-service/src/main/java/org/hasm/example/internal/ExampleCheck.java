package org.hasm.example.internal;

import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.osgi.service.component.annotations.Component;

/**
 * The example service's part of {@code hasm check} and of every start: it owns the personality key
 * {@value ExampleService#PORT} (declared here, so that the node does not refuse it as unknown) and
 * checks it with the code {@code opMode} reads it with. A service written against the SPI declares
 * and checks its own keys the same way.
 */
@Component(service = ConfigurationCheck.class,
        property = ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + ExampleService.PORT)
public class ExampleCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        configurations.factory(Node.PERSONALITY_FACTORY_PID).forEach((name, properties) -> {
            Object raw = properties.get(ExampleService.PORT);
            if (raw != null) {
                try {
                    port(String.valueOf(raw));
                } catch (IllegalArgumentException e) {
                    findings.problem(Node.PERSONALITY_FACTORY_PID + "~" + name, ExampleService.PORT, e.getMessage());
                }
            }
        });
    }

    /**
     * @return the port {@code raw} names
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static int port(String raw) {
        try {
            int port = Integer.parseInt(raw.strip());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'" + raw + "' is not a port number (1..65535)");
    }
}
