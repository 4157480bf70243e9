package org.hasm.itests.ops;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.dist.ScmProcess;
import org.hasm.itests.support.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in headless Chromium, served by the SLAVE of a real pair: it renders both SCMs, the
 * channels, personalities, modules and events; it shows the SLAVE's takeover within a second of the SCM
 * entering DEGRADED after the MASTER is killed; the page logs no error; the read role gets no command.
 */
class PageChromiumIT {

    private static final Duration STEP = Duration.ofSeconds(30);
    /** The text of a table's cells, joined by |. */
    private static final String CELLS = "[...document.querySelectorAll('%s tbody td')].map(c => c.textContent).join('|')";

    @Test
    void thePageShowsThePairAndATakeoverWithinASecond(@TempDir Path work) throws Exception {
        Chromium.executable();
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.start(A);
            pair.start(B);
            pair.awaitState(A, "DAC", "MASTER", Pair.BOOT);
            pair.awaitState(B, "DAC", "SLAVE", Pair.BOOT);
            String page = "http://127.0.0.1:" + pair.adminPort(B) + "/hasm/ui/";
            String token = pair.adminToken(B);

            // without a credential: the browser is asked for one, and the page's source holds none
            HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(page)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), anonymous.body());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm=\"hasm\""));
            for (String file : List.of("", "page.js", "page.css")) {
                HttpResponse<String> source = http.send(HttpRequest.newBuilder(URI.create(page + file))
                        .header("Authorization", basic(ScmProcess.ADMIN_CREDENTIAL, token)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, source.statusCode(), file);
                assertFalse(source.body().contains(token), file + " holds no credential");
            }

            try (Chromium browser = new Chromium(work.resolve("chromium-operate"))) {
                browser.headers(Map.of("Authorization", basic(ScmProcess.ADMIN_CREDENTIAL, token)));
                browser.navigate(page);
                awaitPage(browser, "the page shows scm-b in DAC as SLAVE with its peer scm-a",
                        "document.body.dataset.state === 'DAC' && text('#role') === 'SLAVE'"
                                + " && text('#peer-name') === 'scm-a' && text('#peer-state') === 'DAC'"
                                + " && rows('#channels') > 0 && rows('#events') > 0"
                                + " && cells('#modules').includes('example')"
                                + " && cells('#personalities').includes('B')");
                assertEquals("operate", browser.evaluate("document.body.dataset.role").asText());
                assertTrue(browser.evaluate("document.querySelectorAll('button.command').length").asInt() > 0);

                pair.kill(A);
                JsonNode degraded = pair.awaitState(B, "DEGRADED", "MASTER", STEP);
                long entered = Instant.parse(degraded.path("since").asText()).toEpochMilli();
                awaitPage(browser, "the page shows the takeover", "document.body.dataset.state === 'DEGRADED'"
                        + " && text('#role') === 'MASTER' && cells('#personalities').includes('A')");
                long shown = browser.evaluate("Number(document.body.dataset.stateShownAt)").asLong();
                assertTrue(shown - entered < 1000, "the page showed DEGRADED " + (shown - entered)
                        + " ms after scm-b entered it");
                String personalities = browser.evaluate(CELLS.formatted("#personalities")).asText();
                assertTrue(personalities.contains("scm-b"), "A is served by scm-b: " + personalities);
                awaitPage(browser, "the page lists the takeover's TRANSITION event",
                        "cells('#events').includes('FAILOVER')");
                assertEquals(List.of(), browser.errors());
            }

            String read = Files.readString(ScmProcess.tokenFile(pair.node(B), "read", "monitor")).strip();
            try (Chromium browser = new Chromium(work.resolve("chromium-read"))) {
                browser.headers(Map.of("Authorization", basic("monitor", read)));
                browser.navigate(page);
                awaitPage(browser, "the read-only page shows scm-b", "document.body.dataset.state === 'DEGRADED'"
                        + " && document.body.dataset.role === 'read'");
                assertEquals(0, browser.evaluate("document.querySelectorAll('button').length").asInt(),
                        "the read role gets no button");
                assertEquals(List.of(), browser.errors());
            }
        }
    }

    private static String basic(String name, String token) {
        return "Basic " + Base64.getEncoder().encodeToString((name + ":" + token).getBytes(StandardCharsets.UTF_8));
    }

    /* Polls a condition in the page; text(), rows() and cells() read the DOM as a reader would see it. */
    private static void awaitPage(Chromium browser, String what, String condition) {
        String expression = "(() => { const text = (s) => (document.querySelector(s) || {}).textContent || '';"
                + " const rows = (s) => document.querySelectorAll(s + ' tbody tr').length;"
                + " const cells = (s) => [...document.querySelectorAll(s + ' tbody td')].map(c => c.textContent).join('|');"
                + " try { return !!(document.body && (" + condition + ")); } catch (e) { return false; } })()";
        Await.until(what, STEP, () -> {
            try {
                return browser.evaluate(expression).asBoolean();
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, () -> {
            try {
                return browser.evaluate("document.body.innerText").asText() + "\nerrors: " + browser.errors();
            } catch (IOException | InterruptedException | AssertionError e) {
                return "the page cannot be read: " + e;
            }
        });
    }
}
