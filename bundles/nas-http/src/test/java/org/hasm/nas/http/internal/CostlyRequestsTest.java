package org.hasm.nas.http.internal;

import static org.hasm.nas.http.internal.Fixture.await;
import static org.hasm.nas.http.internal.Fixture.personality;
import static org.hasm.nas.http.internal.Fixture.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hasm.nas.http.internal.Fixture.RecordingEvents;
import org.hasm.nas.http.internal.Fixture.Response;
import org.hasm.nas.http.internal.Fixture.TestExport;
import org.hasm.nas.http.internal.Fixture.TestVolume;
import org.hasm.nas.http.internal.Fixture.TestVolumes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests that walk a folder or a tree run only with one of their personality's permits: many at
 * once queue (without a thread) or get 503, and cheap requests are not held back by them.
 *
 * <p>A permit is held on purpose by a PROPFIND whose body never arrives in full: the permit is taken
 * before Tomcat reads the body, and the request holds it while it waits for the rest.
 */
class CostlyRequestsTest {
    private static final String A = "127.0.0.1";
    /** The folder's multistatus is about 700 bytes a file: 700 KB, far more than one response buffer. */
    private static final int FILES = 1_000;
    // long enough that a stalled request body never times out while a test runs on a loaded machine
    private static final int CONNECTION_TIMEOUT_MS = 120_000;
    private static final String PROPFIND_BODY = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            + "<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>";

    private Path tmp;
    private Path docs;
    private HttpServer server;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("hasm-nas-http-costly-");
        Path root = Files.createDirectories(tmp.resolve("volumes/v1"));
        docs = Files.createDirectories(root.resolve("docs"));
        Files.writeString(docs.resolve("a.txt"), "a");
        Path small = Files.createDirectories(docs.resolve("small"));
        for (int i = 0; i < 3; i++) {
            Files.writeString(small.resolve(i + ".txt"), Integer.toString(i));
        }
    }

    private final Fixture.LoopbackAddresses addresses = new Fixture.LoopbackAddresses(A);

    @AfterEach
    void tearDown() throws IOException {
        try {
            for (Socket s : sockets) {
                s.close();
            }
            if (server != null) {
                server.destroy();
            }
        } finally {
            addresses.close();
            Fixture.deleteTree(tmp);
        }
    }

    private int serve(int maxThreads, int permits, int waiting, int waitMs) throws Exception {
        TestVolumes volumes = new TestVolumes();
        volumes.owned.put("v1", new TestVolume("v1", tmp.resolve("volumes/v1")));
        HttpSettings d = HttpSettings.defaults();
        HttpSettings settings = new HttpSettings(d.maxPutBytes(), d.maxHeaderBytes(), CONNECTION_TIMEOUT_MS,
                d.keepAliveTimeoutMillis(), maxThreads, d.maxConnections(), 7, permits, waiting, waitMs, d.maxLocks(),
                d.maxDeadProperties(), d.maxDeadPropertyBytes());
        server = new HttpServer(tmp.resolve("tomcat"), settings, volumes, addresses.service, new RecordingEvents());
        server.reconcile(List.of(personality("A", A, 0, new TestExport("docs", "v1", "docs", false))));
        return server.localPort("A", A);
    }

    @Test
    void treeRequestsBeyondTheirPermitsWaitWithoutAThreadOrGet503AndCheapOnesAreNotHeldBack() throws Exception {
        // 4 request threads, fewer than the requests that wait: a waiting request that held a thread would
        // leave none for the GET below
        Path big = Files.createDirectories(docs.resolve("big"));
        for (int i = 0; i < FILES; i++) {
            Files.write(big.resolve(String.format("file-%05d.txt", i)), new byte[] {'x'});
        }
        int port = serve(4, 2, 8, 60_000);
        CostlyRequests costly = server.costly("A");

        for (int i = 0; i < 2; i++) {
            stalledPropfind(port);
        }
        await("2 expensive requests running", Duration.ofSeconds(20), () -> costly.running() == 2);
        assertEquals(2, costly.running());

        List<Socket> queued = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Socket q = open(port);
            // every kind of expensive request waits in the same queue
            switch (i % 4) {
                case 0 -> request(q, "PROPFIND", "/docs/big/", null); // no Depth: infinity
                case 1 -> request(q, "PROPFIND", "/docs/big/", "1");
                case 2 -> request(q, "GET", "/docs/big/", null); // a folder listing
                default -> request(q, "COPY", "/docs/small/", "infinity",
                        "Destination: http://" + A + ":" + port + "/docs/copy-" + i + "/");
            }
            queued.add(q);
            // one after the other, so that they queue in this order and are read below in the order they run
            int waiting = i + 1;
            await(waiting + " expensive requests waiting", Duration.ofSeconds(20), () -> costly.waiting() == waiting);
        }

        Response busy = send(A, port, "PROPFIND", "/docs/big/", Map.of("Depth", "1"), null);
        assertEquals(503, busy.status(), "beyond 2 running and 8 waiting: " + busy.text());
        assertEquals("7", busy.header("Retry-After"));
        assertTrue(busy.text().contains("busy"), busy.text());
        assertEquals(1, costly.refused());

        // cheap requests are served meanwhile, on the threads the waiting requests do not hold
        assertEquals("a", send(A, port, "GET", "/docs/a.txt").text());
        assertEquals(201, send(A, port, "PUT", "/docs/b.txt", Map.of(), "b".getBytes(StandardCharsets.UTF_8)).status());
        assertEquals(207, send(A, port, "PROPFIND", "/docs/big/", Map.of("Depth", "0"), null).status());
        assertEquals(2, costly.running());

        // the stalled clients go away: the waiting requests run, two at a time, and answer in full
        for (int i = 0; i < 2; i++) {
            sockets.get(i).close();
        }
        for (int i = 0; i < queued.size(); i++) {
            Response r = Fixture.read(queued.get(i).getInputStream(), false);
            switch (i % 4) {
                case 0, 1 -> {
                    assertEquals(207, r.status(), "queued PROPFIND " + i);
                    // Depth 1 and infinity (Tomcat walks at most 3 levels) both list the folder and its files
                    assertEquals(FILES + 1, count(r.text(), "<D:href>"), "queued PROPFIND " + i);
                    assertEquals("chunked", r.header("Transfer-Encoding"), "streamed, not built whole");
                }
                case 2 -> {
                    assertEquals(200, r.status(), "queued listing " + i);
                    assertTrue(r.text().contains(String.format("file-%05d.txt", FILES - 1)), "the whole listing");
                }
                default -> assertEquals(201, r.status(), "queued COPY " + i + ": " + r.text());
            }
        }
        assertEquals(List.of("0.txt", "1.txt", "2.txt"), Fixture.files(docs.resolve("copy-7")));
        assertEquals(2, costly.peak(), "never more than the permits ran at once");
        await("every permit back", Duration.ofSeconds(20), () -> costly.running() == 0 && costly.waiting() == 0);
    }

    @Test
    void aRequestThatWaitsTooLongOrWhoseExportClosesGets503() throws Exception {
        int port = serve(4, 1, 4, 500);
        CostlyRequests costly = server.costly("A");
        stalledPropfind(port);
        await("the stalled PROPFIND runs", Duration.ofSeconds(20), () -> costly.running() == 1);

        // Tomcat looks at waiting requests' deadlines about once a second
        Response late = send(A, port, "DELETE", "/docs/small/");
        assertEquals(503, late.status(), late.text());
        assertEquals("7", late.header("Retry-After"));
        assertTrue(late.text().contains("waited 500 ms"), late.text());
        assertEquals(List.of("0.txt", "1.txt", "2.txt"), Fixture.files(docs.resolve("small")),
                "a refused DELETE deleted nothing");
        assertEquals(0, costly.waiting());
        assertEquals(1, costly.refused());

        Socket queued = open(port);
        request(queued, "MOVE", "/docs/small/", null, "Destination: http://" + A + ":" + port + "/docs/moved/");
        await("the MOVE waits", Duration.ofSeconds(20), () -> costly.waiting() == 1);
        server.reconcile(List.of()); // the personality is handed back
        Response closed = Fixture.read(queued.getInputStream(), false);
        assertEquals(503, closed.status());
        assertTrue(closed.text().contains("no longer served"), closed.text());
        assertTrue(Files.isDirectory(docs.resolve("small")) && !Files.exists(docs.resolve("moved")));
    }

    private Socket open(int port) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(new InetSocketAddress(A, port), 5_000);
        s.setSoTimeout(60_000);
        return s;
    }

    /** A PROPFIND that sends only half its body: it runs, holding a permit, until its socket closes. */
    private void stalledPropfind(int port) throws IOException {
        Socket s = open(port);
        byte[] body = PROPFIND_BODY.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(("PROPFIND /docs/ HTTP/1.1\r\nHost: " + A + ":" + port + "\r\nDepth: 1\r\n"
                + "Content-Type: application/xml\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().write(body, 0, body.length / 2);
        s.getOutputStream().flush();
    }

    private static void request(Socket s, String method, String target, String depth, String... headers)
            throws IOException {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: " + A + ":" + s.getPort() + "\r\n"
                + "Connection: close\r\nContent-Length: 0\r\n");
        if (depth != null) {
            head.append("Depth: ").append(depth).append("\r\n");
        }
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        s.getOutputStream().write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }
}
