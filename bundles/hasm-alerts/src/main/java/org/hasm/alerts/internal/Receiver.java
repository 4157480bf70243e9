package org.hasm.alerts.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.hasm.spi.alerts.Alerts;

/**
 * A configured target and what it received; the counts are guarded by {@code this}. A reconfiguration that
 * keeps the target keeps the recipient, its counts with it ({@link #retarget}).
 */
final class Receiver {
    private volatile Target target;
    private final Clock clock;
    private long delivered;
    private long failed;
    private long dropped;
    private String lastOutcome;
    private Instant lastTime;
    private String lastDetail;

    Receiver(Target target, Clock clock) {
        this.target = target;
        this.clock = clock;
    }

    Target target() {
        return target;
    }

    /** @return this recipient, delivering to {@code replacement} (the same kind and target, say a new token) from now */
    Receiver retarget(Target replacement) {
        this.target = replacement;
        return this;
    }

    /** @return the key a reconfiguration keeps the counts by */
    String key() {
        return target.kind() + " " + target.shown();
    }

    Outcome deliver(Alert alert, Duration timeout, int retries) throws InterruptedException {
        Outcome o = target.deliver(alert, timeout, retries);
        synchronized (this) {
            if (o.ok()) {
                delivered++;
            } else {
                failed++;
            }
            lastOutcome = o.ok() ? Alerts.DELIVERED : Alerts.FAILED;
            lastTime = clock.instant();
            lastDetail = o.detail();
        }
        return o;
    }

    synchronized void dropped(long n) {
        dropped += n;
    }

    synchronized Alerts.Recipient view() {
        Target target = this.target;
        return new Alerts.Recipient(target.kind(), target.shown(), delivered, failed, dropped, lastOutcome, lastTime,
                lastDetail);
    }
}
