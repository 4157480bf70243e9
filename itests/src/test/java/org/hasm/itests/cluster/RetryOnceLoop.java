package org.hasm.itests.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.support.Await;

/**
 * A plain client of one personality's HTTP export during an operator's handover: it PUTs a new file,
 * then GETs it back, again and again. A request whose connection is refused or reset (no answer) is
 * sent once more after {@link #RETRY_PAUSE}, as a client library with one retry does; a second
 * failure, an answer other than 2xx, or a GET that does not read back what was acknowledged is a
 * failed request. Every acknowledged PUT is kept to be read back at the end.
 *
 * <p>One thread of its own, bounded by a request count and a deadline, paced so as not to take a core.
 */
public final class RetryOnceLoop implements AutoCloseable {

    /** How long the one retry waits: a client library's back-off, not a search for the server. */
    static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
    private static final int MAX_ROUNDS = 10_000;
    private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int MAX_FAILURES_KEPT = 20;

    private final URI folder;
    private final String prefix;
    private final Duration requestTimeout;
    private final long deadline;
    private final HttpClient http = PutLoop.client(Duration.ofSeconds(2));
    private final Thread thread;
    private volatile boolean running = true;
    // Guarded by this: written by the loop's thread, read by the test's.
    private final List<PutLoop.Ack> acks = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private int failureCount;
    private int requests;
    private int retried;

    private RetryOnceLoop(URI folder, String prefix, Duration requestTimeout, Duration limit) {
        this.folder = folder;
        this.prefix = prefix;
        this.requestTimeout = requestTimeout;
        this.deadline = System.nanoTime() + limit.toNanos();
        this.thread = new Thread(this::run, "retry-once-" + prefix);
        this.thread.setDaemon(true);
    }

    public static RetryOnceLoop start(URI folder, String prefix, Duration requestTimeout, Duration limit) {
        RetryOnceLoop loop = new RetryOnceLoop(folder, prefix, requestTimeout, limit);
        loop.thread.start();
        return loop;
    }

    private byte[] content(int n) {
        SplittableRandom random = new SplittableRandom(n * 0x9E3779B97F4A7C15L ^ prefix.hashCode());
        byte[] head = (prefix + n + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = Arrays.copyOf(head, head.length + 1024 + random.nextInt(2048));
        for (int i = head.length; i < bytes.length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    private void run() {
        // bounded: MAX_ROUNDS and the deadline
        for (int n = 0; n < MAX_ROUNDS && running && System.nanoTime() - deadline < 0; n++) {
            String name = prefix + n;
            byte[] content = content(n);
            long sent = System.nanoTime();
            HttpResponse<byte[]> put = send(HttpRequest.newBuilder(folder.resolve(name)).timeout(requestTimeout)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), "PUT " + name);
            if (put == null) {
                continue;
            }
            long answered = System.nanoTime();
            if (put.statusCode() / 100 != 2) {
                failed("PUT " + name + ": HTTP " + put.statusCode());
                continue;
            }
            synchronized (this) {
                acks.add(new PutLoop.Ack(name, content, sent, answered, put.statusCode(), ""));
            }
            HttpResponse<byte[]> get = send(HttpRequest.newBuilder(folder.resolve(name)).timeout(requestTimeout).GET()
                    .build(), "GET " + name);
            if (get != null && (get.statusCode() != 200 || !Arrays.equals(get.body(), content))) {
                failed("GET " + name + ": HTTP " + get.statusCode() + ", " + get.body().length
                        + " bytes, not the " + content.length + " acknowledged");
            }
            LockSupport.parkNanos(PACE_NANOS);
        }
    }

    /** @return the answer, or {@code null} (a failed request, recorded) when neither attempt got one */
    private HttpResponse<byte[]> send(HttpRequest request, String what) {
        String first = null;
        for (int attempt = 0; attempt < 2 && running; attempt++) {
            synchronized (this) {
                requests++;
                retried += attempt;
            }
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                if (first == null) {
                    first = e + " at " + java.time.LocalTime.now();
                    LockSupport.parkNanos(RETRY_PAUSE.toNanos());
                } else {
                    failed(what + ": no answer twice (" + first + "; then " + e + " at " + java.time.LocalTime.now() + ")");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
        return null;
    }

    private synchronized void failed(String what) {
        failureCount++;
        if (failures.size() < MAX_FAILURES_KEPT) {
            failures.add(what);
        }
    }

    public synchronized List<PutLoop.Ack> acks() {
        return List.copyOf(acks);
    }

    public synchronized int ackCount() {
        return acks.size();
    }

    public synchronized int failureCount() {
        return failureCount;
    }

    /** @return the requests that were sent a second time after a refused or reset connection */
    public synchronized int retried() {
        return retried;
    }

    public synchronized String summary() {
        return prefix + ": " + acks.size() + " PUTs acknowledged, " + requests + " requests (" + retried
                + " retried once), " + failureCount + " failed" + (failures.isEmpty() ? "" : ": " + failures);
    }

    /** Waits until {@code more} PUTs beyond {@code from} were acknowledged. */
    public void awaitAcks(int from, int more, Duration timeout, java.util.function.Supplier<String> diagnostics) {
        Await.until(prefix + ": " + more + " more acknowledged PUTs", timeout, () -> ackCount() >= from + more,
                () -> summary() + "\n" + diagnostics.get());
    }

    public void stop() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(requestTimeout.toSeconds() * 2 + RETRY_PAUSE.toSeconds() + 2));
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
