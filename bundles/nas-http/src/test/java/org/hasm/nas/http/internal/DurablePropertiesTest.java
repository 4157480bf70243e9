package org.hasm.nas.http.internal;

import static org.hasm.nas.http.internal.Fixture.allprop;
import static org.hasm.nas.http.internal.Fixture.personality;
import static org.hasm.nas.http.internal.Fixture.send;
import static org.hasm.nas.http.internal.Fixture.statuses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hasm.nas.http.internal.Fixture.RecordingEvents;
import org.hasm.nas.http.internal.Fixture.Response;
import org.hasm.nas.http.internal.Fixture.TestDisk;
import org.hasm.nas.http.internal.Fixture.TestExport;
import org.hasm.nas.http.internal.Fixture.TestVolume;
import org.hasm.nas.http.internal.Fixture.TestVolumes;
import org.hasm.spi.storage.VolumeProblem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A PROPPATCH answered 207 is a write like a PUT: its dead properties are kept on the volume, so the SCM that
 * serves the volume next (the peer after a takeover, this one after a restart: here, a new server over the same
 * folder) serves them; MOVE, COPY and DELETE carry, copy and remove them there; a PROPPATCH this SCM may no
 * longer make is not acknowledged; a damaged file is reported and read as no properties.
 */
class DurablePropertiesTest {
    private static final String A = "127.0.0.1";
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    private Path tmp;
    private Path docs;
    private TestVolumes volumes;
    private TestVolume v1;
    private RecordingEvents events;
    private final List<HttpServer> servers = new ArrayList<>();
    private int started;
    private final Fixture.LoopbackAddresses addresses = new Fixture.LoopbackAddresses(A);

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("hasm-nas-http-props-");
        v1 = new TestVolume("v1", Files.createDirectories(tmp.resolve("volumes/v1")));
        docs = Files.createDirectories(v1.root.resolve("docs"));
        volumes = new TestVolumes();
        volumes.owned.put("v1", v1);
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

    /** Serves export docs (v1:docs) of personality A from a server of its own (an SCM); @return its port */
    private int serve(HttpSettings settings, DurableWrite.ChannelOpener opener) throws Exception {
        HttpServer s = new HttpServer(tmp.resolve("tomcat-" + started++), settings, volumes, addresses.service,
                events, opener);
        servers.add(s);
        s.reconcile(List.of(personality("A", A, 0, new TestExport("docs", "v1", "docs", false))));
        return s.localPort("A", A);
    }

    private int serve() throws Exception {
        return serve(HttpSettings.defaults(), DurableWrite.DEFAULT_OPENER);
    }

    /** The SCM serving the volume is gone (a crash, a takeover): the next one serves it. @return its port */
    private int takeOver(HttpSettings settings) throws Exception {
        return takeOver(settings, DurableWrite.DEFAULT_OPENER);
    }

    private int takeOver(HttpSettings settings, DurableWrite.ChannelOpener disk) throws Exception {
        servers.remove(servers.size() - 1).destroy();
        return serve(settings, disk);
    }

    private int takeOver() throws Exception {
        return takeOver(HttpSettings.defaults());
    }

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

    private static Response patch(int port, String path, String... changes) throws IOException {
        return send(A, port, "PROPPATCH", path, Map.of(), proppatch(changes));
    }

    /** Where the dead properties of export docs of personality A are kept on the volume. */
    private Path propertiesFolder() {
        return v1.root.resolve(".hasm-private/http/dead-properties/A/docs");
    }

    /** @return the file that holds the dead properties of a resource (its path in the export) */
    private Path propertiesFile(String path) throws NoSuchAlgorithmException {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
        return propertiesFolder().resolve(HexFormat.of().formatHex(hash));
    }

    /** @return every name in the properties folder (none if it is missing) */
    private List<String> propertiesFiles() throws IOException {
        return Files.isDirectory(propertiesFolder()) ? Fixture.files(propertiesFolder()) : List.of();
    }

    @Test
    void propertiesSetThroughOneScmAreServedByTheNextOverTheSameVolume() throws Exception {
        int port = serve();
        Files.writeString(docs.resolve("f.txt"), "f");
        Files.createDirectories(docs.resolve("d"));
        assertEquals(Map.of(200, 2), statuses(patch(port, "/docs/f.txt", set("p1", "v-f1"), set("p2", "v-f2"))));
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/d/", set("p1", "v-d"))));
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/f.txt", remove("p2"))));

        port = takeOver();
        String f = allprop(A, port, "/docs/f.txt");
        assertTrue(f.contains("v-f1"), f);
        assertFalse(f.contains("v-f2"), "a removal is kept as well: " + f);
        // a folder is the same resource with or without its '/'
        assertTrue(allprop(A, port, "/docs/d").contains("v-d"));
        assertTrue(allprop(A, port, "/docs/d/").contains("v-d"));
        Response named = send(A, port, "PROPFIND", "/docs/f.txt", Map.of("Depth", "0"),
                ("<?xml version=\"1.0\" encoding=\"utf-8\"?><D:propfind xmlns:D=\"DAV:\" xmlns:Z=\"urn:hasm:t\"><D:prop>"
                        + "<Z:p1/></D:prop></D:propfind>").getBytes(StandardCharsets.UTF_8));
        assertEquals(207, named.status(), named.text());
        assertTrue(named.text().contains("v-f1") && named.text().contains("200"), named.text());

        // kept in hasm's private folder of the volume, one file per resource, out of every export's reach
        assertEquals(2, propertiesFiles().size(), propertiesFiles().toString());
        assertTrue(Files.isRegularFile(propertiesFile("/f.txt")));
        assertTrue(Files.isRegularFile(propertiesFile("/d")));
        String listing = send(A, port, "PROPFIND", "/docs/", Map.of("Depth", "1"), null).text();
        assertFalse(listing.contains(".hasm-"), listing);

        // the last property removed takes its file along
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/d", remove("p1"))));
        assertFalse(Files.exists(propertiesFile("/d")));
        port = takeOver();
        assertFalse(allprop(A, port, "/docs/d").contains("v-d"));
        assertTrue(allprop(A, port, "/docs/f.txt").contains("v-f1"));
    }

    @Test
    void moveCarriesCopyCopiesAndDeleteRemovesThePropertiesOfAResourceAndItsDescendants() throws Exception {
        int port = serve();
        Files.createDirectories(docs.resolve("d/sub"));
        Files.writeString(docs.resolve("d/a.txt"), "a");
        Files.writeString(docs.resolve("d/sub/b.txt"), "b");
        Files.writeString(docs.resolve("f.txt"), "f");
        Files.writeString(docs.resolve("keep.txt"), "k");
        for (String[] r : new String[][] {{"/docs/d", "v-d"}, {"/docs/d/a.txt", "v-a"}, {"/docs/d/sub/b.txt", "v-b"},
                {"/docs/f.txt", "v-f"}, {"/docs/keep.txt", "v-keep"}}) {
            assertEquals(Map.of(200, 1), statuses(patch(port, r[0], set("p", r[1]))), r[0]);
        }
        String base = "http://" + A + ":" + port;
        assertEquals(201, send(A, port, "MOVE", "/docs/d", Map.of("Destination", base + "/docs/e"), null).status());
        assertEquals(201, send(A, port, "COPY", "/docs/e/", Map.of("Destination", base + "/docs/c/"), null).status());
        assertEquals(201, send(A, port, "COPY", "/docs/f.txt", Map.of("Destination", base + "/docs/g.txt"), null)
                .status());
        // onto a resource with properties of its own: they are replaced, not merged
        assertEquals(204, send(A, port, "MOVE", "/docs/g.txt", Map.of("Destination", base + "/docs/keep.txt"), null)
                .status());
        assertEquals(204, send(A, port, "DELETE", "/docs/c").status());
        assertEquals(204, send(A, port, "DELETE", "/docs/f.txt").status());

        port = takeOver();
        assertTrue(allprop(A, port, "/docs/e").contains("v-d"));
        assertTrue(allprop(A, port, "/docs/e/a.txt").contains("v-a"));
        assertTrue(allprop(A, port, "/docs/e/sub/b.txt").contains("v-b"));
        String keep = allprop(A, port, "/docs/keep.txt");
        assertTrue(keep.contains("v-f") && !keep.contains("v-keep"), keep);
        // the names that were moved away from or deleted, made again, have none: removed, not only hidden
        assertEquals(201, send(A, port, "MKCOL", "/docs/d").status());
        assertEquals(201, send(A, port, "MKCOL", "/docs/c").status());
        assertEquals(201, send(A, port, "MKCOL", "/docs/c/sub").status());
        for (String path : List.of("/docs/d/a.txt", "/docs/c/a.txt", "/docs/c/sub/b.txt", "/docs/f.txt",
                "/docs/g.txt")) {
            assertEquals(201, send(A, port, "PUT", path, Map.of(), "x".getBytes(StandardCharsets.UTF_8)).status(), path);
        }
        for (String path : List.of("/docs/d", "/docs/d/a.txt", "/docs/c", "/docs/c/a.txt", "/docs/c/sub/b.txt",
                "/docs/f.txt", "/docs/g.txt")) {
            assertFalse(allprop(A, port, path).contains("v-"), path);
        }
        assertEquals(4, propertiesFiles().size(), "e, e/a.txt, e/sub/b.txt and keep.txt: " + propertiesFiles());
    }

    @Test
    void aDamagedPropertiesFileIsReportedAndReadAsNoProperties() throws Exception {
        int port = serve();
        for (String name : List.of("a.txt", "b.txt", "c.txt")) {
            Files.writeString(docs.resolve(name), name);
            assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/" + name, set("p", "v-" + name))));
        }
        servers.remove(0).destroy();
        Path a = propertiesFile("/a.txt");
        assertTrue(Files.isRegularFile(a), "the properties of a.txt are on the volume");
        byte[] bytes = Files.readAllBytes(a);
        bytes[bytes.length / 2] ^= 0x5a; // a bit of the disk gone bad
        Files.write(a, bytes);
        Path c = propertiesFile("/c.txt");
        Files.write(c, java.util.Arrays.copyOf(Files.readAllBytes(c), 7)); // cut short behind hasm's back
        Files.writeString(propertiesFolder().resolve("0".repeat(64)), "not hasm's"); // a stranger

        port = serve();
        String props = allprop(A, port, "/docs/a.txt");
        assertFalse(props.contains("v-a.txt"), props);
        assertFalse(allprop(A, port, "/docs/c.txt").contains("v-c.txt"));
        assertTrue(allprop(A, port, "/docs/b.txt").contains("v-b.txt"), "the others are served");
        for (Path damaged : List.of(a, c, propertiesFolder().resolve("0".repeat(64)))) {
            String name = damaged.getFileName().toString();
            // the stranger is found only by the count, which runs beside the requests
            Fixture.await(name + " reported", Duration.ofSeconds(10),
                    () -> events.warnings.stream().anyMatch(w -> w.contains(name)));
            assertTrue(events.events.stream().anyMatch(e -> e.startsWith("DEAD_PROPERTIES_DAMAGED") && e.contains(name)),
                    name + " published: " + events.events);
        }
        assertTrue(Files.exists(a), "left for an administrator to look at");

        // the resource takes new properties, which replace the damaged file
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/a.txt", set("p", "v-new"))));
        port = takeOver();
        assertTrue(allprop(A, port, "/docs/a.txt").contains("v-new"));
    }

    @Test
    void aProppatchThisScmMayNoLongerMakeIsNotAcknowledgedNorServedAfterwards() throws Exception {
        int port = serve();
        Files.writeString(docs.resolve("a.txt"), "a");
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/a.txt", set("p", "v-1"))));
        List<String> before = propertiesFiles();

        v1.refuseFence.set(true); // the peer took the volume over between this SCM's check and the write
        for (Response r : List.of(patch(port, "/docs/a.txt", set("p", "v-2"), set("q", "v-q")),
                patch(port, "/docs/a.txt", remove("p")))) {
            assertEquals(503, r.status(), r.text());
            assertNotNull(r.header("Retry-After"), "the client retries, and meets the SCM that owns the volume now");
        }
        assertTrue(events.events.stream().anyMatch(e -> e.startsWith("FENCED")), events.events.toString());
        assertEquals(before, propertiesFiles(), "no temporary file left, nothing else written");

        v1.refuseFence.set(false);
        String props = allprop(A, port, "/docs/a.txt");
        assertTrue(props.contains("v-1") && !props.contains("v-2") && !props.contains("v-q"), props);
        port = takeOver();
        props = allprop(A, port, "/docs/a.txt");
        assertTrue(props.contains("v-1") && !props.contains("v-2") && !props.contains("v-q"), props);
    }

    @Test
    void aProppatchOnAFullStorageGets507AndKeepsNothing() throws Exception {
        v1.reportAs.set(VolumeProblem.Kind.FULL);
        DurableWrite.ChannelOpener full = (file, created) -> {
            throw new FileSystemException(file.toString(), null, "No space left on device");
        };
        int port = serve(HttpSettings.defaults(), full);
        Files.writeString(docs.resolve("a.txt"), "a");
        Response r = patch(port, "/docs/a.txt", set("p", "v-1"));
        assertEquals(507, r.status(), r.text());
        assertFalse(allprop(A, port, "/docs/a.txt").contains("v-1"));
        assertEquals(List.of(), propertiesFiles());
    }

    @Test
    void theBoundsHoldAfterAReload() throws Exception {
        // each big resource takes about 1.3 KiB and a.txt about 0.6: 1 KiB is left
        HttpSettings limits = HttpSettings.defaults().withDav(HttpSettings.DEFAULT_MAX_LOCKS, 3, 4096);
        int port = serve(limits, DurableWrite.DEFAULT_OPENER);
        String value = "x".repeat(1000);
        for (String name : List.of("r1", "r2", "r3", "r4", "a.txt")) {
            Files.writeString(docs.resolve(name), name);
        }
        for (String name : List.of("r1", "r2")) {
            assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/" + name, set("big", value))), name);
        }
        assertEquals(Map.of(200, 3), statuses(patch(port, "/docs/a.txt", set("p1", "v"), set("p2", "v"),
                set("p3", "v"))));

        port = takeOver(limits);
        assertEquals(Map.of(507, 1), statuses(patch(port, "/docs/a.txt", set("p4", "v"))),
                "max.dead.properties counts what the volume holds");
        assertEquals(Map.of(507, 1), statuses(patch(port, "/docs/r3", set("big", value))),
                "max.dead.property.bytes counts what the volume holds");
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/r3", set("small", "v"))), "what fits passes");
        assertEquals(204, send(A, port, "DELETE", "/docs/r1").status());
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/r3", set("big", value))),
                "a DELETE gives the room back");

        port = takeOver(limits);
        assertEquals(Map.of(507, 1), statuses(patch(port, "/docs/r4", set("big", value))), "full again, as counted");
        assertTrue(allprop(A, port, "/docs/r3").contains(value));
    }

    @Test
    void anExportThatGetsItsVolumeBackReadsWhatThePeerWroteMeanwhile() throws Exception {
        int port = serve();
        Files.writeString(docs.resolve("a.txt"), "a");
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/a.txt", set("p", "v-here"))));
        assertTrue(allprop(A, port, "/docs/a.txt").contains("v-here"), "read, and so held in memory");

        // the volume goes to the peer, which changes the properties; this SCM's export stays open meanwhile
        volumes.owned.remove("v1");
        TestVolumes peerVolumes = new TestVolumes();
        peerVolumes.owned.put("v1", new TestVolume("v1", v1.root));
        HttpServer peer = new HttpServer(tmp.resolve("tomcat-peer"), HttpSettings.defaults(), peerVolumes,
                addresses.service, new RecordingEvents(), DurableWrite.DEFAULT_OPENER);
        try {
            peer.reconcile(List.of(personality("A", A, 0, new TestExport("docs", "v1", "docs", false))));
            int peerPort = peer.localPort("A", A);
            assertEquals(Map.of(200, 1), statuses(patch(peerPort, "/docs/a.txt", set("p", "v-peer"))));
        } finally {
            peer.destroy();
        }
        // back here under another ownership
        volumes.owned.put("v1", new TestVolume("v1", v1.root));
        String props = allprop(A, port, "/docs/a.txt");
        assertTrue(props.contains("v-peer") && !props.contains("v-here"), props);
    }

    @Test
    void aPropertiesFileThatCannotBeReadIsAFailedStorageAccessAndNothingAcknowledgedIsLost() throws Exception {
        int port = serve();
        Files.writeString(docs.resolve("a.txt"), "a");
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/a.txt", set("p1", "v-1"))));

        // the next SCM counts the properties; then its reads of the file fail (EIO, a stale handle...)
        v1.reportAs.set(VolumeProblem.Kind.IO_ERROR);
        TestDisk disk = new TestDisk();
        Path file = propertiesFile("/a.txt");
        disk.unreadable = f -> f.equals(file) && !Thread.currentThread().getName().endsWith("-properties");
        port = takeOver(HttpSettings.defaults(), disk);
        for (Response r : List.of(send(A, port, "PROPFIND", "/docs/a.txt", Map.of("Depth", "0"), null),
                patch(port, "/docs/a.txt", set("p2", "v-2")))) {
            assertEquals(503, r.status(), "not 207 without p1: " + r.text());
            assertNotNull(r.header("Retry-After"), "the storage module may hand the volume to the peer, which reads it");
        }
        assertTrue(events.events.stream().noneMatch(e -> e.startsWith("DEAD_PROPERTIES_DAMAGED")), events.events.toString());

        disk.unreadable = f -> false;
        assertTrue(allprop(A, port, "/docs/a.txt").contains("v-1"));
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/a.txt", set("p2", "v-2"))));
        port = takeOver();
        String props = allprop(A, port, "/docs/a.txt");
        assertTrue(props.contains("v-1") && props.contains("v-2"), props);
    }

    @Test
    void aResourceDeletedBehindTheServersBackGivesItsRoomBackAtTheNextCountAndAnEditorsSaveKeepsItsProperties()
            throws Exception {
        // each resource's big property takes about 1.3 KiB: three fit, not four
        HttpSettings limits = HttpSettings.defaults().withDav(HttpSettings.DEFAULT_MAX_LOCKS, 3, 4096);
        int port = serve(limits, DurableWrite.DEFAULT_OPENER);
        String value = "x".repeat(1000);
        for (String name : List.of("r1", "r2", "r3", "r4", "r5")) {
            Files.writeString(docs.resolve(name), name);
        }
        for (String name : List.of("r1", "r2", "r3")) {
            assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/" + name, set("big", value + name))), name);
        }
        assertEquals(Map.of(507, 1), statuses(patch(port, "/docs/r4", set("big", value))));

        // over NFS or SMB on the same volume: r1 deleted, r2 saved anew by an editor (written aside, renamed over)
        Files.delete(docs.resolve("r1"));
        Files.writeString(docs.resolve("r2.tmp"), "r2 again");
        Files.move(docs.resolve("r2.tmp"), docs.resolve("r2"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        assertTrue(allprop(A, port, "/docs/r2").contains(value + "r2"), "the same resource for WebDAV: they stay");

        port = takeOver(limits);
        Fixture.await("r1's file removed", Duration.ofSeconds(10), () -> {
            try {
                return !Files.exists(propertiesFile("/r1"));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/r4", set("big", value + "r4"))),
                "r1's properties are not counted");
        assertEquals(Map.of(507, 1), statuses(patch(port, "/docs/r5", set("big", value + "r5"))),
                "r2's and r3's are");
        assertTrue(allprop(A, port, "/docs/r2").contains(value + "r2"));
        assertTrue(allprop(A, port, "/docs/r3").contains(value + "r3"));
        assertEquals(201, send(A, port, "PUT", "/docs/r1", Map.of(), "new".getBytes(StandardCharsets.UTF_8)).status());
        assertFalse(allprop(A, port, "/docs/r1").contains(value), "a resource made after the count starts without");
    }

    @Test
    void aVolumeCopiedFileByFileToAnotherFolderKeepsEveryProperty() throws Exception {
        int port = serve();
        Files.createDirectories(docs.resolve("d/sub"));
        Files.writeString(docs.resolve("a.txt"), "a");
        Files.writeString(docs.resolve("d/b.txt"), "b");
        Files.writeString(docs.resolve("d/sub/c.txt"), "c");
        List<String> resources = List.of("/docs/a.txt", "/docs/d", "/docs/d/b.txt", "/docs/d/sub", "/docs/d/sub/c.txt");
        for (String r : resources) {
            assertEquals(Map.of(200, 1), statuses(patch(port, r, set("p", "v-" + r))), r);
        }
        servers.remove(0).destroy();

        // a migration to other storage (rsync) or a restore from a file backup: the same paths, every inode new
        Path copy = tmp.resolve("volumes/v1-copy");
        List<Path> names;
        try (Stream<Path> all = Files.walk(v1.root)) {
            names = all.toList();
        }
        for (Path name : names) {
            Path to = copy.resolve(v1.root.relativize(name).toString());
            if (Files.isDirectory(name)) {
                Files.createDirectories(to);
            } else {
                Files.copy(name, to);
            }
        }
        assertTrue((Long) Files.getAttribute(docs.resolve("a.txt"), "unix:ino")
                != (Long) Files.getAttribute(copy.resolve("docs/a.txt"), "unix:ino"), "a copy, not a link");
        volumes.owned.put("v1", new TestVolume("v1", copy));

        port = serve();
        for (String r : resources) {
            assertTrue(allprop(A, port, r).contains("v-" + r), r);
        }
        // the count found every file with its resource: the next SCM over the copy has them all too
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/a.txt", set("q", "v-q"))), "waits for the count");
        port = takeOver();
        for (String r : resources) {
            assertTrue(allprop(A, port, r).contains("v-" + r), r);
        }
        assertEquals(5, Fixture.files(copy.resolve(".hasm-private/http/dead-properties/A/docs")).size());
    }

    @Test
    void aPutOverAResourceKeepsItsPropertiesOnTheNewFileThroughATakeover() throws Exception {
        int port = serve();
        Files.writeString(docs.resolve("a.txt"), "a");
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/a.txt", set("p", "v-kept"))));
        long before = (Long) Files.getAttribute(docs.resolve("a.txt"), "unix:ino");
        assertEquals(204, send(A, port, "PUT", "/docs/a.txt", Map.of(), "new content".getBytes(StandardCharsets.UTF_8))
                .status());
        assertTrue(before != (Long) Files.getAttribute(docs.resolve("a.txt"), "unix:ino"),
                "a PUT renames a new file over the resource");
        assertTrue(allprop(A, port, "/docs/a.txt").contains("v-kept"), "RFC 4918, 9.7.1: properties are not affected");
        port = takeOver();
        assertTrue(allprop(A, port, "/docs/a.txt").contains("v-kept"));
        assertEquals("new content", send(A, port, "GET", "/docs/a.txt").text());
    }

    @Test
    void aPropertiesFolderThatCannotBeCountedFailsNoRequestButThoseThatAddToTheProperties() throws Exception {
        int port = serve();
        for (String name : List.of("a.txt", "b.txt", "plain.txt")) {
            Files.writeString(docs.resolve(name), name);
        }
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/a.txt", set("p", "v-a"))));
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/b.txt", set("p", "v-b"))));

        TestDisk disk = new TestDisk();
        disk.listFails.set(new IOException("Input/output error"));
        port = takeOver(HttpSettings.defaults(), disk);
        String base = "http://" + A + ":" + port;
        String listing = send(A, port, "PROPFIND", "/docs/", Map.of("Depth", "1"), null).text();
        assertTrue(listing.contains("v-a") && listing.contains("v-b"), listing);
        assertEquals(201, send(A, port, "COPY", "/docs/plain.txt", Map.of("Destination", base + "/docs/copy.txt"), null)
                .status());
        assertEquals(201, send(A, port, "MOVE", "/docs/copy.txt", Map.of("Destination", base + "/docs/moved.txt"), null)
                .status());
        assertFalse(Files.exists(docs.resolve("copy.txt")), "moved, not duplicated");
        assertEquals(204, send(A, port, "DELETE", "/docs/moved.txt").status());
        assertEquals(201, send(A, port, "MOVE", "/docs/a.txt", Map.of("Destination", base + "/docs/c.txt"), null)
                .status());
        assertTrue(allprop(A, port, "/docs/c.txt").contains("v-a"), "a MOVE carries its properties without the count");
        assertEquals(Map.of(200, 1), statuses(patch(port, "/docs/b.txt", remove("p"))), "removing needs no count");
        for (int i = 0; i < 3; i++) {
            Response r = patch(port, "/docs/plain.txt", set("p", "v-plain"));
            assertEquals(503, r.status(), r.text());
            assertNotNull(r.header("Retry-After"));
        }
        assertEquals(1, events.warnings.stream().filter(w -> w.contains("cannot be counted")).count(),
                "said once: " + events.warnings);
        assertTrue(events.events.stream().noneMatch(e -> e.startsWith("FENCED")), "not a fence: " + events.events);
    }

    @Test
    void aPropertiesFileThatCannotBeReadHalfwayThroughAStreamedPropfindCutsTheAnswer() throws Exception {
        // 200 files with a property each
        Files.createDirectories(propertiesFolder());
        for (int i = 0; i < 200; i++) {
            String name = String.format("f%03d", i);
            Files.writeString(docs.resolve(name), name);
            Files.write(propertiesFile("/" + name), PropertyFiles.encode("/" + name, List.of(
                    DeadProperties.Property.of("urn:hasm:t", "p", "<Z:p xmlns:Z=\"urn:hasm:t\">v-" + name + "</Z:p>"))));
        }
        TestDisk disk = new TestDisk();
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        // the requests' reads go bad after 100 files, when tens of KiB of the multistatus are out
        disk.unreadable = f -> !Thread.currentThread().getName().endsWith("-properties") && reads.incrementAndGet() > 100;
        int port = serve(HttpSettings.defaults(), disk);
        assertThrows(IOException.class, () -> send(A, port, "PROPFIND", "/docs/", Map.of("Depth", "1"), null),
                "not a 207 that ends as if it were whole");
    }
}
