package org.hasm.ctcm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.hasm.spi.OpMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One unreadable shared file must not stop the others from being synchronised, in either direction. */
class SharedFilesComponentTest {

    @TempDir
    Path data;

    private final Fakes.Log log = new Fakes.Log();
    /** The peer's files, which it lists and sends. */
    private final Map<String, FileStore.Entry> peer = new TreeMap<>();
    private SharedFilesComponent sfm;

    private static FileStore.Entry entry(String name, long version, String text) {
        byte[] content = text.getBytes(StandardCharsets.UTF_8);
        return new FileStore.Entry(name, version, FileStore.sha256(content), content);
    }

    @BeforeEach
    void start() throws ReflectiveOperationException {
        sfm = new SharedFilesComponent();
        Fakes.inject(sfm, "log", log.logger());
        Fakes.inject(sfm, "node", Fakes.node("scm-a", "scm-b", OpMode.MASTER, data));
        Fakes.inject(sfm, "link", Fakes.link((service, payload) -> {
            String[] head = new String(payload, StandardCharsets.UTF_8).strip().split(" ");
            if (head[0].equals("LIST")) {
                StringBuilder sb = new StringBuilder();
                peer.forEach((k, e) -> sb.append(k).append(' ').append(e.version()).append('\n'));
                return sb.toString().getBytes(StandardCharsets.UTF_8);
            }
            FileStore.Entry e = peer.get(head[1]);
            if (e == null) {
                throw new IOException("no shared file " + head[1]);
            }
            return FileStore.encode(e);
        }));
        sfm.activate();
    }

    @AfterEach
    void stop() {
        sfm.deactivate();
    }

    /** This SCM's copy of {@code name} cut short: its checksum no longer matches. */
    private void damaged(String name) throws IOException {
        Path f = data.resolve("files").resolve(name);
        byte[] whole = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(whole, whole.length - 2));
    }

    @Test
    void anUnreadableFileHereIsRepairedFromThePeerAndTheOthersStillArrive() throws Exception {
        FileStore here = new FileStore(data.resolve("files"), "scm-a");
        here.put(entry("users", 2, "alice\nbob\n"));
        damaged("users");
        peer.put("exports", entry("exports", 1, "/srv\n"));
        peer.put("users", entry("users", 2, "alice\nbob\n"));
        peer.put("zones", entry("zones", 4, "z\n"));
        sfm.pull();
        assertArrayEquals("alice\nbob\n".getBytes(StandardCharsets.UTF_8), sfm.read("users"));
        assertArrayEquals("/srv\n".getBytes(StandardCharsets.UTF_8), sfm.read("exports"));
        assertArrayEquals("z\n".getBytes(StandardCharsets.UTF_8), sfm.read("zones"));
        assertTrue(log.has("WARN", "shared file users"), log.lines.toString());
    }

    @Test
    void theListThePeerAsksForLeavesOutAnUnreadableFileNamingIt() throws Exception {
        FileStore here = new FileStore(data.resolve("files"), "scm-a");
        here.put(entry("exports", 3, "/srv\n"));
        here.put(entry("users", 2, "alice\n"));
        damaged("users");
        String list = new String(sfm.handle("LIST\n".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        assertEquals("exports 3\n", list);
        assertEquals(Map.of("exports", 3L), sfm.versions());
        assertTrue(log.has("WARN", "shared file users"), log.lines.toString());
    }
}
