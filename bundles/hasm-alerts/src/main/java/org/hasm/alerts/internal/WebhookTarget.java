package org.hasm.alerts.internal;

import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.hasm.spi.alerts.Alerts;

/**
 * A webhook: each alert is POSTed as JSON; a 2xx answer is delivered. No answer, 5xx, 408 and 429 are tried
 * again after a short, bounded backoff; any other status is final. Redirects are not followed.
 */
final class WebhookTarget implements Target {
    /** How much of an answer's body is kept for the detail. */
    static final int BODY_KEPT = 512;
    static final long BACKOFF_FIRST_MS = 250;
    static final long BACKOFF_MAX_MS = 2000;

    private final URI uri;
    private final String shown;
    private final String token;
    private final Supplier<HttpClient> client;

    /**
     * @param token sent as {@code Authorization: Bearer TOKEN}; {@code null} for none
     * @param client the bundle's HTTP client, made when first asked
     */
    WebhookTarget(URI uri, String token, Supplier<HttpClient> client) {
        this.uri = uri;
        this.shown = Settings.hide(uri.toString());
        this.token = token;
        this.client = client;
    }

    @Override
    public String kind() {
        return Alerts.WEBHOOK;
    }

    @Override
    public String shown() {
        return shown;
    }

    /** One attempt's result: whether another could do better. */
    private record Attempt(boolean ok, boolean again, String detail) {
    }

    @Override
    public Outcome deliver(Alert alert, Duration timeout, int retries) throws InterruptedException {
        long start = System.nanoTime();
        byte[] body = alert.json();
        for (int attempt = 0; ; attempt++) {
            Attempt a = post(body, timeout);
            if (a.ok() || !a.again() || attempt >= retries) {
                String detail = a.detail() + (attempt == 0 ? "" : " (attempt " + (attempt + 1) + ")");
                return new Outcome(a.ok(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), detail);
            }
            Thread.sleep(backoff(attempt)); // interrupted when the bundle stops
        }
    }

    /** @return the pause before the attempt after {@code attempt}: 250 ms, 500 ms, 1 s, then 2 s */
    static long backoff(int attempt) {
        return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS << Math.min(attempt, 10));
    }

    private Attempt post(byte[] body, Duration timeout) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "hasm-alerts")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        CompletableFuture<HttpResponse<String>> answer;
        try {
            answer = client.get().sendAsync(request.build(), info -> new LimitedBody(BODY_KEPT));
        } catch (RuntimeException e) {
            return new Attempt(false, false, "cannot be sent: " + e.getMessage());
        }
        try {
            // the request's timeout ends the wait for the headers; this one bounds the body too
            HttpResponse<String> r = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            int status = r.statusCode();
            String first = firstLine(r.body());
            String detail = "HTTP " + status + (first.isEmpty() ? "" : ": " + first);
            boolean ok = status >= 200 && status < 300;
            return new Attempt(ok, !ok && (status >= 500 || status == 408 || status == 429), detail);
        } catch (TimeoutException e) {
            answer.cancel(true);
            return new Attempt(false, true, "no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpTimeoutException) {
                return new Attempt(false, true, "no answer within " + timeout.toMillis() + " ms");
            }
            if (cause instanceof ConnectException) {
                return new Attempt(false, true, "connection refused or unreachable");
            }
            String m = cause.getMessage();
            return new Attempt(false, true, cause.getClass().getSimpleName() + (m == null ? "" : ": " + m));
        } catch (InterruptedException e) {
            answer.cancel(true);
            throw e;
        }
    }

    private static String firstLine(String body) {
        for (String line : body.split("\r?\n|\r")) {
            if (!line.isBlank()) {
                String l = Alert.oneLine(line.strip());
                return l.length() <= 200 ? l : l.substring(0, 197) + "...";
            }
        }
        return "";
    }

    /**
     * Keeps the first bytes of an answer's body and cancels the rest: a webhook that answers with a huge or
     * endless body costs nothing.
     */
    static final class LimitedBody implements HttpResponse.BodySubscriber<String> {
        private final int max;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        LimitedBody(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                int n = Math.min(b.remaining(), max - kept.size());
                if (n > 0) {
                    byte[] a = new byte[n];
                    b.get(a);
                    kept.write(a, 0, n);
                }
            }
            if (kept.size() >= max) {
                subscription.cancel();
                result.complete(text());
            }
        }

        @Override
        public void onError(Throwable t) {
            result.complete(text()); // the status is known; the body is only a detail
        }

        @Override
        public void onComplete() {
            result.complete(text());
        }

        private String text() {
            return kept.toString(StandardCharsets.UTF_8);
        }
    }
}
