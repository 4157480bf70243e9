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
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.hasm.itests.support.Await;

/**
 * A client that writes files through an HTTP export the way a careful application would: one PUT
 * per file, each with content of its own, retried after a short pause until the server acknowledges
 * it (any 2xx). Every acknowledged PUT is kept with its content, so that a test can read them all
 * back after a takeover: an acknowledgement is a promise that the bytes survive any crash.
 *
 * <p>One thread of its own; bounded by a file count, an attempt count per file and a deadline.
 * A file still being retried when the loop stops was never acknowledged and is not checked.
 */
public final class PutLoop implements AutoCloseable {

    /**
     * An acknowledged PUT.
     *
     * @param sentNanos when the acknowledged attempt was sent ({@link System#nanoTime()})
     * @param ackNanos when its answer arrived
     * @param servedBy who served it, as the attribution said before and after the request
     *     ({@code "x"} if both said x, else {@code "x→y"}); {@code ""} without an attribution
     */
    public record Ack(String name, byte[] content, long sentNanos, long ackNanos, int status, String servedBy) {
    }

    /** Above this many files the loop stops on its own. */
    static final int MAX_FILES = 20_000;
    /** Attempts of one file before the loop gives it up (and says so in {@link #givenUp()}). */
    static final int MAX_ATTEMPTS = 2_000;
    private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    private static final int MIN_BYTES = 2048;
    private static final int EXTRA_BYTES = 2048;
    /** Status "code" of an attempt that got no answer (refused, reset, timed out). */
    public static final int NO_ANSWER = -1;

    private final URI folder;
    private final String prefix;
    private final Duration requestTimeout;
    private final long deadline;
    private final Supplier<String> attribution;
    private final HttpClient http;
    private final long seed = new SplittableRandom().nextLong();
    private final Thread thread;
    private volatile boolean running = true;
    // Guarded by this: written by the loop's thread, read by the test's.
    private final List<Ack> acks = new ArrayList<>();
    private final List<String> givenUp = new ArrayList<>();
    private final Map<Integer, Integer> statuses = new TreeMap<>();
    private String lastFailure = "";

    private PutLoop(URI folder, String prefix, Duration requestTimeout, Duration limit, Supplier<String> attribution) {
        this.folder = folder;
        this.prefix = prefix;
        this.requestTimeout = requestTimeout;
        this.deadline = System.nanoTime() + limit.toNanos();
        this.attribution = attribution;
        this.http = client(Duration.ofMillis(Math.min(1000, requestTimeout.toMillis())));
        this.thread = new Thread(this::run, "put-loop-" + prefix);
        this.thread.setDaemon(true);
    }

    /**
     * Starts writing {@code folder + prefix + n}, n = 0, 1, ...
     *
     * @param requestTimeout how long one attempt may wait for its answer
     * @param limit how long the loop may run at most
     * @param attribution says who serves the address now (asked before and after each request); may be null
     */
    public static PutLoop start(URI folder, String prefix, Duration requestTimeout, Duration limit,
            Supplier<String> attribution) {
        PutLoop loop = new PutLoop(folder, prefix, requestTimeout, limit, attribution);
        loop.thread.start();
        return loop;
    }

    /** An HTTP/1.1 client that never uses a proxy: every request goes to the loopback address asked for. */
    public static HttpClient client(Duration connectTimeout) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .proxy(HttpClient.Builder.NO_PROXY).build();
    }

    /** @return the content of file {@code n}: its name first, then random bytes, a few KB in all */
    byte[] content(int n) {
        SplittableRandom random = new SplittableRandom(seed ^ (n * 0x9E3779B97F4A7C15L));
        byte[] head = (prefix + n + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = Arrays.copyOf(head, head.length + MIN_BYTES + random.nextInt(EXTRA_BYTES));
        for (int i = head.length; i < bytes.length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    private void run() {
        // bounded: MAX_FILES files, MAX_ATTEMPTS attempts each, and the deadline
        files:
        for (int n = 0; n < MAX_FILES; n++) {
            String name = prefix + n;
            byte[] content = content(n);
            for (int attempt = 0; ; attempt++) {
                if (!running || System.nanoTime() - deadline >= 0) {
                    break files;
                }
                if (attempt >= MAX_ATTEMPTS) {
                    synchronized (this) {
                        givenUp.add(name);
                    }
                    break;
                }
                String before = attribution == null ? "" : attribution.get();
                long sent = System.nanoTime();
                int status = put(name, content);
                long answered = System.nanoTime();
                if (status >= 200 && status < 300) {
                    String after = attribution == null ? "" : attribution.get();
                    synchronized (this) {
                        acks.add(new Ack(name, content, sent, answered, status,
                                before.equals(after) ? before : before + "→" + after));
                    }
                    break;
                }
                LockSupport.parkNanos(RETRY_NANOS);
            }
            LockSupport.parkNanos(PACE_NANOS);
        }
    }

    private int put(String name, byte[] content) {
        HttpRequest request = HttpRequest.newBuilder(folder.resolve(name)).timeout(requestTimeout)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build();
        int status;
        try {
            status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            status = NO_ANSWER;
            synchronized (this) {
                lastFailure = name + ": " + e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            status = NO_ANSWER;
        }
        synchronized (this) {
            statuses.merge(status, 1, Integer::sum);
        }
        return status;
    }

    /** @return the acknowledged PUTs so far, in order */
    public synchronized List<Ack> acks() {
        return List.copyOf(acks);
    }

    public synchronized int ackCount() {
        return acks.size();
    }

    /** @return the files given up after {@link #MAX_ATTEMPTS} attempts */
    public synchronized List<String> givenUp() {
        return List.copyOf(givenUp);
    }

    /** @return how many attempts ended with each status ({@value #NO_ANSWER}: no answer) */
    public synchronized Map<Integer, Integer> statuses() {
        return new TreeMap<>(statuses);
    }

    /** @return a line for failure messages and the test's output */
    public synchronized String summary() {
        return prefix + "*: " + acks.size() + " acknowledged, attempts by status " + statuses + ", given up "
                + givenUp + (lastFailure.isEmpty() ? "" : ", last failure " + lastFailure);
    }

    /** Waits until {@code more} PUTs beyond {@code from} were acknowledged: the writes go through again. */
    public void awaitAcks(int from, int more, Duration timeout, Supplier<String> diagnostics) {
        Await.until(more + " more acknowledged PUTs through " + folder + " (after " + from + ")", timeout,
                () -> ackCount() >= from + more, () -> summary() + "\n" + diagnostics.get());
    }

    /** Stops the loop; the PUT in flight ends first (bounded by its timeout). */
    public void stop() throws InterruptedException {
        running = false;
        thread.join(requestTimeout.toMillis() + 5_000);
        if (thread.isAlive()) {
            throw new AssertionError("the put loop " + prefix + " did not stop: " + summary());
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (thread.isAlive()) {
            stop();
        }
    }

    // ---- reading back ----

    /**
     * Reads every acknowledged file back through {@code folder} with a fresh client.
     *
     * @return one line per file that is missing or differs; empty if all are byte-identical
     */
    public static List<String> verify(URI folder, List<Ack> acks) throws InterruptedException {
        HttpClient reader = client(Duration.ofSeconds(2));
        List<String> problems = new ArrayList<>();
        for (Ack ack : acks) {
            HttpResponse<byte[]> r = get(reader, folder.resolve(ack.name()));
            if (r == null) {
                problems.add(ack.name() + ": no answer");
            } else if (r.statusCode() != 200) {
                problems.add(ack.name() + ": GET " + r.statusCode() + " (acknowledged " + ack.status() + " by "
                        + ack.servedBy() + ")");
            } else if (!Arrays.equals(r.body(), ack.content())) {
                problems.add(ack.name() + ": " + r.body().length + " bytes read back differ from the "
                        + ack.content().length + " acknowledged (by " + ack.servedBy() + ")");
            }
        }
        return problems;
    }

    /**
     * GET with a few attempts on no answer (a keep-alive connection the server closed meanwhile).
     *
     * @return the response, or {@code null} if none came
     */
    public static HttpResponse<byte[]> get(HttpClient client, URI uri) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build();
        // bounded: three attempts
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
        return null;
    }

    /**
     * @return the folder's listing as a client sees it: the HTML of GET and the XML of PROPFIND
     *     (Depth 1), one after the other
     */
    public static String listing(URI folder) throws IOException, InterruptedException {
        HttpClient client = client(Duration.ofSeconds(2));
        HttpResponse<String> html = client.send(HttpRequest.newBuilder(folder).timeout(Duration.ofSeconds(10)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> dav = client.send(HttpRequest.newBuilder(folder).timeout(Duration.ofSeconds(10))
                .header("Depth", "1").method("PROPFIND", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (html.statusCode() != 200 || dav.statusCode() != 207) {
            throw new AssertionError("listing " + folder + ": GET " + html.statusCode() + ", PROPFIND "
                    + dav.statusCode());
        }
        return html.body() + "\n" + dav.body();
    }
}
