package org.hasm.events.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The event log's configuration ({@value EventsComponent#PID}). */
@ObjectClassDefinition(id = EventsComponent.PID, name = "hasm event log",
        description = "Every hasm event, kept in the data folder (events/), the peer's forwarded over the link.")
@interface EventsConfig {

    @AttributeDefinition(name = "segment size (bytes)", description = "A segment file's size before the next one"
            + " begins.", min = "1024", max = "1073741824")
    long segment_bytes() default 1 << 20;

    @AttributeDefinition(name = "segments", description = "How many segment files are kept; the oldest is deleted"
            + " beyond. The log holds at most segments x segment size.", min = "2", max = "10000")
    int segments() default 16;

    @AttributeDefinition(name = "forward interval (ms)", description = "How often this SCM's events not yet"
            + " acknowledged by the peer are pushed to it (at once, too, when new ones are written).",
            min = "10", max = "600000")
    long forward_interval_ms() default 200;

    @AttributeDefinition(name = "forward timeout (ms)", description = "How long a push waits for the peer's answer.",
            min = "10", max = "600000")
    long forward_timeout_ms() default 2_000;

    @AttributeDefinition(name = "queue", description = "Events waiting to be written; beyond, they are counted and"
            + " an event org/hasm/events/DROPPED says how many.", min = "16", max = "10000000")
    int queue_max() default 10_000;
}
