package org.hasm.events.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventLogTest {
    @TempDir
    Path dir;

    static Record event(String scm, long seq) {
        return new Record(-1, scm, seq, 1_700_000_000_000L + seq, "org/hasm/test/E" + (seq % 3),
                Map.of("n", String.valueOf(seq), "text", "é ü " + "x".repeat((int) (seq % 7))));
    }

    private static List<Long> sequences(List<Record> records) {
        return records.stream().map(Record::sequence).toList();
    }

    @Test
    void recordsComeBackAfterReopeningWithIdsSequencesAndProperties() throws IOException {
        try (EventLog log = new EventLog(dir, 1 << 20, 4)) {
            for (long s = 1; s <= 5; s++) {
                assertEquals(s - 1, log.append(event("scm-a", s)).id());
            }
            log.append(event("scm-b", 42));
            log.force();
        }
        try (EventLog log = new EventLog(dir, 1 << 20, 4)) {
            assertEquals(5, log.lastId());
            assertEquals(5, log.highest("scm-a"));
            assertEquals(42, log.highest("scm-b"));
            assertEquals(0, log.highest("scm-c"));
            List<Record> all = log.read(-1, r -> true, 100);
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 42L), sequences(all));
            assertEquals(event("scm-a", 3).properties(), all.get(2).properties());
            assertEquals(List.of(4L, 5L), sequences(log.read(2, r -> r.scm().equals("scm-a"), 100)));
            assertEquals(List.of(1L, 2L), sequences(log.read(-1, r -> true, 2)));
            assertEquals(6, log.append(event("scm-a", 6)).id());
        }
    }

    @Test
    void aLogCutAtEveryByteKeepsEveryWholeRecordAndTakesNewOnesAfterThem() throws IOException {
        Path whole = dir.resolve("whole");
        List<Long> ends = new ArrayList<>();
        try (EventLog log = new EventLog(whole, 1 << 20, 4)) {
            for (long s = 1; s <= 3; s++) {
                // small records: every byte of the file is a cut, each opened twice
                log.append(new Record(-1, "a", s, s, "t/" + s, java.util.Map.of("k", "é")));
                log.force();
                ends.add(Files.size(segment(whole)));
            }
        }
        byte[] bytes = Files.readAllBytes(segment(whole));
        for (int cut = 0; cut <= bytes.length; cut++) {
            Path d = dir.resolve("cut-" + cut);
            Files.createDirectories(d);
            Files.write(d.resolve(segment(whole).getFileName()), java.util.Arrays.copyOf(bytes, cut));
            int whole_ = 0;
            while (whole_ < ends.size() && ends.get(whole_) <= cut) {
                whole_++;
            }
            try (EventLog log = new EventLog(d, 1 << 20, 4)) {
                List<Record> read = log.read(-1, r -> true, 100);
                assertEquals(whole_, read.size(), "cut at " + cut);
                long torn = cut - (whole_ == 0 ? 0 : ends.get(whole_ - 1));
                assertEquals(torn, log.tornBytes(), "cut at " + cut);
                log.append(event("scm-a", 99));
                log.force();
            }
            try (EventLog log = new EventLog(d, 1 << 20, 4)) {
                List<Record> read = log.read(-1, r -> true, 100);
                assertEquals(whole_ + 1, read.size(), "cut at " + cut + ", then one more");
                assertEquals(99, read.get(read.size() - 1).sequence());
                assertEquals(0, log.tornBytes());
            }
        }
    }

    @Test
    void aFlippedByteEndsTheReadingThere() throws IOException {
        try (EventLog log = new EventLog(dir, 1 << 20, 4)) {
            for (long s = 1; s <= 3; s++) {
                log.append(event("scm-a", s));
            }
        }
        byte[] bytes = Files.readAllBytes(segment(dir));
        bytes[bytes.length - 3] ^= 0x40; // inside the last record's payload: its checksum no longer holds
        Files.write(segment(dir), bytes);
        try (EventLog log = new EventLog(dir, 1 << 20, 4)) {
            assertEquals(List.of(1L, 2L), sequences(log.read(-1, r -> true, 100)));
            assertTrue(log.tornBytes() > 0);
        }
    }

    @Test
    void theLogRotatesAndKeepsOnlyItsNewestSegments() throws IOException {
        try (EventLog log = new EventLog(dir, 1024, 3)) {
            for (long s = 1; s <= 200; s++) {
                log.append(event("scm-a", s));
            }
            log.force();
            List<Record> kept = log.read(-1, r -> true, 1000);
            assertEquals(200, kept.get(kept.size() - 1).sequence());
            assertTrue(kept.size() < 200, "the oldest segments are deleted");
            // what is kept is a gap-free run ending at the newest
            for (int i = 1; i < kept.size(); i++) {
                assertEquals(kept.get(i - 1).sequence() + 1, kept.get(i).sequence());
            }
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(3, files.count());
            }
            long first = kept.get(0).id();
            assertEquals(kept.subList(5, kept.size()), log.read(first + 4, r -> true, 1000));
        }
        try (EventLog log = new EventLog(dir, 1024, 3)) {
            assertEquals(199, log.lastId());
            assertEquals(200, log.highest("scm-a"));
        }
    }

    /**
     * The link interrupts its handler threads when it stops, and such a thread may be appending the peer's
     * events: the log goes on taking records afterwards (a channel would have been closed for good), rotation
     * included, and the thread keeps its interrupt.
     */
    @Test
    void anAppendFromAnInterruptedThreadLeavesTheLogWritable() throws Exception {
        try (EventLog log = new EventLog(dir, 1024, 3)) {
            log.append(event("scm-a", 1));
            Thread.currentThread().interrupt();
            try {
                for (long s = 2; s <= 40; s++) { // past a segment: a rotation while interrupted
                    log.append(event("scm-b", s));
                }
                log.force();
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
            } finally {
                Thread.interrupted();
            }
            log.append(event("scm-a", 41));
            log.force();
            List<Record> all = log.read(-1, r -> true, 1000);
            assertEquals(41, all.get(all.size() - 1).sequence());
        }
        try (EventLog log = new EventLog(dir, 1024, 3)) {
            assertEquals(41, log.highest("scm-a"));
            assertEquals(40, log.highest("scm-b"));
            assertEquals(0, log.tornBytes());
        }
    }

    private static Path segment(Path d) throws IOException {
        try (Stream<Path> files = Files.list(d)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).findFirst().orElseThrow();
        }
    }
}
