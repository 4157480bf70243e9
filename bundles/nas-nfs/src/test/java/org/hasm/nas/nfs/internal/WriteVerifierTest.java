package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WriteVerifierTest {

    @Test
    void sameOwnerSameBootSameVerifier() {
        assertArrayEquals(WriteVerifier.of(3, 9), WriteVerifier.of(3, 9));
        assertEquals(Nfs3.VERFSIZE, WriteVerifier.of(3, 9).length);
    }

    @Test
    void aNewOwnerOfTheVolumeChangesIt() {
        // a takeover and a failback each raise the volume's epoch
        assertFalse(Arrays.equals(WriteVerifier.of(3, 9), WriteVerifier.of(4, 9)));
        assertFalse(Arrays.equals(WriteVerifier.of(4, 9), WriteVerifier.of(5, 9)));
    }

    @Test
    void aRestartChangesIt() {
        // the same SCM boots again and keeps the volume at the same epoch: its incarnation rose
        assertFalse(Arrays.equals(WriteVerifier.of(3, 9), WriteVerifier.of(3, 10)));
    }

    @Test
    void itIsNotMadeFromTheClock() {
        byte[] first = WriteVerifier.of(7, 2);
        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        assertArrayEquals(first, WriteVerifier.of(7, 2));
    }
}
