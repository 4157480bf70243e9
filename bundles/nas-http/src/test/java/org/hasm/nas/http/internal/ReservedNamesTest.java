package org.hasm.nas.http.internal;

import static org.hasm.nas.http.internal.Fixture.personality;
import static org.hasm.nas.http.internal.Fixture.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.webresources.StandardRoot;
import org.hasm.nas.http.internal.Fixture.Response;
import org.hasm.nas.http.internal.Fixture.TestExport;
import org.hasm.nas.http.internal.Fixture.TestVolume;
import org.hasm.nas.http.internal.Fixture.TestVolumes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * hasm's own files in a volume (the NFS service's lock table and reply cache in {@code .hasm-nfs}, the
 * temporary files of uploads) are out of reach of every WebDAV request: by its path, by the
 * {@code Destination} of a COPY or MOVE, and, should a request get past those checks, in the resources.
 * The export here is the volume's root, where those files live.
 */
class ReservedNamesTest {
    private static final String A = "127.0.0.1";
    private static final String NFS = DurableWrite.RESERVED_PREFIX + "nfs";
    private static final String UPLOAD = DurableWrite.TEMP_PREFIX + "4711.tmp";

    private Path tmp;
    private TestVolume v1;
    private HttpServer server;
    private final Fixture.LoopbackAddresses addresses = new Fixture.LoopbackAddresses(A);

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("hasm-nas-http-reserved-");
        v1 = new TestVolume("v1", Files.createDirectories(tmp.resolve("volumes/v1")));
        Path nfs = Files.createDirectories(v1.root.resolve(NFS));
        Files.writeString(nfs.resolve("locks"), "LOCKS");
        Files.writeString(nfs.resolve("replies"), "REPLIES");
        Files.createDirectories(v1.root.resolve("dir"));
        Files.writeString(v1.root.resolve("a.txt"), "a");
        Files.createDirectories(v1.root.resolve("sub"));
        Files.writeString(v1.root.resolve("sub/b.txt"), "b");
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

    /** Serves export "vol", the whole of volume v1, and returns its port. */
    private int serveVolumeRoot() throws Exception {
        TestVolumes volumes = new TestVolumes();
        volumes.owned.put("v1", v1);
        server = new HttpServer(tmp.resolve("tomcat"), HttpSettings.defaults(), volumes, addresses.service,
                new Fixture.RecordingEvents());
        server.reconcile(List.of(personality("A", A, 0, new TestExport("vol", "v1", "", false))));
        upload();
        return server.localPort("A", A);
    }

    /** An upload in flight: written once the export is served, so that the sweep of dead writers' files keeps it. */
    private void upload() throws IOException {
        Files.writeString(v1.root.resolve("dir").resolve(UPLOAD), "PART");
    }

    /** Every file of the volume with its content. */
    private Map<String, String> contents() throws IOException {
        Map<String, String> all = new LinkedHashMap<>();
        for (String f : Fixture.files(v1.root)) {
            all.put(f, Files.readString(v1.root.resolve(f)));
        }
        return all;
    }

    @Test
    void copyAndMoveOntoHasmsOwnFilesAreRefusedWith403AndLeaveThemIntact() throws Exception {
        int port = serveVolumeRoot();
        Map<String, String> before = contents();
        String base = "http://" + A + ":" + port;
        List<String> destinations = List.of(
                "/vol/" + NFS, "/vol/" + NFS + "/", "/vol/" + NFS + "/locks", "/vol/dir/" + UPLOAD,
                "/vol/sub/" + DurableWrite.RESERVED_PREFIX + "new", // a nested reserved name that does not exist yet
                "/vol/%2Ehasm-nfs", "/vol/%2ehasm%2Dnfs/locks", "/vol/" + NFS + ";x=1", "/vol/" + NFS + "/;x/locks");
        for (String method : List.of("COPY", "MOVE")) {
            for (String source : List.of("/vol/a.txt", "/vol/sub/", "/vol/sub")) {
                for (String destination : destinations) {
                    for (String overwrite : List.of("T", "F")) {
                        for (String dest : List.of(base + destination, destination)) {
                            Response r = send(A, port, method, source,
                                    Map.of("Destination", dest, "Overwrite", overwrite, "Depth", "infinity"), null);
                            assertEquals(403, r.status(), method + " " + source + " -> " + dest + ": " + r.text());
                            assertTrue(r.text().contains(DurableWrite.RESERVED_PREFIX), r.text());
                        }
                    }
                }
            }
        }
        assertEquals(before, contents(), "hasm's files are intact, and no refused MOVE took its source away");
        // what is not reserved still copies and moves
        assertEquals(201, send(A, port, "COPY", "/vol/a.txt", Map.of("Destination", base + "/vol/hasm-nfs"), null)
                .status());
        assertEquals(201, send(A, port, "MOVE", "/vol/sub/b.txt", Map.of("Destination", base + "/vol/dir/.hasm"), null)
                .status());
    }

    @Test
    void everyMethodOnAReservedPathIsRefusedWith404() throws Exception {
        int port = serveVolumeRoot();
        Map<String, String> before = contents();
        String base = "http://" + A + ":" + port;
        byte[] lock = ("<?xml version=\"1.0\" encoding=\"utf-8\"?><D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/>"
                + "</D:lockscope><D:locktype><D:write/></D:locktype><D:owner>t</D:owner></D:lockinfo>")
                .getBytes(StandardCharsets.UTF_8);
        byte[] proppatch = ("<?xml version=\"1.0\" encoding=\"utf-8\"?><D:propertyupdate xmlns:D=\"DAV:\" "
                + "xmlns:Z=\"urn:t\"><D:set><D:prop><Z:p>v</Z:p></D:prop></D:set></D:propertyupdate>")
                .getBytes(StandardCharsets.UTF_8);
        List<String> paths = List.of("/vol/" + NFS, "/vol/" + NFS + "/", "/vol/" + NFS + "/locks", "/vol/dir/" + UPLOAD,
                "/vol/%2Ehasm-nfs/locks", "/vol/" + DurableWrite.RESERVED_PREFIX + "new", "/vol/sub/"
                        + DurableWrite.RESERVED_PREFIX + "new/");
        for (String path : paths) {
            Map<String, Response> answers = new LinkedHashMap<>();
            answers.put("GET", send(A, port, "GET", path));
            answers.put("PROPFIND", send(A, port, "PROPFIND", path, Map.of("Depth", "1"), null));
            answers.put("PROPPATCH", send(A, port, "PROPPATCH", path, Map.of(), proppatch));
            answers.put("LOCK", send(A, port, "LOCK", path, Map.of(), lock));
            answers.put("UNLOCK", send(A, port, "UNLOCK", path, Map.of("Lock-Token", "<urn:uuid:x>"), null));
            answers.put("MKCOL", send(A, port, "MKCOL", path));
            answers.put("PUT", send(A, port, "PUT", path, Map.of(), "x".getBytes(StandardCharsets.UTF_8)));
            answers.put("DELETE", send(A, port, "DELETE", path));
            answers.put("COPY", send(A, port, "COPY", path, Map.of("Destination", base + "/vol/stolen"), null));
            answers.put("MOVE", send(A, port, "MOVE", path, Map.of("Destination", base + "/vol/stolen"), null));
            answers.forEach((method, r) -> assertEquals(404, r.status(), method + " " + path + ": " + r.text()));
        }
        assertEquals(before, contents());
        String listing = send(A, port, "PROPFIND", "/vol/", Map.of("Depth", "1"), null).text();
        assertFalse(listing.contains(DurableWrite.RESERVED_PREFIX), listing);
    }

    /** The second guard: were a request to get past the servlet's checks, the resources have no reserved name. */
    @Test
    void theResourcesHaveNoReservedNameToFindListWriteOrCreate() throws Exception {
        TestVolumes volumes = new TestVolumes();
        volumes.owned.put("v1", v1);
        StandardContext context = new StandardContext();
        context.setDocBase(v1.root.toString());
        ExportResources.DurableDirSet set = new ExportResources.DurableDirSet(new StandardRoot(context),
                v1.root.toString(), new DurableWrite(new VolumeAccess(volumes, "v1", v1.root), 1 << 20,
                        DurableWrite.DEFAULT_OPENER));
        set.init();
        upload();
        Map<String, String> before = contents();
        for (String path : List.of("/" + NFS, "/" + NFS + "/", "/" + NFS + "/locks", "/dir/" + UPLOAD)) {
            assertFalse(set.getResource(path).exists(), path);
            assertFalse(set.getResource(path).delete(), path);
            assertFalse(set.write(path, new ByteArrayInputStream(new byte[] {'x'}), true), path);
        }
        assertArrayEquals(new String[0], set.list("/" + NFS + "/"));
        assertEquals(Set.of(), set.listWebAppPaths("/" + NFS + "/"));
        assertFalse(set.mkdir("/" + DurableWrite.RESERVED_PREFIX + "new"));
        assertFalse(set.mkdir("/sub/" + DurableWrite.RESERVED_PREFIX + "new"));
        assertFalse(set.mkdir("/" + NFS + "/sub"));
        assertEquals(before, contents());
        assertFalse(Files.exists(v1.root.resolve(DurableWrite.RESERVED_PREFIX + "new")));
        assertFalse(Files.exists(v1.root.resolve("sub").resolve(DurableWrite.RESERVED_PREFIX + "new")));
        // the client's own names are there as before
        assertTrue(set.getResource("/a.txt").exists());
        assertEquals(List.of("a.txt", "dir", "sub"), List.of(set.list("/")).stream().sorted().toList());
        assertEquals(List.of(), List.of(set.list("/dir/")));
        assertTrue(set.mkdir("/sub/new"));
    }
}
