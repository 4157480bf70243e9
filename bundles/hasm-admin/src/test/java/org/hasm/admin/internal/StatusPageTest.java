package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hasm.spi.MasterAdmin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusPageTest {
    private static final String HOST = "127.0.0.1:7700";

    @TempDir
    Path admin;

    private final SpiViews.Controller controller = new SpiViews.Controller();
    private StatusPage page;
    private String operate;
    private String read;

    @BeforeEach
    void page() throws IOException {
        operate = CredentialsTest.write(admin, "operate", "ops", "o".repeat(40));
        read = CredentialsTest.write(admin, "read", "monitor", "r".repeat(40));
        Credentials credentials = new Credentials(admin, p -> { });
        AdminApi.Audit quiet = new AdminApi.Audit() {
            @Override
            public void accepted(String what, Credentials.Credential who, String remote) {
            }

            @Override
            public void refused(AdminApi.Request request, int status, String why) {
            }
        };
        AdminApi api = new AdminApi(() -> controller, () -> null, () -> null, false, () -> null, credentials, quiet,
                Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC));
        page = new StatusPage(api, credentials, () -> controller);
    }

    private static String basic(String name, String token) {
        return "Basic " + Base64.getEncoder().encodeToString((name + ":" + token).getBytes(StandardCharsets.UTF_8));
    }

    private StatusPage.Reply call(String method, String path, Map<String, String> headers, String... params) {
        Map<String, String> h = new HashMap<>();
        h.put("host", HOST);
        headers.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
        Map<String, String> p = new HashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            p.put(params[i], params[i + 1]);
        }
        return page.handle(new StatusPage.Request(method, path, "http", "127.0.0.1:50000",
                name -> h.get(name.toLowerCase(Locale.ROOT)), p::get));
    }

    private static String body(StatusPage.Reply r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void theBrowserIsAskedForACredentialAndThePageHoldsNone() {
        StatusPage.Reply r = call("GET", "/", Map.of());
        assertEquals(401, r.status());
        assertEquals("Basic realm=\"hasm\", charset=\"UTF-8\"", r.headers().get("WWW-Authenticate"));
        assertEquals(401, call("GET", "/", Map.of("Authorization", basic("monitor", operate))).status(),
                "a token goes with its own name only");
        assertEquals(401, call("GET", "/", Map.of("Authorization", "Bearer " + operate)).status());
        assertEquals(401, call("GET", "/", Map.of("Authorization", "Basic !!!")).status());

        for (String file : List.of("/", "/page.js", "/page.css")) {
            StatusPage.Reply f = call("GET", file, Map.of("Authorization", basic("monitor", read)));
            assertEquals(200, f.status(), file);
            assertFalse(body(f).contains(read) || body(f).contains(operate), file);
        }
        assertTrue(call("GET", "/", Map.of("Authorization", basic("ops", operate))).contentType().startsWith("text/html"));
        assertEquals("/hasm/ui/", call("GET", null, Map.of()).headers().get("Location"));
    }

    @Test
    void thePageReadsTheApisDocumentsAndSaysWhoItIs() {
        Map<String, String> monitor = Map.of("Authorization", basic("monitor", read), "Sec-Fetch-Site", "same-origin");
        StatusPage.Reply status = call("GET", "/api/status", monitor);
        assertEquals(200, status.status(), body(status));
        assertEquals("scm-a", MiniJson.object(body(status)).get("node"));
        assertEquals(Map.of("name", "monitor", "role", "read", "scm", "scm-a"),
                MiniJson.object(body(call("GET", "/api/whoami", monitor))));
        assertEquals(404, call("GET", "/api/upgrade", monitor).status(), "only what the page shows");
    }

    @Test
    void requestsOtherSitesSendAreRefused() {
        Map<String, String> h = new HashMap<>(Map.of("Authorization", basic("ops", operate), "X-Hasm-Page", "1"));
        h.put("Sec-Fetch-Site", "cross-site");
        assertEquals(403, call("GET", "/api/status", h).status());
        assertEquals(403, call("POST", "/api/commands/surrender", h).status());
        h.put("Sec-Fetch-Site", "same-site");
        assertEquals(403, call("GET", "/", h).status());
        h.put("Sec-Fetch-Site", "same-origin");
        h.put("Origin", "http://evil.example");
        assertEquals(403, call("POST", "/api/commands/surrender", h).status());
        assertEquals(List.of(), controller.commands);
    }

    @Test
    void aCommandNeedsThePagesHeaderAndTheOperateRole() {
        Map<String, String> h = new HashMap<>(Map.of("Authorization", basic("ops", operate), "Origin", "http://" + HOST,
                "Sec-Fetch-Site", "same-origin", "Content-Type", "text/plain"));
        StatusPage.Reply refused = call("POST", "/api/commands/surrender", h, "reason", "page");
        assertEquals(403, refused.status(), body(refused));
        assertTrue(body(refused).contains("X-Hasm-Page"), body(refused));
        assertEquals(List.of(), controller.commands);

        h.put("X-Hasm-Page", "1");
        StatusPage.Reply accepted = call("POST", "/api/commands/surrender", h, "reason", "page");
        assertEquals(202, accepted.status(), body(accepted));
        assertEquals(1, controller.commands.size());
        assertTrue(controller.commands.get(0).startsWith("surrender:page"), controller.commands.toString());

        h.put("Authorization", basic("monitor", read));
        assertEquals(403, call("POST", "/api/commands/surrender", h).status(), "the read role has no command");
        assertEquals(1, controller.commands.size());
    }

    @Test
    void aCommandForTheMasterSaysWhereItsPageIs() {
        controller.master = new MasterAdmin("scm-b", false, "http://127.0.0.1:7702", null);
        Map<String, String> h = Map.of("Authorization", basic("ops", operate), "X-Hasm-Page", "1");
        StatusPage.Reply r = call("POST", "/api/commands/move", h, "personality", "A");
        assertEquals(409, r.status(), body(r));
        Map<String, Object> doc = MiniJson.object(body(r));
        assertEquals("scm-b", doc.get("master"));
        assertEquals("http://127.0.0.1:7702/hasm/ui/", doc.get("page"));
        assertEquals(List.of(), controller.commands);
    }
}
