package org.hasm.spi.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A service's request counters: {@link #record} on the request's path (lock-free adders, no allocation
 * once an operation and outcome were seen), {@link #requests} for the metrics. At most
 * {@link #MAX_SERIES} operation and outcome pairs are kept; requests beyond them count under
 * {@code OTHER}, so a client sending made-up methods cannot grow the SCM's metrics without bound.
 */
public final class RequestTally implements ServiceRequests {
    /** The most operation and outcome pairs kept apart. */
    public static final int MAX_SERIES = 256;
    /** The operation and outcome under which requests beyond {@link #MAX_SERIES} pairs count. */
    public static final String OTHER = "OTHER";

    private static final long[] BOUND_NANOS = BOUNDS.stream().mapToLong(s -> Math.round(s * 1e9)).toArray();

    private final String protocol;
    private final Map<Key, Cell> cells = new ConcurrentHashMap<>();

    private record Key(String operation, String outcome) {
    }

    private static final class Cell {
        final LongAdder count = new LongAdder();
        final DoubleAdder seconds = new DoubleAdder();
        final LongAdder[] buckets = new LongAdder[BOUND_NANOS.length + 1];

        Cell() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }
    }

    /** @param protocol the protocol served, lower case */
    public RequestTally(String protocol) {
        this.protocol = protocol;
    }

    @Override
    public String protocol() {
        return protocol;
    }

    /**
     * Counts one request.
     *
     * @param operation from a small fixed set (see {@link ServiceRequests.Requests#operation()})
     * @param outcome from a small fixed set
     * @param nanos how long it took
     */
    public void record(String operation, String outcome, long nanos) {
        Key key = new Key(operation, outcome);
        Cell cell = cells.get(key);
        if (cell == null) {
            cell = cells.size() < MAX_SERIES ? cells.computeIfAbsent(key, k -> new Cell())
                    : cells.computeIfAbsent(new Key(OTHER, OTHER), k -> new Cell());
        }
        long n = Math.max(0, nanos);
        int i = 0;
        while (i < BOUND_NANOS.length && n > BOUND_NANOS[i]) {
            i++;
        }
        cell.buckets[i].increment();
        cell.seconds.add(n / 1e9);
        cell.count.increment();
    }

    @Override
    public List<Requests> requests() {
        List<Requests> out = new ArrayList<>(cells.size());
        cells.forEach((key, cell) -> {
            List<Long> buckets = new ArrayList<>(cell.buckets.length);
            long sum = 0;
            for (LongAdder b : cell.buckets) {
                long v = b.sum();
                buckets.add(v);
                sum += v;
            }
            // the buckets are read one by one while requests go on: the count is their sum, so the two agree
            out.add(new Requests(key.operation(), key.outcome(), sum, cell.seconds.sum(), buckets));
        });
        return out;
    }
}
