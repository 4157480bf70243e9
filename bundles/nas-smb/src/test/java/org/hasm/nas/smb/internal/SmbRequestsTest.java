package org.hasm.nas.smb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.hasm.spi.health.ServiceRequests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmbRequestsTest {

    @Test
    void smbstatusProfileLinesAreReadByCall() {
        Map<String, long[]> calls = SmbRequests.parse("""
                **** SMB2 Calls ***************************************************************
                smb2_negprot_count:                                                           1
                smb2_negprot_time:                                                         1366
                smb2_negprot_inbytes:                                                       226
                smb2_read_count:                                                              0
                smb2_read_time:                                                               0
                smb2_write_count:                                                            12
                smb2_write_time:                                                          40000
                syscall_pread_count:                                                          7
                """);
        assertEquals(List.of("NEGPROT", "WRITE"), List.copyOf(calls.keySet()), "calls made at least once, SMB2 only");
        assertArrayEquals(new long[] {12, 40000}, calls.get("WRITE"));
    }

    @Test
    void aReadingIsKeptForAWhileAndAnEndedSmbdLeavesItsCountsInTheTotals() {
        AtomicLong clock = new AtomicLong();
        AtomicInteger reads = new AtomicInteger();
        Map<String, SmbRequests.Running> running = new HashMap<>();
        Map<Path, Long> writes = new HashMap<>();
        running.put("A", new SmbRequests.Running(Path.of("/a/smb.conf"), 100));
        writes.put(Path.of("/a/smb.conf"), 5L);
        SmbRequests r = new SmbRequests(() -> Map.copyOf(running), clock::get, conf -> {
            reads.incrementAndGet();
            return Map.of("WRITE", new long[] {writes.get(conf), 2_000_000});
        }, pid -> SmbRequests.Activity.UNKNOWN);

        assertEquals(5, count(r.requests()));
        writes.put(Path.of("/a/smb.conf"), 9L);
        assertEquals(5, count(r.requests()), "the reading of a moment ago");
        assertEquals(1, reads.get());
        clock.addAndGet(SmbRequests.REFRESH_NANOS);
        assertEquals(9, count(r.requests()));
        assertEquals(2.0, r.requests().get(0).seconds());

        // A's smbd restarts (a new pid, its counters from 0), B's starts: A's last reading stays counted
        running.put("A", new SmbRequests.Running(Path.of("/a/smb.conf"), 101));
        running.put("B", new SmbRequests.Running(Path.of("/b/smb.conf"), 200));
        writes.put(Path.of("/a/smb.conf"), 1L);
        writes.put(Path.of("/b/smb.conf"), 3L);
        clock.addAndGet(SmbRequests.REFRESH_NANOS);
        assertEquals(9 + 1 + 3, count(r.requests()));
        // B is released: its counts stay
        running.remove("B");
        clock.addAndGet(SmbRequests.REFRESH_NANOS);
        assertEquals(13, count(r.requests()));
        assertEquals(List.of(), r.requests().get(0).buckets(), "smbd keeps totals only");
        assertEquals("any", r.requests().get(0).outcome());
    }

    @Test
    void anSmbdThatDidNothingSinceItsLastReadingIsNotReadAgain() {
        AtomicLong clock = new AtomicLong();
        AtomicInteger reads = new AtomicInteger();
        AtomicLong done = new AtomicLong(1000);
        AtomicLong writes = new AtomicLong(5);
        SmbRequests r = new SmbRequests(() -> Map.of("A", new SmbRequests.Running(Path.of("/a/smb.conf"), 100)),
                clock::get, conf -> {
                    reads.incrementAndGet();
                    return Map.of("WRITE", new long[] {writes.get(), 1_000});
                }, pid -> done.get());

        assertEquals(5, count(r.requests()));
        clock.addAndGet(SmbRequests.REFRESH_NANOS);
        assertEquals(5, count(r.requests()), "idle: the reading stands");
        assertEquals(1, reads.get(), "no smbstatus for an smbd that did nothing");

        done.addAndGet(300);
        writes.set(8);
        assertEquals(5, count(r.requests()), "within the refresh interval: the reading of a moment ago");
        clock.addAndGet(SmbRequests.REFRESH_NANOS);
        assertEquals(8, count(r.requests()), "it answered requests: read again");
        assertEquals(2, reads.get());

        done.set(SmbRequests.Activity.UNKNOWN);
        clock.addAndGet(SmbRequests.REFRESH_NANOS);
        r.requests();
        clock.addAndGet(SmbRequests.REFRESH_NANOS);
        r.requests();
        assertEquals(4, reads.get(), "activity unknown: read at every refresh, as before");
    }

    @Test
    void aProcessActivityGrowsWithWhatItReadsAndWrites(@TempDir Path dir) throws Exception {
        long pid = ProcessHandle.current().pid();
        long before = SmbRequests.io(pid);
        assertTrue(before >= 0, "this JVM's activity is readable from /proc/PID/io (Linux): " + before);
        Files.write(dir.resolve("f"), new byte[4096]);
        Files.readAllBytes(dir.resolve("f"));
        long after = SmbRequests.io(pid);
        assertTrue(after >= before + 8192, before + " then " + after);
        assertEquals(SmbRequests.Activity.UNKNOWN, SmbRequests.io(Long.MAX_VALUE), "no such process");
    }

    private static long count(List<ServiceRequests.Requests> requests) {
        return requests.stream().mapToLong(ServiceRequests.Requests::count).sum();
    }
}
