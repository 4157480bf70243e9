package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class NtHashTest {

    @Test
    void md4MatchesTheTestSuiteOfRfc1320() {
        assertEquals("31d6cfe0d16ae931b73c59d7e0c089c0", md4(""));
        assertEquals("bde52cb31de33e46245e05fbdbd6fb24", md4("a"));
        assertEquals("a448017aaf21d8525fc10ae87aa6729d", md4("abc"));
        assertEquals("d9130a8164549fe818874806e1c7014b", md4("message digest"));
        assertEquals("e33b4ddc9c38f2199c3e7b164fcc0536",
                md4("12345678901234567890123456789012345678901234567890123456789012345678901234567890"));
    }

    @Test
    void ntHashOfAPasswordIsMd4OfItsUtf16() {
        // the NT hash of "password", as Samba and Windows keep it
        assertEquals("8846F7EAEE8FB117AD06BDD830B7586C", NtHash.of("password"));
    }

    private static String md4(String text) {
        return HexFormat.of().formatHex(NtHash.md4(text.getBytes(StandardCharsets.US_ASCII)));
    }
}
