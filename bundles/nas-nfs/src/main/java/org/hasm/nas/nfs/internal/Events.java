package org.hasm.nas.nfs.internal;

import java.util.Map;

/** Where the NFS core reports: the log and the module's events. Lets the core run without OSGi. */
interface Events {

    void info(String message);

    void warn(String message);

    /** Posts a module event ({@code SERVING}, {@code RELEASED}, {@code NOT_SERVED}, {@code FENCED}). Must not block. */
    void publish(String event, Map<String, ?> properties);
}
