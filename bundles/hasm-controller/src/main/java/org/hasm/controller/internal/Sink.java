package org.hasm.controller.internal;

import java.util.Map;

/** Where the controller's core reports: the log and the event bus. Implemented by the component. */
interface Sink {
    void debug(String message);

    void info(String message);

    void warn(String message);

    void error(String message, Throwable t);

    /** Posts an event asynchronously; never blocks on listeners. */
    void post(String topic, Map<String, Object> properties);
}
