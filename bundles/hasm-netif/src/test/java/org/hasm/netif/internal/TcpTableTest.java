package org.hasm.netif.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lines of /proc/net/tcp and tcp6 captured on an x86-64 host (see the fixtures' README). */
class TcpTableTest {
    private static final ByteOrder CAPTURED = ByteOrder.LITTLE_ENDIAN;

    static Inet4Address v4(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static String fixture(String name) throws IOException {
        try (InputStream in = TcpTableTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void anEstablishedIpv4LineIsTheServersEndpointAndTheClients() throws IOException {
        String line = fixture("proc-net-tcp.txt").lines().filter(l -> l.contains("0100007F:E9C3 0100007F:D79A"))
                .findFirst().orElseThrow();
        assertEquals(new TcpConnection(v4("127.0.0.1"), 59843, v4("127.0.0.1"), 55194), TcpTable.parse(line, CAPTURED));
    }

    @Test
    void headersListenersAndTimeWaitAreNoConnections() throws IOException {
        for (String line : fixture("proc-net-tcp.txt").lines().toList()) {
            if (!line.contains(" 01 ")) {
                assertNull(TcpTable.parse(line, CAPTURED), line);
            }
        }
    }

    @Test
    void aDualStackListenersIpv4ClientIsReadFromTcp6AndAPureIpv6OneIsLeftOut() throws IOException {
        List<String> lines = fixture("proc-net-tcp6.txt").lines().toList();
        assertEquals(new TcpConnection(v4("127.0.0.1"), 57051, v4("127.0.0.1"), 39398),
                TcpTable.parse(lines.get(5), CAPTURED));
        assertNull(TcpTable.parse(lines.get(2), CAPTURED), "::1 to ::1");
        assertNull(TcpTable.parse(lines.get(4), CAPTURED), "TIME_WAIT");
    }

    @Test
    void theByteOrderOfTheHostThatPrintedTheLineDecides() {
        // 198.51.100.21:80 from 198.51.100.100:51234 as a big-endian host prints it
        TcpConnection c = TcpTable.parse("   0: C6336415:0050 C6336464:C822 01 00000000:00000000 00:00000000 00000000"
                + "     0        0 1 1 0000000000000000 20 4 30 10 -1", ByteOrder.BIG_ENDIAN);
        assertEquals(new TcpConnection(v4("198.51.100.21"), 80, v4("198.51.100.100"), 51234), c);
    }

    @Test
    void aLineNotInTheKernelsFormatIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TcpTable.parse("   0: 0100007F:E9C3 0100007F 01 0", CAPTURED));
        assertTrue(e.getMessage().contains("'0100007F'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TcpTable.parse("   0: 0100007G:E9C3 0100007F:D79A 01 0", CAPTURED));
        assertTrue(e.getMessage().contains("not hexadecimal"), e.getMessage());
    }

    @Test
    void readingKeepsTheServedAddressesConnectionsUpToTheBoundAndCountsTheRest(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tcp"), fixture("proc-net-tcp.txt"));
        Files.writeString(dir.resolve("tcp6"), fixture("proc-net-tcp6.txt"));
        TcpTable.Found all = TcpTable.read(dir, Set.of(v4("127.0.0.1")), 100, CAPTURED);
        // three established in tcp (both ends of one connection are on 127.0.0.1), one IPv4-mapped in tcp6
        assertEquals(4, all.connections().size(), all.toString());
        assertEquals(0, all.dropped());
        TcpTable.Found two = TcpTable.read(dir, Set.of(v4("127.0.0.1")), 2, CAPTURED);
        assertEquals(all.connections().subList(0, 2), two.connections());
        assertEquals(2, two.dropped());
        assertEquals(List.of(), TcpTable.read(dir, Set.of(v4("198.51.100.21")), 100, CAPTURED).connections());
    }

    @Test
    void aHostWithoutIpv6HasNoTcp6(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tcp"), fixture("proc-net-tcp.txt"));
        assertEquals(3, TcpTable.read(dir, Set.of(v4("127.0.0.1")), 100, CAPTURED).connections().size());
    }

    @Test
    void listenersOnEveryAddressAndOnOneAddressAreTold(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tcp"), fixture("proc-net-tcp.txt"));
        Files.writeString(dir.resolve("tcp6"), fixture("proc-net-tcp6.txt"));
        TcpTable.Listening l = TcpTable.listening(dir, 100, ByteOrder.LITTLE_ENDIAN);
        assertTrue(l.accepts(v4("127.0.0.1"), 0xE9C3), "127.0.0.1:59843 listens");
        assertFalse(l.accepts(v4("127.0.0.2"), 0xE9C3), "on 127.0.0.1 only");
        assertTrue(l.accepts(v4("127.0.3.9"), 0x5F7D), "127.0.3.9:24445 listens");
        assertTrue(l.accepts(v4("10.1.2.3"), 0x07E8), "0.0.0.0:2024 is every IPv4 address");
        assertTrue(l.accepts(v4("10.1.2.3"), 0xDEDB), ":::57051 (dual stack) is every address");
        assertFalse(l.accepts(v4("127.0.0.1"), 0xD79A), "a client's port of an established connection is no listener");
        assertEquals(2, TcpTable.listening(dir, 2, ByteOrder.LITTLE_ENDIAN).anyAddress().size()
                + TcpTable.listening(dir, 2, ByteOrder.LITTLE_ENDIAN).on().size(), "the bound");
    }
}
