package org.hasm.spi.health;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The requests a NAS service has answered since it started, by operation and outcome: counts, total time
 * and a latency histogram. Registered as an OSGi service by the service (usually a {@link RequestTally});
 * the SCM's metrics read every registered one at each scrape, so the service keeps only its own counters
 * and never calls out on a request's path.
 *
 * <p>Implemented by services.
 */
@ConsumerType
public interface ServiceRequests {

    /**
     * The latency buckets' upper bounds in seconds, ascending, the same for every service: from half a
     * millisecond (a cached GETATTR) to ten seconds (a write that waits for a slow disk).
     */
    List<Double> BOUNDS = List.of(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0);

    /** @return the protocol served, lower case: {@code http}, {@code nfs}, {@code smb} */
    String protocol();

    /** @return one entry per operation and outcome seen so far, in no particular order */
    List<Requests> requests();

    /**
     * The requests of one operation with one outcome.
     *
     * @param operation what was asked, from a small fixed set ({@code GET}, {@code PUT}; {@code READ},
     *     {@code WRITE}, {@code GETATTR}), never a path or a client
     * @param outcome how it ended, from a small fixed set ({@code ok}, {@code client_error}; an NFS status)
     * @param count how many
     * @param seconds their total time
     * @param buckets how many took at most each of {@link #BOUNDS}, not cumulative, with one more at the
     *     end for the longer ones; they add up to {@code count}. Empty when the service knows totals only
     *     (an external server's own counters): the metrics then show the total time, no histogram
     */
    record Requests(String operation, String outcome, long count, double seconds, List<Long> buckets) {
        public Requests {
            buckets = List.copyOf(buckets);
        }
    }
}
