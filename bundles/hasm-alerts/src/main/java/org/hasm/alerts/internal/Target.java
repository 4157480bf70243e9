package org.hasm.alerts.internal;

import java.time.Duration;

/** Where alerts go: a script or a webhook. Called by one thread at a time per alert, by several at once. */
interface Target {

    /** @return {@code script} or {@code webhook} */
    String kind();

    /** @return the target as it may be shown: no credential */
    String shown();

    /**
     * Delivers one alert; returns once it is delivered, failed or timed out.
     *
     * @param timeout how long one attempt may take
     * @param retries how often a failed attempt is tried again, where that may help
     * @throws InterruptedException when the thread was interrupted (the bundle stops): nothing is left running
     */
    Outcome deliver(Alert alert, Duration timeout, int retries) throws InterruptedException;
}
