package org.hasm.launcher;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * A client of one SCM's admin REST API ({@code /hasm/api/v1}). Every failure, from "nothing
 * listens there" to an error answer, becomes a {@link LaunchException} with one line that names
 * the URL, for {@code hasmctl} and {@code hasm demo} to print as it is.
 */
final class AdminClient {

    static final String API = "/hasm/api/v1";

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private final HttpClient http;
    private final URI base;
    private final Duration timeout;

    /**
     * @param node {@code http://HOST:PORT} of the SCM (a path after it is ignored; no scheme means http)
     * @param timeout how long one request may take, connection included
     * @throws LaunchException if {@code node} is not an http URL
     */
    AdminClient(String node, Duration timeout) throws LaunchException {
        this.base = parse(node);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT.compareTo(timeout) < 0 ? CONNECT_TIMEOUT : timeout)
                // only the MASTER administers: a SLAVE may redirect a command to it
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    static URI parse(String node) throws LaunchException {
        String text = node.strip();
        if (!text.contains("://")) {
            text = "http://" + text;
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new LaunchException("--node " + node + ": not a URL (expected http://HOST:PORT)");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
                || uri.getHost() == null) {
            throw new LaunchException("--node " + node + ": not an http URL (expected http://HOST:PORT)");
        }
        return URI.create(uri.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + uri.getRawAuthority());
    }

    URI base() {
        return base;
    }

    /**
     * @param path below {@value #API}, e.g. {@code /status}
     * @return the body of a 2xx answer
     */
    String get(String path) throws LaunchException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).timeout(timeout).GET().build());
    }

    /**
     * POSTs a form.
     *
     * @param path below {@value #API}
     * @param form the form parameters, none may be null
     * @return the body of a 2xx answer
     */
    String post(String path, Map<String, String> form) throws LaunchException, InterruptedException {
        StringBuilder body = new StringBuilder();
        form.forEach((key, value) -> {
            if (body.length() > 0) {
                body.append('&');
            }
            body.append(URLEncoder.encode(key, StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        });
        return send(HttpRequest.newBuilder(uri(path)).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
                .build());
    }

    private URI uri(String path) {
        return base.resolve(API + path);
    }

    private String send(HttpRequest request) throws LaunchException, InterruptedException {
        String url = request.uri().toString();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw new LaunchException(LaunchException.FAILED, url + ": no connection within "
                    + CONNECT_TIMEOUT.toSeconds() + " s (is the SCM running, is this its admin port?)");
        } catch (HttpTimeoutException e) {
            throw new LaunchException(LaunchException.FAILED, url + ": no answer within " + timeout.toSeconds() + " s");
        } catch (ConnectException e) {
            throw new LaunchException(LaunchException.FAILED, url + ": cannot connect (is the SCM running, is this its admin port?)");
        } catch (IOException e) {
            throw new LaunchException(LaunchException.FAILED, url + ": " + Runner.oneLine(e));
        }
        int status = response.statusCode();
        if (status / 100 != 2) {
            throw new LaunchException(LaunchException.FAILED, url + ": HTTP " + status + errorText(response.body()));
        }
        return response.body();
    }

    /* The API answers errors as {"error": "..."}; anything else (a proxy's page) is not shown. */
    private static String errorText(String body) {
        try {
            if (Json.parse(body, "answer") instanceof Map<?, ?> map && map.get("error") instanceof String error) {
                return ": " + error;
            }
        } catch (LaunchException e) {
            // not the API's JSON: the status code says enough
        }
        return "";
    }
}
