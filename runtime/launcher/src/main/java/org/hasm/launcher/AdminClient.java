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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A client of one SCM's admin REST API ({@code /hasm/api/v1}). Every failure, from "nothing
 * listens there" to an error answer, becomes a {@link LaunchException} with one line that names
 * the URL, for {@code hasmctl} and {@code hasm demo} to print as it is.
 */
final class AdminClient {

    static final String API = "/hasm/api/v1";
    /** The environment variable naming a token file, for {@code --node URL} without {@code --token-file}. */
    static final String TOKEN_FILE_ENV = "HASMCTL_TOKEN_FILE";

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    /**
     * The credential sent with every request.
     *
     * @param token the token (never printed)
     * @param source the file it came from, for messages
     */
    record Credential(String token, Path source) {
        static Credential read(Path file) throws LaunchException {
            return new Credential(AdminAccess.readToken(file), file);
        }

        @Override
        public String toString() {
            return "credential from " + source; // a record would print the token
        }
    }

    private final HttpClient http;
    private final URI base;
    private final Duration timeout;
    private final Credential credential;
    /** The SCM that answered the last request: {@link #base}, or the MASTER a redirect led to. */
    private volatile URI answeredBy;

    /**
     * @param node {@code http://HOST:PORT} of the SCM (a path after it is ignored; no scheme means http)
     * @param timeout how long one request may take, connection included
     * @param credential what to send as {@code Authorization: Bearer}, or {@code null}
     * @param trust with https: the keystore whose certificates are the only ones to trust, or
     *     {@code null} for the JVM's trust store
     * @throws LaunchException if {@code node} is not an http URL
     */
    AdminClient(String node, Duration timeout, Credential credential, AdminAccess.Listener trust) throws LaunchException {
        this.base = parse(node);
        this.answeredBy = base;
        this.timeout = timeout;
        this.credential = credential;
        this.http = client(timeout, trust != null && trust.keystore() != null
                ? PinnedTrust.context(trust.keystore(), trust.password()) : null);
    }

    private static HttpClient client(Duration timeout, javax.net.ssl.SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT.compareTo(timeout) < 0 ? CONNECT_TIMEOUT : timeout)
                // never by itself: a redirect would carry the credential to wherever it points (see follow)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY);
        if (tls != null) {
            builder.sslContext(tls);
        }
        return builder.build();
    }

    /** @return the SCM that answered the last request: this client's, or the MASTER its redirect named */
    URI answeredBy() {
        return answeredBy;
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
        return send(request(path).GET().build());
    }

    /**
     * GETs what only the MASTER answers (the pair's configuration): a SLAVE's redirect is followed once,
     * as a command's is.
     *
     * @param path below {@value #API}, with its query
     * @return the body of a 2xx answer
     */
    String getFromMaster(String path) throws LaunchException, InterruptedException {
        answeredBy = base;
        HttpResponse<String> first = exchange(http, request(path).GET().build());
        if (first.statusCode() != 307) {
            return checked(first);
        }
        int q = path.indexOf('?');
        return follow(first, API + (q < 0 ? path : path.substring(0, q)), false);
    }

    /**
     * POSTs without a body, the parameters in the query: the API refuses form bodies, which a web
     * page could send.
     *
     * @param path below {@value #API}
     * @param query the query parameters, none may be null
     * @return the body of a 2xx answer
     */
    String post(String path, Map<String, String> query) throws LaunchException, InterruptedException {
        StringBuilder q = new StringBuilder();
        query.forEach((key, value) -> q.append(q.length() == 0 ? '?' : '&')
                .append(URLEncoder.encode(key, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        answeredBy = base;
        HttpResponse<String> first = exchange(http, request(path + q).POST(HttpRequest.BodyPublishers.noBody()).build());
        if (first.statusCode() != 307) {
            return checked(first);
        }
        return follow(first, API + path, true);
    }

    /**
     * A SLAVE sends commands to the MASTER (307). They are followed once, with the credential, only to
     * the same path of the admin API, and only where the credential is as safe as it was here: over
     * TLS to the certificate the SLAVE names (it learnt it from the MASTER over the authenticated link),
     * or over plain HTTP on loopback from plain HTTP (the launcher allows nothing else).
     */
    private String follow(HttpResponse<String> redirect, String path, boolean post)
            throws LaunchException, InterruptedException {
        String from = redirect.request().uri().toString();
        String location = redirect.headers().firstValue("Location").orElse(null);
        String master = redirect.headers().firstValue("Hasm-Master").orElse("the MASTER");
        if (location == null) {
            throw new LaunchException(LaunchException.FAILED, from + ": HTTP 307 without a Location");
        }
        URI target;
        try {
            target = new URI(location);
        } catch (URISyntaxException e) {
            throw new LaunchException(LaunchException.FAILED, from + ": redirected to '" + location + "', not a URL");
        }
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (target.getHost() == null || target.getRawPath() == null || !target.getRawPath().equals(path)
                || !scheme.equals("http") && !scheme.equals("https")) {
            throw new LaunchException(LaunchException.FAILED, from + ": redirected to " + location + ", which is not "
                    + path + " of an SCM's admin API: not followed");
        }
        javax.net.ssl.SSLContext tls = null;
        if (scheme.equals("https")) {
            String certificate = redirect.headers().firstValue("Hasm-Master-Certificate").orElse(null);
            if (certificate == null || !certificate.matches("[0-9a-fA-F]{64}")) {
                throw new LaunchException(LaunchException.FAILED, from + ": redirected to " + master + " at " + location
                        + " without the SHA-256 of its certificate: not followed (send the command there with its"
                        + " --node-dir)");
            }
            tls = PinnedTrust.digest(certificate, "the one " + from + " named for " + master);
        } else if (base.getScheme().equals("https") || !loopback(target.getHost())) {
            throw new LaunchException(LaunchException.FAILED, from + ": redirected to " + location + " over plain HTTP"
                    + (base.getScheme().equals("https") ? " from TLS" : " beyond loopback")
                    + ": not followed (the credential would travel in clear)");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(timeout);
        b = post ? b.POST(HttpRequest.BodyPublishers.noBody()) : b.GET();
        if (credential != null) {
            b.header("Authorization", "Bearer " + credential.token());
        }
        HttpResponse<String> second = exchange(tls == null ? http : client(timeout, tls), b.build());
        answeredBy = URI.create(scheme + "://" + target.getRawAuthority());
        if (second.statusCode() == 307) {
            throw new LaunchException(LaunchException.FAILED, location + ": redirected again (to "
                    + second.headers().firstValue("Location").orElse("?") + "): the roles changed while the command"
                    + " was sent; look at the status and send it again");
        }
        return checked(second);
    }

    private static boolean loopback(String host) {
        try {
            return java.net.InetAddress.getByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host)
                    .isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(API + pathAndQuery)).timeout(timeout);
        if (credential != null) {
            b.header("Authorization", "Bearer " + credential.token());
        }
        return b;
    }

    private String send(HttpRequest request) throws LaunchException, InterruptedException {
        answeredBy = base;
        return checked(exchange(http, request));
    }

    private HttpResponse<String> exchange(HttpClient client, HttpRequest request)
            throws LaunchException, InterruptedException {
        String url = request.uri().toString();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
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
    }

    private String checked(HttpResponse<String> response) throws LaunchException {
        String url = response.request().uri().toString();
        int status = response.statusCode();
        if (status == 401) {
            throw new LaunchException(LaunchException.FAILED, url + ": HTTP 401: " + (credential == null
                    ? "no credential given: pass --node-dir NODE-FOLDER (the SCM's node folder, with its credentials)"
                            + " or --token-file FILE, or set " + TOKEN_FILE_ENV
                    : "the SCM does not accept the credential in " + credential.source()
                            + " (one of another SCM, or removed?)"));
        }
        if (status / 100 != 2) {
            throw new LaunchException(LaunchException.FAILED, url + ": HTTP " + status + errorText(response.body())
                    + (status == 403 && credential != null ? " (" + credential.source()
                            + "; pass an operate credential with --token-file FILE)" : ""));
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
