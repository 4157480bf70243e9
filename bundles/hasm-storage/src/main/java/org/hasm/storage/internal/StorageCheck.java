package org.hasm.storage.internal;

import java.util.List;
import java.util.Map;
import org.hasm.spi.Personality;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.osgi.service.component.annotations.Component;

/**
 * The storage module's configuration check: {@link StorageSettings}, the code its {@code init} runs;
 * a personality with volumes needs the shared storage; and the timing both SCMs must share (the
 * lease, the check interval), which the status monitor's check holds its storage heartbeat against.
 */
@Component(service = ConfigurationCheck.class)
public class StorageCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> own = configurations.get(StorageSettings.PID);
        StorageSettings s = StorageSettings.of(configurations.typed(StorageConfig.class, own == null ? Map.of() : own),
                configurations.node().scm(), configurations.node().peer());
        s.problems().forEach(p -> findings.problem(p.pid(), p.key(), p.reason()));
        if (!s.problems().isEmpty()) {
            return; // a wrong value stands in as its default: no timing is judged on it
        }
        if (s.sharedDir() == null) {
            List<String> needing = configurations.node().personalities().stream().filter(p -> !p.volumes().isEmpty())
                    .map(Personality::name).toList();
            if (!needing.isEmpty()) {
                findings.problem(StorageSettings.PID, StorageSettings.SHARED_DIR, "is not set, but personalities "
                        + needing + " have volumes");
            }
        }
        findings.timing(StorageSettings.PID, StorageSettings.LEASE, s.leaseMs());
        findings.timing(StorageSettings.PID, StorageSettings.CHECK_INTERVAL, s.checkIntervalMs());
    }
}
