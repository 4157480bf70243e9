package org.hasm.admin.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hasm.spi.HaController;

/**
 * The status page under {@value #PREFIX}: one HTML page, its script and style, and the JSON the script
 * polls, which is the admin API's own ({@link AdminApi}), so the page shows exactly what hasmctl does.
 *
 * <p>A browser cannot send the API's bearer token by itself, and the API refuses whatever a web page
 * sends. The page has its own door: HTTP Basic, the user name being the credential's name and the
 * password its token; the browser asks once and sends it with the page's own requests. Nothing secret
 * is in the page's source. Because a browser also sends Basic credentials with requests other sites
 * make, the page's routes accept only what its own script sends: no request a browser marks as coming
 * from another site ({@code Sec-Fetch-Site} other than {@code same-origin} or {@code none}, an
 * {@code Origin} other than the page's), and a command only with the header {@value #PAGE_HEADER},
 * which no other site can add without a CORS preflight this SCM never answers. The content security
 * policy lets the page run only its own script and talk only to its own SCM.
 */
final class StatusPage {

    static final String PREFIX = "/hasm/ui";
    /** The header the page's script sends with every command. */
    static final String PAGE_HEADER = "X-Hasm-Page";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
            + " img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Set<String> READS = Set.of("/status", "/journal", "/events");

    /** An answer: status, media type, body, and headers beside the ones every answer gets. */
    record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        static Reply json(int status, String json) {
            return new Reply(status, "application/json; charset=UTF-8", json.getBytes(StandardCharsets.UTF_8), Map.of());
        }
    }

    /**
     * One request to the page.
     *
     * @param path below {@link #PREFIX}: {@code /}, {@code /page.js}, {@code /api/status}...
     * @param scheme {@code http} or {@code https}, for the page's own origin
     */
    record Request(String method, String path, String scheme, String remote, Function<String, String> header,
            Function<String, String> parameter) {
    }

    private final AdminApi api;
    private final Credentials credentials;
    private final Supplier<HaController> controller;
    private final Map<String, Reply> files = new LinkedHashMap<>();

    StatusPage(AdminApi api, Credentials credentials, Supplier<HaController> controller) {
        this.api = api;
        this.credentials = credentials;
        this.controller = controller;
        files.put("/", file("index.html", "text/html; charset=UTF-8"));
        files.put("/page.js", file("page.js", "text/javascript; charset=UTF-8"));
        files.put("/page.css", file("page.css", "text/css; charset=UTF-8"));
    }

    Reply handle(Request request) {
        if (request.path() == null || request.path().isEmpty()) {
            // the page's script fetches relative to the folder: /hasm/ui must become /hasm/ui/
            return new Reply(302, "text/plain; charset=UTF-8", new byte[0], Map.of("Location", PREFIX + "/"));
        }
        String path = request.path();
        String site = request.header().apply("Sec-Fetch-Site");
        if (site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none")) {
            return Reply.json(403, Documents.error("refused: Sec-Fetch-Site " + AdminApi.printable(site)
                    + " says another site sent it; the status page answers only itself"));
        }
        String origin = request.header().apply("Origin");
        String host = request.header().apply("Host");
        if (origin != null && !origin.equalsIgnoreCase(request.scheme() + "://" + host)) {
            return Reply.json(403, Documents.error("refused: Origin " + AdminApi.printable(origin)
                    + " is not this page's own"));
        }
        String[] basic = basic(request.header().apply("Authorization"));
        Credentials.Credential who = basic == null ? null : credentials.authenticate(basic[1]);
        if (who == null || !who.name().equals(basic[0])) {
            // the browser asks for the name and token once, then sends them with every request of the page
            return new Reply(401, "application/json; charset=UTF-8", Documents.error("the status page needs the"
                    + " name of one of the SCM's credentials and its token (NODE-FOLDER/etc/admin/ROLE/NAME.token)"
                    + " as user name and password").getBytes(StandardCharsets.UTF_8),
                    Map.of("WWW-Authenticate", "Basic realm=\"hasm\", charset=\"UTF-8\""));
        }
        Reply file = files.get(path);
        if (file != null) {
            return "GET".equals(request.method()) || "HEAD".equals(request.method()) ? file : notAllowed("GET");
        }
        if (path.equals("/api/whoami")) {
            HaController c = controller.get();
            return Reply.json(200, new JsonWriter().beginObject().name("name").value(who.name()).name("role")
                    .value(who.role().folder()).name("scm").value(c == null ? null : c.scm()).endObject().toString());
        }
        if (path.startsWith("/api/")) {
            String route = path.substring("/api".length());
            boolean command = route.startsWith(AdminApi.COMMAND_PATH);
            if (!READS.contains(route) && !command) {
                return Reply.json(404, Documents.error("no such resource: " + PREFIX + path));
            }
            if (command && !"1".equals(request.header().apply(PAGE_HEADER))) {
                return Reply.json(403, Documents.error("refused: a command to the status page needs the header "
                        + PAGE_HEADER + ": 1, which only the page's own script sends"));
            }
            return delegate(request, route, basic[1]);
        }
        return Reply.json(404, Documents.error("no such resource: " + PREFIX + path));
    }

    /* The admin API answers as for hasmctl: the page's own checks are done, so it gets the token and nothing a browser adds. */
    private Reply delegate(Request request, String route, String token) {
        AdminApi.Reply r = api.handle(new AdminApi.Request(request.method(), route, request.remote(), name -> {
            if (name.equalsIgnoreCase("Authorization")) {
                return "Bearer " + token;
            }
            if (name.equalsIgnoreCase("Origin") || name.equalsIgnoreCase("Sec-Fetch-Site")
                    || name.equalsIgnoreCase("Content-Type")) {
                return null;
            }
            return request.header().apply(name);
        }, request.parameter()));
        if (r.status() == 307) {
            // the browser would follow it to another origin, which the MASTER's API refuses: the page says where to go
            String location = r.headers().getOrDefault("Location", "");
            int api = location.indexOf(AdminApi.PREFIX);
            String page = api < 0 ? null : location.substring(0, api) + PREFIX + "/";
            String master = r.headers().get(AdminApi.MASTER_HEADER);
            return Reply.json(409, new JsonWriter().beginObject().name("error").value("only the MASTER " + master
                    + " administers the pair: use its status page").name("master").value(master).name("page")
                    .value(page).endObject().toString());
        }
        Map<String, String> headers = new LinkedHashMap<>(r.headers());
        headers.remove("Content-Type");
        if (r.allow() != null) {
            headers.put("Allow", r.allow());
        }
        return new Reply(r.status(), "application/json; charset=UTF-8", r.json().getBytes(StandardCharsets.UTF_8),
                headers);
    }

    private static Reply notAllowed(String allowed) {
        return new Reply(405, "application/json; charset=UTF-8", Documents.error("use " + allowed)
                .getBytes(StandardCharsets.UTF_8), Map.of("Allow", allowed));
    }

    /** @return {name, token} from {@code Authorization: Basic ...}, or {@code null} */
    static String[] basic(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon <= 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    private static Reply file(String name, String type) {
        try (InputStream in = StatusPage.class.getResourceAsStream("page/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the bundle has no page/" + name);
            }
            return new Reply(200, type, in.readAllBytes(), Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException("reading page/" + name + " from the bundle", e);
        }
    }
}
