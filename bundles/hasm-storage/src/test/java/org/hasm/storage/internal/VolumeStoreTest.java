package org.hasm.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeStoreTest {

    @TempDir
    Path shared;

    private final List<VolumeStore> stores = new ArrayList<>();
    private final Recorder a = new Recorder();
    private final Recorder b = new Recorder();

    @AfterEach
    void closeStores() {
        stores.forEach(VolumeStore::close);
    }

    private VolumeStore store(String scm, Recorder r, long intervalMs, long leaseMs) throws IOException {
        VolumeStore s = new VolumeStore(shared, scm, 42, Duration.ofMillis(intervalMs), Duration.ofMillis(leaseMs), r);
        s.open();
        stores.add(s);
        return s;
    }

    private VolumeStore store(String scm, Recorder r) throws IOException {
        return store(scm, r, 20, 60_000);
    }

    private OwnerRecord record(String volume) throws IOException {
        return RecordFiles.read(shared.resolve("owners").resolve(volume), volume);
    }

    @Test
    void acquireRaisesTheEpochAndCreatesTheVolumeFolder() throws IOException {
        VolumeStore sa = store("scm-a", a);
        OwnedVolume v = sa.acquire("data");
        assertEquals(1, v.epoch());
        assertTrue(Files.isDirectory(shared.resolve("volumes/data")));
        assertEquals(shared.resolve("volumes/data"), v.root());
        assertEquals(new OwnerRecord("data", "scm-a", 1, 42, record("data").time()), record("data"));
        assertSame(v, sa.acquire("data"), "acquiring an owned volume again changes nothing");
        assertEquals(1, record("data").epoch());
        assertEquals(List.of(new Recorder.Step("acquired", "data", 1, "scm-a", "never owned before")), a.events);
        v.fence();
        assertSame(v, sa.volume("data"));
        assertEquals(List.of(v), sa.volumes());
    }

    @Test
    void releaseKeepsTheEpochAndTheNextOwnerRaisesIt() throws IOException {
        VolumeStore sa = store("scm-a", a);
        VolumeStore sb = store("scm-b", b);
        sa.acquire("data");
        assertTrue(sa.release("data"));
        assertEquals("", record("data").owner());
        assertEquals(1, record("data").epoch());
        assertEquals(new Recorder.Step("released", "data", 1, "", ""), a.steps("released").get(0));
        assertFalse(sa.release("data"), "released twice");

        assertEquals(2, sb.acquire("data").epoch());
        assertEquals(3, sa.acquire("data").epoch(), "taking it back raises it again");
    }

    @Test
    void fenceIsRefusedAfterRelease() throws IOException {
        VolumeStore sa = store("scm-a", a);
        OwnedVolume v = sa.acquire("data");
        sa.release("data");
        assertFalse(v.owned());
        assertNull(sa.volume("data"));
        FencedException e = assertThrows(FencedException.class, v::fence);
        assertTrue(e.getMessage().contains("no longer owns volume data"), e.getMessage());
        assertThrows(FencedException.class, v::fence);
        assertEquals(1, a.steps("refused").size(), "a burst of refused writes is one event");
        assertTrue(a.panics.isEmpty(), "letting a volume go is no reason to panic");

        OwnedVolume again = sa.acquire("data");
        again.fence();
        assertThrows(FencedException.class, v::fence, "the old ownership stays fenced");
    }

    @Test
    void peerTakingTheVolumeOverFencesTheOldOwnerAndItsWatchdogPanics() throws IOException {
        VolumeStore sa = store("scm-a", a, 20, 60_000);
        VolumeStore sb = store("scm-b", b);
        OwnedVolume va = sa.acquire("data");
        va.fence();
        sa.start();

        // A is "paused": B was told A is dead and takes the volume over
        OwnedVolume vb = sb.acquire("data");
        assertEquals(2, vb.epoch());
        assertTrue(b.steps("acquired").get(0).reason().contains("taken over from scm-a (epoch 1)"));

        Await.until("A's watchdog notices", () -> !a.panics.isEmpty(), () -> a.events);
        assertEquals(List.of("volume data taken over by scm-b at epoch 2 (ours was 1)"), a.panics);
        assertFalse(va.owned());
        assertNull(sa.volume("data"));
        assertEquals(List.of(new Recorder.Step("lost", "data", 2, "scm-b",
                "volume data taken over by scm-b at epoch 2 (ours was 1)")), a.steps("lost"));
        FencedException e = assertThrows(FencedException.class, va::fence);
        assertTrue(e.getMessage().contains("no longer owns"), e.getMessage());
        vb.fence();

        // A stopping afterwards must not touch B's record
        sa.releaseAll();
        assertEquals(new OwnerRecord("data", "scm-b", 2, 42, record("data").time()), record("data"));
        assertEquals(1, a.panics.size(), "lost once, panicked once");
    }

    @Test
    void fenceItselfFindsTheTakeoverBeforeTheWatchdogDoes() throws IOException {
        VolumeStore sa = store("scm-a", a); // no watchdog running
        VolumeStore sb = store("scm-b", b);
        OwnedVolume va = sa.acquire("data");
        sb.acquire("data");
        FencedException e = assertThrows(FencedException.class, va::fence);
        assertTrue(e.getMessage().contains("taken over by scm-b at epoch 2 (ours was 1)"), e.getMessage());
        assertFalse(va.owned());
        assertEquals(1, a.steps("lost").size());
        assertEquals(1, a.panics.size());
    }

    @Test
    void aTornOrGarbageRecordIsAnErrorNeverAFreeVolume() throws IOException {
        VolumeStore sa = store("scm-a", a);
        Path file = shared.resolve("owners/data");
        Files.write(file, "owner=\nepoch=3\n".getBytes(StandardCharsets.US_ASCII));
        IOException e = assertThrows(IOException.class, () -> sa.acquire("data"));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertNull(sa.volume("data"));
        assertEquals(new String("owner=\nepoch=3\n"), Files.readString(file), "a damaged record is left for the operator");

        Files.write(file, new byte[0]);
        assertThrows(IOException.class, () -> sa.acquire("data"));
        assertTrue(a.steps("acquired").isEmpty());
    }

    @Test
    void aDamagedRecordUnderAnOwnedVolumeRefusesWritesWithoutPanicking() throws IOException {
        VolumeStore sa = store("scm-a", a, 20, 200);
        OwnedVolume v = sa.acquire("data");
        sa.start();
        Path file = shared.resolve("owners/data");
        byte[] good = Files.readAllBytes(file);
        Files.write(file, "garbage".getBytes(StandardCharsets.US_ASCII));
        FencedException e = assertThrows(FencedException.class, v::fence);
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        // the watchdog cannot confirm it either: the lease lapses, writes stay refused
        Await.until("the watchdog reports the unreadable record", () -> a.logs.stream().anyMatch(l -> l.contains("storage watchdog")),
                () -> a.logs);
        Files.write(file, good);
        v.fence(); // readable again: the watchdog confirms it within its interval, the lease never lapsed for long
        assertTrue(v.owned());
        assertTrue(a.panics.isEmpty(), "an unreadable record is no proof of a takeover");
    }

    @Test
    void fenceIsRefusedWhenTheWatchdogHasNotConfirmedTheRecordForALease() throws IOException {
        VolumeStore sa = store("scm-a", a, 20, 100); // watchdog not started: as if it were stuck
        OwnedVolume v = sa.acquire("data");
        Await.until("the lease lapses", () -> {
            try {
                v.fence();
                return false;
            } catch (FencedException e) {
                return e.getMessage().contains("lease on volume data lapsed");
            }
        }, () -> a.events);
        // a lapsed lease refuses writes and reads (the peer may own the volume by now), but it does
        // not give the volume away
        assertFalse(v.owned(), "served while the lease lapsed");
        assertTrue(v.held());
        assertEquals(v, sa.volume("data"));
        sa.start();
        Await.until("the watchdog renews it", () -> {
            try {
                v.fence();
                return true;
            } catch (FencedException e) {
                return false;
            }
        }, () -> a.events);
        assertTrue(v.owned(), "confirmed again: served again");
    }

    @Test
    void aWriterKilledMidWriteLeavesTheOldRecordAndItsLeftoverIsRemoved() throws IOException {
        VolumeStore sa = store("scm-a", a);
        sa.acquire("data");
        sa.release("data");
        OwnerRecord before = record("data");
        Path owners = shared.resolve("owners");
        // what a crash between "write the temporary file" and "rename" leaves: half a record
        byte[] next = new OwnerRecord("data", "scm-a", 2, 42, "t").encode();
        Path leftover = owners.resolve(".data.scm-a.999-1.tmp");
        Files.write(leftover, java.util.Arrays.copyOf(next, next.length / 2));
        Path peers = owners.resolve(".data.scm-b.999-1.tmp");
        Files.write(peers, new byte[] {1});

        assertEquals(before, record("data"), "readers never see a temporary file");
        assertEquals(2, sa.acquire("data").epoch());
        assertFalse(Files.exists(leftover), "own leftovers are cleaned up at the next acquisition");
        assertTrue(Files.exists(peers), "the peer's temporary file may be a write in flight: never touched");
    }

    @Test
    void aWriterKilledAtRandomInstantsNeverLeavesATornRecord() throws Exception {
        Path owners = shared.resolve("owners");
        Files.createDirectories(owners);
        Path record = owners.resolve("data");
        long last = 0;
        for (int round = 0; round < 4; round++) {
            Process p = Children.java(RecordWriter.class, owners.toString(), "data", "scm-a").start();
            try {
                long target = last + 50 + round * 37L;
                // kill it in the middle of its rewriting: at a different point each round
                Await.until("the writer rewrites the record", Duration.ofSeconds(30), () -> epochOrZero(record) > target,
                        () -> "epoch " + epochOrZero(record));
            } finally {
                p.destroyForcibly();
                assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the writer ends");
            }
            OwnerRecord r = RecordFiles.read(record, "data"); // throws on a torn record
            assertEquals("scm-a", r.owner());
            assertTrue(r.epoch() > last);
            last = r.epoch();
        }
        VolumeStore sa = store("scm-a", a);
        assertEquals(last + 1, sa.acquire("data").epoch());
        try (var files = Files.list(owners)) {
            assertEquals(List.of("data"), files.map(f -> f.getFileName().toString()).toList(),
                    "the killed writers' temporary files were removed");
        }
    }

    private static long epochOrZero(Path record) {
        try {
            return RecordFiles.read(record, "data").epoch();
        } catch (IOException e) {
            throw new AssertionError("torn record read while the writer runs", e);
        }
    }

    @Test
    void concurrentAcquisitionsRaiseTheEpochOnce() throws Exception {
        VolumeStore sa = store("scm-a", a);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<OwnedVolume>> got = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String name = i % 2 == 0 ? "data" : "logs-" + i;
                got.add(pool.submit(() -> {
                    go.await();
                    return sa.acquire(name);
                }));
            }
            go.countDown();
            for (Future<OwnedVolume> f : got) {
                f.get(10, TimeUnit.SECONDS).fence();
            }
            assertEquals(1, record("data").epoch());
            assertEquals(1, a.events.stream().filter(e -> e.volume().equals("data")).count());
            assertEquals(5, sa.volumes().size());
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void noFenceStartedAfterATakeoverSucceeds() throws Exception {
        VolumeStore sa = store("scm-a", a, 10, 60_000);
        VolumeStore sb = store("scm-b", b);
        sa.start();
        for (int round = 0; round < 5; round++) {
            OwnedVolume va = sa.acquire("data");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong takenAt = new AtomicLong(Long.MAX_VALUE);
            AtomicReference<String> violation = new AtomicReference<>();
            AtomicLong successes = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> writers = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    writers.add(pool.submit((Callable<Void>) () -> {
                        for (int i = 0; i < 100_000 && !stop.get(); i++) { // bounded
                            long started = System.nanoTime();
                            try {
                                va.fence();
                                successes.incrementAndGet();
                                if (started > takenAt.get()) {
                                    violation.compareAndSet(null, "fence started after the takeover succeeded");
                                }
                            } catch (FencedException e) {
                                // expected once B owns it
                            }
                        }
                        return null;
                    }));
                }
                Await.until("writers are acknowledged", () -> successes.get() > 20, successes::get);
                OwnedVolume vb = sb.acquire("data");
                takenAt.set(System.nanoTime());
                vb.fence();
                Await.until("A stops", () -> !va.owned(), () -> va);
                stop.set(true);
                for (Future<?> w : writers) {
                    w.get(10, TimeUnit.SECONDS);
                }
                assertNull(violation.get(), violation.get());
                sb.release("data");
            } finally {
                stop.set(true);
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            }
        }
        assertEquals(5, a.panics.size(), "one panic per takeover");
    }

    @Test
    void twoScmsAcquiringAtOnceNeverBothPassFence() throws Exception {
        VolumeStore sa = store("scm-a", a);
        VolumeStore sb = store("scm-b", b);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                String volume = "v" + round;
                CountDownLatch go = new CountDownLatch(1);
                Future<OwnedVolume> fa = pool.submit(() -> { go.await(); return attempt(sa, volume); });
                Future<OwnedVolume> fb = pool.submit(() -> { go.await(); return attempt(sb, volume); });
                go.countDown();
                OwnedVolume va = fa.get(10, TimeUnit.SECONDS);
                OwnedVolume vb = fb.get(10, TimeUnit.SECONDS);
                boolean okA = passes(va);
                boolean okB = passes(vb);
                assertFalse(okA && okB, "round " + round + ": both SCMs pass fence()");
                assertTrue(okA || okB, "round " + round + ": one of them owns it");
                assertEquals(okA ? "scm-a" : "scm-b", record(volume).owner());
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    private static OwnedVolume attempt(VolumeStore s, String volume) {
        try {
            return s.acquire(volume);
        } catch (IOException e) {
            return null; // lost the race and noticed it at once
        }
    }

    private static boolean passes(OwnedVolume v) {
        if (v == null) {
            return false;
        }
        try {
            v.fence();
            return true;
        } catch (FencedException e) {
            return false;
        }
    }

    @Test
    void reconcileReleasesFirstThenAcquires() throws IOException {
        VolumeStore sa = store("scm-a", a);
        sa.reconcile(Set.of("a1", "b1"));
        assertEquals(List.of("a1", "b1"), sa.volumes().stream().map(Volume::name).toList());
        sa.reconcile(Set.of("a1"));
        assertEquals(List.of("a1"), sa.volumes().stream().map(Volume::name).toList());
        assertEquals("", record("b1").owner());
        assertEquals(List.of("acquired", "acquired", "released"), a.events.stream().map(Recorder.Step::step).toList());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sa.reconcile(Set.of("../x")));
        assertTrue(e.getMessage().contains("'../x'"));
    }

    @Test
    void anUnmountedStorageIsNotTakenForAnEmptyOne() {
        VolumeStore s = new VolumeStore(shared.resolve("not-mounted"), "scm-a", 1, Duration.ofMillis(20),
                Duration.ofSeconds(1), a);
        IOException e = assertThrows(IOException.class, s::open);
        assertTrue(e.getMessage().contains("not-mounted"), e.getMessage());
        assertFalse(Files.exists(shared.resolve("not-mounted")));
    }

    @Test
    void closeStopsTheWatchdog() throws IOException {
        VolumeStore sa = store("scm-a", a);
        sa.start();
        assertTrue(sa.watching());
        sa.close();
        assertFalse(sa.watching());
        if (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("hasm-storage-watchdog-scm-a"))) {
            fail("the watchdog thread is still alive");
        }
    }

    // ---- storage faults and unreadable records ----

    private VolumeStore storeOn(FailingDisk disk, String scm, Recorder r) throws IOException {
        VolumeStore s = new VolumeStore(shared, scm, 42, Duration.ofMillis(20), Duration.ofMillis(60_000), r, disk, disk);
        s.open();
        stores.add(s);
        return s;
    }

    @Test
    void aRecordThatCannotBeWrittenLeavesTheVolumePendingUntilItCan() throws IOException {
        FailingDisk disk = new FailingDisk(shared, "scm-a");
        VolumeStore sa = storeOn(disk, "scm-a", a);
        disk.failure = FailingDisk.FULL;
        sa.reconcile(Set.of("data")); // no exception: the volume waits
        Volume waiting = sa.volume("data");
        assertFalse(waiting.owned());
        assertEquals(shared.resolve("volumes/data"), waiting.root());
        assertTrue(sa.volumes().isEmpty(), "not owned yet");
        sa.retryPending();
        sa.retryPending();
        assertEquals(1, a.steps("pending").size(), "once per reason, not once per retry: " + a.events);
        assertEquals(List.of(VolumeProblemKinds.of(sa.problems())), List.of(List.of("data:NOT_ACQUIRED", "data:FULL")));
        disk.failure = null;
        sa.retryPending();
        OwnedVolume v = (OwnedVolume) sa.volume("data");
        assertTrue(v.owned());
        assertEquals(1, v.epoch());
        assertTrue(a.steps("acquired").get(0).reason().contains("after waiting"), a.events.toString());
        sa.reconcile(Set.of());
        sa.retryPending();
        assertNull(sa.volume("data"), "a volume no longer wanted does not wait");
    }

    @Test
    void aReleaseThatCannotWriteTheRecordStillEndsTheOwnership() throws IOException {
        FailingDisk disk = new FailingDisk(shared, "scm-a");
        VolumeStore sa = storeOn(disk, "scm-a", a);
        OwnedVolume v = sa.acquire("data");
        disk.failure = FailingDisk.READ_ONLY;
        assertTrue(sa.release("data"));
        assertFalse(v.held());
        assertThrows(FencedException.class, v::fence);
        assertEquals("scm-a", record("data").owner(), "the record stays; the next owner raises the epoch over it");
        VolumeStore sb = store("scm-b", b);
        assertEquals(2, sb.acquire("data").epoch());
        assertTrue(a.panics.isEmpty());
    }

    @Test
    void anUnreadableRecordIsReassertedAboveEveryKnownEpochAndTheVolumeNeverVanishesMeanwhile() throws IOException {
        List<Volume> seenDuringWrite = new ArrayList<>();
        VolumeStore[] holder = new VolumeStore[1];
        FailingDisk disk = new FailingDisk(shared, "scm-a") {
            @Override
            public void write(Path file, OwnerRecord record, String writer) throws IOException {
                if (holder[0] != null) {
                    seenDuringWrite.add(holder[0].volume("data"));
                }
                super.write(file, record, writer);
            }
        };
        VolumeStore sa = storeOn(disk, "scm-a", a);
        sa.reconcile(Set.of("data"));
        OwnedVolume before = (OwnedVolume) sa.volume("data");
        holder[0] = sa;
        Files.writeString(shared.resolve("owners/data"), "epoch=5\ngarbage");
        assertThrows(FencedException.class, before::fence);
        assertEquals(List.of("data"), sa.unsettled());

        VolumeStore sb = store("scm-b", b);
        sa.settle("data", sb.holdsForPeer("data"), null);
        OwnedVolume after = (OwnedVolume) sa.volume("data");
        assertEquals(6, after.epoch(), "above the epoch the damaged bytes still show");
        after.fence();
        assertThrows(FencedException.class, before::fence);
        assertTrue(a.panics.isEmpty(), "no takeover: " + a.panics);
        assertEquals(1, seenDuringWrite.size());
        assertNotNull(seenDuringWrite.get(0), "a service planning its exports meanwhile finds the volume waiting");
        assertFalse(seenDuringWrite.get(0).owned());
        assertEquals(List.of(), sa.unsettled());
        assertEquals(1, a.steps("reasserted").size());
    }

    @Test
    void aPeerHoldingTheVolumeAtAHigherEpochHasItAndAnOlderOrUnansweredOneChangesNothing() throws IOException {
        VolumeStore sa = store("scm-a", a);
        VolumeStore sb = store("scm-b", b);
        sa.reconcile(Set.of("data"));
        OwnedVolume va = (OwnedVolume) sa.volume("data");
        Path file = shared.resolve("owners/data");
        Files.writeString(file, "garbage");
        sa.checkAll();

        sa.settle("data", null, "no answer within 1000 ms");
        assertEquals("garbage", Files.readString(file), "nothing written without the peer's word");
        assertTrue(sa.problems().stream().anyMatch(p -> p.reason().contains("the peer cannot be asked (no answer")),
                sa.problems().toString());
        sa.settle("data", new Settlement.PeerHold("scm-b", false, true, 1), null);
        assertEquals("garbage", Files.readString(file), "the peer wants it too: the controllers decide first");
        sa.settle("data", new Settlement.PeerHold("scm-b", true, false, 0), null);
        assertEquals("garbage", Files.readString(file), "the peer's ownership is older than ours: it gives way");
        assertTrue(va.held());

        sa.settle("data", new Settlement.PeerHold("scm-b", true, false, 2), null);
        assertFalse(va.held(), "the peer took it over before the record was damaged");
        assertEquals(List.of("volume data taken over by scm-b at epoch 2 (ours was 1)"), a.panics);
        assertEquals("garbage", Files.readString(file), "the loser writes nothing");
        assertTrue(sb.volumes().isEmpty());
    }

    /**
     * scm-a owns "data" and lets it go: it read its record (still its own), stalled, and {@code sb} took the
     * volume over before scm-a wrote its release, which lands over sb's record.
     *
     * @return sb's ownership
     */
    private OwnedVolume releasedAsTheOtherTookItOver(VolumeStore sb) throws IOException {
        AtomicReference<OwnedVolume> taken = new AtomicReference<>();
        FailingDisk disk = new FailingDisk(shared, "scm-a") {
            @Override
            public void write(Path file, OwnerRecord record, String writer) throws IOException {
                if (record.released()) {
                    taken.set(sb.acquire("data"));
                }
                super.write(file, record, writer);
            }
        };
        VolumeStore sa = storeOn(disk, "scm-a", a);
        sa.acquire("data");
        assertTrue(sa.release("data"));
        return taken.get();
    }

    @Test
    void aReleaseWrittenAfterThePeerTookTheVolumeOverIsOverwrittenByTheOwnerNotObeyed() throws IOException {
        VolumeStore sb = store("scm-b", b);
        OwnedVolume vb = releasedAsTheOtherTookItOver(sb);
        assertEquals(2, vb.epoch());
        assertEquals(new OwnerRecord("data", "", 1, 42, record("data").time()), record("data"), "A's late write landed");

        FencedException e = assertThrows(FencedException.class, vb::fence, "no write acknowledged on a record not ours");
        assertTrue(e.getMessage().contains("a late write of an older owner"), e.getMessage());
        assertTrue(vb.held(), "a lower epoch is no takeover");

        sb.checkAll();
        assertEquals(new OwnerRecord("data", "scm-b", 2, 42, record("data").time()), record("data"));
        vb.fence();
        assertSame(vb, sb.volume("data"), "the same ownership, so services keep what they hold");
        assertTrue(b.panics.isEmpty(), "the rightful owner neither gives the volume up nor reboots: " + b.panics);
        assertEquals(List.of(), b.steps("lost"));
        assertEquals(1, b.steps("restored").size(), b.events.toString());

        // and a takeover at a higher epoch still wins
        VolumeStore sa2 = store("scm-a", a);
        sa2.acquire("data");
        sb.checkAll();
        assertFalse(vb.held());
        assertEquals(List.of("volume data taken over by scm-a at epoch 3 (ours was 2)"), b.panics);
    }

    @Test
    void aLateReleaseFoundOnlyAfterTheLeaseLapsedIsATakeoverNotRestored() throws IOException {
        VolumeStore sb = store("scm-b", b, 20, 200);
        OwnedVolume vb = releasedAsTheOtherTookItOver(sb);
        // B paused past its lease (its watchdog confirmed nothing): the peer may have been told it is dead and
        // claimed the volume at the epoch the release left, B's own; B must not write itself back over that
        Await.until("B's lease lapses", () -> !vb.owned(), () -> b.events);
        sb.checkAll();
        assertFalse(vb.held());
        assertEquals(List.of("volume data released by another party at epoch 1 (ours was 2)"), b.panics);
        assertEquals("", record("data").owner(), "nothing written");
        assertEquals(List.of(), b.steps("restored"));
    }

    @Test
    void aPeerClaimingTheVolumeAtALowerEpochIsATakeoverNotALateRelease() throws IOException {
        VolumeStore sb = store("scm-b", b);
        sb.acquire("data");
        sb.release("data");
        OwnedVolume vb = sb.acquire("data");
        assertEquals(2, vb.epoch());
        // the peer wrote itself as owner above an epoch it read before (no late release: an owner)
        RecordFiles.write(shared.resolve("owners/data"), new OwnerRecord("data", "scm-a", 1, 7, "t"), "scm-a");
        sb.checkAll();
        assertFalse(vb.held());
        assertEquals(List.of("volume data taken over by scm-a at epoch 1 (ours was 2)"), b.panics);
    }

    @Test
    void withThePeerDownADamagedRecordIsTakenAtOnce() throws IOException {
        VolumeStore sb = store("scm-b", b);
        Files.writeString(shared.resolve("owners/data"), "garbage");
        assertThrows(OwnerRecord.Damaged.class, () -> sb.acquire("data"));
        sb.peerDown(true); // DEGRADED: the peer was fenced or its lease ran out
        long before = System.currentTimeMillis();
        long epoch = sb.acquire("data").epoch();
        // no epoch left in the bytes and none seen here: above any an owner reached by counting (the
        // services' state on the volume, stamped with the last owner's epoch, must not be newer)
        assertTrue(epoch > before, "epoch " + epoch + " from the clock, not 1");
        assertTrue(b.steps("acquired").get(0).reason().contains("the peer is down"), b.events.toString());
    }

    @Test
    void aDamagedRecordWhoseEpochIsStillReadableIsRewrittenJustAboveIt() throws IOException {
        VolumeStore sb = store("scm-b", b);
        Files.writeString(shared.resolve("owners/data"), "owner=scm-a\nepoch=7\ngarbage");
        sb.peerDown(true);
        assertEquals(8, sb.acquire("data").epoch());
    }

    /** The problems as "volume:KIND", for compact assertions. */
    private static final class VolumeProblemKinds {
        static List<String> of(List<org.hasm.spi.storage.VolumeProblem> problems) {
            return problems.stream().map(p -> p.volume() + ":" + p.kind()).toList();
        }
    }
}
