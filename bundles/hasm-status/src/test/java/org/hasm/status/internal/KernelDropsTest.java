package org.hasm.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelDropsTest {

    @TempDir
    Path dir;

    @Test
    void readsTheDropsOfEachSocketByItsLocalAndRemoteAddress() throws Exception {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the sample table is a little-endian host's");
        // a table as a little-endian host prints it: 127.0.0.1:23456, once connected to :23457, once not
        Files.writeString(dir.resolve("udp"), String.join("\n",
                "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
                " 3326: 0100007F:5BA0 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 124069 2 000000008e359db8 1234",
                " 3326: 0100007F:5BA0 0100007F:5BA1 01 00000000:00000000 00:00000000 00000000     0        0 124067 2 000000003ad8d3ae 7",
                " 3327: 0100007F:5BA1 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 124068 2 00000000a88dbf2b 0",
                ""));
        InetSocketAddress local = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 23456);
        InetSocketAddress peer = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 23457);
        KernelDrops.Socket connected = new KernelDrops.Socket(local, peer);
        KernelDrops.Socket strays = new KernelDrops.Socket(local, null);
        KernelDrops.Socket absent = new KernelDrops.Socket(new InetSocketAddress(local.getAddress(), 9), null);
        Map<KernelDrops.Socket, Long> drops = new KernelDrops(dir).read(List.of(connected, strays, absent));
        assertEquals(Map.of(connected, 7L, strays, 1234L), drops);
        assertEquals(Map.of(), new KernelDrops(dir.resolve("nowhere")).read(List.of(connected)), "no table: nothing known");
    }

    @Test
    void countsWhatTheKernelDroppedForAFullBufferOfARealSocket() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/net/udp")), "needs /proc/self/net/udp (Linux)");
        try (DatagramChannel receiver = DatagramChannel.open(StandardProtocolFamily.INET);
                DatagramChannel sender = DatagramChannel.open(StandardProtocolFamily.INET)) {
            receiver.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            receiver.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress at = (InetSocketAddress) receiver.getLocalAddress();
            KernelDrops.Socket socket = new KernelDrops.Socket(at, null);
            KernelDrops kernel = KernelDrops.system();
            long before = kernel.read(List.of(socket)).getOrDefault(socket, -1L);
            assertEquals(0L, before, "a new socket has dropped nothing");
            for (int i = 0; i < 1000; i++) { // never read: the buffer fills, the rest is dropped
                sender.send(ByteBuffer.wrap(new byte[512]), at);
            }
            Await.until("drops counted", Duration.ofSeconds(10), () -> kernel.read(List.of(socket))
                    .getOrDefault(socket, 0L) > 500, () -> kernel.read(List.of(socket)));
            assertTrue(kernel.read(List.of(socket)).get(socket) <= 1000);
        }
    }
}
