package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Exclusive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Storage faults degrade, never stop the pair, on two real processes with a client writing
 * through the personalities all along; each test ends in DAC with every acknowledged write intact.
 * <ul>
 * <li>the shared storage full during a failover: the survivor keeps serving its own personality,
 * and takes the peer's volume over as soon as there is space again;</li>
 * <li>the storage read-only for one SCM: it hands its personality to the peer, which can write it,
 * and takes it back by itself when its storage takes writes again;</li>
 * <li>an ownership record damaged: the owner settles it with its peer and re-asserts it at a
 * higher epoch; with the peer unreachable the status names the volume, the personality and the
 * cause until the fence and lease rules decide.</li>
 * </ul>
 */
@ResourceLock(Exclusive.NAMESPACES)
class PairStorageFaultIT {

    private static final Duration STEP = Duration.ofSeconds(30);
    private static final Duration REQUEST = Duration.ofSeconds(3);
    private static final Duration LIMIT = Duration.ofMinutes(3);
    private static final int SOME = 10;
    private static final long SHARED_BYTES = 32L << 20;

    @Test
    void aFullSharedStorageDuringAFailoverKeepsTheSurvivorsPersonalityAndTheOtherIsTakenWhenSpaceReturns(
            @TempDir Path work) throws Exception {
        Requirements.require(Requirements.isRoot(), "a full shared storage is a small tmpfs mounted on the shared"
                + " folder, which needs root: run the tests as root");
        Pair pair = Pair.create(work, Timing.TEST.startedTogether());
        Tmpfs shared = null;
        try {
            shared = Tmpfs.mount(pair.shared(), SHARED_BYTES);
            Files.createDirectories(pair.shared().resolve("heartbeat")); // the demo's, hidden by the mount
            PairFaultIT.startInDac(pair);
            List<PutLoop.Ack> onA = new ArrayList<>();
            List<PutLoop.Ack> onB = new ArrayList<>();
            try (PutLoop a = PutLoop.start(pair.filesUrl(A), "a-", REQUEST, LIMIT, null);
                    PutLoop b = PutLoop.start(pair.filesUrl(B), "b-", REQUEST, LIMIT, null)) {
                a.awaitAcks(0, SOME, STEP, pair::diagnostics);
                b.awaitAcks(0, SOME, STEP, pair::diagnostics);
                a.stop();
                b.stop();
                onA.addAll(a.acks());
                onB.addAll(b.acks());
            }

            // the storage fills up, then scm-a dies: scm-b cannot write the ownership record of vol-a
            Path filler = fill(pair.shared().resolve("filler"));
            pair.kill(A);
            JsonNode degraded = pair.awaitState(B, "DEGRADED", "MASTER", STEP);
            JsonNode why = pair.awaitStatus(B, "the reason names personality A, vol-a and the full storage", STEP,
                    s -> s.path("reason").asText("").contains("personality A, volume vol-a is not served")
                            && s.path("reason").asText("").contains("No space left on device"));
            System.out.println("# scm-b " + Pair.role(degraded) + ", reason: " + why.path("reason").asText());
            // its own personality is served all along: reads answer, writes say the storage is full
            HttpClient client = PutLoop.client(Duration.ofSeconds(2));
            assertEquals(List.of(), PutLoop.verify(pair.filesUrl(B), onB), "B's files while the storage is full");
            assertEquals(507, put(client, pair.filesUrl(B).resolve("while-full"), new byte[64 << 10]),
                    "a write on the full storage");
            // personality A is up on scm-b (address and services), its volume waits: 503, never a wrong answer
            pair.awaitExample(A, "personality A on scm-b (MASTER, DEGRADED)", STEP);
            assertEquals(503, status(client, pair.filesUrl(A).resolve(onA.get(0).name())));

            // space returns: vol-a is taken over at once, without an operator
            Files.delete(filler);
            pair.awaitServedBy(A, B, STEP);
            Waits.until(client, pair.filesUrl(A).resolve(onA.get(0).name()), STEP, pair);
            assertEquals(List.of(), PutLoop.verify(pair.filesUrl(A), onA), "A's files after the takeover");
            // DEGRADED says why the peer is dead; nothing about the storage is left in it
            pair.awaitStatus(B, "no storage reason left once the storage takes writes", STEP,
                    s -> "DEGRADED".equals(s.path("state").asText())
                            && s.path("reason").asText("").startsWith("serving the peer's personality too: scm-a is dead")
                            && !s.path("reason").asText("").contains("vol-a"));
            try (PutLoop a = PutLoop.start(pair.filesUrl(A), "a2-", REQUEST, LIMIT, null)) {
                a.awaitAcks(0, SOME, STEP, pair::diagnostics);
                a.stop();
                onA.addAll(a.acks());
            }
            long lines = pair.log(B).lines().filter(l -> l.contains("volume vol-a is not acquired yet")).count();
            assertEquals(1, lines, "the wait is told once, not once per retry");

            // scm-a comes back: the pair ends in DAC, nothing acknowledged is lost
            pair.start(A);
            pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
            pair.awaitState(B, "DAC", "MASTER", STEP);
            pair.awaitServedBy(A, A, STEP);
            assertEquals(List.of(), PutLoop.verify(pair.filesUrl(A), onA), "A's files in DAC");
            assertEquals(List.of(), PutLoop.verify(pair.filesUrl(B), onB), "B's files in DAC");
        } finally {
            try {
                pair.close();
            } finally {
                if (shared != null) {
                    shared.close();
                }
            }
        }
    }

    @Test
    void aStorageReadOnlyForOneScmMovesItsPersonalityToThePeerAndBackWhenItTakesWritesAgain(@TempDir Path work)
            throws Exception {
        String missing = PrivateMounts.missing();
        Requirements.require(missing == null, missing);
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            PrivateMounts.wrap(pair, A);
            PairFaultIT.startInDac(pair);
            List<PutLoop.Ack> onA = new ArrayList<>();
            try (PutLoop writer = PutLoop.start(pair.filesUrl(A), "w-", REQUEST, LIMIT, null)) {
                writer.awaitAcks(0, SOME, STEP, pair::diagnostics);
                int logFrom = pair.log(A).length();

                PrivateMounts.readOnly(pair.pid(A), pair.shared());
                int atFault = writer.ackCount();
                JsonNode monitor = pair.awaitState(A, "MONITOR", null, STEP);
                String reason = monitor.path("reason").asText("");
                System.out.println("# scm-a MONITOR, reason: " + reason);
                assertTrue(reason.contains("personality A, volume vol-a is read-only here") && reason.contains(
                        "the peer can write it"), reason);
                pair.awaitState(B, "DEGRADED", "MASTER", STEP);
                pair.awaitServedBy(A, B, STEP);
                writer.awaitAcks(atFault, SOME, STEP, pair::diagnostics);

                // one line for the condition, none per request
                List<String> lines = pair.log(A).substring(logFrom).lines()
                        .filter(l -> l.contains("WARN") || l.contains("ERROR")).toList();
                System.out.println("# scm-a warnings while read-only (" + writer.summary() + "):");
                lines.forEach(l -> System.out.println("#   " + l));
                assertEquals(1, lines.stream().filter(l -> l.contains("vol-a is read-only for this SCM")).count(),
                        String.join("\n", lines));
                assertEquals(List.of(), lines.stream().filter(l -> l.contains("PUT /files") || l.contains("write refused"))
                        .toList(), "no line per request");

                // writable again: scm-a leaves MONITOR by itself and takes its personality back
                PrivateMounts.writable(pair.pid(A), pair.shared());
                pair.awaitStatus(A, "DAC/SLAVE after leaving MONITOR by itself", STEP,
                        s -> "DAC/SLAVE".equals(Pair.role(s)));
                pair.awaitState(B, "DAC", "MASTER", STEP);
                pair.awaitServedBy(A, A, STEP);
                int back = writer.ackCount();
                writer.awaitAcks(back, SOME, STEP, pair::diagnostics);
                writer.stop();
                onA.addAll(writer.acks());
                System.out.println("# " + writer.summary());
                assertEquals(List.of(), writer.givenUp(), writer.summary());
                assertTrue(pair.log(A).contains("RESET (the storage takes writes again)"), "left MONITOR by itself");
            }
            assertEquals(List.of(), PutLoop.verify(pair.filesUrl(A), onA), "every acknowledged PUT reads back");
            pair.assertHolds("back in DAC", pair.timing().detection().multipliedBy(3),
                    () -> pair.roles("DAC/SLAVE", "DAC/MASTER"));
        }
    }

    @Test
    void aDamagedOwnershipRecordIsSettledWithThePeerAndNamedWhileThePeerCannotBeAsked(@TempDir Path work)
            throws Exception {
        // detection 3 s (the storage heartbeat 6 s): the status can be read while the peer is paused
        try (Pair pair = Pair.create(work, new Timing(100, 30, 15_000))) {
            PairFaultIT.startInDac(pair);
            Path record = pair.shared().resolve("owners").resolve(pair.volume(A));
            List<PutLoop.Ack> onA = new ArrayList<>();
            try (PutLoop writer = PutLoop.start(pair.filesUrl(A), "w-", REQUEST, LIMIT, null)) {
                writer.awaitAcks(0, SOME, STEP, pair::diagnostics);
                long epoch = OwnerWatch.read(pair.shared(), pair.volume(A)).epoch();

                // 1. seven bytes of garbage over the record while both run: scm-a asks scm-b, re-asserts
                damage(record);
                int atDamage = writer.ackCount();
                Waits.recordOwnedBy(pair, record, "scm-a", epoch + 1, STEP);
                writer.awaitAcks(atDamage, SOME, STEP, pair::diagnostics);
                assertTrue(pair.roles("DAC/MASTER", "DAC/SLAVE"), pair.diagnostics());
                assertTrue(pair.log(A).contains("scm-b does not hold it"), "settled with the peer's word");

                // 2. the peer cannot be asked (paused): the status names volume, personality and cause;
                // nothing is written until the fence and lease rules declare it dead
                pair.pause(B);
                damage(record);
                JsonNode named = pair.awaitStatus(A, "the reason names the unreadable record of vol-a", STEP, s ->
                        s.path("reason").asText("").contains("personality A, volume vol-a is not served: its ownership"
                                + " record is unreadable") && s.path("reason").asText("").contains("cannot be asked"));
                System.out.println("# scm-a " + Pair.role(named) + ", reason: " + named.path("reason").asText());
                assertEquals("DAC", named.path("state").asText(), named.toString());
                assertTrue(damaged(record), "nothing is written without the peer's word");
                pair.awaitState(A, "DEGRADED", "MASTER", STEP);
                Waits.recordOwnedBy(pair, record, "scm-a", epoch + 2, STEP);
                int atDeath = writer.ackCount();
                writer.awaitAcks(atDeath, SOME, STEP, pair::diagnostics);
                writer.stop();
                onA.addAll(writer.acks());
                assertEquals(List.of(), writer.givenUp(), writer.summary());
            }
            // scm-b was never killed by a fence here (the lease decided): end it, start it, back to DAC
            pair.kill(B);
            pair.start(B);
            pair.awaitState(B, "DAC", "SLAVE", Pair.BOOT);
            pair.awaitState(A, "DAC", "MASTER", STEP);
            assertEquals(List.of(), PutLoop.verify(pair.filesUrl(A), onA), "every acknowledged PUT reads back");
        }
    }

    private static final byte[] GARBAGE = {0x13, 0x7f, (byte) 0xe2, 0x00, 0x55, (byte) 0x9a, 0x0b};

    /** Writes 7 bytes of garbage over the start of the file, in place, as a storage that scrambles a block. */
    private static void damage(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(0);
            f.write(GARBAGE);
            f.getFD().sync();
        }
    }

    /** @return whether the file still starts with the garbage */
    private static boolean damaged(Path file) throws IOException {
        byte[] head = new byte[GARBAGE.length];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.readFully(head);
        }
        return java.util.Arrays.equals(GARBAGE, head);
    }

    /** Fills the file system of {@code file} with it; @return the file, to delete when space should return. */
    private static Path fill(Path file) throws IOException {
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            // bounded: the file system is SHARED_BYTES large
            for (long written = 0; written <= SHARED_BYTES; written += chunk.length) {
                out.write(chunk);
            }
            throw new AssertionError("wrote " + SHARED_BYTES + " bytes into " + file + " without filling its file system");
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
        // the last partial block too: nothing is left
        try (OutputStream out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
            for (int i = 0; i < 256; i++) {
                out.write(new byte[4096]);
            }
        } catch (IOException e) {
            // full
        }
        return file;
    }

    private static int put(HttpClient client, URI uri, byte[] body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri).timeout(REQUEST).PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int status(HttpClient client, URI uri) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri).timeout(REQUEST).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Deadline-polling waits of these tests. */
    private static final class Waits {
        static void until(HttpClient client, URI uri, Duration timeout, Pair pair) {
            org.hasm.itests.support.Await.until(uri + " answers 200", timeout, () -> {
                try {
                    return status(client, uri) == 200;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }, pair::diagnostics);
        }

        static void recordOwnedBy(Pair pair, Path record, String owner, long epoch, Duration timeout) {
            org.hasm.itests.support.Await.until(record + " owned by " + owner + " at epoch " + epoch, timeout, () -> {
                OwnerWatch.Owner o = OwnerWatch.read(pair.shared(), record.getFileName().toString());
                return o != null && o.owner().equals(owner) && o.epoch() == epoch;
            }, () -> "record " + OwnerWatch.read(pair.shared(), record.getFileName().toString()) + pair.diagnostics());
        }
    }
}
