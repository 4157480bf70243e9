package org.hasm.nas.http.internal;

import static org.hasm.nas.http.internal.Fixture.await;
import static org.hasm.nas.http.internal.Fixture.files;
import static org.hasm.nas.http.internal.Fixture.listening;
import static org.hasm.nas.http.internal.Fixture.personality;
import static org.hasm.nas.http.internal.Fixture.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.nas.http.internal.Fixture.RecordingEvents;
import org.hasm.nas.http.internal.Fixture.Response;
import org.hasm.nas.http.internal.Fixture.TestExport;
import org.hasm.nas.http.internal.Fixture.TestVolume;
import org.hasm.nas.http.internal.Fixture.TestVolumes;
import org.hasm.spi.HaException;
import org.hasm.spi.Personality;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpServerTest {
    private static final String A = "127.0.0.1";
    private static final String B = "127.0.0.2";

    private Path tmp;
    private TestVolumes volumes;
    private TestVolume v1;
    private Path docs;
    private RecordingEvents events;
    private final List<HttpServer> servers = new ArrayList<>();
    /** This SCM serves both A's and B's addresses unless a test says otherwise. */
    private final Fixture.LoopbackAddresses addresses = new Fixture.LoopbackAddresses(A, B);

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("hasm-nas-http-");
        volumes = new TestVolumes();
        v1 = new TestVolume("v1", Files.createDirectories(tmp.resolve("volumes/v1")));
        volumes.owned.put("v1", v1);
        docs = Files.createDirectories(v1.root.resolve("docs"));
        events = new RecordingEvents();
    }

    @AfterEach
    void tearDown() {
        try {
            servers.forEach(HttpServer::destroy);
        } finally {
            addresses.close();
            Fixture.deleteTree(tmp);
        }
    }

    private HttpServer server(HttpSettings settings, DurableWrite.ChannelOpener opener) {
        HttpServer s = new HttpServer(tmp.resolve("tomcat-" + servers.size()), settings, volumes, addresses.service,
                events, opener);
        servers.add(s);
        return s;
    }

    /** Serves personality A with export docs (v1:docs) and returns its port. */
    private int serveDocs(HttpServer s, boolean readOnly) throws HaException {
        s.reconcile(List.of(personality("A", A, 0, new TestExport("docs", "v1", "docs", readOnly))));
        int port = s.localPort("A", A);
        assertTrue(port > 0, "A is bound");
        return port;
    }

    private int serveDocs() throws HaException {
        return serveDocs(server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER), false);
    }

    private static byte[] random(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    @Test
    void theSelfCheckServesAScratchExportAndLeavesNothingBehind() throws Exception {
        HttpServer s = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);
        s.start();
        s.selfCheck();
        s.selfCheck(); // again, as after a restart of the module: nothing of the first one is in the way
        assertEquals(List.of(), s.served(), "the scratch export is no personality");
        assertTrue(Files.notExists(tmp.resolve("tomcat-0").resolve("selfcheck")), "its folder is removed");
        assertEquals(0, v1.fences.get(), "no volume of the shared storage was touched");
        // a personality is served as before, on the same server
        int port = serveDocs(s, false);
        assertEquals(201, send(A, port, "PUT", "/docs/after.txt", Map.of(), random(10)).status());
    }

    @Test
    void putThenGetIsByteIdentical() throws Exception {
        int port = serveDocs();
        byte[] content = random(3 * 1024 * 1024 + 17);
        assertEquals(201, send(A, port, "PUT", "/docs/data.bin", Map.of(), content).status());
        Response get = send(A, port, "GET", "/docs/data.bin");
        assertEquals(200, get.status());
        assertArrayEquals(content, get.body());
        assertArrayEquals(content, Files.readAllBytes(docs.resolve("data.bin")));

        byte[] replaced = random(1000);
        assertEquals(204, send(A, port, "PUT", "/docs/data.bin", Map.of(), replaced).status());
        assertArrayEquals(replaced, send(A, port, "GET", "/docs/data.bin").body());
        assertEquals(List.of("data.bin"), files(docs), "no temporary file is left");
        assertTrue(v1.fences.get() >= 2, "every PUT proved ownership before answering");

        Response head = send(A, port, "HEAD", "/docs/data.bin");
        assertEquals(200, head.status());
        assertEquals("1000", head.header("Content-Length"));
        assertEquals(204, send(A, port, "DELETE", "/docs/data.bin").status());
        assertEquals(404, send(A, port, "GET", "/docs/data.bin").status());
    }

    @Test
    void everyRequestAnsweredIsCountedByMethodAndStatusClassButNotTheSelfChecks() throws Exception {
        org.hasm.spi.health.RequestTally tally = new org.hasm.spi.health.RequestTally("http");
        HttpServer s = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER).count(tally);
        s.start();
        s.selfCheck();
        int port = serveDocs(s, false);
        assertEquals(201, send(A, port, "PUT", "/docs/c.txt", Map.of(), random(10)).status());
        assertEquals(200, send(A, port, "GET", "/docs/c.txt").status());
        assertEquals(404, send(A, port, "GET", "/docs/none.txt").status());
        assertEquals(404, send(A, port, "GET", "/elsewhere/x").status(), "no export there: refused before any servlet");
        Map<String, Long> counted = new java.util.HashMap<>();
        // the access log is told once the response is complete, after the client may have read it
        Fixture.await("four requests counted", java.time.Duration.ofSeconds(5), () -> tally.requests().stream()
                .mapToLong(org.hasm.spi.health.ServiceRequests.Requests::count).sum() == 4);
        for (org.hasm.spi.health.ServiceRequests.Requests r : tally.requests()) {
            counted.merge(r.operation() + " " + r.outcome(), r.count(), Long::sum);
        }
        assertEquals(Map.of("PUT 2xx", 1L, "GET 2xx", 1L, "GET 4xx", 2L), counted);
    }

    @Test
    void putRefusedByFenceAnswers503AndLeavesNoFile() throws Exception {
        int port = serveDocs();
        Files.writeString(docs.resolve("old.txt"), "old");
        v1.refuseFence.set(true);

        Response fresh = send(A, port, "PUT", "/docs/new.txt", Map.of(), "new".getBytes(StandardCharsets.UTF_8));
        assertEquals(503, fresh.status());
        assertNotNull(fresh.header("Retry-After"), "the client is told to retry (the peer then answers)");
        Response over = send(A, port, "PUT", "/docs/old.txt", Map.of(), "new".getBytes(StandardCharsets.UTF_8));
        assertEquals(503, over.status());

        assertEquals(List.of("old.txt"), files(docs), "no file under the final name, no temporary file");
        assertEquals("old", Files.readString(docs.resolve("old.txt")));
        assertTrue(events.events.stream().anyMatch(e -> e.startsWith("FENCED")), events.events.toString());
    }

    @Test
    void deleteMkcolMoveCopyProveOwnershipBeforeActing() throws Exception {
        int port = serveDocs();
        Files.writeString(docs.resolve("keep.txt"), "keep");
        v1.refuseFence.set(true);
        assertEquals(503, send(A, port, "DELETE", "/docs/keep.txt").status());
        assertEquals(503, send(A, port, "MKCOL", "/docs/sub").status());
        String dest = "http://" + A + ":" + port + "/docs/moved.txt";
        assertEquals(503, send(A, port, "MOVE", "/docs/keep.txt", Map.of("Destination", dest), null).status());
        assertEquals(503, send(A, port, "COPY", "/docs/keep.txt", Map.of("Destination", dest), null).status());
        assertEquals(List.of("keep.txt"), files(docs));
        assertFalse(Files.exists(docs.resolve("sub")));

        v1.refuseFence.set(false);
        assertEquals(201, send(A, port, "MKCOL", "/docs/sub").status());
        assertEquals(201, send(A, port, "MOVE", "/docs/keep.txt", Map.of("Destination", dest), null).status());
        assertEquals("keep", Files.readString(docs.resolve("moved.txt")));
    }

    @Test
    void volumeLostWhileServingStopsReadsToo() throws Exception {
        int port = serveDocs();
        Files.writeString(docs.resolve("a.txt"), "a");
        assertEquals(200, send(A, port, "GET", "/docs/a.txt").status());
        v1.owned.set(false); // lease lapsed or the peer took the volume: nothing may be served from it
        Response r = send(A, port, "GET", "/docs/a.txt");
        assertEquals(503, r.status());
        assertNotNull(r.header("Retry-After"));
        v1.owned.set(true);
        assertEquals(200, send(A, port, "GET", "/docs/a.txt").status());
    }

    @Test
    void aNewCollectionIsForcedBeforeTheFolderThatNamesIt() throws Exception {
        int port = serveDocs();
        List<String> forced = org.hasm.testkit.Forces.during(
                () -> assertEquals(201, send(A, port, "MKCOL", "/docs/made").status()));
        int made = forced.indexOf(docs.resolve("made").toString());
        int parent = forced.lastIndexOf(docs.toString());
        assertTrue(made >= 0, "the new folder was not forced: " + forced);
        assertTrue(parent > made, "the folder naming it was not forced after it: " + forced);
    }

    @Test
    void cachedReadsSeeEveryChangeOfTheServerAtOnce() throws Exception {
        int port = serveDocs();
        Files.writeString(docs.resolve("a.txt"), "old!");
        assertEquals("old!", send(A, port, "GET", "/docs/a.txt").text());
        // same length, same second: only the invalidation can tell the new content from the old
        assertEquals(204, send(A, port, "PUT", "/docs/a.txt", Map.of(), "new!".getBytes(StandardCharsets.UTF_8)).status());
        assertEquals("new!", send(A, port, "GET", "/docs/a.txt").text());
        String dest = "http://" + A + ":" + port + "/docs/b.txt";
        assertEquals(404, send(A, port, "GET", "/docs/b.txt").status());
        assertEquals(201, send(A, port, "MOVE", "/docs/a.txt", Map.of("Destination", dest), null).status());
        assertEquals(404, send(A, port, "GET", "/docs/a.txt").status());
        assertEquals("new!", send(A, port, "GET", "/docs/b.txt").text());
        assertEquals(204, send(A, port, "DELETE", "/docs/b.txt").status());
        assertEquals(404, send(A, port, "GET", "/docs/b.txt").status());

        // a collection under both spellings of its path
        assertEquals(404, send(A, port, "GET", "/docs/sub/").status());
        assertEquals(404, send(A, port, "GET", "/docs/sub").status());
        assertEquals(201, send(A, port, "MKCOL", "/docs/sub").status());
        assertEquals(200, send(A, port, "GET", "/docs/sub/").status());
        assertEquals(201, send(A, port, "PUT", "/docs/sub/c.txt", Map.of(), "c".getBytes(StandardCharsets.UTF_8)).status());
        assertTrue(send(A, port, "GET", "/docs/sub/").text().contains("c.txt"), "the listing shows the new file");
        assertEquals(200, send(A, port, "GET", "/docs/sub/c.txt").status());
        assertEquals(204, send(A, port, "DELETE", "/docs/sub").status());
        assertEquals(404, send(A, port, "GET", "/docs/sub/").status());
        assertEquals(404, send(A, port, "GET", "/docs/sub/c.txt").status());
    }

    @Test
    void aNewOwnershipOfTheVolumeForgetsWhatWasCached() throws Exception {
        int port = serveDocs();
        Files.writeString(docs.resolve("a.txt"), "mine");
        assertEquals("mine", send(A, port, "GET", "/docs/a.txt").text());
        v1.owned.set(false);
        assertEquals(503, send(A, port, "GET", "/docs/a.txt").status());
        // the peer owned the volume meanwhile and wrote; then this SCM took it back (a new ownership)
        Files.writeString(docs.resolve("a.txt"), "peer");
        TestVolume again = new TestVolume("v1", v1.root);
        volumes.owned.put("v1", again);
        assertEquals("peer", send(A, port, "GET", "/docs/a.txt").text());
    }

    @Test
    void aChangeBehindTheServersBackIsSeenWithinTheCacheTtl() throws Exception {
        int port = serveDocs();
        Files.writeString(docs.resolve("a.txt"), "one");
        assertEquals("one", send(A, port, "GET", "/docs/a.txt").text());
        Files.writeString(docs.resolve("a.txt"), "three");
        await("the new content", Duration.ofMillis(ExportResources.CACHE_TTL_MS * 5),
                () -> "three".equals(get(port, "/docs/a.txt")));
        Files.delete(docs.resolve("a.txt"));
        Files.createSymbolicLink(docs.resolve("a.txt"), tmp.resolve("elsewhere.txt"));
        Files.writeString(tmp.resolve("elsewhere.txt"), "SECRET");
        await("the link to be refused", Duration.ofMillis(ExportResources.CACHE_TTL_MS * 5),
                () -> get(port, "/docs/a.txt") == null);
    }

    /** @return the body of a 200, {@code null} for a 404 */
    private static String get(int port, String path) {
        try {
            Response r = send(A, port, "GET", path);
            assertTrue(r.status() == 200 || r.status() == 404, path + " answered " + r.status());
            return r.status() == 200 ? r.text() : null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void fullVolumeAnswers507AndLeavesNoPartialFile() throws Exception {
        // a disk that takes 64 KiB, then fails like ext4 does when it is full
        DurableWrite.ChannelOpener fullDisk = (file, created) -> new LimitedChannel(created, 64 * 1024);
        int port = serveDocs(server(HttpSettings.defaults(), fullDisk), false);
        Files.writeString(docs.resolve("big.bin"), "previous");

        assertEquals(507, send(A, port, "PUT", "/docs/big.bin", Map.of(), random(1024 * 1024)).status());
        assertEquals(507, send(A, port, "PUT", "/docs/other.bin", Map.of(), random(1024 * 1024)).status());
        assertEquals(List.of("big.bin"), files(docs));
        assertEquals("previous", Files.readString(docs.resolve("big.bin")));
        // the server keeps serving what fits
        assertEquals(201, send(A, port, "PUT", "/docs/small.txt", Map.of(), "ok".getBytes(StandardCharsets.UTF_8)).status());
    }

    @Test
    void fullTmpfsAnswers507AndLeavesNoPartialFile() throws Exception {
        Path mount = Files.createDirectories(tmp.resolve("volumes/tiny"));
        Fixture.ProcessResult mounted = Fixture.run(Duration.ofSeconds(10), null,
                "mount", "-t", "tmpfs", "-o", "size=1m", "hasm-test", mount.toString());
        org.junit.jupiter.api.Assumptions.assumeTrue(mounted.exitCode() == 0,
                "a real full volume needs root to mount a tmpfs; the injected full disk covers this: " + mounted.output());
        try {
            TestVolume tiny = new TestVolume("tiny", mount);
            volumes.owned.put("tiny", tiny);
            HttpServer s = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);
            s.reconcile(List.of(personality("A", A, 0, new TestExport("t", "tiny", "", false))));
            int port = s.localPort("A", A);
            // chunked, so that the up-front free-space check cannot refuse it: the disk itself fills up
            Response r = putChunked(port, "/t/fill.bin", random(4 * 1024 * 1024));
            assertEquals(507, r.status());
            assertEquals(List.of(LeftoverUploads.MARK), files(mount), "neither the file nor a temporary part remains");
            // and with a Content-Length the server refuses before reading the body
            assertEquals(507, send(A, port, "PUT", "/t/fill2.bin", Map.of(), random(2 * 1024 * 1024)).status());
            s.destroy();
        } finally {
            Fixture.run(Duration.ofSeconds(10), null, "umount", mount.toString());
        }
    }

    private static Response putChunked(int port, String target, byte[] body) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(A, port), 5_000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("PUT " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            int chunk = 64 * 1024;
            try {
                for (int off = 0; off < body.length; off += chunk) {
                    int n = Math.min(chunk, body.length - off);
                    out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body, off, n);
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                // the server may answer and close before the whole body is sent
            }
            return Fixture.read(s.getInputStream(), false);
        }
    }

    @Test
    void oversizedPutIsRefusedWith413() throws Exception {
        int port = serveDocs(server(HttpSettings.defaults().withMaxPutBytes(1000), DurableWrite.DEFAULT_OPENER), false);
        assertEquals(413, send(A, port, "PUT", "/docs/big", Map.of(), random(5000)).status());
        assertEquals(413, putChunked(port, "/docs/big", random(5000)).status());
        assertEquals(List.of(), files(docs));
        assertEquals(201, send(A, port, "PUT", "/docs/ok", Map.of(), random(1000)).status());
    }

    @Test
    void pathsThatEscapeTheExportAreRefused() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "SECRET");
        Files.writeString(v1.root.resolve("secret.txt"), "SECRET"); // in the volume, not in the export
        Files.createDirectories(v1.root.resolve("other"));
        Files.writeString(v1.root.resolve("other/secret.txt"), "SECRET");
        Files.createSymbolicLink(docs.resolve("link"), outside);
        Files.createSymbolicLink(docs.resolve("file-link.txt"), outside.resolve("secret.txt"));
        HttpServer s = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);
        s.reconcile(List.of(personality("A", A, 0, new TestExport("docs", "v1", "docs", false),
                new TestExport("other", "v1", "other", false))));
        int port = s.localPort("A", A);

        List<String> attempts = List.of("/docs/../secret.txt", "/docs/../other/secret.txt", "/docs/%2e%2e/secret.txt",
                "/docs/%2E%2E/other/secret.txt", "/docs/.%2e/secret.txt", "/docs/..%2fsecret.txt",
                "/docs/%2e%2e%2fsecret.txt", "/docs/..%5csecret.txt", "/docs/..%5Cother%5Csecret.txt",
                "/docs/..\\secret.txt", "/docs/secret.txt%00", "/docs/./../secret.txt", "/docs/link/secret.txt",
                "/docs/file-link.txt", "/../secret.txt", "/docs/%252e%252e/secret.txt",
                // Tomcat drops path parameters, then resolves the dot segment: another export
                "/docs/..;/other/secret.txt", "/docs/..;x=1/other/secret.txt", "/docs/sub/..;/..;/other/secret.txt");
        for (String target : attempts) {
            Response r = send(A, port, "GET", target);
            assertTrue(r.status() == 400 || r.status() == 403 || r.status() == 404,
                    target + " answered " + r.status());
            assertFalse(r.text().contains("SECRET"), target + " leaked the file");
        }
        // writes through a link or a dot segment land nowhere
        for (String target : List.of("/docs/link/new.txt", "/docs/../other/new.txt", "/docs/%2e%2e/new.txt")) {
            int status = send(A, port, "PUT", target, Map.of(), "x".getBytes(StandardCharsets.UTF_8)).status();
            assertTrue(status >= 400, target + " answered " + status);
        }
        String escape = "http://" + A + ":" + port + "/docs/../other/stolen.txt";
        Files.writeString(docs.resolve("mine.txt"), "mine");
        assertEquals(400, send(A, port, "COPY", "/docs/mine.txt", Map.of("Destination", escape), null).status());
        assertEquals(400, send(A, port, "COPY", "/docs/mine.txt",
                Map.of("Destination", "http://" + A + ":" + port + "/docs/..;/other/stolen.txt"), null).status());
        assertEquals(List.of("secret.txt"), files(outside));
        assertFalse(Files.exists(v1.root.resolve("other/new.txt")));
        assertFalse(Files.exists(v1.root.resolve("other/stolen.txt")));
        assertEquals(200, send(A, port, "GET", "/docs/mine.txt").status(), "and the export still serves");
    }

    @Test
    void aNameLongerThanAFileNameMayBeIsRefusedWith400ByEveryMethodThatCreatesOne() throws Exception {
        int port = serveDocs();
        Files.writeString(docs.resolve("src.txt"), "src");
        byte[] body = "x".getBytes(StandardCharsets.UTF_8);
        // 300 bytes; and 128 characters that take 256 bytes in UTF-8
        for (String name : List.of("n".repeat(300), "%C3%A9".repeat(128))) {
            for (String target : List.of("/docs/" + name, "/docs/" + name + "/child.txt")) {
                Response put = send(A, port, "PUT", target, Map.of(), body);
                assertEquals(400, put.status(), put.text());
                assertTrue(put.text().contains("at most 255 bytes"), "the answer names the limit: " + put.text());
                assertEquals(400, send(A, port, "MKCOL", target).status());
                assertEquals(400, send(A, port, "LOCK", target, Map.of(), lockBody()).status());
            }
            String destination = "http://" + A + ":" + port + "/docs/" + name;
            for (String method : List.of("COPY", "MOVE")) {
                Response r = send(A, port, method, "/docs/src.txt", Map.of("Destination", destination), null);
                assertEquals(400, r.status(), method + ": " + r.text());
                assertTrue(r.text().contains("Destination") && r.text().contains("at most 255 bytes"), r.text());
            }
        }
        assertEquals(List.of("src.txt"), files(docs), "nothing was created, and the refused MOVE left its source");

        // up to the limit, names are what the file system takes
        assertEquals(201, send(A, port, "PUT", "/docs/" + "n".repeat(255), Map.of(), body).status());
        String longest = "%C3%A9".repeat(127); // 254 bytes
        assertEquals(201, send(A, port, "MOVE", "/docs/src.txt",
                Map.of("Destination", "http://" + A + ":" + port + "/docs/" + longest), null).status());
        assertEquals("src", Files.readString(docs.resolve("\u00e9".repeat(127))));
    }

    @Test
    void readOnlyExportRefusesWrites() throws Exception {
        int port = serveDocs(server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER), true);
        Files.writeString(docs.resolve("r.txt"), "read me");
        assertEquals(200, send(A, port, "GET", "/docs/r.txt").status());
        assertEquals(403, send(A, port, "PUT", "/docs/w.txt", Map.of(), "x".getBytes(StandardCharsets.UTF_8)).status());
        assertEquals(403, send(A, port, "PUT", "/docs/r.txt", Map.of(), "x".getBytes(StandardCharsets.UTF_8)).status());
        assertEquals(403, send(A, port, "DELETE", "/docs/r.txt").status());
        assertEquals(403, send(A, port, "MKCOL", "/docs/d").status());
        assertEquals(403, send(A, port, "LOCK", "/docs/r.txt", Map.of(), lockBody()).status());
        assertEquals(List.of("r.txt"), files(docs));
        assertEquals("read me", Files.readString(docs.resolve("r.txt")));
        assertEquals(207, send(A, port, "PROPFIND", "/docs/", Map.of("Depth", "1"), null).status());
    }

    private static byte[] lockBody() {
        return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/>"
                + "</D:lockscope><D:locktype><D:write/></D:locktype><D:owner>hasm test</D:owner></D:lockinfo>")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String lockToken(Response lock) {
        String header = lock.header("Lock-Token");
        assertNotNull(header, "LOCK answers a Lock-Token");
        Matcher m = Pattern.compile("<([^>]+)>").matcher(header);
        assertTrue(m.find(), header);
        return m.group(1);
    }

    @Test
    void webdavPropfindLockUnlock() throws Exception {
        int port = serveDocs();
        Files.writeString(docs.resolve("f.txt"), "f");
        Response options = send(A, port, "OPTIONS", "/docs/");
        assertTrue(options.header("DAV").contains("2"), "class 2: " + options.header("DAV"));

        Response propfind = send(A, port, "PROPFIND", "/docs/", Map.of("Depth", "1"), null);
        assertEquals(207, propfind.status());
        assertTrue(propfind.text().contains("/docs/f.txt"), propfind.text());

        Response lock = send(A, port, "LOCK", "/docs/f.txt", Map.of("Timeout", "Second-600"), lockBody());
        assertEquals(200, lock.status());
        String token = lockToken(lock);
        byte[] body = "changed".getBytes(StandardCharsets.UTF_8);
        assertEquals(423, send(A, port, "PUT", "/docs/f.txt", Map.of(), body).status(), "locked without the token");
        assertEquals(423, send(A, port, "DELETE", "/docs/f.txt").status());
        assertEquals(204, send(A, port, "PUT", "/docs/f.txt", Map.of("If", "(<" + token + ">)"), body).status());
        assertEquals(204, send(A, port, "UNLOCK", "/docs/f.txt", Map.of("Lock-Token", "<" + token + ">"), null).status());
        assertEquals(204, send(A, port, "PUT", "/docs/f.txt", Map.of(), body).status());
        assertEquals("changed", Files.readString(docs.resolve("f.txt")));

        // conditional headers still hold (Tomcat's ETags are weak, so If-Match never matches them)
        assertEquals(412, send(A, port, "PUT", "/docs/f.txt", Map.of("If-Match", "\"nope\""), body).status());
        assertEquals(412, send(A, port, "PUT", "/docs/f.txt", Map.of("If-None-Match", "*"), body).status());
        assertEquals(201, send(A, port, "PUT", "/docs/g.txt", Map.of("If-None-Match", "*"), body).status());
        assertEquals(304, send(A, port, "GET", "/docs/f.txt",
                Map.of("If-None-Match", send(A, port, "HEAD", "/docs/f.txt").header("ETag")), null).status());
    }

    @Test
    void lockTakenBeforeATakeoverDoesNotBlockAfterIt() throws Exception {
        HttpServer first = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);
        int port = serveDocs(first, false);
        Files.writeString(docs.resolve("f.txt"), "f");
        assertEquals(200, send(A, port, "LOCK", "/docs/f.txt", Map.of(), lockBody()).status());
        assertEquals(423, send(A, port, "PUT", "/docs/f.txt", Map.of(), "x".getBytes(StandardCharsets.UTF_8)).status());
        first.destroy(); // this SCM fails; the peer takes the personality over with no lock state

        HttpServer peer = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);
        int peerPort = serveDocs(peer, false);
        assertEquals(204, send(A, peerPort, "PUT", "/docs/f.txt", Map.of(), "after".getBytes(StandardCharsets.UTF_8)).status());
        assertEquals("after", Files.readString(docs.resolve("f.txt")));
    }

    @Test
    void reconcileOpensAndClosesTheConnectorsOfAPersonality() throws Exception {
        TestVolume v2 = new TestVolume("v2", Files.createDirectories(tmp.resolve("volumes/v2")));
        volumes.owned.put("v2", v2);
        Files.writeString(v2.root.resolve("b.txt"), "b");
        Files.writeString(docs.resolve("a.txt"), "a");
        int portB = freePort(B);
        Personality pa = personality("A", A, 0, new TestExport("docs", "v1", "docs", false));
        Personality pb = personality("B", B, portB, new TestExport("docs", "v2", "", false));
        HttpServer s = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);

        s.reconcile(List.of(pa));
        int portA = s.localPort("A", A);
        assertFalse(listening(B, portB));

        s.reconcile(List.of(pa, pb)); // FAILOVER: B taken over
        assertEquals(List.of("A", "B"), s.served());
        assertEquals(portA, s.localPort("A", A), "A was left running");
        assertEquals("b", send(B, portB, "GET", "/docs/b.txt").text());
        assertEquals("a", send(A, portA, "GET", "/docs/a.txt").text(), "each personality its own exports");
        assertEquals(404, send(A, portA, "GET", "/docs/b.txt").status());

        s.reconcile(List.of(pa)); // FAILBACK: B handed back
        assertFalse(listening(B, portB), "B's connector is closed");
        assertEquals("a", send(A, portA, "GET", "/docs/a.txt").text());

        s.stopServing();
        assertFalse(listening(A, portA));
        s.reconcile(List.of(pa, pb));
        await("B served again", Duration.ofSeconds(5), () -> listening(B, portB));
        assertTrue(events.events.stream().anyMatch(e -> e.startsWith("RELEASED") && e.contains("B")));
    }

    /*
     * A handover lets the clients of the personality go as a move of its address would: a request sent on a
     * kept-alive connection while the personality is released is dropped unanswered (the client retries it at
     * the new owner), never answered 400 by a paused connector; a request already running finishes, and its
     * answer closes its connection.
     */
    @Test
    void aRequestArrivingWhileThePersonalityIsReleasedIsDroppedAndOneRunningFinishes() throws Exception {
        Files.writeString(docs.resolve("a.txt"), "a");
        HttpServer s = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);
        int port = serveDocs(s, false);
        byte[] head = "first".getBytes(StandardCharsets.ISO_8859_1);
        byte[] rest = "-and-last".getBytes(StandardCharsets.ISO_8859_1);
        Thread release = null;
        try (Socket kept = new Socket(); Socket upload = new Socket()) {
            kept.connect(new InetSocketAddress(A, port), 5_000);
            kept.setSoTimeout(10_000);
            String get = "GET /docs/a.txt HTTP/1.1\r\nHost: x\r\n\r\n";
            kept.getOutputStream().write(get.getBytes(StandardCharsets.ISO_8859_1));
            Response first = readOne(kept.getInputStream());
            assertEquals(200, first.status());
            assertEquals("a", first.text());

            upload.connect(new InetSocketAddress(A, port), 5_000);
            upload.setSoTimeout(10_000);
            upload.getOutputStream().write(("PUT /docs/up.bin HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + (head.length + rest.length) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            upload.getOutputStream().write(head);
            await("the upload writing", Duration.ofSeconds(10), () -> namesIn(docs).size() > 1);

            release = new Thread(() -> {
                try {
                    s.reconcile(List.of());
                } catch (HaException e) {
                    throw new IllegalStateException(e);
                }
            }, "release-A");
            release.start();
            await("A's listening socket closed", Duration.ofSeconds(10), () -> !listening(A, port));

            kept.getOutputStream().write(get.getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("", readAll(kept.getInputStream()), "a request on a kept-alive connection gets no answer");

            upload.getOutputStream().write(rest);
            Response put = readOne(upload.getInputStream());
            assertEquals(201, put.status(), put.text());
            assertEquals("close", put.header("connection"), put.headers().toString());
            assertEquals("", readAll(upload.getInputStream()), "then the connection closes");
        } finally {
            if (release != null) {
                release.join(15_000);
            }
        }
        assertFalse(release.isAlive(), "the release ended");
        assertEquals(List.of(), s.served());
        assertEquals("first-and-last", Files.readString(docs.resolve("up.bin")), "the running upload was written");
        assertFalse(events.warnings.stream().anyMatch(w -> w.contains("still running")), events.warnings::toString);
    }

    private static List<String> namesIn(Path folder) throws java.io.UncheckedIOException {
        try (java.util.stream.Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Reads one response whose body has a Content-Length, leaving the connection open. */
    private static Response readOne(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 65_536; i++) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in a response head: " + head);
            }
            head.write(b);
            if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                String text = head.toString(StandardCharsets.ISO_8859_1);
                Matcher length = Pattern.compile("(?i)\r\ncontent-length:\\s*(\\d+)").matcher(text);
                byte[] body = in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                all.write(head.toByteArray());
                all.write(body);
                return Fixture.read(new java.io.ByteArrayInputStream(all.toByteArray()), false);
            }
        }
        throw new IOException("response head over 64 KiB");
    }

    /** @return what the server still sends before it closes the connection (a reset counts as closed) */
    private static String readAll(InputStream in) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        try {
            in.transferTo(all);
        } catch (IOException e) {
            // reset: closed
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void personalityOnAVolumeNotOwnedIsNotServed() throws Exception {
        int portB = freePort(B);
        Personality pa = personality("A", A, 0, new TestExport("docs", "v1", "docs", false));
        Personality pb = personality("B", B, portB, new TestExport("docs", "v2", "", false));
        HttpServer s = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);
        HaException e = assertThrows(HaException.class, () -> s.reconcile(List.of(pa, pb)));
        assertTrue(e.getMessage().contains("personality B") && e.getMessage().contains("v2"), e.getMessage());
        assertEquals(List.of("A"), s.served(), "A is served all the same");
        assertFalse(listening(B, portB));
        assertTrue(events.events.stream().anyMatch(ev -> ev.startsWith("NOT_SERVED") && ev.contains("B")));
    }

    @Test
    void aPersonalityWhoseAddressIsTakenWaitsForItAndIsServedOnceItIsFree() throws Exception {
        TestVolume v2 = new TestVolume("v2", Files.createDirectories(tmp.resolve("volumes/v2")));
        volumes.owned.put("v2", v2);
        Files.writeString(v2.root.resolve("b.txt"), "b");
        java.net.ServerSocket taken = new java.net.ServerSocket();
        try {
            // the paused former owner's socket, as on loopback
            taken.bind(new InetSocketAddress(B, 0));
            int portB = taken.getLocalPort();
            Personality pa = personality("A", A, 0, new TestExport("docs", "v1", "docs", false));
            Personality pb = personality("B", B, portB, new TestExport("docs", "v2", "", false));
            HttpServer s = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);

            s.reconcile(List.of(pa, pb)); // not a failure: B is served as soon as its address is free
            assertEquals(List.of("A"), s.served(), "A is served at once");
            assertEquals(List.of("B"), s.waiting());
            assertTrue(events.events.stream().anyMatch(e -> e.startsWith("WAITING_FOR_ADDRESS") && e.contains("B")
                    && e.contains(B + ":" + portB)), events.events::toString);
            assertFalse(events.events.stream().anyMatch(e -> e.startsWith("NOT_SERVED")), events.events::toString);

            taken.close(); // the old owner lets go
            await("B served once its port is free", Duration.ofSeconds(10), () -> s.served().contains("B"));
            assertEquals(List.of(), s.waiting());
            assertEquals("b", send(B, portB, "GET", "/docs/b.txt").text());

            // no longer wanted while waiting: the wait ends without serving it
            s.reconcile(List.of(pa));
            taken = new java.net.ServerSocket();
            taken.bind(new InetSocketAddress(B, portB));
            s.reconcile(List.of(pa, pb));
            assertEquals(List.of("B"), s.waiting());
            s.reconcile(List.of(pa));
            assertEquals(List.of(), s.waiting());
            taken.close();
            staysUnserved(s, "B", "it was given back while waiting");
            assertFalse(listening(B, portB));

            // the address module gives B's address away while this module still waits for it
            taken = new java.net.ServerSocket();
            taken.bind(new InetSocketAddress(B, portB));
            s.reconcile(List.of(pa, pb));
            assertEquals(List.of("B"), s.waiting());
            addresses.serve(A);
            await("the wait for B to end", Duration.ofSeconds(10), () -> s.waiting().isEmpty());
            assertTrue(events.warnings.stream().anyMatch(w -> w.startsWith("personality B stopped waiting for its address")
                    && w.contains("no longer served")), events.warnings::toString);
            taken.close();
            staysUnserved(s, "B", "its address was given away while it waited");
        } finally {
            taken.close();
        }
    }

    /** For five of the address module's checks (50 ms each) and more, the personality is not served. */
    private static void staysUnserved(HttpServer s, String personality, String why) {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(5 * 50 + 100);
        for (int i = 0; i < 1000 && System.nanoTime() - end < 0; i++) {
            assertFalse(s.served().contains(personality), personality + " was served although " + why);
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
    }

    @Test
    void aPersonalityWhoseAddressThisScmDoesNotServeIsNotServed() throws Exception {
        addresses.serve(A); // the address module serves A only
        int portB = freePort(B);
        Personality pa = personality("A", A, 0, new TestExport("docs", "v1", "docs", false));
        Personality pb = personality("B", B, portB, new TestExport("docs", "v1", "docs", false));
        HttpServer s = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);
        HaException e = assertThrows(HaException.class, () -> s.reconcile(List.of(pa, pb)));
        assertTrue(e.getMessage().contains("personality B is not served by this SCM now"), e.getMessage());
        assertEquals(List.of("A"), s.served());
        assertEquals(List.of(), s.waiting());
    }

    @Test
    void malformedRequestsGet400AndTheServerKeepsServing() throws Exception {
        int port = serveDocs();
        Files.writeString(docs.resolve("a.txt"), "a");
        for (String garbage : List.of("GARBAGE\r\n\r\n", "GET /docs/a.txt HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                "GET /docs/a.txt HTTP/9.9\r\n\r\n", "GET /docs/a b HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /docs/a.txt HTTP/1.1\r\nHost: x\r\nX: " + "y".repeat(40_000) + "\r\n\r\n")) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(A, port), 5_000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write(garbage.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                String head = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
                assertTrue(head.startsWith("HTTP/1.1 4") || head.startsWith("HTTP/1.1 505"), head);
            }
        }
        assertEquals("a", send(A, port, "GET", "/docs/a.txt").text());
    }

    @Test
    void partialUploadsLeftByADeadWriterAreRemovedWhenServingStarts() throws Exception {
        Path old = docs.resolve(DurableWrite.TEMP_PREFIX + "left-by-a-crash.tmp");
        Files.writeString(old, "part");
        Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(60)));
        Path deep = Files.createDirectories(docs.resolve("sub/deeper")).resolve(DurableWrite.TEMP_PREFIX + "b.tmp");
        Files.writeString(deep, "part");
        Files.setLastModifiedTime(deep, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(60)));
        // an upload of this server that is still running must not be swept away
        Path current = docs.resolve(DurableWrite.TEMP_PREFIX + "in-progress.tmp");
        Files.writeString(current, "part");
        Files.setLastModifiedTime(current, java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(60)));
        serveDocs();
        // one begun as soon as serving started, stamped by the file system as the mark was (a PUT right after
        // serving started once lost its temporary file to the sweep)
        Path justBegun = docs.resolve(DurableWrite.TEMP_PREFIX + "just-begun.tmp");
        Files.writeString(justBegun, "part");
        Fixture.await("the leftover uploads swept", java.time.Duration.ofSeconds(10),
                () -> !Files.exists(old) && !Files.exists(deep));
        assertFalse(Files.exists(old), "a leftover upload is removed");
        assertFalse(Files.exists(deep), "in sub-folders too");
        assertTrue(Files.exists(current), "an upload newer than the takeover is left alone");
        assertTrue(Files.exists(justBegun), "an upload begun after serving started is left alone");
        // the mark the sweep compares with: the file system's own time, in the volume's root (a reserved name)
        assertTrue(Files.exists(v1.root.resolve(LeftoverUploads.MARK)));
    }

    /** A sweep stops as soon as the personality is no longer served here: it deletes nothing on a volume released. */
    @Test
    void theSweepStopsOnceThePersonalityIsNoLongerServed() throws Exception {
        Files.createDirectories(docs);
        Path mark = docs.resolve(LeftoverUploads.MARK);
        Files.writeString(mark, "x");
        java.nio.file.attribute.FileTime at = Files.getLastModifiedTime(mark);
        List<Path> left = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Path p = docs.resolve(DurableWrite.TEMP_PREFIX + "left-" + i + ".tmp");
            Files.writeString(p, "part");
            Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(at.toMillis() - 1000));
            left.add(p);
        }
        int[] asked = {0};
        // served for the first ten files the walk meets, then released
        assertTrue(LeftoverUploads.sweep("A", docs, at, () -> ++asked[0] <= 10, events) < 10);
        assertTrue(left.stream().filter(Files::exists).count() > 40, "the rest is left for the next owner's sweep");
        assertTrue(events.infos.stream().anyMatch(m -> m.contains("stopped: the personality is no longer served here")),
                events.infos.toString());
    }

    /** A temporary file stamped a moment before the mark was last written before serving started: it goes. */
    @Test
    void anUploadStampedJustBeforeTheMarkIsALeftover() throws Exception {
        Files.createDirectories(docs);
        Path mark = docs.resolve(LeftoverUploads.MARK);
        Files.writeString(mark, "x");
        java.nio.file.attribute.FileTime at = Files.getLastModifiedTime(mark);
        Path before = docs.resolve(DurableWrite.TEMP_PREFIX + "before.tmp");
        Files.writeString(before, "part");
        Files.setLastModifiedTime(before, java.nio.file.attribute.FileTime.fromMillis(at.toMillis() - 1));
        Path same = docs.resolve(DurableWrite.TEMP_PREFIX + "same.tmp");
        Files.writeString(same, "part");
        Files.setLastModifiedTime(same, at);
        assertEquals(1, LeftoverUploads.sweep("A", docs, at, () -> true, events));
        assertFalse(Files.exists(before));
        assertTrue(Files.exists(same), "stamped in the mark's own tick: this server's");
    }

    @Test
    void temporaryNamesAreNeitherListedNorServed() throws Exception {
        int port = serveDocs();
        Files.writeString(docs.resolve(DurableWrite.TEMP_PREFIX + "left-by-a-crash.tmp"), "part");
        Files.writeString(docs.resolve("real.txt"), "real");
        String listing = send(A, port, "PROPFIND", "/docs/", Map.of("Depth", "1"), null).text();
        assertTrue(listing.contains("real.txt"));
        assertFalse(listing.contains(DurableWrite.TEMP_PREFIX), listing);
        assertFalse(send(A, port, "GET", "/docs/").text().contains(DurableWrite.TEMP_PREFIX));
        assertEquals(404, send(A, port, "GET", "/docs/" + DurableWrite.TEMP_PREFIX + "left-by-a-crash.tmp").status());
        assertTrue(send(A, port, "PUT", "/docs/" + DurableWrite.TEMP_PREFIX + "x.tmp", Map.of(),
                "x".getBytes(StandardCharsets.UTF_8)).status() >= 400);
    }

    @Test
    void slowUploadsBeyondTheBaseOfThreadsDoNotHoldAGetBack() throws Exception {
        Files.writeString(docs.resolve("a.txt"), "a");
        HttpServer s = server(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);
        int port = serveDocs(s, false);
        int uploads = RequestThreads.defaultBase(HttpSettings.defaults().maxThreads()) + 4;
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < uploads; i++) {
                // the head and the first bytes of a body that never ends: each holds a request thread
                // until the connection times out
                Socket u = new Socket();
                open.add(u);
                u.connect(new InetSocketAddress(A, port), 5_000);
                u.getOutputStream().write(("PUT /docs/slow-" + i + ".bin HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Length: 1000000\r\n\r\nfirst bytes").getBytes(StandardCharsets.ISO_8859_1));
                u.getOutputStream().flush();
            }
            await("a request thread for each upload", Duration.ofSeconds(10),
                    () -> requestThreads("A").stream().filter(n -> !n.endsWith("-watchdog")).count() >= uploads);

            long start = System.nanoTime();
            assertEquals("a", send(A, port, "GET", "/docs/a.txt").text());
            long ms = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.println("[nas-http] GET behind " + uploads + " stalled uploads answered in " + ms + " ms");
            assertTrue(ms < 2_000, "GET answered in " + ms + " ms");
        } finally {
            for (Socket u : open) {
                u.close();
            }
        }
        s.stopServing();
        await("no request thread of A left", Duration.ofSeconds(15), () -> requestThreads("A").isEmpty());
        assertEquals(List.of(), files(docs).stream().filter(f -> !f.equals("a.txt")).toList(), "no upload remains");
    }

    /** @return the names of the live request threads (and watchdog) of a personality */
    private static List<String> requestThreads(String personality) {
        return RequestThreadsTest.live("hasm-http-" + personality);
    }

    private static int freePort(String address) throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        }
    }

    /** A file channel that fails with the kernel's ENOSPC text once it has taken {@code room} bytes. */
    static final class LimitedChannel extends FileChannel {
        private final FileChannel delegate;
        private long room;

        LimitedChannel(FileChannel delegate, long room) {
            this.delegate = delegate;
            this.room = room;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (src.remaining() > room) {
                src.limit(src.position() + (int) room);
                int n = delegate.write(src);
                room -= n;
                throw new IOException("No space left on device");
            }
            int n = delegate.write(src);
            room -= n;
            return n;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return delegate.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return delegate.read(dsts, offset, length);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            throw new IOException("No space left on device");
        }

        @Override
        public long position() throws IOException {
            return delegate.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            delegate.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            delegate.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            delegate.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, java.nio.channels.WritableByteChannel target) throws IOException {
            return delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(java.nio.channels.ReadableByteChannel src, long position, long count) throws IOException {
            throw new IOException("No space left on device");
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return delegate.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            throw new IOException("No space left on device");
        }

        @Override
        public java.nio.MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            throw new IOException("not supported");
        }

        @Override
        public java.nio.channels.FileLock lock(long position, long size, boolean shared) throws IOException {
            return delegate.lock(position, size, shared);
        }

        @Override
        public java.nio.channels.FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return delegate.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            delegate.close();
        }
    }
}
