package org.hasm.spi.alerts;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * This SCM's alerts: the recipients the operator configured (scripts and webhooks), what each received,
 * and a test. Registered by hasm's alerts bundle in every state of the SCM, MONITOR included; implemented
 * by hasm only. Thread-safe.
 *
 * <p>Each alert has a kind ({@value #KIND_STATE}, {@value #KIND_PEER}, ...), the topic of the event it
 * reports, this SCM's name, its incarnation, a sequence number (gap-free per incarnation unless alerts
 * were dropped, so that a receiver sees what it missed), a time and a one-line description. Alerts are
 * delivered one at a time, to each recipient in the configured order, by the bundle's own thread; Event
 * Admin's thread only queues them.
 *
 * <p>Events: {@value #TOPIC_FAILED} for each delivery that failed (properties {@code scm},
 * {@code recipient}, {@code kind}, {@code sequence}, {@code detail}); {@value #TOPIC_DROPPED} at most once
 * a second while alerts are dropped because the queue is full ({@code scm}, {@code count} since the last
 * such event, {@code total}). Neither is ever sent as an alert.
 */
@ProviderType
public interface Alerts {

    /** Topic of a failed delivery. */
    String TOPIC_FAILED = "org/hasm/alerts/FAILED";
    /** Topic of alerts dropped because the queue was full. */
    String TOPIC_DROPPED = "org/hasm/alerts/DROPPED";

    /** {@link Recipient#kind()} of an executable started for each alert. */
    String SCRIPT = "script";
    /** {@link Recipient#kind()} of an http or https URL each alert is posted to. */
    String WEBHOOK = "webhook";

    /** Alert kind: the SCM's state changed, or a transition is done. */
    String KIND_STATE = "state";
    /** Alert kind: the peer changed (alive, dead, its state). */
    String KIND_PEER = "peer";
    /** Alert kind: an outage seen through the storage heartbeat and its fencing. */
    String KIND_FENCE = "fence";
    /** Alert kind: a volume's ownership or writability changed. */
    String KIND_VOLUME = "volume";
    /** Alert kind: a health problem, a module restarted, disabled or panicked. */
    String KIND_HEALTH = "health";
    /** Alert kind: the UPS. */
    String KIND_UPS = "ups";
    /** Alert kind: a rolling upgrade's step or outcome. */
    String KIND_UPGRADE = "upgrade";
    /** Alert kind: a service address brought up or down, or held by another host. */
    String KIND_ADDRESS = "address";
    /** Alert kind: a test sent by {@link #test}; its sequence is 0 (it is not one of the numbered alerts). */
    String KIND_TEST = "test";

    /** {@link Recipient#lastOutcome()}: the last alert reached the recipient. */
    String DELIVERED = "delivered";
    /** {@link Recipient#lastOutcome()}: the last alert did not reach the recipient. */
    String FAILED = "failed";

    /**
     * @return every configured recipient, scripts first, each in the configured order; empty when none is
     *     configured or the configuration is wrong (the SCM is then in MONITOR, saying why)
     */
    List<Recipient> recipients();

    /**
     * Sends a test alert (kind {@value #KIND_TEST}) to every recipient now, on the caller's thread, one
     * recipient after the other, each with one attempt (no retry), and returns what each did. Counted in
     * {@link #recipients()} like any alert.
     *
     * @param text what the alert says (its description begins with this SCM's name); {@code null} for a
     *     default text
     * @param timeout how long each recipient may take; {@code null} for the configured timeout
     * @return each recipient's outcome, in the order of {@link #recipients()}; empty when there is none
     * @throws IllegalArgumentException when {@code timeout} is not positive or above 10 minutes
     * @throws IllegalStateException with why, when no alert can be sent now (the configuration is wrong,
     *     the bundle is stopping)
     */
    List<Delivery> test(String text, Duration timeout);

    /**
     * A recipient and what it received since the bundle was configured.
     *
     * @param kind {@link #SCRIPT} or {@link #WEBHOOK}
     * @param target the script's path or the webhook's URL as configured, with any credential hidden (a
     *     URL's user information and query are shown as {@code ***})
     * @param delivered alerts it received (a script exited with 0 in time, a webhook answered 2xx)
     * @param failed alerts it did not receive, after every retry
     * @param dropped alerts it never got because the queue was full, or because the bundle stopped before
     *     they were delivered
     * @param lastOutcome {@link #DELIVERED} or {@link #FAILED}; {@code null} before the first alert
     * @param lastTime when the last alert's delivery ended; {@code null} before the first
     * @param lastDetail one line on the last delivery (an exit code and the first line of output, an HTTP
     *     status); {@code null} before the first
     */
    record Recipient(String kind, String target, long delivered, long failed, long dropped, String lastOutcome,
            Instant lastTime, String lastDetail) {
    }

    /**
     * The outcome of one delivery of a test alert.
     *
     * @param recipient the recipient's {@link Recipient#target()}
     * @param ok whether it received the alert
     * @param millis how long the delivery took
     * @param detail one line: a script's exit code and the first line of its output, or that it was killed
     *     at the timeout; a webhook's HTTP status, or why no answer came
     */
    record Delivery(String recipient, boolean ok, long millis, String detail) {
    }
}
