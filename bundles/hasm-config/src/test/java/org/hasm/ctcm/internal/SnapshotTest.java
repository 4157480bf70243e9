package org.hasm.ctcm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SnapshotTest {

    static Snapshot sample(long generation, String deadline) {
        TreeMap<String, byte[]> files = new TreeMap<>();
        files.put("org.hasm.controller", ("# deadlines\ndeadline.opmode.ms=" + deadline + "\n").getBytes(StandardCharsets.UTF_8));
        files.put("org.hasm.personality~a", "name=A\nhome=scm-a\nvolumes=va\n".getBytes(StandardCharsets.UTF_8));
        files.put("org.hasm.empty", new byte[0]);
        return new Snapshot(generation, files);
    }

    @Test
    void encodedDatabaseReadsBackWhole() {
        Snapshot s = sample(7, "12000");
        Snapshot back = Snapshot.decode(s.encode(), "db");
        assertEquals(7, back.generation());
        assertEquals(s.checksum(), back.checksum());
        assertArrayEquals(s.files().get("org.hasm.controller"), back.files().get("org.hasm.controller"));
        assertEquals(s.files().keySet(), back.files().keySet());
    }

    @Test
    void databaseCutAtEveryByteIsRefusedNamingTheFile() {
        byte[] bytes = sample(3, "10000").encode();
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] torn = Arrays.copyOf(bytes, cut);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Snapshot.decode(torn, "/node/data/hasm/config/db"), "cut at " + cut);
            assertTrue(e.getMessage().startsWith("/node/data/hasm/config/db: "), e.getMessage());
        }
    }

    @Test
    void everyByteChangedIsRefused() {
        byte[] bytes = sample(3, "10000").encode();
        for (int i = 0; i < bytes.length; i++) {
            byte[] changed = bytes.clone();
            changed[i] ^= 0x01;
            assertThrows(IllegalArgumentException.class, () -> Snapshot.decode(changed, "db"), "byte " + i);
        }
    }

    @Test
    void checksumDependsOnContentNotGeneration() {
        assertEquals(sample(1, "1").checksum(), sample(2, "1").checksum());
        assertNotEquals(sample(1, "1").checksum(), sample(1, "2").checksum());
        assertEquals(64, sample(1, "1").fingerprint().checksum().length());
    }

    @Test
    void aFileKeyThatIsAPathIsRefusedNamingItAndWhereItCameFrom() {
        for (String bad : new String[] {"../../outside/evil", "a/b", "..", "org.hasm.x~", "~a"}) {
            byte[] bytes = sample(3, "1").with(3, bad, "x=1\n".getBytes(StandardCharsets.UTF_8)).encode();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Snapshot.decode(bytes, "the replica /shared/config/db"), bad);
            assertTrue(e.getMessage().startsWith("the replica /shared/config/db: "), e.getMessage());
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
