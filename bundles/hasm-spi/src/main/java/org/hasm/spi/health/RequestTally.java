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
    // by operation, then outcome: a request of a pair seen before looks its cell up without allocating
    private final Map<String, Map<String, Cell>> cells = new ConcurrentHashMap<>();
    // guarded by this: how many pairs have a cell
    private int series;

    private static final class Cell {
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
        Map<String, Cell> byOutcome = cells.get(operation);
        Cell cell = byOutcome == null ? null : byOutcome.get(outcome);
        if (cell == null) {
            cell = cell(operation, outcome);
        }
        long n = Math.max(0, nanos);
        int i = 0;
        while (i < BOUND_NANOS.length && n > BOUND_NANOS[i]) {
            i++;
        }
        cell.buckets[i].increment();
        cell.seconds.add(n / 1e9);
    }

    /* The cell of a pair not seen before, or OTHER's once MAX_SERIES pairs have one. */
    private synchronized Cell cell(String operation, String outcome) {
        Map<String, Cell> byOutcome = cells.get(operation);
        Cell cell = byOutcome == null ? null : byOutcome.get(outcome);
        if (cell != null) {
            return cell;
        }
        boolean full = series >= MAX_SERIES;
        String op = full ? OTHER : operation;
        String out = full ? OTHER : outcome;
        Map<String, Cell> into = cells.computeIfAbsent(op, k -> new ConcurrentHashMap<>());
        cell = into.get(out);
        if (cell == null) {
            cell = new Cell();
            into.put(out, cell);
            series++;
        }
        return cell;
    }

    @Override
    public List<Requests> requests() {
        List<Requests> out = new ArrayList<>();
        cells.forEach((operation, byOutcome) -> byOutcome.forEach((outcome, cell) -> {
            List<Long> buckets = new ArrayList<>(cell.buckets.length);
            long sum = 0;
            for (LongAdder b : cell.buckets) {
                long v = b.sum();
                buckets.add(v);
                sum += v;
            }
            // the buckets are read one by one while requests go on: the count is their sum, so the two agree
            out.add(new Requests(operation, outcome, sum, cell.seconds.sum(), buckets));
        }));
        return out;
    }
}
