package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.itests.cluster.OwnerWatch.Owner;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A volume is never served by two SCMs at once, not even by one that was paused through the
 * takeover and wakes up believing it still owns it (DESIGN §6). scm-b fences nothing here
 * ({@code fence.agent=none}): it takes personality A over on the storage lease alone while scm-a
 * is stopped (SIGSTOP), so the old owner lives on. On loopback the paused JVM keeps A's listening
 * socket, so requests to A's address wait in the kernel for it; the woken scm-a must refuse them
 * because its fence check sees the new epoch, let the volume go on its own and rejoin as SLAVE.
 * scm-b, which could not listen on A's address while scm-a held it, does so as soon as it is free.
 *
 * <p>Who acknowledged each write is told by who held the listening socket of A's address before
 * and after the request ({@link Listeners}); the ownership record is watched from outside
 * throughout ({@link OwnerWatch}).
 */
class PairSplitIT {

    private static final Duration STEP = Duration.ofSeconds(20);
    /** Longer than the pause: a PUT sent while scm-a is stopped waits for it instead of timing out. */
    private static final Duration REQUEST = Duration.ofSeconds(20);
    private static final Duration LIMIT = Duration.ofMinutes(2);
    private static final int QUEUED = 3;
    private static final Pattern MESSAGE = Pattern.compile("<b>Message</b>\\s*([^<]*)");

    @Test
    void aPausedMasterThatWakesAfterATakeoverAcknowledgesNothing(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.editConfig(B, "org.hasm.status.cfg", "fence.agent=process", "fence.agent=none");
            PairFaultIT.startInDac(pair);
            String volume = pair.volume(A);
            String address = pair.personalityAddress(A);
            URI files = pair.filesUrl(A);
            Owner first = OwnerWatch.read(pair.shared(), volume);
            assertEquals(new Owner("scm-a", first.epoch()), first, "scm-a owns " + volume + " in DAC");
            Supplier<String> who = () -> Listeners.holder(pair, address, pair.httpPort());
            assertEquals("scm-a", who.get(), "scm-a listens on " + address + ":" + pair.httpPort());
            long origin = System.nanoTime();

            try (OwnerWatch watch = OwnerWatch.start(pair.shared(), volume, LIMIT);
                    PutLoop writer = PutLoop.start(files, "s-", REQUEST, LIMIT, who)) {
                writer.awaitAcks(0, 10, STEP, pair::diagnostics);

                pair.pause(A);
                long paused = System.nanoTime();
                pair.awaitState(B, "DEGRADED", "MASTER", STEP);
                Await.until("the record of " + volume + " to name scm-b at a higher epoch", STEP, () -> {
                    Owner o = OwnerWatch.read(pair.shared(), volume);
                    return o != null && o.owner().equals("scm-b") && o.epoch() > first.epoch();
                }, () -> watch.describe(origin) + pair.diagnostics());
                List<CompletableFuture<HttpResponse<String>>> queued = sendQueued(files);
                // and a read, which the woken scm-a must not answer from a volume it no longer owns
                CompletableFuture<HttpResponse<String>> queuedRead = PutLoop.client(Duration.ofSeconds(2)).sendAsync(
                        HttpRequest.newBuilder(files.resolve(writer.acks().get(0).name())).timeout(REQUEST).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                // the pause goes on well past the takeover; nobody answers A's address meanwhile
                pair.assertHolds("scm-a stopped, scm-b DEGRADED/MASTER, no queued PUT answered",
                        pair.timing().detection().multipliedBy(2),
                        () -> queued.stream().noneMatch(CompletableFuture::isDone) && !queuedRead.isDone()
                                && "DEGRADED/MASTER".equals(Pair.role(pair.status(B))));

                pair.resume(A);
                long resumed = System.nanoTime();
                List<String> outcomes = new ArrayList<>();
                for (int i = 0; i < QUEUED; i++) {
                    String outcome = outcome(queued.get(i));
                    outcomes.add("q-" + i + ": " + outcome);
                    assertFalse(outcome.startsWith("2"), "q-" + i + ", sent to the paused scm-a after scm-b took "
                            + volume + " over, was acknowledged: " + outcome + "\n" + watch.describe(origin)
                            + pair.diagnostics());
                }
                String read = outcome(queuedRead);
                outcomes.add("GET: " + read);
                assertFalse(read.startsWith("2"), "a GET sent to the paused scm-a after scm-b took " + volume
                        + " over was answered from it: " + read + "\n" + watch.describe(origin) + pair.diagnostics());
                System.out.println("# queued requests: " + outcomes);

                // the woken scm-a finds the new epoch on its own, lets go, and rejoins as SLAVE
                Await.until("scm-a to find " + volume + " taken over", STEP,
                        () -> pair.log(A).contains("volume " + volume + " taken over by scm-b"), pair::diagnostics);
                // scm-b could not listen on A's address while the stopped scm-a held it: it waited for the
                // address instead of failing, and listens there the moment scm-a lets go (unless the
                // failback that follows at once comes first: reported, not asserted)
                assertTrue(pair.log(B).contains("personality A waits for its address"), pair.log(B));
                pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
                pair.awaitState(B, "DAC", "MASTER", STEP);
                pair.awaitExample(A, "personality A on scm-a (SLAVE, DAC)", STEP);
                writer.awaitAcks(writer.ackCount(), 10, STEP, pair::diagnostics);
                writer.stop();
                watch.close();
                report(pair, writer, watch, origin, paused, resumed);
                checkAcks(files, writer.acks(), watch, origin, volume);
            }

            for (int i = 0; i < QUEUED; i++) {
                Path file = pair.shared().resolve("volumes").resolve(volume).resolve("q-" + i);
                assertFalse(Files.exists(file), file + " was written from a refused PUT: "
                        + (Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : ""));
            }
            pair.assertHolds("back in DAC: scm-a DAC/SLAVE, scm-b DAC/MASTER",
                    pair.timing().detection().multipliedBy(4), () -> pair.roles("DAC/SLAVE", "DAC/MASTER"));
        }
    }

    /** PUTs to A's address while scm-a is stopped: the kernel queues them on its listening socket. */
    private static List<CompletableFuture<HttpResponse<String>>> sendQueued(URI files) {
        HttpClient client = PutLoop.client(Duration.ofSeconds(2));
        List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
        for (int i = 0; i < QUEUED; i++) {
            queued.add(client.sendAsync(HttpRequest.newBuilder(files.resolve("q-" + i)).timeout(REQUEST)
                    .PUT(HttpRequest.BodyPublishers.ofString("queued " + i + " while scm-a was stopped")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        return queued;
    }

    /** No acknowledgement by a non-owner, none by both at once, the record readable, every ack read back. */
    private static void checkAcks(URI files, List<PutLoop.Ack> acks, OwnerWatch watch, long origin, String volume)
            throws InterruptedException {
        assertEquals(0, watch.unreadable(), "the record was unreadable at times");
        assertEquals(List.of(), watch.acknowledgedByNonOwner(acks, origin), "writes acknowledged by an SCM that did not"
                + " own " + volume + " at the time\n" + watch.describe(origin));
        assertEquals(List.of(), overlaps(acks, origin), "writes acknowledged by both SCMs at once");
        assertEquals(List.of(), PutLoop.verify(files, acks), "acknowledged writes read back");
        epochsRise(watch);
    }

    /** For the record: the writes, the ownership history and what both SCMs said about A. */
    private static void report(Pair pair, PutLoop writer, OwnerWatch watch, long origin, long paused, long resumed) {
        String volume = pair.volume(A);
        String address = pair.personalityAddress(A);
        List<PutLoop.Ack> acks = writer.acks();
        long whilePaused = acks.stream().filter(a -> a.ackNanos() - paused > 0 && a.ackNanos() - resumed < 0).count();
        System.out.println("# " + writer.summary());
        System.out.println("# record of " + volume + ": " + watch.describe(origin) + "; paused at "
                + ms(paused - origin) + " ms, resumed at " + ms(resumed - origin) + " ms");
        System.out.println("# acknowledged by: " + servedByCounts(acks) + "; answered while scm-a was stopped: "
                + whilePaused);
        pair.log(A).lines().filter(l -> l.contains(volume) || l.contains("fence refused") || l.contains("panic"))
                .forEach(l -> System.out.println("# scm-a: " + l));
        // scm-b cannot listen on A's address while the stopped scm-a holds it (loopback mode)
        pair.log(B).lines().filter(l -> l.contains(address) || l.contains(volume) || l.contains("its address"))
                .forEach(l -> System.out.println("# scm-b: " + l));
    }

    /** @return the status of a queued PUT, or what ended it without one */
    private static String outcome(CompletableFuture<HttpResponse<String>> f) throws InterruptedException {
        try {
            HttpResponse<String> r = f.get(REQUEST.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            // Tomcat's error page: its "Message" is the reason the service gave
            Matcher m = MESSAGE.matcher(r.body());
            return r.statusCode() + (m.find() ? " " + m.group(1) : "");
        } catch (ExecutionException e) {
            return "no answer (" + e.getCause() + ")";
        } catch (TimeoutException e) {
            f.cancel(true);
            return "no answer within " + REQUEST.toMillis() + " ms";
        }
    }

    /** @return pairs of acknowledgements by different SCMs whose request-to-answer times overlap */
    static List<String> overlaps(List<PutLoop.Ack> acks, long origin) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < acks.size(); i++) {
            for (int j = i + 1; j < acks.size(); j++) {
                PutLoop.Ack x = acks.get(i);
                PutLoop.Ack y = acks.get(j);
                boolean overlap = x.sentNanos() - y.ackNanos() <= 0 && y.sentNanos() - x.ackNanos() <= 0;
                if (overlap && !x.servedBy().equals(y.servedBy())) {
                    found.add(x.name() + " by " + x.servedBy() + " [" + ms(x.sentNanos() - origin) + ", "
                            + ms(x.ackNanos() - origin) + "] and " + y.name() + " by " + y.servedBy() + " ["
                            + ms(y.sentNanos() - origin) + ", " + ms(y.ackNanos() - origin) + "] ms");
                }
            }
        }
        return found;
    }

    /** Every change of owner raised the epoch; a release kept it. */
    private static void epochsRise(OwnerWatch watch) {
        assertEquals(List.of(), OwnerWatch.epochProblems(watch.history()), "the record's history");
    }

    private static String servedByCounts(List<PutLoop.Ack> acks) {
        Map<String, Long> counts = new TreeMap<>();
        acks.forEach(a -> counts.merge(a.servedBy(), 1L, Long::sum));
        return counts.toString();
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
