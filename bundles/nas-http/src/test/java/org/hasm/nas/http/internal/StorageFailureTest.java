package org.hasm.nas.http.internal;

import static org.hasm.nas.http.internal.Fixture.files;
import static org.hasm.nas.http.internal.Fixture.personality;
import static org.hasm.nas.http.internal.Fixture.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hasm.nas.http.internal.Fixture.RecordingEvents;
import org.hasm.nas.http.internal.Fixture.Response;
import org.hasm.nas.http.internal.Fixture.TestExport;
import org.hasm.nas.http.internal.Fixture.TestVolume;
import org.hasm.nas.http.internal.Fixture.TestVolumes;
import org.hasm.spi.storage.VolumeProblem.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A write that fails on the storage is the storage module's to report: the volume is told, the
 * answer follows what the volume says (507 full, 503 read-only or failing), and the server does not
 * log it again for every request that meets it.
 */
class StorageFailureTest {
    private static final String A = "127.0.0.1";

    private Path tmp;
    private TestVolumes volumes;
    private TestVolume v1;
    private RecordingEvents events;
    private HttpServer server;

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("hasm-nas-http-");
        volumes = new TestVolumes();
        v1 = new TestVolume("v1", Files.createDirectories(tmp.resolve("volumes/v1")));
        Files.createDirectories(v1.root.resolve("docs"));
        volumes.owned.put("v1", v1);
        events = new RecordingEvents();
    }

    private final Fixture.LoopbackAddresses addresses = new Fixture.LoopbackAddresses(A);

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

    /** Serves docs (v1:docs) on a disk that refuses every new file with the kernel's {@code text}. */
    private int serveOnADiskThatSays(String text) throws Exception {
        DurableWrite.ChannelOpener refusing = (file, created) -> {
            throw new FileSystemException(file.toString(), null, text);
        };
        server = new HttpServer(tmp.resolve("tomcat"), HttpSettings.defaults(), volumes, addresses.service, events,
                refusing);
        server.reconcile(List.of(personality("A", A, 0, new TestExport("docs", "v1", "docs", false))));
        return server.localPort("A", A);
    }

    @Test
    void aReadOnlyStorageAnswers503WithRetryAfterAndIsReportedToTheVolumeNotLoggedPerRequest() throws Exception {
        v1.reportAs.set(Kind.READ_ONLY);
        int port = serveOnADiskThatSays("Read-only file system");
        for (int i = 0; i < 5; i++) {
            Response r = send(A, port, "PUT", "/docs/f" + i, Map.of(), "x".getBytes(StandardCharsets.UTF_8));
            assertEquals(503, r.status(), r.text());
            assertTrue(r.header("Retry-After") != null, "the client retries, and meets the peer after a takeover");
            assertTrue(r.text().contains("Read-only file system"), r.text());
        }
        assertEquals(5, v1.failedWrites.size(), "every failed write is told to the volume");
        assertEquals(List.of(), events.warnings, "the storage module reports it once per change, not the server per request");
        assertEquals(List.of(), files(v1.root.resolve("docs")));
    }

    @Test
    void aFullStorageAnswers507() throws Exception {
        v1.reportAs.set(Kind.FULL);
        int port = serveOnADiskThatSays("No space left on device");
        Response r = send(A, port, "PUT", "/docs/f", Map.of(), "x".getBytes(StandardCharsets.UTF_8));
        assertEquals(507, r.status(), r.text());
        assertEquals(List.of(), events.warnings);
    }

    @Test
    void aFailureTheVolumeDoesNotRecogniseIsTheServersToReport() throws Exception {
        int port = serveOnADiskThatSays("Permission denied");
        Response r = send(A, port, "PUT", "/docs/f", Map.of(), "x".getBytes(StandardCharsets.UTF_8));
        assertEquals(500, r.status(), r.text());
        assertEquals(1, v1.failedWrites.size());
        assertEquals(1, events.warnings.size(), events.warnings.toString());
    }

    @Test
    void anExportOnAVolumeStillBeingAcquiredAnswers503UntilItIsOwned() throws Exception {
        Files.writeString(v1.root.resolve("docs/a.txt"), "a");
        v1.owned.set(false); // the storage module could not write its record yet: it retries
        server = new HttpServer(tmp.resolve("tomcat"), HttpSettings.defaults(), volumes, addresses.service, events,
                DurableWrite.DEFAULT_OPENER);
        server.reconcile(List.of(personality("A", A, 0, new TestExport("docs", "v1", "docs", false))));
        int port = server.localPort("A", A);
        assertTrue(port > 0, "the personality is served: its address answers");
        Response waiting = send(A, port, "GET", "/docs/a.txt");
        assertEquals(503, waiting.status(), waiting.text());
        assertTrue(waiting.header("Retry-After") != null);
        v1.owned.set(true); // acquired
        assertEquals("a", send(A, port, "GET", "/docs/a.txt").text());
    }
}
