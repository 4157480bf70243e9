package org.hasm.alerts.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhooks against a real HTTP server on 127.0.0.1. */
class WebhookTargetTest {
    /** What the server received: one per request. */
    record Received(String method, String contentType, String authorization, byte[] body) {
    }

    private HttpServer server;
    private ExecutorService serverThreads;
    private ExecutorService clientThreads;
    private HttpClient client;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger(204);
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean hang;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/hook", this::handle);
        server.start();
        clientThreads = Executors.newCachedThreadPool();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads).build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        server.stop(0);
        serverThreads.shutdownNow();
        clientThreads.shutdownNow();
        assertTrue(serverThreads.awaitTermination(10, TimeUnit.SECONDS));
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            byte[] body = x.getRequestBody().readAllBytes();
            received.add(new Received(x.getRequestMethod(), x.getRequestHeaders().getFirst("Content-Type"),
                    x.getRequestHeaders().getFirst("Authorization"), body));
            if (hang) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int s = status.get();
            byte[] answer = (s == 204 ? "" : "status " + s + " from the receiver\nsecond line").getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(s, s == 204 ? -1 : answer.length);
            if (s != 204) {
                try (OutputStream out = x.getResponseBody()) {
                    out.write(answer);
                }
            }
        }
    }

    private URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook?channel=ops");
    }

    private WebhookTarget target(String token) {
        return new WebhookTarget(uri(), token, () -> client);
    }

    @Test
    void aWebhookReceivesTheJsonByPostWithTheBearerToken() throws Exception {
        Alert alert = Fixtures.alert(3);

        Outcome o = target("s3cr3t-token").deliver(alert, Duration.ofSeconds(10), 2);

        assertTrue(o.ok(), o.toString());
        assertEquals("HTTP 204", o.detail());
        assertEquals(1, received.size());
        Received r = received.get(0);
        assertEquals("POST", r.method());
        assertEquals("application/json", r.contentType());
        assertEquals("Bearer s3cr3t-token", r.authorization());
        assertArrayEquals(alert.json(), r.body());
    }

    @Test
    void withoutATokenNoAuthorizationIsSent() throws Exception {
        assertTrue(target(null).deliver(Fixtures.alert(1), Duration.ofSeconds(10), 0).ok());
        assertEquals(null, received.get(0).authorization());
    }

    @Test
    void anAnswer500IsRetriedThenReported() throws Exception {
        status.set(500);

        Outcome o = target(null).deliver(Fixtures.alert(1), Duration.ofSeconds(10), 2);

        assertFalse(o.ok());
        assertEquals("HTTP 500: status 500 from the receiver (attempt 3)", o.detail());
        assertEquals(3, received.size(), "the first attempt and two retries");
        assertTrue(o.millis() >= WebhookTarget.backoff(0) + WebhookTarget.backoff(1), o.millis() + " ms");
    }

    @Test
    void anAnswer404IsNotRetried() throws Exception {
        status.set(404);

        Outcome o = target(null).deliver(Fixtures.alert(1), Duration.ofSeconds(10), 2);

        assertFalse(o.ok());
        assertEquals("HTTP 404: status 404 from the receiver", o.detail());
        assertEquals(1, received.size());
    }

    @Test
    void aWebhookThatDoesNotAnswerFailsAtTheTimeout() throws Exception {
        hang = true;

        Outcome o = target(null).deliver(Fixtures.alert(1), Duration.ofMillis(500), 0);

        assertFalse(o.ok());
        assertEquals("no answer within 500 ms", o.detail());
        assertTrue(o.millis() < 10_000, o.millis() + " ms");
    }

    @Test
    void aWebhookWhereNothingListensIsRetriedThenReported() throws Exception {
        URI nowhere = uri();
        server.stop(0);

        Outcome o = new WebhookTarget(nowhere, null, () -> client).deliver(Fixtures.alert(1), Duration.ofSeconds(5), 1);

        assertFalse(o.ok());
        assertEquals("connection refused or unreachable (attempt 2)", o.detail());
    }

    @Test
    void theTargetIsShownWithoutItsQueryOrCredentials() {
        assertEquals("http://127.0.0.1:" + server.getAddress().getPort() + "/hook?***", target("t").shown());
        assertEquals("https://***@hooks.example.com/x?***",
                new WebhookTarget(URI.create("https://user:pw@hooks.example.com/x?key=abc"), null, () -> client).shown());
    }

    @Test
    void theBackoffIsShortAndBounded() {
        assertEquals(List.of(250L, 500L, 1000L, 2000L, 2000L, 2000L),
                List.of(0, 1, 2, 3, 4, 10).stream().map(WebhookTarget::backoff).toList());
    }
}
