package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.hasm.controller.internal.UpgradeSteps.Done;
import org.hasm.controller.internal.UpgradeSteps.Resume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upgrade's plan and jars on the shared storage: whatever instant a writer dies at, the old or the new, never torn. */
class UpgradeStoreTest {
    @TempDir
    Path shared;

    private static UpgradePlan first() {
        return UpgradeSteps.next(UpgradePlan.of("u1", "org.hasm.example", "1.0.0", "1.0.1", "u1-new.jar",
                UpgradeStore.sha256(new byte[] {1, 2, 3}), "old.jar", "cd", "scm-b", "scm-a"), new Resume(),
                Instant.parse("2026-12-03T08:00:00Z")).plan();
    }

    @Test
    void aPlanReadsBackAsWrittenAndNoPlanIsNull() throws IOException {
        UpgradeStore store = new UpgradeStore(shared.resolve("upgrade"));
        assertNull(store.read());
        UpgradePlan p = first();
        store.write(p, "scm-a");
        assertEquals(p, store.read());
        UpgradePlan next = UpgradeSteps.next(p, new Done(), Instant.parse("2026-12-03T08:00:01Z")).plan();
        store.write(next, "scm-a");
        assertEquals(next, store.read());
        try (var files = Files.list(store.dir())) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    /** A writer killed after writing any number of bytes of its temporary file: readers still see the old plan. */
    @Test
    void aWriterKilledAtAnyByteLeavesTheOldPlan() throws IOException {
        UpgradeStore store = new UpgradeStore(shared.resolve("upgrade"));
        UpgradePlan old = first();
        store.write(old, "scm-a");
        byte[] next = UpgradeSteps.next(old, new Done(), Instant.parse("2026-12-03T08:00:01Z")).plan().encode();
        for (int cut = 0; cut <= next.length; cut++) {
            Path temp = store.dir().resolve(".plan.scm-a.999-" + cut + ".tmp");
            Files.write(temp, Arrays.copyOf(next, cut));
            assertEquals(old, store.read(), "cut at " + cut);
        }
        store.sweep("scm-a");
        try (var files = Files.list(store.dir())) {
            assertEquals(1, files.count(), "the leftovers of a killed writer are swept");
        }
    }

    /** Were a plan ever cut short in place (a file system that broke the rename's promise), it is refused, never half-read. */
    @Test
    void aPlanCutAtAnyByteOrWithAByteChangedIsRefusedNamingTheFile() throws IOException {
        UpgradeStore store = new UpgradeStore(shared.resolve("upgrade"));
        Files.createDirectories(store.dir());
        byte[] whole = first().encode();
        for (int cut = 0; cut < whole.length; cut++) {
            Files.write(store.dir().resolve("plan"), Arrays.copyOf(whole, cut));
            IOException e = assertThrows(IOException.class, store::read, "cut at " + cut);
            assertTrue(e.getMessage().contains(store.dir().resolve("plan").toString()), e.getMessage());
        }
        String text = new String(whole, StandardCharsets.UTF_8);
        Files.write(store.dir().resolve("plan"), text.replace("scm-b", "scm-c").getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, store::read);
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }

    @Test
    void aStagedJarIsInstalledOnlyWithTheChecksumThePlanNames() throws IOException {
        UpgradeStore store = new UpgradeStore(shared.resolve("upgrade"));
        byte[] jar = {1, 2, 3};
        String sum = store.stage("u1-new.jar", jar, "scm-a");
        assertEquals(UpgradeStore.sha256(jar), sum);
        assertArrayEquals(jar, store.jar("u1-new.jar", sum));
        Files.write(store.dir().resolve("u1-new.jar"), new byte[] {1, 2, 4});
        IOException e = assertThrows(IOException.class, () -> store.jar("u1-new.jar", sum));
        assertTrue(e.getMessage().contains("u1-new.jar") && e.getMessage().contains(sum), e.getMessage());
        assertThrows(IOException.class, () -> store.jar("missing.jar", sum));
        assertThrows(IllegalArgumentException.class, () -> store.stage("../escape.jar", jar, "scm-a"));
        assertThrows(IllegalArgumentException.class, () -> store.stage("plan", jar, "scm-a"));
    }

    @Test
    void aPlanWithAKeyMissingOrABadValueIsRefusedNamingIt() {
        String text = new String(first().encode(), StandardCharsets.UTF_8);
        String withoutBundle = text.replaceAll("bundle=.*\n", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UpgradePlan.decode(withCheck(withoutBundle), "f"));
        assertTrue(e.getMessage().contains("'bundle' is missing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> UpgradePlan.decode(withCheck(text.replace("status=RUNNING", "status=SIDEWAYS")), "f"));
        assertTrue(e.getMessage().startsWith("upgrade plan f: "), e.getMessage());
    }

    /* the text with its check line made right again: a well-formed file with bad content */
    private static byte[] withCheck(String text) {
        String body = text.substring(0, text.lastIndexOf("check="));
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return (body + "check=" + Long.toHexString(crc.getValue()) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
