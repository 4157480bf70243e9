package org.hasm.nas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.catalina.servlets.WebdavServlet;
import org.apache.catalina.util.XMLWriter;
import org.hasm.nas.http.internal.Fixture.TestVolume;
import org.hasm.nas.http.internal.Fixture.TestVolumes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Node;

/**
 * The store of dead properties on its own, over a volume in a temporary folder: what it counts after a reload, what
 * it reads into memory, and the file format's checks.
 */
class DeadPropertiesTest {
    private Path tmp;
    private VolumeAccess volume;
    private final List<String> damaged = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("hasm-nas-http-store-");
        TestVolumes volumes = new TestVolumes();
        volumes.owned.put("v1", new TestVolume("v1", tmp));
        volume = new VolumeAccess(volumes, "v1", tmp);
    }

    @AfterEach
    void tearDown() {
        Fixture.deleteTree(tmp);
    }

    /** A store as the servlet of export docs of personality A sets it up: a new one stands for a restart. */
    private DeadProperties store() {
        DeadProperties store = new DeadProperties();
        store.setMaxPerResource(10);
        store.setMaxBytes(1 << 20);
        store.keepIn(new PropertyFiles(volume, "A", "docs", new DurableWrite(volume, 1 << 20,
                DurableWrite.DEFAULT_OPENER), store.largestFile(), (file, why) -> damaged.add(file + ": " + why)));
        return store;
    }

    private static Node property(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)))
                .getDocumentElement();
    }

    private static void set(DeadProperties store, String path, String... xml) throws Exception {
        ArrayList<WebdavServlet.ProppatchOperation> ops = new ArrayList<>();
        for (String x : xml) {
            ops.add(new WebdavServlet.ProppatchOperation(WebdavServlet.PropertyUpdateType.SET, property(x)));
        }
        store.proppatch(path, ops);
        for (WebdavServlet.ProppatchOperation o : ops) {
            assertEquals(200, o.getStatusCode());
        }
    }

    private static String all(DeadProperties store, String path) {
        XMLWriter xml = new XMLWriter();
        store.propfind(path, null, false, xml);
        return xml.toString();
    }

    @Test
    void afterAReloadTheCountIsTheSameAndOnlyTheResourcesAskedForAreInMemory() throws Exception {
        DeadProperties first = store();
        set(first, "/a", "<Z:p xmlns:Z=\"urn:t\">1</Z:p>", "<Z:q xmlns:Z=\"urn:t\">2</Z:q>");
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
        next.delete("/d");
        assertEquals(DeadProperties.cost("/a", PropertyFiles.decode(Files.readAllBytes(
                PropertyFiles.folder(tmp, "A", "docs").resolve(PropertyFiles.fileName("/a")))).properties()),
                next.bytes(), "a folder's DELETE gives back what its descendants took");
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
}
