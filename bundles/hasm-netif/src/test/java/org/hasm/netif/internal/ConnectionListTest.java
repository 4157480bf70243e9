package org.hasm.netif.internal;

import static org.hasm.netif.internal.TcpTableTest.v4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.hasm.netif.internal.ConnectionList.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionListTest {

    private static Snapshot snapshot(String scm, int n) {
        List<TcpConnection> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new TcpConnection(v4("198.51.100.21"), 445, v4("198.51.100." + (100 + i % 100)), 40000 + i));
        }
        return new Snapshot(scm, 1_764_720_000_000L + n, 0, list);
    }

    @Test
    void aListReadsBackAsItWasWritten() {
        Snapshot s = new Snapshot("scm-a", 1_764_720_000_000L, 3, snapshot("scm-a", 2).connections());
        byte[] bytes = ConnectionList.encode(s);
        assertEquals("hasm-tcp-connections 1\nscm scm-a\ntime 1764720000000\ndropped 3\n"
                + "198.51.100.21 445 198.51.100.100 40000\n198.51.100.21 445 198.51.100.101 40001\n",
                new String(bytes, StandardCharsets.US_ASCII).substring(0, new String(bytes, StandardCharsets.US_ASCII)
                        .indexOf("end ")));
        assertEquals(s, ConnectionList.decode(bytes, 10));
        assertEquals(new Snapshot("scm-b", 5, 0, List.of()), ConnectionList.decode(
                ConnectionList.encode(new Snapshot("scm-b", 5, 0, List.of())), 10));
    }

    @Test
    void aFileCutAtAnyByteIsRefusedAsTorn() {
        byte[] bytes = ConnectionList.encode(snapshot("scm-a", 3));
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] part = Arrays.copyOf(bytes, cut);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ConnectionList.decode(part, 10), "cut at " + cut);
            assertTrue(e.getMessage().startsWith("torn") || e.getMessage().startsWith("damaged"), e.getMessage());
        }
    }

    @Test
    void aChangedByteIsFoundByTheCrc() {
        byte[] bytes = ConnectionList.encode(snapshot("scm-a", 3));
        bytes[60] ^= 0x01;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConnectionList.decode(bytes, 10));
        assertTrue(e.getMessage().startsWith("damaged: CRC-32"), e.getMessage());
    }

    @Test
    void aListLongerThanTheBoundIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConnectionList.decode(ConnectionList.encode(snapshot("scm-a", 11)), 10));
        assertEquals("11 connections, more than the 10 allowed", e.getMessage());
    }

    @Test
    void anotherFileIsNoList() {
        byte[] bytes = "hello\nend 0 crc32 00000000\n".getBytes(StandardCharsets.US_ASCII);
        assertThrows(IllegalArgumentException.class, () -> ConnectionList.decode(bytes, 10));
    }

    @Test
    void theOthersListsAreReadAndATornOrOversizedOneIsIgnoredNamingWhy(@TempDir Path dir) throws IOException {
        ConnectionList.write(dir, snapshot("scm-a", 2));
        ConnectionList.write(dir, snapshot("scm-b", 1));
        byte[] c = ConnectionList.encode(snapshot("scm-c", 2));
        Files.write(dir.resolve("scm-c.tcp"), Arrays.copyOf(c, c.length - 5));
        Files.write(dir.resolve("scm-d.tcp"), new byte[(int) ConnectionList.maxBytes(4) + 1]);
        Map<String, String> refused = new LinkedHashMap<>();
        Map<String, Snapshot> lists = ConnectionList.readOthers(dir, "scm-b", 4, refused);
        assertEquals(Map.of("scm-a", snapshot("scm-a", 2)), lists);
        assertEquals(2, refused.size(), refused.toString());
        assertTrue(refused.get(dir.resolve("scm-c.tcp").toString()).startsWith("torn"), refused.toString());
        assertTrue(refused.get(dir.resolve("scm-d.tcp").toString()).startsWith("larger than"), refused.toString());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList(),
                    "no temporary file is left");
        }
    }

    @Test
    void theTemporaryFilesOfADeadWriterAreClearedAndNobodyElses(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(".scm-a.tcp.4242-1.tmp"), "half a list");
        Files.writeString(dir.resolve(".scm-b.tcp.4343-1.tmp"), "the peer's, being written");
        ConnectionList.write(dir, snapshot("scm-a", 1));
        assertEquals(1, ConnectionList.clearTemporary(dir, "scm-a"));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(".scm-b.tcp.4343-1.tmp", "scm-a.tcp"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        assertEquals(0, ConnectionList.clearTemporary(dir.resolve("none"), "scm-a"));
    }

    @Test
    void noFolderYetIsNoListNotAnError(@TempDir Path dir) throws IOException {
        Map<String, String> refused = new LinkedHashMap<>();
        assertEquals(Map.of(), ConnectionList.readOthers(dir.resolve("connections"), "scm-b", 4, refused));
        assertEquals(Map.of(), refused);
    }

    @Test
    void aReaderSeesTheOldListOrTheNewOneNeverAMixture(@TempDir Path dir) throws Exception {
        ConnectionList.write(dir, snapshot("scm-a", 1));
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 1; i <= 300; i++) {
                    ConnectionList.write(dir, snapshot("scm-a", 1 + i % 50));
                }
            } catch (IOException e) {
                failed.set(e);
            } finally {
                done.set(true);
            }
        }, "list-writer");
        writer.setDaemon(true);
        writer.start();
        int reads = 0;
        while (!done.get() && reads < 100_000) {
            Map<String, String> refused = new LinkedHashMap<>();
            Map<String, Snapshot> lists = ConnectionList.readOthers(dir, "scm-b", 100, refused);
            assertEquals(Map.of(), refused);
            Snapshot s = lists.get("scm-a");
            assertEquals(snapshot("scm-a", s.connections().size()), s);
            reads++;
        }
        writer.join(10_000);
        assertEquals(null, failed.get());
        assertTrue(reads > 0);
        assertArrayEquals(ConnectionList.encode(snapshot("scm-a", 1 + 300 % 50)),
                Files.readAllBytes(dir.resolve("scm-a.tcp")));
    }
}
