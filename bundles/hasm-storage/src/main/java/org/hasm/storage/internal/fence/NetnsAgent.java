package org.hasm.storage.internal.fence;

import java.time.Duration;
import java.util.List;
import org.hasm.spi.storage.FenceAgent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The {@code netns} fence agent: runs the configured command that cuts the peer off the network
 * (see {@link CommandFence}). Registered even without a command, and then says why it does not fence.
 */
@Component(service = FenceAgent.class, configurationPid = FenceAgents.PID,
        property = {FenceAgent.NAME + "=netns", FenceAgent.REQUIRES + "=" + FenceAgents.COMMAND})
public class NetnsAgent implements FenceAgent {

    @Reference(service = LoggerFactory.class)
    Logger log;

    private volatile CommandFence fence;
    private volatile String problem;

    @Activate
    void activate(FenceConfig config) {
        String line = FenceAgents.text(config::fence_netns_command);
        fence = null;
        problem = null;
        if (line == null) {
            problem = "fence agent netns: " + FenceAgents.COMMAND + " is not set in " + FenceAgents.PID + ": it never fences";
        } else {
            try {
                List<String> words = CommandFence.split(line);
                fence = words.isEmpty() ? null : new CommandFence(words, FenceAgents.reporter(log));
                if (fence == null) {
                    problem = "fence agent netns: " + FenceAgents.COMMAND + " is empty: it never fences";
                }
            } catch (IllegalArgumentException e) {
                problem = "fence agent netns: " + FenceAgents.COMMAND + ": " + e.getMessage() + ": it never fences";
            }
        }
        if (problem == null) {
            return;
        }
        if (line == null) {
            // not configured: most SCMs use another agent, and the one they use says at init what it lacks
            log.debug(problem);
        } else {
            log.warn(problem); // configured, wrongly
        }
    }

    @Override
    public boolean fence(String peer, Duration timeout) throws Exception {
        CommandFence f = fence;
        if (f == null) {
            log.warn(problem);
            return false;
        }
        return f.fence(peer, timeout);
    }

    @Override
    public Readiness check(String peer) {
        CommandFence f = fence;
        if (f == null) {
            return new Readiness(false, problem);
        }
        return f.check(peer, System.getenv("PATH"));
    }
}
