package org.hasm.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OwnerRecordTest {

    private final OwnerRecord record = new OwnerRecord("data", "scm-a", 7, 1234, "2026-11-25T00:00:00Z");

    @Test
    void encodedRecordReadsBackEqual() throws IOException {
        assertEquals(record, OwnerRecord.decode(record.encode(), "data", "f"));
        OwnerRecord released = new OwnerRecord("data", "", 7, 1234, "t");
        assertTrue(OwnerRecord.decode(released.encode(), "data", "f").released());
    }

    @Test
    void everyTruncationIsAnErrorNamingTheFile() {
        byte[] whole = record.encode();
        for (int n = 0; n < whole.length; n++) { // every possible torn prefix
            byte[] torn = Arrays.copyOf(whole, n);
            IOException e = assertThrows(IOException.class, () -> OwnerRecord.decode(torn, "data", "/shared/owners/data"),
                    "a record cut at " + n + " bytes");
            assertTrue(e.getMessage().contains("/shared/owners/data"), e.getMessage());
        }
    }

    @Test
    void changedBytesAreCaughtByTheChecksum() {
        byte[] bytes = record.encode();
        String text = new String(bytes, StandardCharsets.UTF_8).replace("epoch=7", "epoch=8");
        IOException e = assertThrows(IOException.class,
                () -> OwnerRecord.decode(text.getBytes(StandardCharsets.UTF_8), "data", "f"));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void garbageAndForeignRecordsAreErrors() {
        assertThrows(IOException.class, () -> OwnerRecord.decode(new byte[] {(byte) 0xff, 0, 1, '\n'}, "data", "f"));
        assertThrows(IOException.class, () -> OwnerRecord.decode("owner=scm-a\nepoch=1\n".getBytes(StandardCharsets.UTF_8), "data", "f"));
        IOException e = assertThrows(IOException.class, () -> OwnerRecord.decode(record.encode(), "other", "f"));
        assertTrue(e.getMessage().contains("not of 'other'"), e.getMessage());
        assertThrows(IOException.class, () -> OwnerRecord.decode(new byte[OwnerRecord.MAX_BYTES + 1], "data", "f"));
    }
}
