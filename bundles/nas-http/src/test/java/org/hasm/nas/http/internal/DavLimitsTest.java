package org.hasm.nas.http.internal;

import static org.hasm.nas.http.internal.Fixture.allprop;
import static org.hasm.nas.http.internal.Fixture.personality;
import static org.hasm.nas.http.internal.Fixture.send;
import static org.hasm.nas.http.internal.Fixture.statuses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.nas.http.internal.Fixture.Response;
import org.hasm.nas.http.internal.Fixture.TestExport;
import org.hasm.nas.http.internal.Fixture.TestVolume;
import org.hasm.nas.http.internal.Fixture.TestVolumes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client can make an export keep is bounded: live locks ({@code max.locks}), how long a lock
 * lives ({@link LockTimeout#MAX_SECONDS}), and dead properties ({@code max.dead.properties} per resource,
 * {@code max.dead.property.bytes} per export). Beyond, 507; within, WebDAV works as before.
 */
class DavLimitsTest {
    private static final String A = "127.0.0.1";

    private Path tmp;
    private Path docs;
    private HttpServer server;
    private Fixture.RecordingEvents events;
    private final Fixture.LoopbackAddresses addresses = new Fixture.LoopbackAddresses(A);

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("hasm-nas-http-limits-");
        docs = Files.createDirectories(tmp.resolve("volumes/v1/docs"));
    }

    @AfterEach
    void tearDown() {
        try {
            if (server != null) {
                server.destroy();
            }
        } finally {
            addresses.close();
            Fixture.deleteTree(tmp);
        }
    }

    private int serve(HttpSettings settings) throws Exception {
        TestVolumes volumes = new TestVolumes();
        volumes.owned.put("v1", new TestVolume("v1", tmp.resolve("volumes/v1")));
        events = new Fixture.RecordingEvents();
        server = new HttpServer(tmp.resolve("tomcat"), settings, volumes, addresses.service, events);
        server.reconcile(List.of(personality("A", A, 0, new TestExport("docs", "v1", "docs", false))));
        return server.localPort("A", A);
    }

    private static byte[] lockBody(String scope) {
        return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:" + scope
                + "/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>hasm test</D:owner></D:lockinfo>")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String token(Response lock) {
        String header = lock.header("Lock-Token");
        assertNotNull(header, "LOCK answers a Lock-Token: " + lock.text());
        Matcher m = Pattern.compile("<([^>]+)>").matcher(header);
        assertTrue(m.find(), header);
        return m.group(1);
    }

    private static Map<String, String> timeout(String value) {
        return value == null ? Map.of() : Map.of("Timeout", value);
    }

    /** The lockdiscovery of a LOCK's answer says what is left of the timeout: a second may have passed. */
    private static void assertGranted(int seconds, Response lock) {
        Matcher m = Pattern.compile("<D:timeout>Second-(\\d+)</D:timeout>").matcher(lock.text());
        assertTrue(m.find(), lock.text());
        int left = Integer.parseInt(m.group(1));
        assertTrue(left <= seconds && left >= seconds - 5, "granted " + left + " s, not about " + seconds + ": "
                + lock.text());
    }

    @Test
    void aLockIsGrantedForAnHourAtMostWhateverItAsksFor() throws Exception {
        int port = serve(HttpSettings.defaults());
        List<String> asked = new ArrayList<>(List.of("Infinite", "Second-604800", "Second-3601", "Second-4100000000",
                "Infinite, Second-4100000000", "Second-x, Second-99999"));
        asked.add(null);
        int n = 0;
        for (String timeout : asked) {
            Response r = send(A, port, "LOCK", "/docs/f" + n++ + ".txt", timeout(timeout), lockBody("exclusive"));
            assertEquals(201, r.status(), timeout + ": " + r.text());
            assertGranted(3600, r);
        }
        // what is shorter is granted as asked
        Response shorter = send(A, port, "LOCK", "/docs/short.txt", timeout("Second-60"), lockBody("exclusive"));
        assertGranted(60, shorter);
        // and a refresh is held to the hour as well
        Response refresh = send(A, port, "LOCK", "/docs/short.txt",
                Map.of("Timeout", "Infinite", "If", "(<" + token(shorter) + ">)"), null);
        assertEquals(200, refresh.status(), refresh.text());
        assertGranted(3600, refresh);
    }

    @Test
    void aNewLockBeyondMaxLocksGets507AndARefreshOrAnUnlockStillPasses() throws Exception {
        int port = serve(HttpSettings.defaults().withDav(3, HttpSettings.DEFAULT_MAX_DEAD_PROPERTIES,
                HttpSettings.DEFAULT_MAX_DEAD_PROPERTY_BYTES));
        Files.writeString(docs.resolve("f.txt"), "f");
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // shared locks on one path: each is a lock of its own, kept as such
            Response r = send(A, port, "LOCK", "/docs/f.txt", Map.of(), lockBody("shared"));
            assertEquals(200, r.status(), r.text());
            tokens.add(token(r));
        }
        Response shared = send(A, port, "LOCK", "/docs/f.txt", Map.of(), lockBody("shared"));
        assertEquals(507, shared.status(), shared.text());
        assertTrue(shared.text().contains("max.locks=3"), shared.text());
        // nor does a lock of a name not mapped yet create the empty file a granted one would
        Response fresh = send(A, port, "LOCK", "/docs/new.txt", Map.of(), lockBody("exclusive"));
        assertEquals(507, fresh.status(), fresh.text());
        assertFalse(Files.exists(docs.resolve("new.txt")));
        assertTrue(events.warnings.stream().anyMatch(w -> w.contains("max.locks=3")), "logged: " + events.warnings);

        Response refresh = send(A, port, "LOCK", "/docs/f.txt",
                Map.of("Timeout", "Second-600", "If", "(<" + tokens.get(0) + ">)"), null);
        assertEquals(200, refresh.status(), "a refresh makes no new lock: " + refresh.text());
        assertEquals(204, send(A, port, "UNLOCK", "/docs/f.txt", Map.of("Lock-Token", "<" + tokens.get(0) + ">"), null)
                .status());
        assertEquals(201, send(A, port, "LOCK", "/docs/new.txt", Map.of(), lockBody("exclusive")).status(),
                "one released leaves room for one");
    }

    /** A PROPPATCH that sets properties ({@link #set}) and removes others ({@link #remove}), in that order. */
    private static byte[] proppatch(String... changes) {
        return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:hasm:t\">"
                + String.join("", changes) + "</D:propertyupdate>").getBytes(StandardCharsets.UTF_8);
    }

    private static String set(String name, String value) {
        return "<D:set><D:prop><Z:" + name + ">" + value + "</Z:" + name + "></D:prop></D:set>";
    }

    private static String remove(String name) {
        return "<D:remove><D:prop><Z:" + name + "/></D:prop></D:remove>";
    }

    @Test
    void aProppatchBeyondTheDeadPropertiesOfAResourceGets507AndChangesNothing() throws Exception {
        int port = serve(HttpSettings.defaults().withDav(HttpSettings.DEFAULT_MAX_LOCKS, 3,
                HttpSettings.DEFAULT_MAX_DEAD_PROPERTY_BYTES));
        Files.writeString(docs.resolve("a.txt"), "a");
        assertEquals(Map.of(200, 3), statuses(send(A, port, "PROPPATCH", "/docs/a.txt", Map.of(),
                proppatch(set("p1", "v-1"), set("p2", "v-2"), set("p3", "v-3")))));

        assertEquals(Map.of(507, 1), statuses(send(A, port, "PROPPATCH", "/docs/a.txt", Map.of(),
                proppatch(set("p4", "v-4")))));
        // all or nothing: what would have been possible alone is not done either
        assertEquals(Map.of(507, 3, 424, 1), statuses(send(A, port, "PROPPATCH", "/docs/a.txt", Map.of(),
                proppatch(set("p1", "v-1-changed"), set("p5", "v-5"), set("p6", "v-6"), remove("p2")))));
        String props = allprop(A, port, "/docs/a.txt");
        assertTrue(props.contains("v-1<") && props.contains("v-2") && props.contains("v-3"), props);
        assertFalse(props.contains("v-4") || props.contains("v-5") || props.contains("changed"), props);

        // a change within the bound, and one that makes room, pass
        assertEquals(Map.of(200, 3), statuses(send(A, port, "PROPPATCH", "/docs/a.txt", Map.of(),
                proppatch(set("p1", "v-1-changed"), set("p4", "v-4"), remove("p2")))));
        props = allprop(A, port, "/docs/a.txt");
        assertTrue(props.contains("v-1-changed") && props.contains("v-4") && !props.contains("v-2"), props);
        assertTrue(events.warnings.stream().anyMatch(w -> w.contains("max.dead.properties=3")), "logged: "
                + events.warnings);
    }

    @Test
    void theDeadPropertiesOfAnExportStayWithinTheirBytesAndDeleteMoveAndCopyKeepTheCount() throws Exception {
        // each resource below takes about 1.3 KiB: three fit, a fourth does not
        int port = serve(HttpSettings.defaults().withDav(HttpSettings.DEFAULT_MAX_LOCKS,
                HttpSettings.DEFAULT_MAX_DEAD_PROPERTIES, 4096));
        String value = "x".repeat(1000);
        for (int i : new int[] {1, 2, 3, 4, 6}) {
            Files.writeString(docs.resolve("r" + i), "r");
        }
        for (int i = 1; i <= 3; i++) {
            assertEquals(Map.of(200, 1), statuses(send(A, port, "PROPPATCH", "/docs/r" + i, Map.of(),
                    proppatch(set("big", value + i)))), "r" + i);
        }
        assertEquals(Map.of(507, 1), statuses(send(A, port, "PROPPATCH", "/docs/r4", Map.of(),
                proppatch(set("big", value + 4)))));
        assertFalse(allprop(A, port, "/docs/r4").contains(value), "nothing kept of a refused PROPPATCH");

        // a DELETE gives its properties' room back
        assertEquals(204, send(A, port, "DELETE", "/docs/r1").status());
        assertEquals(Map.of(200, 1), statuses(send(A, port, "PROPPATCH", "/docs/r4", Map.of(),
                proppatch(set("big", value + 4)))));

        // at the bound, a MOVE carries its properties (and takes no more room than before)...
        String base = "http://" + A + ":" + port;
        assertEquals(201, send(A, port, "MOVE", "/docs/r2", Map.of("Destination", base + "/docs/r5"), null).status());
        assertTrue(allprop(A, port, "/docs/r5").contains(value + 2));
        assertEquals(Map.of(507, 1), statuses(send(A, port, "PROPPATCH", "/docs/r6", Map.of(),
                proppatch(set("big", value + 6)))), "still at the bound after the MOVE");
        // ...and a COPY duplicates only what fits: the file is copied, its property is not
        assertEquals(201, send(A, port, "COPY", "/docs/r3", Map.of("Destination", base + "/docs/r7"), null).status());
        assertEquals("r", Files.readString(docs.resolve("r7")));
        assertFalse(allprop(A, port, "/docs/r7").contains(value), "not copied beyond the bound");
        assertTrue(allprop(A, port, "/docs/r3").contains(value + 3), "the source keeps its own");
        // a MOVE onto a resource with properties drops the destination's: room for one more
        assertEquals(204, send(A, port, "MOVE", "/docs/r5", Map.of("Destination", base + "/docs/r4"), null).status());
        assertTrue(allprop(A, port, "/docs/r4").contains(value + 2));
        assertEquals(Map.of(200, 1), statuses(send(A, port, "PROPPATCH", "/docs/r7", Map.of(),
                proppatch(set("big", value + 7)))));
    }
}
