package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * libnfs's command-line clients against the NFS core: what they cover of MOUNT (MNT, UMNT), NFS
 * (GETATTR, LOOKUP, ACCESS, READ, WRITE, CREATE, SETATTR, READDIRPLUS, FSINFO, FSSTAT, PATHCONF,
 * COMMIT, NULL) works as a real client expects.
 */
class LibnfsTest {
    private static final Duration RUN = Duration.ofSeconds(60);
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        Fixture.requireTool("nfs-ls", "install libnfs-utils");
        server = new TestServer();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void listsReadsAndWritesAFileTree() throws Exception {
        Files.writeString(server.folder.resolve("hello.txt"), "hello over nfs\n");
        Files.createDirectory(server.folder.resolve("sub"));
        Files.writeString(server.folder.resolve("sub").resolve("inner.txt"), "inner\n");

        Fixture.ProcessResult ls = Fixture.run(RUN, "nfs-ls", server.url(""));
        assertEquals(0, ls.exitCode(), ls.output());
        assertTrue(ls.output().contains("hello.txt"), ls.output());
        assertTrue(ls.output().contains("sub"), ls.output());
        assertFalse(ls.output().contains(FileIds.META), "hasm's own folder is hidden: " + ls.output());

        Fixture.ProcessResult cat = Fixture.run(RUN, "nfs-cat", server.url("/hello.txt"));
        assertEquals(0, cat.exitCode(), cat.output());
        assertEquals("hello over nfs\n", cat.output());

        Fixture.ProcessResult inner = Fixture.run(RUN, "nfs-cat", server.url("/sub/inner.txt"));
        assertEquals(0, inner.exitCode(), inner.output());
        assertEquals("inner\n", inner.output());

        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(data);
        Path local = server.dir.resolve("local.bin");
        Files.write(local, data);
        Fixture.ProcessResult up = Fixture.run(RUN, "nfs-cp", local.toString(), server.url("/up.bin"));
        assertEquals(0, up.exitCode(), up.output());
        assertArrayEquals(data, Files.readAllBytes(server.folder.resolve("up.bin")));

        Path back = server.dir.resolve("back.bin");
        Fixture.ProcessResult down = Fixture.run(RUN, "nfs-cp", server.url("/up.bin"), back.toString());
        assertEquals(0, down.exitCode(), down.output());
        assertArrayEquals(data, Files.readAllBytes(back));

        Fixture.ProcessResult lsSub = Fixture.run(RUN, "nfs-ls", server.url("/sub"));
        assertEquals(0, lsSub.exitCode(), lsSub.output());
        assertTrue(lsSub.output().contains("inner.txt"), lsSub.output());
        assertEquals("inner\n", new String(Files.readAllBytes(server.folder.resolve("sub/inner.txt")), StandardCharsets.UTF_8));
    }
}
