package org.hasm.storage.internal.fence;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import org.hasm.spi.storage.FenceAgent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The {@code process} fence agent: kills the peer's JVM on this host (see {@link ProcessFence}).
 * Registered even without a pid file configured, so the status monitor finds it and is told why it
 * does not fence.
 */
@Component(service = FenceAgent.class, configurationPid = FenceAgents.PID,
        property = {FenceAgent.NAME + "=process", FenceAgent.REQUIRES + "=" + FenceAgents.PIDFILE})
@Designate(ocd = FenceConfig.class)
public class ProcessAgent implements FenceAgent {

    @Reference(service = LoggerFactory.class)
    Logger log;

    private volatile ProcessFence fence;
    private volatile String problem;

    @Activate
    void activate(FenceConfig config) {
        String file = FenceAgents.text(config::fence_process_pidfile);
        fence = null;
        problem = null;
        if (file == null) {
            problem = "fence agent process: " + FenceAgents.PIDFILE + " is not set in " + FenceAgents.PID + ": it never fences";
        } else {
            try {
                Path p = Path.of(file);
                if (!p.isAbsolute()) {
                    problem = "fence agent process: " + FenceAgents.PIDFILE + "=" + file + " is not an absolute path: it never fences";
                } else {
                    fence = new ProcessFence(p, CommandLines.system(), FenceAgents.reporter(log));
                }
            } catch (InvalidPathException e) {
                problem = "fence agent process: " + FenceAgents.PIDFILE + "=" + file + " is not a path: it never fences";
            }
        }
        if (problem == null) {
            return;
        }
        if (file == null) {
            // not configured: most SCMs use another agent, and the one they use says at init what it lacks
            log.debug(problem);
        } else {
            log.warn(problem); // configured, wrongly
        }
    }

    @Override
    public boolean fence(String peer, Duration timeout) {
        ProcessFence f = fence;
        if (f == null) {
            log.warn(problem);
            return false;
        }
        return f.fence(peer, timeout);
    }

    @Override
    public boolean stopped(String peer) {
        ProcessFence f = fence;
        return f != null && f.stopped(peer);
    }

    @Override
    public Readiness check(String peer) {
        ProcessFence f = fence;
        if (f == null) {
            return new Readiness(false, problem);
        }
        return f.check(peer);
    }
}
