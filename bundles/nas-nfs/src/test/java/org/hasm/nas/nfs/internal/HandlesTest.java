package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.hasm.testkit.Forces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandlesTest {
    private final Handles handles = new Handles(HandleKeys.hmac(TestServer.KEY));

    @Test
    void aHandleNamesItsExportAndFile() throws Exception {
        long export = Handles.exportId("A", "data");
        byte[] fh = handles.encode(export, 42, 7);
        assertEquals(Handles.LENGTH, fh.length);
        assertEquals(new Handles.Decoded(export, 42, 7), handles.decode(fh));
    }

    @Test
    void everyAlteredBitIsRefused() {
        byte[] fh = handles.encode(Handles.exportId("A", "data"), 42, 7);
        for (int i = 0; i < fh.length * 8; i++) {
            byte[] altered = fh.clone();
            altered[i / 8] ^= (byte) (1 << (i % 8));
            Handles.Refused r = assertThrows(Handles.Refused.class, () -> handles.decode(altered), "bit " + i);
            assertEquals(Nfs3.ERR_BADHANDLE, r.status);
        }
    }

    @Test
    void aHandleMadeWithAnotherKeyIsRefused() {
        Handles forger = new Handles(HandleKeys.hmac("another key of thirty-two bytes!".getBytes(StandardCharsets.US_ASCII)));
        byte[] forged = forger.encode(Handles.exportId("A", "data"), 42, 7);
        assertEquals(Nfs3.ERR_BADHANDLE, assertThrows(Handles.Refused.class, () -> handles.decode(forged)).status);
    }

    @Test
    void shortLongAndEmptyHandlesAreRefused() {
        byte[] fh = handles.encode(1, 2, 3);
        for (byte[] bad : new byte[][] {new byte[0], java.util.Arrays.copyOf(fh, fh.length - 1),
                java.util.Arrays.copyOf(fh, fh.length + 1), new byte[64]}) {
            assertEquals(Nfs3.ERR_BADHANDLE, assertThrows(Handles.Refused.class, () -> handles.decode(bad)).status);
        }
    }

    // A standalone SCM's own key is made on first use; lost or left empty by a power cut, it would be made anew and
    // every handle a client holds refused. Seen with the JVM's flight recorder: the key forced under its temporary
    // name, then, once renamed into place, its folder and the folders above it that were made for it.

    @Test
    void aStandaloneKeyIsForcedBeforeItIsUsedAndReadAgainAfterwards(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data").resolve("nfs").resolve("handle.key");
        Handles.Mac[] made = new Handles.Mac[1];
        List<String> forced = Forces.during(() -> made[0] = HandleKeys.local(file));
        assertEquals(4, forced.size(), forced.toString());
        String temporary = file.resolveSibling("." + file.getFileName() + ".").toString();
        assertTrue(forced.get(0).startsWith(temporary) && forced.get(0).endsWith(Records.TEMPORARY),
                "the key under its temporary name first: " + forced);
        assertEquals(List.of(file.getParent().toString(), dir.resolve("data").toString(), dir.toString()),
                forced.subList(1, 4), "then its folder, and the folders made for it");
        assertEquals(32, Files.size(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var left = Files.list(file.getParent())) {
            assertEquals(List.of(file), left.toList(), "no temporary file left");
        }

        Handles.Mac[] again = new Handles.Mac[1];
        assertEquals(List.of(), Forces.during(() -> again[0] = HandleKeys.local(file)), "a key already there is read");
        byte[] body = {1, 2, 3};
        assertArrayEquals(made[0].mac(body), again[0].mac(body), "the same key");
    }

    @Test
    void exportsOfDifferentPersonalitiesHaveDifferentIds() {
        assertEquals(Handles.exportId("A", "data"), Handles.exportId("A", "data"));
        org.junit.jupiter.api.Assertions.assertNotEquals(Handles.exportId("A", "data"), Handles.exportId("B", "data"));
        org.junit.jupiter.api.Assertions.assertNotEquals(Handles.exportId("A", "data"), Handles.exportId("A", "data2"));
    }
}
