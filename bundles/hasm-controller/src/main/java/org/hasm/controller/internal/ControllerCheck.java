package org.hasm.controller.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.osgi.service.component.annotations.Component;

/**
 * The controller's configuration check: the deadlines its boot takes (each at most
 * {@code deadline.max.ms}), with the code its boot runs, so that a configuration transaction and the
 * node's check of every change refuse what would boot into MONITOR, and {@code hasm check} says so
 * first (it checks with every bundle started, this one's too; a start checks below the controller's
 * level, and the controller's activation then refuses it: MONITOR naming the key).
 */
@Component(service = ConfigurationCheck.class)
public class ControllerCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> own = configurations.get(ControllerComponent.PID);
        ControllerConfig config = configurations.typed(ControllerConfig.class, own == null ? Map.of() : own);
        List<String> problems = new ArrayList<>();
        ControllerComponent.maxDeadline(config, ControllerComponent.deadlines(config, problems), problems);
        ControllerComponent.upgradeTiming(config.upgrade_step_timeout_ms(), config.upgrade_dwell_ms(), problems);
        String prefix = ControllerComponent.PID + ": ";
        for (String p : problems) {
            // "PID: key=value reason": the key is what the operator looks for in the file
            String rest = p.startsWith(prefix) ? p.substring(prefix.length()) : p;
            int eq = rest.indexOf('=');
            findings.problem(ControllerComponent.PID, eq > 0 ? rest.substring(0, eq) : "(deadlines)", rest);
        }
    }
}
