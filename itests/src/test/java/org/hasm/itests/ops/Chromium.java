package org.hasm.itests.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.hasm.itests.cluster.Requirements;
import org.hasm.itests.support.Await;

/**
 * A headless Chromium (Debian {@code chromium}) driven over the DevTools protocol on a WebSocket of the
 * JDK's: one page, its console errors and uncaught exceptions collected from the moment it is opened.
 * The browser runs with a profile folder of its own, and {@link #close()} ends it and everything it
 * started.
 */
final class Chromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL = Duration.ofSeconds(15);

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    /** What the page reported as an error: console.error, uncaught exceptions, failed loads. */
    private final List<String> errors = new CopyOnWriteArrayList<>();

    /** @return the browser, or the test is skipped (failed with CI=true) when {@code chromium} is not installed */
    static Path executable() {
        Path chromium = Requirements.tool("chromium");
        Requirements.require(chromium != null, "chromium is not installed (apt-get install -y chromium): the status"
                + " page is tested in headless Chromium");
        return chromium;
    }

    Chromium(Path profile) throws IOException, InterruptedException {
        Files.createDirectories(profile);
        List<String> command = new ArrayList<>(List.of(executable().toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "--window-size=390,844", "about:blank"));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            Path active = profile.resolve("DevToolsActivePort");
            Await.until("chromium writes " + active, Duration.ofSeconds(30), () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("chromium ended (exit " + process.exitValue() + "): " + log(profile));
                }
                try {
                    return Files.readAllLines(active).size() >= 2;
                } catch (IOException e) {
                    return false;
                }
            }, () -> log(profile));
            int port = Integer.parseInt(Files.readAllLines(active).get(0).trim());
            HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            String[] page = new String[1];
            Await.until("chromium's page target", Duration.ofSeconds(15), () -> {
                try {
                    HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/json/list")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    for (JsonNode t : JSON.readTree(list.body())) {
                        if ("page".equals(t.path("type").asText())) {
                            page[0] = t.path("webSocketDebuggerUrl").asText();
                        }
                    }
                    return page[0] != null;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }, () -> log(profile));
            socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(URI.create(page[0]), new Listener()).get(15, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            end();
            throw new IOException("connecting to chromium's DevTools: " + e, e);
        } catch (RuntimeException | Error e) {
            end();
            throw e;
        }
        call("Runtime.enable", Map.of());
        call("Log.enable", Map.of());
        call("Page.enable", Map.of());
        call("Network.enable", Map.of());
    }

    private static String log(Path profile) {
        try {
            return "\n" + Files.readString(profile.resolve("chromium.log"));
        } catch (IOException e) {
            return "";
        }
    }

    /** Sends every request of the page with these headers (the credential the browser would have asked for). */
    void headers(Map<String, String> headers) throws IOException, InterruptedException {
        call("Network.setExtraHTTPHeaders", Map.of("headers", headers));
    }

    void navigate(String url) throws IOException, InterruptedException {
        JsonNode r = call("Page.navigate", Map.of("url", url));
        if (r.has("errorText")) {
            throw new AssertionError("chromium could not open " + url + ": " + r);
        }
    }

    /** @return the value of a JavaScript expression in the page (strings, numbers, booleans), null if none */
    JsonNode evaluate(String expression) throws IOException, InterruptedException {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (r.has("exceptionDetails")) {
            throw new AssertionError(expression + " threw in the page: " + r.path("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** @return the errors the page reported so far */
    List<String> errors() {
        return List.copyOf(errors);
    }

    JsonNode call(String method, Map<String, ?> params) throws IOException, InterruptedException {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            socket.sendText(JSON.writeValueAsString(message), true).get(CALL.toMillis(), TimeUnit.MILLISECONDS);
            JsonNode reply = answer.get(CALL.toMillis(), TimeUnit.MILLISECONDS);
            if (reply.has("error")) {
                throw new IOException(method + ": " + reply.path("error"));
            }
            return reply.path("result");
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(method + " got no answer from chromium within " + CALL.toSeconds() + " s", e);
        } finally {
            pending.remove(id);
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                received(text);
            }
            webSocket.request(1);
            return null;
        }
    }

    private void received(String text) {
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (IOException e) {
            errors.add("unreadable DevTools message: " + text);
            return;
        }
        if (m.has("id")) {
            CompletableFuture<JsonNode> f = pending.get(m.path("id").asInt());
            if (f != null) {
                f.complete(m);
            }
            return;
        }
        JsonNode p = m.path("params");
        switch (m.path("method").asText()) {
            case "Runtime.exceptionThrown" -> errors.add("exception: " + p.path("exceptionDetails"));
            case "Runtime.consoleAPICalled" -> {
                if ("error".equals(p.path("type").asText()) || "assert".equals(p.path("type").asText())) {
                    errors.add("console." + p.path("type").asText() + ": " + p.path("args"));
                }
            }
            case "Log.entryAdded" -> {
                if ("error".equals(p.path("entry").path("level").asText())) {
                    errors.add("log: " + p.path("entry").path("text").asText() + " " + p.path("entry").path("url").asText());
                }
            }
            default -> {
                // page and network events: not what the test looks at
            }
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.abort();
        }
        end();
    }

    private void end() {
        // the renderer, GPU and zygote processes are its descendants: none is left behind
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        process.destroy();
        all.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
