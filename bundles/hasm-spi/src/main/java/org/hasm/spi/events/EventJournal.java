package org.hasm.spi.events;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** This SCM's event log, read-only. Registered by the event log module; implemented by hasm. */
@ProviderType
public interface EventJournal {

    /**
     * @param afterId only events with a greater {@link LoggedEvent#id()}; {@code -1} for the oldest kept
     * @param topic only events of this topic; a trailing {@code *} matches every topic that begins with
     *     what comes before it; {@code null} for all
     * @param limit at most this many (from 1)
     * @return the events in the order they were written
     * @throws IllegalArgumentException naming the parameter when one is out of range
     */
    List<LoggedEvent> after(long afterId, String topic, int limit);

    /** @return the id of the last event written, or {@code -1} when the log is empty */
    long lastId();
}
