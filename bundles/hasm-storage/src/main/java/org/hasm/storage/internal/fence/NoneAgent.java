package org.hasm.storage.internal.fence;

import java.time.Duration;
import org.hasm.spi.storage.FenceAgent;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The {@code none} fence agent: never fences. The peer's storage lease decides instead: a peer that
 * is alive but cut off stops acknowledging writes once its watchdog cannot confirm its records.
 */
@Component(service = FenceAgent.class, property = FenceAgent.NAME + "=none")
public class NoneAgent implements FenceAgent {

    @Reference(service = LoggerFactory.class)
    private Logger log;

    @Override
    public boolean fence(String peer, Duration timeout) {
        log.info("fence agent none: " + peer + " is not fenced; its storage lease decides");
        return false;
    }

    @Override
    public Readiness check(String peer) {
        return new Readiness(false, "agent none fences nothing: a peer lost on every network is taken over only once"
                + " its storage lease has run out");
    }
}
