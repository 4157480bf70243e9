package org.hasm.alerts.internal;

/**
 * What one delivery of an alert to one recipient came to.
 *
 * @param ok whether the recipient received it
 * @param millis how long it took, every retry included
 * @param detail one line: an exit code and the first lines of output, an HTTP status, why it failed
 */
record Outcome(boolean ok, long millis, String detail) {
}
