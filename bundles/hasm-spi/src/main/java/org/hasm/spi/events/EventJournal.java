package org.hasm.spi.events;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * This SCM's event log. Registered by the event log module; implemented by hasm. Read by the admin API;
 * written by Event Admin's delivery and, for the events hasm's own modules post, straight by the poster
 * ({@link #journaled}), so that an Event Admin handler that blocks cannot keep them out of the log.
 */
@ProviderType
public interface EventJournal {

    /**
     * The property of an event posted to Event Admin whose copy the log already took ({@link #record}): the
     * log's Event Admin handler skips it, so that it is written once.
     */
    String JOURNALED = "hasm.journaled";

    /**
     * Takes an event straight from the module that posts it. Never blocks: the event is queued for the log's
     * writer (a full queue counts it as dropped, which the log says).
     *
     * @param topic the event's topic
     * @param properties its properties, as it is posted
     */
    void record(String topic, Map<String, ?> properties);

    /**
     * Records an event in the log, when one runs, and gives the properties to post to Event Admin: marked
     * {@link #JOURNALED} when the log took it. How hasm's modules post their events.
     *
     * @param journal the event log, or {@code null} when none runs
     * @return a new map of the properties, to post
     */
    static Map<String, Object> journaled(EventJournal journal, String topic, Map<String, ?> properties) {
        Map<String, Object> post = new HashMap<>(properties);
        if (journal != null) {
            journal.record(topic, properties);
            post.put(JOURNALED, Boolean.TRUE);
        }
        return post;
    }

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
