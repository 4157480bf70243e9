package org.hasm.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncarnationTest {
    @TempDir
    Path dir;

    @Test
    void growsEvenWhenTheClockIsBehindTheFile() throws IOException {
        Path file = dir.resolve("data/incarnation");
        long first = Incarnation.next(file);
        assertTrue(first >= System.currentTimeMillis() - 60_000);
        long future = System.currentTimeMillis() + 3_600_000;
        Files.writeString(file, future + "\n");
        assertEquals(future + 1, Incarnation.next(file));
        assertEquals(future + 2, Incarnation.next(file));
    }

    @Test
    void aSenderStartedLaterStartsAboveWhatAnEarlierOneSentAtAFramePerMicrosecond() {
        long first = Incarnation.firstSequence();
        assertTrue(first >= 0);
        long start = System.nanoTime();
        long work = 0;
        for (int i = 0; i < 100_000; i++) {
            work += Long.hashCode(work ^ i); // a sender's life, however short
        }
        // what an earlier sender reached, numbering a frame per microsecond of its life
        long sent = first + (System.nanoTime() - start) / 1000 + (work == 42 ? 1 : 0);
        assertTrue(Incarnation.firstSequence() >= sent, "a later sender starts at or above the earlier one's count");
    }

    @Test
    void concurrentDrawsAreDistinct() throws Exception {
        Path file = dir.resolve("incarnation");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> draws = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                draws.add(pool.submit(() -> Incarnation.next(file)));
            }
            HashSet<Long> seen = new HashSet<>();
            for (Future<Long> f : draws) {
                assertTrue(seen.add(f.get(10, TimeUnit.SECONDS)));
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void garbageFileIsNamed() throws IOException {
        Path file = dir.resolve("incarnation");
        Files.writeString(file, "hello");
        assertTrue(assertThrows(IOException.class, () -> Incarnation.next(file)).getMessage().contains(file.toString()));
    }
}
