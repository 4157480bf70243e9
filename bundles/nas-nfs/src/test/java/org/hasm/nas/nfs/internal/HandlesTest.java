package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

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

    @Test
    void exportsOfDifferentPersonalitiesHaveDifferentIds() {
        assertEquals(Handles.exportId("A", "data"), Handles.exportId("A", "data"));
        org.junit.jupiter.api.Assertions.assertNotEquals(Handles.exportId("A", "data"), Handles.exportId("B", "data"));
        org.junit.jupiter.api.Assertions.assertNotEquals(Handles.exportId("A", "data"), Handles.exportId("A", "data2"));
    }
}
