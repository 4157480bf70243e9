package org.hasm.nas.smb.internal;

import java.util.Map;

/** Where the SMB core reports: the log and the module's events. Lets the core run without OSGi. */
interface Events {

    void info(String message);

    void warn(String message);

    /**
     * Posts a module event ({@code SERVING}, {@code RELEASED}, {@code NOT_SERVED}, {@code WAITING_FOR_ADDRESS},
     * {@code SMBD_EXITED}, {@code SMBD_STOPPED}, {@code LEFTOVER_STOPPED}). Must not block.
     */
    void publish(String event, Map<String, ?> properties);
}
