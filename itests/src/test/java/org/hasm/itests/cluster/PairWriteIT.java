package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No acknowledged write is lost when the SCM that acknowledged it crashes: a client PUTs files
 * through a personality's address without a break while {@code kill -9} ends the SCM serving it,
 * the peer takes the personality over, and the crashed SCM comes back and gets it back. Every PUT
 * the client saw acknowledged must read back byte-identical through the same address afterwards,
 * whichever SCM acknowledged it and whichever serves the address now. A WebDAV lock taken on the
 * crashed SCM still holds after the takeover (it lives in the pair's shared objects): its token
 * works on the survivor, a write without it is refused.
 */
class PairWriteIT {

    private static final Duration STEP = Duration.ofSeconds(20);
    /** Short enough that a PUT to a dead address is retried soon, long enough for an fsync on a loaded disk. */
    private static final Duration REQUEST = Duration.ofSeconds(3);
    /** The whole test's writing must end well before this. */
    private static final Duration LIMIT = Duration.ofMinutes(2);
    /** Acknowledged PUTs that prove the writes go through (again) at a step. */
    private static final int SOME = 15;

    @Test
    void everyAcknowledgedPutSurvivesTakeoverFailbackAndTheOtherTakeover(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            URI filesA = pair.filesUrl(A);
            URI filesB = pair.filesUrl(B);
            List<PutLoop.Ack> onA = new ArrayList<>();

            // a client holds a WebDAV lock on a file of A when scm-a crashes
            String token = lock(filesA.resolve("locked.txt"));

            // 1. scm-a crashes while the client writes through A's address; scm-b takes A over
            try (PutLoop writer = PutLoop.start(filesA, "w-", REQUEST, LIMIT, null)) {
                writer.awaitAcks(0, SOME, STEP, pair::diagnostics);
                pair.kill(A);
                int atKill = writer.ackCount();
                pair.awaitState(B, "DEGRADED", "MASTER", STEP);
                pair.awaitExample(A, "personality A on scm-b (MASTER, DEGRADED)", STEP);
                pair.awaitServedBy(A, B, STEP);
                writer.awaitAcks(atKill, SOME, STEP, pair::diagnostics);
                writer.stop();
                checked("takeover of A by scm-b", writer, filesA, writer.acks(), pair);
                lockOutlivesItsScm(filesA.resolve("locked.txt"), token);
                onA.addAll(writer.acks());
            }

            // 2. scm-a comes back and takes A back (scm-b stays MASTER) while the client writes on
            try (PutLoop writer = PutLoop.start(filesA, "f-", REQUEST, LIMIT, null)) {
                writer.awaitAcks(0, SOME, STEP, pair::diagnostics);
                pair.start(A);
                pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
                pair.awaitState(B, "DAC", "MASTER", STEP);
                pair.awaitExample(A, "personality A on scm-a (SLAVE, DAC)", STEP);
                pair.awaitServedBy(A, A, STEP);
                int back = writer.ackCount();
                writer.awaitAcks(back, SOME, STEP, pair::diagnostics);
                writer.stop();
                onA.addAll(writer.acks());
                checked("failback of A to scm-a", writer, filesA, onA, pair);
            }

            // 3. the MASTER (scm-b now) crashes while the client writes through B's address
            try (PutLoop writer = PutLoop.start(filesB, "g-", REQUEST, LIMIT, null)) {
                writer.awaitAcks(0, SOME, STEP, pair::diagnostics);
                pair.kill(B);
                int atKill = writer.ackCount();
                pair.awaitState(A, "DEGRADED", "MASTER", STEP);
                pair.awaitExample(B, "personality B on scm-a (MASTER, DEGRADED)", STEP);
                pair.awaitServedBy(B, A, STEP);
                writer.awaitAcks(atKill, SOME, STEP, pair::diagnostics);
                writer.stop();
                checked("takeover of B by scm-a", writer, filesB, writer.acks(), pair);
            }
            // and nothing written through A's address before went missing on the way
            assertEquals(List.of(), PutLoop.verify(filesA, onA), "A's files after B's takeover");

            for (Scm home : Scm.values()) {
                String listing = PutLoop.listing(pair.filesUrl(home));
                assertFalse(listing.contains(".hasm-put-"), "a temporary file is listed in " + pair.filesUrl(home)
                        + ":\n" + listing);
                System.out.println("# " + pair.volume(home) + ": " + temporaryFiles(pair, home).size()
                        + " temporary file(s) on the volume after the crashes (hidden from clients): "
                        + temporaryFiles(pair, home));
            }
        }
    }

    /** Locks {@code file} (exclusive write lock), checks that it holds, @return its token. */
    private static String lock(URI file) throws IOException, InterruptedException {
        HttpClient client = PutLoop.client(Duration.ofSeconds(2));
        assertEquals(201, send(client, file, "PUT", "before the crash").statusCode());
        HttpResponse<String> lock = client.send(HttpRequest.newBuilder(file).timeout(REQUEST)
                .header("Timeout", "Infinite").method("LOCK", HttpRequest.BodyPublishers.ofString(
                        "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:lockinfo xmlns:D=\"DAV:\">"
                                + "<D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
                                + "<D:owner>hasm pair test</D:owner></D:lockinfo>")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, lock.statusCode(), "LOCK " + file + ": " + lock.body());
        String token = lock.headers().firstValue("Lock-Token").orElseThrow(() -> new AssertionError("no Lock-Token"));
        assertEquals(423, send(client, file, "PUT", "without the token").statusCode(), "the lock holds");
        return token;
    }

    /**
     * Locks live in the pair's shared objects: after a takeover the lock taken on the crashed SCM
     * holds on the survivor. A write without its token is refused (423), one naming it succeeds, and
     * UNLOCK with it frees the file.
     */
    private static void lockOutlivesItsScm(URI file, String token) throws IOException, InterruptedException {
        HttpClient client = PutLoop.client(Duration.ofSeconds(2));
        assertEquals(423, send(client, file, "PUT", "without the token").statusCode(),
                "PUT without the token to a file locked on the crashed SCM");
        HttpResponse<String> held = client.send(HttpRequest.newBuilder(file).timeout(REQUEST)
                .header("If", "(" + token + ")").PUT(HttpRequest.BodyPublishers.ofString("after the takeover")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, held.statusCode(), "PUT naming the lock token taken on the crashed SCM: " + held.body());
        HttpResponse<String> read = client.send(HttpRequest.newBuilder(file).timeout(REQUEST).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("after the takeover", read.body());
        HttpResponse<String> unlock = client.send(HttpRequest.newBuilder(file).timeout(REQUEST)
                .header("Lock-Token", token).method("UNLOCK", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, unlock.statusCode(), "UNLOCK on the survivor: " + unlock.body());
        assertEquals(204, send(client, file, "PUT", "unlocked").statusCode(), "PUT once unlocked");
    }

    private static HttpResponse<String> send(HttpClient client, URI file, String method, String body)
            throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(file).timeout(REQUEST)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The writes went on after the fault, gave nothing up, and every acknowledged one reads back. */
    private static void checked(String step, PutLoop writer, URI folder, List<PutLoop.Ack> acks, Pair pair)
            throws InterruptedException {
        System.out.println("# " + step + ": " + writer.summary());
        assertEquals(List.of(), writer.givenUp(), step + ": " + writer.summary());
        List<String> problems = PutLoop.verify(folder, acks);
        assertTrue(problems.isEmpty(), step + ": " + problems.size() + " of " + acks.size()
                + " acknowledged PUTs do not read back:\n" + String.join("\n", problems) + "\n" + writer.summary()
                + pair.diagnostics());
    }

    /** @return names of the writers' temporary files left on the volume itself (crash leftovers) */
    private static List<String> temporaryFiles(Pair pair, Scm home) throws IOException {
        try (Stream<Path> files = Files.list(pair.shared().resolve("volumes").resolve(pair.volume(home)))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".hasm-put-")).sorted().toList();
        }
    }
}
