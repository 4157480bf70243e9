package org.hasm.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
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

    /** A record as main at 5d72fee writes it (format 1 without a format line). */
    private static final String PREVIOUS_RELEASE = "# hasm volume ownership record: written by the storage module, do not edit\n"
            + "volume=data\nowner=scm-a\nepoch=7\nincarnation=1764028800000\ntime=2026-11-25T00:00:00Z\ncheck=c3481f73\n";

    @Test
    void aRecordOfThePreviousReleaseReadsTheSame() throws IOException {
        OwnerRecord r = OwnerRecord.decode(PREVIOUS_RELEASE.getBytes(StandardCharsets.UTF_8), "data", "f");
        assertEquals(new OwnerRecord("data", "scm-a", 7, 1764028800000L, "2026-11-25T00:00:00Z"), r);
    }

    @Test
    void thisReleaseWritesItsFormatAndOnlyAddsLinesToThePreviousLayout() {
        String text = new String(record.encode(), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("# hasm volume ownership record: written by the storage module, do not edit\nformat=1\n"),
                text);
        for (String line : List.of("volume=data", "owner=scm-a", "epoch=7", "incarnation=1234")) {
            assertTrue(text.contains("\n" + line + "\n"), line + " in\n" + text);
        }
    }

    @Test
    void aRecordOfTheNextFormatWithKeysThisReleaseDoesNotKnowReadsTheSame() throws IOException {
        String body = "# a next release's header\nlease.ms=3000\nformat=2\nowner=scm-b\nvolume=data\nepoch=9\n"
                + "incarnation=5\ntime=t\nwriter.version=1.2.0\n";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b);
        String whole = body + "check=" + String.format(java.util.Locale.ROOT, "%08x", crc.getValue()) + "\n";
        OwnerRecord r = OwnerRecord.decode(whole.getBytes(StandardCharsets.UTF_8), "data", "f");
        assertEquals(new OwnerRecord("data", "scm-b", 9, 5, "t"), r);
        String bad = whole.replace("format=2", "format=x");
        // the checksum no longer matches either; a format that is not a number is an error of its own
        assertThrows(IOException.class, () -> OwnerRecord.decode(bad.getBytes(StandardCharsets.UTF_8), "data", "f"));
    }
}
