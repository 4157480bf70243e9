package org.hasm.controller.internal;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;

/**
 * The last {@code capacity} calls made to modules, for operators and tests. Thread-safe: calls end
 * on their own threads. Entries are added when an outcome is known, listed by sequence.
 */
final class Journal {
    private final int capacity;
    // guarded by this
    private final Deque<CallRecord> records = new ArrayDeque<>();
    // guarded by this
    private long nextSequence;

    Journal(int capacity) {
        this.capacity = capacity;
    }

    synchronized long nextSequence() {
        return nextSequence++;
    }

    synchronized void add(CallRecord record) {
        if (records.size() == capacity) {
            records.removeFirst();
        }
        records.addLast(record);
    }

    synchronized List<CallRecord> after(long sequence) {
        List<CallRecord> list = new ArrayList<>();
        for (CallRecord r : records) {
            if (r.sequence() > sequence) {
                list.add(r);
            }
        }
        list.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
        return list;
    }

    record Entry(long sequence, String module, Call call, OpMode opMode, SysConfig sysConfig,
            Outcome outcome, String error, Instant started, long millis, boolean late, String bundle, String version)
            implements CallRecord {
    }
}
