package org.hasm.nas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hasm.nas.http.internal.Fixture.TestVolume;
import org.hasm.nas.http.internal.Fixture.TestVolumes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DurableWriteTest {
    private Path tmp;
    private DurableWrite write;

    @BeforeEach
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("hasm-nas-http-durable-");
        TestVolumes volumes = new TestVolumes();
        volumes.owned.put("v1", new TestVolume("v1", tmp));
        write = new DurableWrite(new VolumeAccess(volumes, "v1", tmp), 1024, DurableWrite.DEFAULT_OPENER);
    }

    @AfterEach
    void tearDown() {
        Fixture.deleteTree(tmp);
    }

    @Test
    void aNameTheFileSystemRefusesAsTooLongIsTheClientsFaultNotTheDisks() throws IOException {
        // what a file system with a shorter limit than the servlet's check says (here: past ext4's own)
        Path target = tmp.resolve("n".repeat(300));
        WriteFailure f = assertThrows(WriteFailure.class,
                () -> write.write(target, new ByteArrayInputStream(new byte[] {1, 2, 3})));
        assertEquals(400, f.status(), f.getMessage());
        assertTrue(f.getMessage().contains("File name too long"), f.getMessage());
        assertEquals(List.of(), Fixture.files(tmp), "the temporary file is gone");
    }
}
