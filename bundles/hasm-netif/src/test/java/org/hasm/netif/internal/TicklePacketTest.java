package org.hasm.netif.internal;

import static org.hasm.netif.internal.TcpTableTest.v4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class TicklePacketTest {

    @Test
    void theSegmentIsByteForByteTheKernelsResetWithTheSameFields() throws IOException {
        byte[] captured = HexFormat.of().parseHex(TcpTableTest.fixture("rst-capture.hex").strip());
        byte[] built = TicklePacket.segment(v4("127.0.0.1"), 36201, v4("127.0.0.1"), 55984, 0, 0x99aa55ce,
                TicklePacket.FLAG_RST | TicklePacket.FLAG_ACK, 0);
        assertEquals(HexFormat.of().formatHex(captured), HexFormat.of().formatHex(built));
    }

    @Test
    void aTickleIsAnAckFromTheServiceToTheClientWithBothChecksumsRight() {
        TcpConnection c = new TcpConnection(v4("198.51.100.21"), 445, v4("198.51.100.100"), 51234);
        byte[] p = TicklePacket.tickle(c, 0x8000_0000);
        assertEquals("4500002800004000400600000000000000000000" // checksum and addresses zeroed below
                + "01bdc822800000000000000050100000" + "00000000",
                HexFormat.of().formatHex(zeroed(p)));
        assertArrayEquals(v4("198.51.100.21").getAddress(), java.util.Arrays.copyOfRange(p, 12, 16));
        assertArrayEquals(v4("198.51.100.100").getAddress(), java.util.Arrays.copyOfRange(p, 16, 20));
        // a correct Internet checksum sums, with the data it covers, to 0 (RFC 1071)
        assertEquals(0, TicklePacket.checksum(p, 0, 20, 0), "IP header checksum");
        long pseudo = ((p[12] & 0xff) << 8 | (p[13] & 0xff)) + ((p[14] & 0xff) << 8 | (p[15] & 0xff))
                + ((p[16] & 0xff) << 8 | (p[17] & 0xff)) + ((p[18] & 0xff) << 8 | (p[19] & 0xff)) + 6 + 20;
        assertEquals(0, TicklePacket.checksum(p, 20, 20, pseudo), "TCP checksum");
    }

    private static byte[] zeroed(byte[] p) {
        byte[] z = p.clone();
        for (int i : new int[] {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 36, 37}) {
            z[i] = 0;
        }
        return z;
    }
}
