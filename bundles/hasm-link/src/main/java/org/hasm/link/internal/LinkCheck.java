package org.hasm.link.internal;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.osgi.service.component.annotations.Component;

/** The link's configuration check: {@link LinkSettings}, the code its {@code init} runs, on the configurations as they are. */
@Component(service = ConfigurationCheck.class)
public class LinkCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> own = configurations.get(LinkComponent.PID);
        SortedMap<String, ChannelDefinition> channels = new TreeMap<>();
        configurations.factory(LinkSettings.CHANNEL_PID)
                .forEach((name, p) -> channels.put(name, configurations.typed(ChannelDefinition.class, p)));
        LinkSettings s = LinkSettings.of(configurations.typed(LinkConfig.class, own == null ? Map.of() : own), channels,
                configurations.node().scm(), configurations.node().peer());
        s.problems().forEach(p -> findings.problem(p.pid(), p.key(), p.reason()));
    }
}
