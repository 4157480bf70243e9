package org.hasm.spi.events;

import java.time.Instant;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/** One event as the event log keeps it. Implemented by hasm. */
@ProviderType
public interface LoggedEvent {

    /** @return its position in this SCM's log: increases with every event it writes, its peer's included */
    long id();

    /** @return the SCM the event happened on */
    String scm();

    /** @return its number among the events of {@link #scm()}: gap-free unless the log was cut short */
    long sequence();

    /** @return when it was posted, on {@link #scm()}'s clock */
    Instant time();

    /** @return the Event Admin topic */
    String topic();

    /** @return its properties, as text */
    Map<String, String> properties();
}
