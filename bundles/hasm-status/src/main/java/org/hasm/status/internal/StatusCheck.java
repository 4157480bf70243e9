package org.hasm.status.internal;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.hasm.spi.storage.FenceAgent;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The status monitor's configuration check: {@link Settings}, the code its {@code init} runs, on the
 * configurations as they are; the fence agent it names, among those registered; the timing both
 * SCMs must share (the interval, the counter, each storage heartbeat's lease); and, across bundles,
 * that a storage heartbeat's lease outlasts the storage lease, so that the peer never takes over a
 * volume this SCM may still write.
 */
@Component(service = ConfigurationCheck.class)
public class StatusCheck implements ConfigurationCheck {
    /** The storage module's lease, as its check reports it. */
    static final String STORAGE_LEASE = "org.hasm.storage lease.ms";

    // Keyed by service.id.
    private final Map<Long, Agents.Agent> agents = new ConcurrentSkipListMap<>();

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> own = configurations.get(StatusComponent.PID);
        StatusConfig c = configurations.typed(StatusConfig.class, own == null ? Map.of() : own);
        SortedMap<String, ChannelDefinition> channels = new TreeMap<>();
        configurations.factory(Settings.CHANNEL_PID)
                .forEach((name, p) -> channels.put(name, configurations.typed(ChannelDefinition.class, p)));
        Node node = configurations.node();
        Settings s = Settings.of(c, channels, node.scm(), node.peer(), node.configuredRole(), false);
        s.problems().forEach(p -> findings.problem(p.pid(), p.key(), p.reason()));
        // a value that is wrong stands in as its default: no timing (nor a cross check) is judged on it
        if (!s.watchesPeer() || !s.problems().isEmpty()) {
            return;
        }
        String agent = Agents.problem(s.fenceAgent(), agents.values());
        if (agent != null) {
            findings.problem(StatusComponent.PID, Settings.FENCE_AGENT, agent);
        }
        findings.timing(StatusComponent.PID, Settings.INTERVAL, s.intervalMs());
        findings.timing(StatusComponent.PID, Settings.COUNTER_START, s.counterStart());
        for (DiskChannel.Config d : s.disks()) {
            findings.timing(Settings.CHANNEL_PID + "~" + d.name(), "counter", d.counter());
        }
    }

    @Override
    public void crossCheck(Map<String, String> timing, Findings findings) {
        String lease = timing.get(STORAGE_LEASE);
        String interval = timing.get(StatusComponent.PID + " " + Settings.INTERVAL);
        if (lease == null || interval == null) {
            return;
        }
        long storage = Long.parseLong(lease);
        long every = Long.parseLong(interval);
        String prefix = Settings.CHANNEL_PID + "~";
        timing.forEach((key, value) -> {
            if (!key.startsWith(prefix) || !key.endsWith(" counter")) {
                return;
            }
            long counter = Long.parseLong(value);
            long heartbeat = counter * every;
            if (heartbeat <= storage + every) {
                String pid = key.substring(0, key.length() - " counter".length());
                findings.problem(pid, "counter", "the storage heartbeat's lease, counter " + counter + " x interval.ms "
                        + every + " = " + heartbeat + " ms, must be longer than org.hasm.storage lease.ms " + storage
                        + " + interval.ms " + every + " = " + (storage + every) + " ms: the peer could take over a volume"
                        + " this SCM still writes (raise counter, or lower lease.ms)");
            }
        });
    }

    @Reference(service = FenceAgent.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeAgent", updated = "addAgent")
    void addAgent(FenceAgent agent, Map<String, Object> properties) {
        Long id = (Long) properties.get(Constants.SERVICE_ID);
        if (properties.get(FenceAgent.NAME) instanceof String n && !n.isBlank()) {
            agents.put(id, new Agents.Agent(n.strip(), agent, Agents.missing(properties)));
        } else {
            agents.remove(id);
        }
    }

    void removeAgent(FenceAgent agent, Map<String, Object> properties) {
        agents.remove((Long) properties.get(Constants.SERVICE_ID));
    }
}
