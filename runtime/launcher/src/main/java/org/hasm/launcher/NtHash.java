package org.hasm.launcher;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The NT hash of a password (MD4, RFC 1320, of its UTF-16LE bytes): the form in which the SMB
 * service's configuration keeps a user's password, so that the password itself is written nowhere.
 * The JRE has no MD4 a program may use, hence this one.
 */
final class NtHash {

    private NtHash() {
    }

    /** @return the NT hash of {@code password}, 32 upper-case hex digits */
    static String of(String password) {
        return HexFormat.of().formatHex(md4(password.getBytes(StandardCharsets.UTF_16LE))).toUpperCase(Locale.ROOT);
    }

    static byte[] md4(byte[] message) {
        int blocks = (message.length + 8) / 64 + 1;
        ByteBuffer padded = ByteBuffer.allocate(blocks * 64).order(ByteOrder.LITTLE_ENDIAN);
        padded.put(message).put((byte) 0x80);
        padded.putLong(blocks * 64 - 8, (long) message.length * 8);
        int a = 0x67452301;
        int b = 0xefcdab89;
        int c = 0x98badcfe;
        int d = 0x10325476;
        int[] x = new int[16];
        for (int block = 0; block < blocks; block++) {
            for (int i = 0; i < 16; i++) {
                x[i] = padded.getInt(block * 64 + i * 4);
            }
            int aa = a;
            int bb = b;
            int cc = c;
            int dd = d;
            int[] s1 = {3, 7, 11, 19};
            for (int i = 0; i < 16; i++) {
                int f = (b & c) | (~b & d);
                int t = Integer.rotateLeft(a + f + x[i], s1[i % 4]);
                a = d;
                d = c;
                c = b;
                b = t;
            }
            int[] s2 = {3, 5, 9, 13};
            for (int i = 0; i < 16; i++) {
                int k = (i % 4) * 4 + i / 4;
                int g = (b & c) | (b & d) | (c & d);
                int t = Integer.rotateLeft(a + g + x[k] + 0x5a827999, s2[i % 4]);
                a = d;
                d = c;
                c = b;
                b = t;
            }
            int[] s3 = {3, 9, 11, 15};
            int[] order = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
            for (int i = 0; i < 16; i++) {
                int h = b ^ c ^ d;
                int t = Integer.rotateLeft(a + h + x[order[i]] + 0x6ed9eba1, s3[i % 4]);
                a = d;
                d = c;
                c = b;
                b = t;
            }
            a += aa;
            b += bb;
            c += cc;
            d += dd;
        }
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(a).putInt(b).putInt(c).putInt(d).array();
    }
}
