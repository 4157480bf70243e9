package org.hasm.storage.internal.fence;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.osgi.service.component.annotations.Component;

/**
 * The fence agents' configuration check: a pid file or a command that is set must be one the agent
 * can use (an agent never configured is no problem: the status monitor's check says whether the
 * agent it names has what it needs).
 */
@Component(service = ConfigurationCheck.class)
public class FenceCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> own = configurations.get(FenceAgents.PID);
        if (own == null) {
            return;
        }
        FenceConfig c = configurations.typed(FenceConfig.class, own);
        String file = FenceAgents.text(c::fence_process_pidfile);
        if (file != null) {
            try {
                if (!Path.of(file).isAbsolute()) {
                    findings.problem(FenceAgents.PID, FenceAgents.PIDFILE, "'" + file + "' is not an absolute path");
                }
            } catch (InvalidPathException e) {
                findings.problem(FenceAgents.PID, FenceAgents.PIDFILE, "'" + file + "' is not a path: " + e.getMessage());
            }
        }
        String line = FenceAgents.text(c::fence_netns_command);
        if (line != null) {
            try {
                if (CommandFence.split(line).isEmpty()) {
                    findings.problem(FenceAgents.PID, FenceAgents.COMMAND, "is empty");
                }
            } catch (IllegalArgumentException e) {
                findings.problem(FenceAgents.PID, FenceAgents.COMMAND, "'" + line + "': " + e.getMessage());
            }
        }
    }
}
