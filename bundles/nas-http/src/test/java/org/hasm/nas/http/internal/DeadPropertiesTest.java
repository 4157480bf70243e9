package org.hasm.nas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.catalina.servlets.WebdavServlet;
import org.apache.catalina.util.XMLWriter;
import org.hasm.nas.http.internal.Fixture.TestDisk;
import org.hasm.nas.http.internal.Fixture.TestVolume;
import org.hasm.nas.http.internal.Fixture.TestVolumes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Node;

/**
 * The store of dead properties on its own, over a volume in a temporary folder: what it counts after a reload, what
 * it reads into memory, the file format's checks, whose properties a file holds, and what it does when the disk
 * fails or is slow.
 */
class DeadPropertiesTest {
    private static final String P = "<Z:p xmlns:Z=\"urn:t\">1</Z:p>";
    private static final String Q = "<Z:q xmlns:Z=\"urn:t\">2</Z:q>";
    private static final String R = "<Z:r xmlns:Z=\"urn:t\">3</Z:r>";

    private Path tmp;
    private Path docs;
    private TestVolumes volumes;
    private TestVolume v1;
    private VolumeAccess volume;
    private final List<String> damaged = Collections.synchronizedList(new ArrayList<>());
    private final List<String> logged = Collections.synchronizedList(new ArrayList<>());
    private final List<DeadProperties> stores = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("hasm-nas-http-store-");
        docs = Files.createDirectories(tmp.resolve("docs"));
        volumes = new TestVolumes();
        v1 = new TestVolume("v1", tmp);
        volumes.owned.put("v1", v1);
        volume = new VolumeAccess(volumes, "v1", tmp);
    }

    @AfterEach
    void tearDown() {
        stores.forEach(DeadProperties::destroy);
        Fixture.deleteTree(tmp);
    }

    /** A store as the servlet of export docs of personality A sets it up: a new one stands for a restart. */
    private DeadProperties store() {
        return store(DurableWrite.DEFAULT_OPENER);
    }

    private DeadProperties store(DurableWrite.ChannelOpener disk) {
        DeadProperties store = new DeadProperties();
        store.setMaxPerResource(10);
        store.setMaxBytes(1 << 20);
        store.logTo(logged::add);
        store.keepIn(new PropertyFiles(volume, "A", "docs", docs, new DurableWrite(volume, 1 << 20, disk),
                store.largestFile(), (file, why) -> damaged.add(file + ": " + why)));
        stores.add(store);
        return store;
    }

    private static Node property(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)))
                .getDocumentElement();
    }

    /** A PROPPATCH that sets these properties; @return its operations, with the statuses the store gave them */
    private static List<WebdavServlet.ProppatchOperation> patch(DeadProperties store, String path, String... xml)
            throws Exception {
        ArrayList<WebdavServlet.ProppatchOperation> ops = new ArrayList<>();
        for (String x : xml) {
            ops.add(new WebdavServlet.ProppatchOperation(WebdavServlet.PropertyUpdateType.SET, property(x)));
        }
        store.proppatch(path, ops);
        return ops;
    }

    private static void set(DeadProperties store, String path, String... xml) throws Exception {
        for (WebdavServlet.ProppatchOperation o : patch(store, path, xml)) {
            assertEquals(200, o.getStatusCode());
        }
    }

    private static String all(DeadProperties store, String path) {
        XMLWriter xml = new XMLWriter();
        store.propfind(path, null, false, xml);
        return xml.toString();
    }

    /** @return the file of a resource's properties */
    private Path fileOf(String path) {
        return PropertyFiles.folder(tmp, "A", "docs").resolve(PropertyFiles.fileName(path));
    }

    /** @return what the file of a resource holds, read as the next SCM would */
    private PropertyFiles.Stored onDisk(String path) throws Exception {
        return PropertyFiles.decode(Files.readAllBytes(fileOf(path)));
    }

    /** @return the local names of the properties on the volume of a resource */
    private List<String> namesOnDisk(String path) throws Exception {
        return onDisk(path).properties().stream().map(DeadProperties.Property::name).toList();
    }

    /** Replaces a resource the way a durable write does, and an editor saving over NFS: a new file renamed over it. */
    private static void replaceByRename(Path resource, String content) throws IOException {
        Path fresh = resource.resolveSibling(".new-" + resource.getFileName());
        Files.writeString(fresh, content);
        Files.move(fresh, resource, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void afterAReloadTheCountIsTheSameAndOnlyTheResourcesAskedForAreInMemory() throws Exception {
        Files.writeString(docs.resolve("a"), "a");
        Files.createDirectories(docs.resolve("d/c"));
        Files.writeString(docs.resolve("d/b"), "b");
        DeadProperties first = store();
        set(first, "/a", P, Q);
        set(first, "/d/b", "<p xmlns=\"\">no namespace</p>");
        set(first, "/d/c/", "<Z:p xmlns:Z=\"urn:t\">\u00e9\u4e2d\ud83d\ude00</Z:p>");
        long bytes = first.bytes();
        assertTrue(bytes > 0);
        first.destroy();

        DeadProperties next = store();
        assertEquals(bytes, next.bytes(), "counted from the volume as it was counted when written");
        assertEquals(0, next.resourcesInMemory(), "counting reads no resource's properties into memory");
        assertTrue(all(next, "/d/c").contains("\u00e9\u4e2d\ud83d\ude00"), all(next, "/d/c"));
        assertTrue(all(next, "/d/b").contains("no namespace"));
        assertEquals(2, next.resourcesInMemory(), "only those asked for");
        Fixture.deleteTree(docs.resolve("d")); // as Tomcat deletes a folder's descendants, then tells the store
        next.delete("/d");
        assertEquals(DeadProperties.cost("/a", onDisk("/a").properties()), next.bytes(),
                "a folder's DELETE gives back what its descendants took");
        assertEquals(List.of(), damaged);
    }

    @Test
    void aPathIsTheSameWithOrWithoutItsTrailingSlashOrEmptySegments() {
        assertEquals("/", DeadProperties.path(""));
        assertEquals("/", DeadProperties.path("/"));
        assertEquals("/", DeadProperties.path("//"));
        assertEquals("/a/b", DeadProperties.path("/a/b"));
        assertEquals("/a/b", DeadProperties.path("/a/b/"));
        assertEquals("/a/b", DeadProperties.path("/a//b"));
    }

    @Test
    void everyChangedByteOfAFileIsFoundDamaged() throws Exception {
        byte[] good = PropertyFiles.encode("/d/f.txt", List.of(
                DeadProperties.Property.of("urn:t", "p", "<Z:p xmlns:Z=\"urn:t\">v</Z:p>"),
                DeadProperties.Property.of(null, "q", "<q>\u00e9</q>")));
        assertEquals("/d/f.txt", PropertyFiles.decode(good).path());
        assertEquals(2, PropertyFiles.decode(good).properties().size());
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            int at = i;
            assertThrows(PropertyFiles.Damaged.class, () -> PropertyFiles.decode(bad), "byte " + at);
        }
        for (int length = 0; length < good.length; length++) {
            byte[] cut = java.util.Arrays.copyOf(good, length);
            assertThrows(PropertyFiles.Damaged.class, () -> PropertyFiles.decode(cut), length + " bytes");
        }
    }

    // ---- a file that cannot be read is not "no properties" ----

    @Test
    void aFileThatCannotBeReadFailsTheRequestAndTheNextProppatchKeepsWhatWasAcknowledged() throws Exception {
        Files.writeString(docs.resolve("a"), "a");
        DeadProperties first = store();
        set(first, "/a", P);
        first.destroy();

        TestDisk disk = new TestDisk();
        disk.unreadable = file -> file.equals(fileOf("/a")); // EIO, a stale NFS handle, ...
        DeadProperties next = store(disk);
        next.timing(10_000, 0);
        WriteFailure read = assertThrows(WriteFailure.class, () -> all(next, "/a"));
        assertEquals(500, read.status(), read.getMessage());
        assertTrue(read.getMessage().contains("Input/output error"), read.getMessage());
        assertThrows(WriteFailure.class, () -> set(next, "/a", Q), "not written over what the file holds");
        assertEquals(List.of("p"), namesOnDisk("/a"));
        assertEquals(List.of(), damaged, "a file that cannot be read is not a damaged one: it is left as it is");
        assertFalse(v1.failedWrites.isEmpty(), "the volume is told, as of a write that failed on the storage");
        // the count met the file too: once it has failed, the next PROPPATCH counts again (a count that fails while
        // a PROPPATCH waits for it fails that PROPPATCH)
        Fixture.await("the count failed", Duration.ofSeconds(10), () -> !next.counting());

        disk.unreadable = file -> false;
        assertTrue(all(next, "/a").contains(">1<"), "nothing was taken for none meanwhile");
        set(next, "/a", Q);
        assertEquals(List.of("p", "q"), namesOnDisk("/a"));
    }

    @Test
    void aFailedWriteWhoseFileCannotBeReadAgainIsForgottenNotTakenForNone() throws Exception {
        Files.writeString(docs.resolve("a"), "a");
        TestDisk disk = new TestDisk();
        DeadProperties store = store(disk);
        set(store, "/a", P);
        v1.refuseFence.set(true); // the write fails...
        disk.unreadable = file -> true; // ...and so does reading the file again after it
        assertThrows(WriteFailure.class, () -> set(store, "/a", Q));
        v1.refuseFence.set(false);
        disk.unreadable = file -> false;
        set(store, "/a", R);
        assertEquals(List.of("p", "r"), namesOnDisk("/a"), "the acknowledged p is kept, the failed q is not");
    }

    @Test
    void aCountThatCannotReadAFileFailsInsteadOfCountingItAsNone() throws Exception {
        for (String name : List.of("a", "b", "c")) {
            Files.writeString(docs.resolve(name), name);
        }
        DeadProperties first = store();
        set(first, "/a", P);
        set(first, "/b", P);
        first.destroy();

        TestDisk disk = new TestDisk();
        disk.unreadable = file -> file.equals(fileOf("/b"));
        DeadProperties next = store(disk);
        next.timing(10_000, 60_000);
        assertTrue(all(next, "/a").contains(">1<"), "the others are read");
        WriteFailure refused = assertThrows(WriteFailure.class, () -> set(next, "/c", P),
                "b's properties are not known, so neither is the room left");
        assertEquals(503, refused.status());
        assertTrue(refused.getMessage().contains("cannot be counted"), refused.getMessage());
        assertThrows(WriteFailure.class, () -> set(next, "/c", Q));
        assertEquals(1, logged.size(), "said once: " + logged);
        assertEquals(List.of(), damaged);
        assertFalse(Files.exists(fileOf("/c")));
    }

    // ---- whose properties a file holds ----

    @Test
    void aProppatchOfAResourceDeletedMeanwhileWritesNothing() throws Exception {
        DeadProperties store = store();
        // Tomcat found it; a DELETE removed it and told the store before this PROPPATCH reached it
        WriteFailure gone = assertThrows(WriteFailure.class, () -> set(store, "/gone", P));
        assertEquals(404, gone.status());
        assertFalse(Files.exists(fileOf("/gone")), "no file for a resource that does not exist");
    }

    @Test
    void aResourceDeletedBehindTheServersBackIsNotCountedAndTheCountRemovesItsFile() throws Exception {
        for (String name : List.of("a", "b", "c")) {
            Files.writeString(docs.resolve(name), name);
        }
        DeadProperties first = store();
        set(first, "/a", P);
        set(first, "/b", P);
        set(first, "/c", P);
        long b = DeadProperties.cost("/b", onDisk("/b").properties());
        first.destroy();

        // over NFS or SMB, while no SCM counts: a deleted, c renamed, b saved by an editor (a new file renamed over
        // it: the same resource for WebDAV, whatever its inode)
        Files.delete(docs.resolve("a"));
        Files.move(docs.resolve("c"), docs.resolve("c2"));
        replaceByRename(docs.resolve("b"), "b2");
        DeadProperties next = store();
        assertEquals(b, next.bytes(), "the files of a and c have no resource: not counted");
        Fixture.await("the count ended", Duration.ofSeconds(10), () -> !next.counting());
        assertFalse(Files.exists(fileOf("/a")), "removed");
        assertFalse(Files.exists(fileOf("/c")), "removed: a rename behind the server's back does not carry them");
        assertTrue(all(next, "/b").contains(">1<"), "kept by an editor's save");
        assertEquals("", all(next, "/c2"));
        assertEquals(b, next.bytes());
        assertTrue(logged.stream().anyMatch(l -> l.contains("removed 2 files")), logged.toString());
        assertEquals(List.of(), damaged);
    }

    @Test
    void aResourceMadeAgainAtItsPathBeforeTheCountRemovedItsFileHasItsProperties() throws Exception {
        for (String name : List.of("a", "b")) {
            Files.writeString(docs.resolve(name), name);
        }
        DeadProperties first = store();
        set(first, "/a", P);
        set(first, "/b", Q);
        first.destroy();
        Files.delete(docs.resolve("a"));
        Files.delete(docs.resolve("b"));

        // a made again before the next count looks at its file, b after the count found it without a resource but
        // before it removed the file: both are the resource at the path now (a store keyed by path tells no other)
        Files.writeString(docs.resolve("a"), "a again");
        TestDisk disk = new TestDisk();
        CountDownLatch scanned = new CountDownLatch(1);
        disk.endWaits = scanned;
        DeadProperties next = store(disk);
        Fixture.await("the count read every file", Duration.ofSeconds(10), () -> disk.ended.get() == 1);
        Files.writeString(docs.resolve("b"), "b again");
        scanned.countDown();
        Fixture.await("the count ended", Duration.ofSeconds(10), () -> !next.counting());
        assertTrue(Files.exists(fileOf("/b")), "looked at again before it is removed");
        assertTrue(all(next, "/a").contains(">1<"));
        assertTrue(all(next, "/b").contains(">2<"));
        assertEquals(DeadProperties.cost("/a", onDisk("/a").properties())
                + DeadProperties.cost("/b", onDisk("/b").properties()), next.bytes(), "and counted from then on");
    }

    @Test
    void orphansAreRemovedOnlyUnderTheOwnershipTheCountFoundThemUnder() throws Exception {
        Files.writeString(docs.resolve("a"), "a");
        DeadProperties first = store();
        set(first, "/a", P);
        first.destroy();
        Files.delete(docs.resolve("a"));

        v1.refuseFence.set(true); // the peer took the volume over while the count ran
        DeadProperties next = store();
        Fixture.await("the count ended", Duration.ofSeconds(10), () -> !next.counting());
        assertTrue(Files.exists(fileOf("/a")), "not this SCM's to remove");
        assertTrue(logged.stream().anyMatch(l -> l.contains("left for the next count")), logged.toString());
    }

    @Test
    void nothingIsRemovedWhileTheExportsFolderIsMissing() throws Exception {
        Files.writeString(docs.resolve("a"), "a");
        DeadProperties first = store();
        set(first, "/a", P);
        first.destroy();

        // the export's folder renamed, or a file system meant to be mounted there is not: every path looks empty
        Path away = Files.move(docs, tmp.resolve("docs-away"));
        DeadProperties next = store();
        Fixture.await("the count ended", Duration.ofSeconds(10), () -> !next.counting());
        assertTrue(Files.exists(fileOf("/a")));
        assertTrue(logged.stream().anyMatch(l -> l.contains("is missing")), logged.toString());
        next.destroy();

        Files.move(away, docs);
        assertTrue(all(store(), "/a").contains(">1<"));
    }

    // ---- the count runs beside the requests ----

    @Test
    void whileTheCountRunsReadsAndWhatNeedsNoBoundGoOnAndAGrowingProppatchWaitsForIt() throws Exception {
        for (String name : List.of("a", "b", "plain", "moved")) {
            Files.writeString(docs.resolve(name), name);
        }
        DeadProperties first = store();
        set(first, "/a", P);
        set(first, "/moved", Q);
        first.destroy();

        TestDisk disk = new TestDisk();
        CountDownLatch slow = new CountDownLatch(1);
        disk.listingWaits = slow; // a large folder on a slow storage
        DeadProperties next = store(disk);
        next.timing(300, 0);
        Fixture.await("the count started", Duration.ofSeconds(10), () -> disk.listings.get() == 1);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertTrue(all(next, "/a").contains(">1<"), "a resource's properties are read by its name");
            assertEquals("", all(next, "/plain"));
            // a COPY or DELETE of what has no properties does not wait
            Files.copy(docs.resolve("plain"), docs.resolve("copy"));
            next.copy("/plain", "/copy");
            Files.delete(docs.resolve("copy"));
            next.delete("/copy");
            // a MOVE carries what it has whatever the bound
            Files.copy(docs.resolve("moved"), docs.resolve("there"));
            next.moving();
            try {
                next.copy("/moved", "/there");
            } finally {
                next.moved();
            }
            Files.delete(docs.resolve("moved"));
            next.delete("/moved");
            // removing is always possible
            ArrayList<WebdavServlet.ProppatchOperation> remove = new ArrayList<>(List.of(
                    new WebdavServlet.ProppatchOperation(WebdavServlet.PropertyUpdateType.REMOVE, property(P))));
            next.proppatch("/a", remove);
            assertEquals(200, remove.get(0).getStatusCode());
            WriteFailure waited = assertThrows(WriteFailure.class, () -> set(next, "/b", R));
            assertEquals(503, waited.status(), "not counted in time: the client retries");
        });
        assertFalse(next.counted());
        assertFalse(Files.exists(fileOf("/b")));
        assertFalse(Files.exists(fileOf("/a")));
        assertTrue(all(next, "/there").contains(">2<"));

        slow.countDown();
        next.timing(10_000, 0);
        set(next, "/b", R);
        assertTrue(next.counted());
        assertEquals(DeadProperties.cost("/there", onDisk("/there").properties())
                + DeadProperties.cost("/b", onDisk("/b").properties()), next.bytes(),
                "what was written while it ran is in the count, what it read before is not counted twice");
    }

    @Test
    void aFolderThatCannotBeListedLeavesEverythingButGrowingWritesAlone() throws Exception {
        for (String name : List.of("a", "plain")) {
            Files.writeString(docs.resolve(name), name);
        }
        DeadProperties first = store();
        set(first, "/a", P);
        first.destroy();

        TestDisk disk = new TestDisk();
        disk.listFails.set(new IOException("Input/output error"));
        DeadProperties next = store(disk);
        next.timing(10_000, 0);
        assertTrue(all(next, "/a").contains(">1<"));
        for (int i = 0; i < 3; i++) {
            Files.copy(docs.resolve("plain"), docs.resolve("copy"));
            next.copy("/plain", "/copy");
            Files.delete(docs.resolve("copy"));
            next.delete("/copy");
            WriteFailure refused = assertThrows(WriteFailure.class, () -> set(next, "/plain", Q));
            assertEquals(503, refused.status());
            assertTrue(refused.getMessage().contains("cannot be counted"), refused.getMessage());
        }
        assertEquals(1, logged.size(), "said once, not per request: " + logged);

        disk.listFails.set(null); // the storage is back
        set(next, "/plain", Q);
        assertTrue(next.counted());
    }

    // ---- memory is of one ownership ----

    @Test
    void whatMemoryHoldsIsNotUsedUnderAnotherOwnershipOfTheVolume() throws Exception {
        Files.writeString(docs.resolve("a"), "a");
        DeadProperties here = store();
        set(here, "/a", P);
        assertTrue(all(here, "/a").contains(">1<"), "read, and so in memory");

        // the volume goes to the peer, which changes the properties, and comes back under a new ownership; no
        // request of this export saw the change before this PROPPATCH
        volumes.owned.remove("v1");
        TestVolumes peerVolumes = new TestVolumes();
        peerVolumes.owned.put("v1", new TestVolume("v1", tmp));
        VolumeAccess peerVolume = new VolumeAccess(peerVolumes, "v1", tmp);
        DeadProperties peer = new DeadProperties();
        peer.keepIn(new PropertyFiles(peerVolume, "A", "docs", docs, new DurableWrite(peerVolume, 1 << 20,
                DurableWrite.DEFAULT_OPENER), peer.largestFile(), (file, why) -> damaged.add(why)));
        stores.add(peer);
        set(peer, "/a", "<Z:p xmlns:Z=\"urn:t\">peer</Z:p>");
        volumes.owned.put("v1", new TestVolume("v1", tmp));

        set(here, "/a", Q);
        String props = all(here, "/a");
        assertTrue(props.contains("peer") && props.contains(">2<") && !props.contains(">1<"), props);
        assertEquals(List.of("p", "q"), namesOnDisk("/a"));
        assertTrue(PropertyFiles.decode(Files.readAllBytes(fileOf("/a"))).properties().get(0).xml().contains("peer"));
    }
}
