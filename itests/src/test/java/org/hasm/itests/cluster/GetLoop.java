package org.hasm.itests.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.support.Await;

/**
 * A well-behaved client that reads one file again and again while others misbehave: every GET must
 * answer 200 with the file's content. One keep-alive connection, one thread; bounded by a request
 * count and a deadline, and paced so that it does not take a core of a small machine.
 */
final class GetLoop implements AutoCloseable {

    private static final int MAX_REQUESTS = 20_000;
    private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int MAX_FAILURES_KEPT = 20;

    private final URI uri;
    private final byte[] expected;
    private final Duration requestTimeout;
    private final long deadline;
    private final HttpClient http = PutLoop.client(Duration.ofSeconds(2));
    private final Thread thread;
    private volatile boolean running = true;
    // Guarded by this: written by the loop's thread, read by the test's.
    private int ok;
    private final List<String> failures = new ArrayList<>();
    private int failureCount;

    private GetLoop(URI uri, byte[] expected, Duration requestTimeout, Duration limit) {
        this.uri = uri;
        this.expected = expected.clone();
        this.requestTimeout = requestTimeout;
        this.deadline = System.nanoTime() + limit.toNanos();
        this.thread = new Thread(this::run, "get-loop");
        this.thread.setDaemon(true);
    }

    /** Starts GETting {@code uri}, expecting {@code expected} every time, for at most {@code limit}. */
    static GetLoop start(URI uri, byte[] expected, Duration requestTimeout, Duration limit) {
        GetLoop loop = new GetLoop(uri, expected, requestTimeout, limit);
        loop.thread.start();
        return loop;
    }

    private void run() {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(requestTimeout).GET().build();
        // bounded: MAX_REQUESTS and the deadline
        for (int n = 0; n < MAX_REQUESTS && running && System.nanoTime() - deadline < 0; n++) {
            String failure;
            try {
                HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                failure = r.statusCode() != 200 ? "GET #" + n + ": " + r.statusCode()
                        : Arrays.equals(r.body(), expected) ? null
                        : "GET #" + n + ": 200 with " + r.body().length + " other bytes";
            } catch (IOException e) {
                failure = "GET #" + n + ": " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            synchronized (this) {
                if (failure == null) {
                    ok++;
                } else {
                    failureCount++;
                    if (failures.size() < MAX_FAILURES_KEPT) {
                        failures.add(failure);
                    }
                }
            }
            LockSupport.parkNanos(PACE_NANOS);
        }
    }

    synchronized int ok() {
        return ok;
    }

    /** @return the first failures (at most {@value #MAX_FAILURES_KEPT}); empty if every GET was right */
    synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    synchronized String summary() {
        return "GET " + uri + ": " + ok + " right, " + failureCount + " failed" + (failures.isEmpty() ? ""
                : " " + failures);
    }

    /** Waits until {@code more} more GETs were right: the client was served meanwhile, not just never tried. */
    void awaitOk(int more, Duration timeout) {
        int from = ok();
        Await.until(more + " more right GETs of " + uri, timeout, () -> ok() >= from + more, this::summary);
    }

    void stop() throws InterruptedException {
        running = false;
        thread.join(requestTimeout.toMillis() + 5_000);
        if (thread.isAlive()) {
            throw new AssertionError("the get loop did not stop: " + summary());
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (thread.isAlive()) {
            stop();
        }
    }
}
