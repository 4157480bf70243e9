package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.hasm.testkit.Forces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every NFSv3, MOUNT and portmapper procedure through the Java ONC RPC client, including what libnfs
 * never sends (SYMLINK, READLINK, MKNOD, LINK, RMDIR, RENAME, READDIR, guarded SETATTR, DUMP, UMNT,
 * UMNTALL, the portmapper), and the handles, verifier and duplicate request cache across a restart
 * and a change of the volume's owner.
 */
class ProceduresTest {
    private TestServer server;
    private NfsClient nfs;
    private byte[] root;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        nfs = server.client();
        root = nfs.mount("/data");
    }

    @AfterEach
    void stop() throws Exception {
        if (nfs != null) {
            nfs.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void reconnect() throws Exception {
        nfs.close();
        nfs = server.client();
    }

    @Test
    void nullProceduresAndThePortmapper() throws Exception {
        nfs.rpc.call(Nfs3.PROGRAM, Nfs3.VERSION, Nfs3.NULL, null);
        nfs.rpc.call(Nfs3.MOUNT_PROGRAM, Nfs3.MOUNT_VERSION, Nfs3.MOUNTPROC_NULL, null);
        try (RpcClient pmap = new RpcClient(TestServer.ADDRESS, server.portmapPort)) {
            pmap.call(Nfs3.PORTMAP_PROGRAM, Nfs3.PORTMAP_VERSION, Nfs3.PMAPPROC_NULL, null);
            assertEquals(server.port, getport(pmap, Nfs3.PROGRAM, 3));
            assertEquals(server.port, getport(pmap, Nfs3.MOUNT_PROGRAM, 3));
            assertEquals(0, getport(pmap, Nfs3.PROGRAM, 4), "no NFSv4 here");
            Xdr dump = pmap.call(Nfs3.PORTMAP_PROGRAM, Nfs3.PORTMAP_VERSION, Nfs3.PMAPPROC_DUMP, null);
            List<Integer> programs = new ArrayList<>();
            for (int i = 0; i < 10 && dump.xdrDecodeBoolean(); i++) {
                programs.add(dump.xdrDecodeInt());
                dump.xdrDecodeInt();
                assertEquals(Nfs3.IPPROTO_TCP, dump.xdrDecodeInt());
                assertEquals(server.port, dump.xdrDecodeInt());
            }
            assertTrue(programs.contains(Nfs3.PROGRAM) && programs.contains(Nfs3.MOUNT_PROGRAM), programs.toString());
        }
    }

    private static int getport(RpcClient pmap, int program, int version) throws Exception {
        Xdr3.MappingArgs m = new Xdr3.MappingArgs();
        m.program = program;
        m.version = version;
        m.protocol = Nfs3.IPPROTO_TCP;
        return pmap.call(Nfs3.PORTMAP_PROGRAM, Nfs3.PORTMAP_VERSION, Nfs3.PMAPPROC_GETPORT, m).xdrDecodeInt();
    }

    @Test
    void mountDumpExportUnmount() throws Exception {
        Files.createDirectories(server.folder.resolve("a/b"));
        byte[] sub = nfs.mount("/data/a/b");
        assertEquals(Nfs3.NF3DIR, nfs.getattr(sub).type());
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> nfs.mount("/nothing"));
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> nfs.mount("/data/.hasm-nfs"));
        assertEquals(List.of("/data", "/data/a/b"), dump());
        Xdr exports = nfs.rpc.call(Nfs3.MOUNT_PROGRAM, 3, Nfs3.MOUNTPROC_EXPORT, null);
        assertTrue(exports.xdrDecodeBoolean());
        assertEquals("/data", exports.xdrDecodeString());
        assertFalse(exports.xdrDecodeBoolean(), "no groups");
        assertFalse(exports.xdrDecodeBoolean(), "one export");
        Xdr3.MountArgs um = new Xdr3.MountArgs();
        um.path = "/data/a/b".getBytes(StandardCharsets.UTF_8);
        nfs.rpc.call(Nfs3.MOUNT_PROGRAM, 3, Nfs3.MOUNTPROC_UMNT, um);
        assertEquals(List.of("/data"), dump());
        nfs.rpc.call(Nfs3.MOUNT_PROGRAM, 3, Nfs3.MOUNTPROC_UMNTALL, null);
        assertEquals(List.of(), dump());
    }

    private List<String> dump() throws Exception {
        Xdr d = nfs.rpc.call(Nfs3.MOUNT_PROGRAM, 3, Nfs3.MOUNTPROC_DUMP, null);
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 100 && d.xdrDecodeBoolean(); i++) {
            assertEquals(TestServer.ADDRESS, d.xdrDecodeString());
            paths.add(d.xdrDecodeString());
        }
        return paths;
    }

    @Test
    void filesFoldersLinksAndAttributes() throws Exception {
        byte[] f = nfs.create(root, "f.txt");
        NfsClient.Written w = nfs.write(f, 0, "hello".getBytes(StandardCharsets.UTF_8), Nfs3.FILE_SYNC);
        assertEquals(Nfs3.FILE_SYNC, w.committed());
        assertEquals("hello", new String(nfs.read(f, 0, 100), StandardCharsets.UTF_8));
        assertEquals("hello", Files.readString(server.folder.resolve("f.txt")));

        // SETATTR: size and mode; a guard with the wrong ctime is NOT_SYNC, with the right one it applies
        NfsClient.Fattr before = nfs.getattr(f);
        Xdr3.SetattrArgs set = new Xdr3.SetattrArgs();
        set.fh = f;
        set.attributes = Xdr3.Sattr.none();
        set.attributes.size = 2L;
        set.attributes.mode = 0640;
        set.guard = new Xdr3.Time(before.ctimeSeconds() - 1, 0);
        assertEquals(Nfs3.ERR_NOT_SYNC, nfs.status(Nfs3.SETATTR, set));
        set.guard = new Xdr3.Time(before.ctimeSeconds(), before.ctimeNanos());
        assertEquals(Nfs3.OK, nfs.status(Nfs3.SETATTR, set));
        NfsClient.Fattr after = nfs.getattr(f);
        assertEquals(2, after.size());
        assertEquals(0640, after.mode());

        // ACCESS of a file: read and modify granted, lookup not
        Xdr3.AccessArgs acc = new Xdr3.AccessArgs();
        acc.fh = f;
        acc.access = Nfs3.ACCESS_READ | Nfs3.ACCESS_MODIFY | Nfs3.ACCESS_LOOKUP;
        NfsClient.Result ar = nfs.nfs(Nfs3.ACCESS, acc);
        assertEquals(Nfs3.OK, ar.status());
        ar.skipPostOp();
        assertEquals(Nfs3.ACCESS_READ | Nfs3.ACCESS_MODIFY, ar.rest().xdrDecodeInt());

        // CREATE: GUARDED on an existing name is EXIST; EXCLUSIVE twice with one verifier is the same create
        assertEquals(Nfs3.ERR_EXIST, nfs.status(Nfs3.CREATE, NfsClient.create(root, "f.txt", Nfs3.GUARDED)));
        assertEquals(Nfs3.OK, nfs.status(Nfs3.CREATE, NfsClient.create(root, "x.txt", Nfs3.EXCLUSIVE)));
        assertEquals(Nfs3.OK, nfs.status(Nfs3.CREATE, NfsClient.create(root, "x.txt", Nfs3.EXCLUSIVE)));

        // MKDIR, SYMLINK, READLINK, LINK
        byte[] d = nfs.mkdirHandle(root, "d");
        assertEquals(Nfs3.NF3DIR, nfs.getattr(d).type());
        Xdr3.SymlinkArgs sl = new Xdr3.SymlinkArgs();
        sl.dir = d;
        sl.name = "up".getBytes(StandardCharsets.UTF_8);
        sl.attributes = Xdr3.Sattr.none();
        sl.target = "../../../etc/passwd".getBytes(StandardCharsets.UTF_8);
        assertEquals(Nfs3.OK, nfs.status(Nfs3.SYMLINK, sl));
        byte[] link = nfs.lookup(d, "up");
        NfsClient.Result rl = nfs.nfs(Nfs3.READLINK, NfsClient.handle(link));
        assertEquals(Nfs3.OK, rl.status());
        rl.skipPostOp();
        assertEquals("../../../etc/passwd", new String(rl.rest().xdrDecodeDynamicOpaque(), StandardCharsets.UTF_8));
        assertEquals(Nfs3.ERR_NOTDIR, nfs.status(Nfs3.LOOKUP, NfsClient.dirop(link, "x")),
                "the server never follows a link");
        Xdr3.LinkArgs ln = new Xdr3.LinkArgs();
        ln.fh = f;
        ln.dir = d;
        ln.name = "hard".getBytes(StandardCharsets.UTF_8);
        assertEquals(Nfs3.OK, nfs.status(Nfs3.LINK, ln));
        assertTrue(Files.isSameFile(server.folder.resolve("f.txt"), server.folder.resolve("d/hard")));

        // MKNOD: special files are not supported; regular types are BADTYPE
        Xdr3.MknodArgs mk = new Xdr3.MknodArgs();
        mk.dir = d;
        mk.name = "fifo".getBytes(StandardCharsets.UTF_8);
        mk.type = Nfs3.NF3FIFO;
        mk.attributes = Xdr3.Sattr.none();
        assertEquals(Nfs3.ERR_NOTSUPP, nfs.status(Nfs3.MKNOD, mk));
        mk.type = Nfs3.NF3REG;
        mk.attributes = null;
        assertEquals(Nfs3.ERR_BADTYPE, nfs.status(Nfs3.MKNOD, mk));

        // RENAME, REMOVE, RMDIR
        assertEquals(Nfs3.OK, nfs.status(Nfs3.RENAME, NfsClient.rename(root, "x.txt", d, "y.txt")));
        assertTrue(Files.exists(server.folder.resolve("d/y.txt")));
        assertEquals(Nfs3.ERR_NOTEMPTY, nfs.status(Nfs3.RMDIR, NfsClient.dirop(root, "d")));
        for (String n : new String[] {"y.txt", "hard", "up"}) {
            assertEquals(Nfs3.OK, nfs.status(Nfs3.REMOVE, NfsClient.dirop(d, n)), n);
        }
        assertEquals(Nfs3.ERR_ISDIR, nfs.status(Nfs3.REMOVE, NfsClient.dirop(root, "d")));
        assertEquals(Nfs3.OK, nfs.status(Nfs3.RMDIR, NfsClient.dirop(root, "d")));
        assertEquals(Nfs3.ERR_STALE, nfs.status(Nfs3.GETATTR, NfsClient.handle(d)), "a removed folder's handle");
        assertFalse(Files.exists(server.folder.resolve("d")));

        // every procedure answered is counted for the metrics, by its status; the EXCLUSIVE CREATE sent twice is
        // counted twice (the second answered from the reply cache)
        java.util.Map<String, Long> counted = new java.util.HashMap<>();
        for (org.hasm.spi.health.ServiceRequests.Requests r : server.requests.requests()) {
            counted.merge(r.operation() + " " + r.outcome(), r.count(), Long::sum);
            assertEquals(r.count(), r.buckets().stream().mapToLong(Long::longValue).sum(), r.toString());
        }
        assertEquals(1L, counted.get("SETATTR NOT_SYNC"), counted.toString());
        assertEquals(1L, counted.get("CREATE EXIST"), counted.toString());
        assertEquals(3L, counted.get("CREATE ok"), counted.toString());
        assertEquals(1L, counted.get("RMDIR NOTEMPTY"), counted.toString());
        assertEquals(1L, counted.get("GETATTR STALE"), counted.toString());
        assertEquals(1L, counted.get("MKNOD BADTYPE"), counted.toString());
        assertEquals(1L, counted.get("WRITE ok"), counted.toString());
    }

    @Test
    void fileSystemInformation() throws Exception {
        NfsClient.Result st = nfs.nfs(Nfs3.FSSTAT, NfsClient.handle(root));
        assertEquals(Nfs3.OK, st.status());
        st.skipPostOp();
        assertTrue(st.rest().xdrDecodeLong() > 0, "total bytes");
        NfsClient.Result info = nfs.nfs(Nfs3.FSINFO, NfsClient.handle(root));
        assertEquals(Nfs3.OK, info.status());
        info.skipPostOp();
        assertEquals(Nfs3.MAX_IO, info.rest().xdrDecodeInt());
        NfsClient.Result pc = nfs.nfs(Nfs3.PATHCONF, NfsClient.handle(root));
        assertEquals(Nfs3.OK, pc.status());
        pc.skipPostOp();
        pc.rest().xdrDecodeInt();
        assertEquals(Nfs3.NAME_MAX, pc.rest().xdrDecodeInt());
    }

    @Test
    void readdirPagesThroughAFolderAndHidesHasmsOwnFiles() throws Exception {
        for (int i = 0; i < 60; i++) {
            Files.writeString(server.folder.resolve(String.format("file-%03d-with-a-longish-name", i)), "x");
        }
        Files.writeString(server.folder.resolve(".hasm-put-leftover.tmp"), "x");
        for (boolean plus : new boolean[] {false, true}) {
            List<String> names = new ArrayList<>();
            long cookie = 0;
            boolean eof = false;
            for (int page = 0; page < 100 && !eof; page++) {
                Xdr3.ReaddirArgs a = new Xdr3.ReaddirArgs(plus);
                a.dir = root;
                a.cookie = cookie;
                a.cookieVerifier = new byte[8];
                a.dirCount = 1024;
                a.maxCount = 4096;
                NfsClient.Result r = nfs.nfs(plus ? Nfs3.READDIRPLUS : Nfs3.READDIR, a);
                assertEquals(Nfs3.OK, r.status());
                r.skipPostOp();
                r.rest().xdrDecodeOpaque(8);
                while (r.rest().xdrDecodeBoolean()) {
                    r.rest().xdrDecodeLong();
                    names.add(new String(r.rest().xdrDecodeDynamicOpaque(), StandardCharsets.UTF_8));
                    cookie = r.rest().xdrDecodeLong();
                    if (plus) {
                        r.skipPostOp();
                        if (r.rest().xdrDecodeBoolean()) {
                            byte[] fh = r.rest().xdrDecodeDynamicOpaque();
                            assertEquals(Nfs3.OK, nfs.status(Nfs3.GETATTR, NfsClient.handle(fh)));
                        }
                    }
                }
                eof = r.rest().xdrDecodeBoolean();
            }
            assertTrue(eof);
            assertEquals(60, names.size(), (plus ? "READDIRPLUS " : "READDIR ") + names);
            assertFalse(names.stream().anyMatch(n -> n.startsWith(".hasm-")), names.toString());
        }
    }

    @Test
    void aCookiePastTheEndOfAFolderThatShrankEndsTheListing() throws Exception {
        Xdr3.ReaddirArgs a = new Xdr3.ReaddirArgs(false);
        a.dir = root;
        a.cookie = 500;
        a.cookieVerifier = new byte[8];
        a.dirCount = 4096;
        NfsClient.Result r = nfs.nfs(Nfs3.READDIR, a);
        assertEquals(Nfs3.OK, r.status());
        r.skipPostOp();
        r.rest().xdrDecodeOpaque(8);
        assertFalse(r.rest().xdrDecodeBoolean(), "no entry");
        assertTrue(r.rest().xdrDecodeBoolean(), "eof");
    }

    @Test
    void badNamesAreErrors() throws Exception {
        assertEquals(Nfs3.ERR_ACCES, nfs.status(Nfs3.LOOKUP, NfsClient.dirop(root, "..")));
        assertEquals(Nfs3.ERR_INVAL, nfs.status(Nfs3.LOOKUP, NfsClient.dirop(root, "a/b")));
        assertEquals(Nfs3.ERR_INVAL, nfs.status(Nfs3.CREATE, NfsClient.create(root, "nul\0x", Nfs3.UNCHECKED)));
        assertEquals(Nfs3.ERR_NAMETOOLONG, nfs.status(Nfs3.CREATE, NfsClient.create(root, "n".repeat(256), Nfs3.UNCHECKED)));
        assertEquals(Nfs3.ERR_NOENT, nfs.status(Nfs3.LOOKUP, NfsClient.dirop(root, FileIds.META)));
        assertEquals(Nfs3.ERR_ACCES, nfs.status(Nfs3.CREATE, NfsClient.create(root, ".hasm-nfs", Nfs3.UNCHECKED)));
        assertEquals(Nfs3.ERR_ACCES, nfs.status(Nfs3.RENAME, NfsClient.rename(root, "nothing", root, "..")));
    }

    @Test
    void forgedAlteredAndForeignHandlesAreRefused() throws Exception {
        byte[] f = nfs.create(root, "f.txt");
        byte[] altered = f.clone();
        altered[10] ^= 1;
        assertEquals(Nfs3.ERR_BADHANDLE, nfs.status(Nfs3.GETATTR, NfsClient.handle(altered)));
        Handles other = new Handles(HandleKeys.hmac("another key of thirty-two bytes!".getBytes(StandardCharsets.US_ASCII)));
        Handles.Decoded d = server.handles.decode(f);
        assertEquals(Nfs3.ERR_BADHANDLE, nfs.status(Nfs3.GETATTR,
                NfsClient.handle(other.encode(d.export(), d.fileId(), d.inode()))));
        // a genuine handle of another personality's export with the same name
        assertEquals(Nfs3.ERR_STALE, nfs.status(Nfs3.GETATTR,
                NfsClient.handle(server.handles.encode(Handles.exportId("B", "data"), d.fileId(), d.inode()))));
        // a genuine id of a file of the volume outside the export
        Path outside = server.root.resolve("outside.txt");
        Files.writeString(outside, "secret");
        FileIds ids = new FileIds(server.root, 1000, Runnable::run, () -> true, System::currentTimeMillis);
        BasicFileAttributes oa = Files.readAttributes(outside, BasicFileAttributes.class);
        long outsideId = ids.idOf(outside, oa);
        ids.placed(outsideId, ids.idOf(server.root, Files.readAttributes(server.root, BasicFileAttributes.class)), outside);
        assertEquals(Nfs3.ERR_STALE, nfs.status(Nfs3.READ, range(
                server.handles.encode(d.export(), outsideId, FileIds.inode(oa)))));
    }

    private static Xdr3.RangeArgs range(byte[] fh) {
        Xdr3.RangeArgs r = new Xdr3.RangeArgs();
        r.fh = fh;
        r.count = 100;
        return r;
    }

    @Test
    void handlesSurviveRenamesRestartsAndRenamesBehindTheServersBack() throws Exception {
        byte[] dir = nfs.mkdirHandle(root, "parent");
        byte[] f = nfs.create(dir, "f.txt");
        nfs.write(f, 0, "kept".getBytes(StandardCharsets.UTF_8), Nfs3.FILE_SYNC);

        assertEquals(Nfs3.OK, nfs.status(Nfs3.RENAME, NfsClient.rename(root, "parent", root, "renamed")));
        assertEquals("kept", new String(nfs.read(f, 0, 10), StandardCharsets.UTF_8), "after the parent's rename over NFS");

        server.restart(); // a cold cache: only the volume remembers
        reconnect();
        assertEquals("kept", new String(nfs.read(f, 0, 10), StandardCharsets.UTF_8), "after a restart");

        // another protocol (or an administrator) renames the folder and the file
        Files.move(server.folder.resolve("renamed"), server.folder.resolve("moved"));
        Files.move(server.folder.resolve("moved/f.txt"), server.folder.resolve("moved/g.txt"));
        server.restart();
        reconnect();
        assertEquals("kept", new String(nfs.read(f, 0, 10), StandardCharsets.UTF_8), "after renames behind its back");
        assertEquals(Nfs3.OK, nfs.status(Nfs3.GETATTR, NfsClient.handle(dir)));

        // removed behind its back, and a new file in its place: the old handle never reaches it
        Files.delete(server.folder.resolve("moved/g.txt"));
        Files.writeString(server.folder.resolve("moved/g.txt"), "new file");
        assertEquals(Nfs3.ERR_STALE, nfs.status(Nfs3.READ, range(f)));
    }

    @Test
    void offsetsAndSizesBeyondWhatAFileCanHaveAreErrorsNotFailures() throws Exception {
        byte[] f = nfs.create(root, "far");
        Xdr3.RangeArgs read = range(f);
        read.offset = -1; // 2^64 - 1 on the wire
        assertEquals(Nfs3.ERR_INVAL, nfs.status(Nfs3.READ, read));
        assertEquals(Nfs3.ERR_FBIG, nfs.write(f, Long.MIN_VALUE, new byte[] {1}, Nfs3.UNSTABLE).status());
        assertEquals(Nfs3.ERR_FBIG, nfs.write(f, Long.MAX_VALUE, new byte[] {1, 2}, Nfs3.UNSTABLE).status());
        Xdr3.SetattrArgs set = new Xdr3.SetattrArgs();
        set.fh = f;
        set.attributes = Xdr3.Sattr.none();
        set.attributes.size = -2L;
        assertEquals(Nfs3.ERR_FBIG, nfs.status(Nfs3.SETATTR, set));
        assertEquals(0, nfs.getattr(f).size(), "nothing written, nothing truncated");
    }

    @Test
    void aRefusedMkdirLeavesNothingInTheStagingFolder() throws Exception {
        Xdr3.MkdirArgs m = new Xdr3.MkdirArgs();
        m.dir = root;
        m.name = "d".getBytes(StandardCharsets.UTF_8);
        m.attributes = Xdr3.Sattr.none();
        m.attributes.size = 5L; // a folder has no size to set: refused after the folder was staged
        for (int i = 0; i < 3; i++) {
            assertNotEquals(Nfs3.OK, nfs.status(Nfs3.MKDIR, m));
        }
        assertFalse(Files.exists(server.folder.resolve("d")));
        try (var left = Files.list(server.root.resolve(FileIds.META).resolve(Namespace.STAGING))) {
            assertEquals(List.of(), left.toList(), "the staged folders were removed");
        }
    }

    @Test
    void aFolderRenamedOverIsRemovedAsAFileIs() throws Exception {
        nfs.mkdirHandle(root, "a");
        byte[] b = nfs.mkdirHandle(root, "b"); // empty: a folder may replace it
        byte[] f = nfs.create(root, "f");
        nfs.create(root, "g");
        assertEquals(Nfs3.OK, nfs.status(Nfs3.RENAME, NfsClient.rename(root, "a", root, "b")));
        assertEquals(Nfs3.OK, nfs.status(Nfs3.RENAME, NfsClient.rename(root, "g", root, "f")));
        Path gone = server.root.resolve(FileIds.META).resolve(FileIds.TOMBSTONES);
        for (byte[] replaced : List.of(b, f)) {
            // its handle is STALE at once, by its tombstone, without a search of the export
            assertTrue(Files.exists(gone.resolve(FileIds.hex(server.handles.decode(replaced).fileId()))),
                    "a tombstone for the replaced " + (replaced == b ? "folder" : "file"));
            assertEquals(Nfs3.ERR_STALE, nfs.status(Nfs3.GETATTR, NfsClient.handle(replaced)));
        }
    }

    @Test
    void stableWritesAreFencedAndTheVerifierChangesWithTheOwner() throws Exception {
        byte[] f = nfs.create(root, "w.bin");
        int fences = server.volume.fences.get();
        NfsClient.Written unstable = nfs.write(f, 0, new byte[] {1, 2, 3}, Nfs3.UNSTABLE);
        assertEquals(Nfs3.UNSTABLE, unstable.committed());
        assertEquals(fences, server.volume.fences.get(), "an UNSTABLE write proves nothing yet");
        byte[] committed = nfs.commit(f);
        assertArrayEquals(unstable.verifier(), committed);
        assertTrue(server.volume.fences.get() > fences, "COMMIT fences");
        NfsClient.Written dataSync = nfs.write(f, 3, new byte[] {4}, Nfs3.DATA_SYNC);
        assertEquals(Nfs3.DATA_SYNC, dataSync.committed());
        assertArrayEquals(committed, dataSync.verifier());

        server.volume.epoch.set(2); // taken over: a new owner
        assertFalse(Arrays.equals(committed, nfs.commit(f)), "a new owner's COMMIT tells the client to resend");
        byte[] second = nfs.commit(f);
        server.incarnation.incrementAndGet(); // the same owner boots again
        server.restart();
        reconnect();
        assertFalse(Arrays.equals(second, nfs.commit(f)), "a restart changes the verifier");
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(server.folder.resolve("w.bin")));
    }

    @Test
    void largeReadsAnswerTheFilesBytesWithTheRightCountAndEndOfFile() throws Exception {
        byte[] content = new byte[200_003];
        new java.util.Random(11).nextBytes(content);
        Files.write(server.folder.resolve("big.bin"), content);
        byte[] f = nfs.lookup(root, "big.bin");
        // READs of 64 KiB and more, at odd offsets and counts, up to and past the end
        for (int[] r : new int[][] {{0, 65_536}, {65_537, 70_001}, {190_000, 65_536}, {200_003, 65_536}, {300_000, 65_536}}) {
            Xdr3.RangeArgs a = new Xdr3.RangeArgs();
            a.fh = f;
            a.offset = r[0];
            a.count = r[1];
            NfsClient.Result got = nfs.nfs(Nfs3.READ, a);
            assertEquals(Nfs3.OK, got.status(), "READ at " + r[0]);
            got.skipPostOp();
            int count = got.rest().xdrDecodeInt();
            boolean eof = got.rest().xdrDecodeBoolean();
            byte[] data = got.rest().xdrDecodeDynamicOpaque();
            int from = Math.min(r[0], content.length);
            int to = Math.min(r[0] + r[1], content.length);
            assertEquals(to - from, count, "count at " + r[0]);
            assertArrayEquals(Arrays.copyOfRange(content, from, to), data, "bytes at " + r[0]);
            assertEquals(to == content.length, eof, "eof at " + r[0]);
        }
        assertArrayEquals(Arrays.copyOfRange(content, 10, 20), nfs.read(f, 10, 10), "a small READ after them");
        server.volume.owned.set(false);
        Xdr3.RangeArgs lost = range(f);
        lost.count = 65_536;
        assertEquals(Nfs3.ERR_JUKEBOX, nfs.status(Nfs3.READ, lost), "a large READ of a volume not owned");
    }

    @Test
    void aVolumeThisScmDoesNotOwnIsNotServed() throws Exception {
        byte[] f = nfs.create(root, "secret.txt");
        nfs.write(f, 0, "data".getBytes(StandardCharsets.UTF_8), Nfs3.FILE_SYNC);
        server.volume.owned.set(false);
        assertEquals(Nfs3.ERR_JUKEBOX, nfs.status(Nfs3.READ, range(f)));
        assertEquals(Nfs3.ERR_JUKEBOX, nfs.status(Nfs3.GETATTR, NfsClient.handle(f)));
        assertEquals(Nfs3.ERR_JUKEBOX, nfs.write(f, 0, new byte[] {9}, Nfs3.FILE_SYNC).status());
        assertEquals(Nfs3.ERR_JUKEBOX, nfs.status(Nfs3.REMOVE, NfsClient.dirop(root, "secret.txt")));
        assertEquals("data", Files.readString(server.folder.resolve("secret.txt")));
    }

    @Test
    void retransmissionsAfterATakeoverGetTheOriginalReply() throws Exception {
        Files.writeString(server.folder.resolve("gone.txt"), "x");
        Files.writeString(server.folder.resolve("old.txt"), "y");
        int removeXid = RpcClient.nextXid();
        int renameXid = RpcClient.nextXid();
        // the replies are lost on the way: the client only sent
        nfs.rpc.send(removeXid, Nfs3.PROGRAM, 3, Nfs3.REMOVE, NfsClient.dirop(root, "gone.txt"));
        nfs.rpc.send(renameXid, Nfs3.PROGRAM, 3, Nfs3.RENAME, NfsClient.rename(root, "old.txt", root, "new.txt"));
        Fixture.await("both carried out", java.time.Duration.ofSeconds(10),
                () -> !Files.exists(server.folder.resolve("gone.txt")) && Files.exists(server.folder.resolve("new.txt")));
        nfs.rpc.receive(renameXid); // both replies sent (the cache keeps them before sending)

        server.volume.epoch.set(2); // the peer takes the volume over: a new server, the same volume
        server.restart();
        reconnect();
        assertEquals(Nfs3.OK, nfs.nfs(removeXid, Nfs3.REMOVE, NfsClient.dirop(root, "gone.txt")).status());
        assertEquals(Nfs3.OK, nfs.nfs(renameXid, Nfs3.RENAME, NfsClient.rename(root, "old.txt", root, "new.txt")).status());
        // a new request (new XID) is carried out as new
        assertEquals(Nfs3.ERR_NOENT, nfs.status(Nfs3.REMOVE, NfsClient.dirop(root, "gone.txt")));
        assertNotEquals(0, Files.size(server.root.resolve(FileIds.META).resolve(ReplyCache.FILE)));
    }

    // What a CREATE or MKDIR forces, in what order, seen by the JVM's flight recorder (Forces of the kit): the new
    // inode, through the descriptor opened on its staged name, before the folder that holds its name. A folder's
    // force alone does not write the inode of a file made in it (ext2, ext4 without a journal), so a name answered
    // as made could lead to nothing after a power cut; the cut cannot be made here, the order of the forces can be seen.

    @Test
    void aCreatedFileIsForcedBeforeItsFolder() throws Exception {
        List<String> forced = Forces.during(() -> nfs.create(root, "made.txt"));
        assertNewThenFolder(forced);
        assertTrue(Files.isRegularFile(server.folder.resolve("made.txt")));
    }

    @Test
    void aMadeFolderIsForcedBeforeItsParent() throws Exception {
        List<String> forced = Forces.during(() -> nfs.mkdirHandle(root, "sub"));
        assertNewThenFolder(forced);
        assertTrue(Files.isDirectory(server.folder.resolve("sub")));
    }

    // A SETATTR is made durable and proven as a WRITE is: the file forced, then the volume fenced, before the
    // answer. The fence shows in the same recording as a force of a marker file of the test's own.

    @Test
    void aSetattrIsForcedThenFencedBeforeItIsAnswered() throws Exception {
        byte[] f = nfs.create(root, "s.txt");
        nfs.write(f, 0, "hello".getBytes(StandardCharsets.UTF_8), Nfs3.UNSTABLE);
        Path fenced = Files.createFile(server.dir.resolve("fenced.marker"));
        server.volume.onFence = () -> forceMarker(fenced);
        Xdr3.SetattrArgs set = new Xdr3.SetattrArgs();
        set.fh = f;
        set.attributes = Xdr3.Sattr.none();
        set.attributes.size = 2L;
        set.attributes.mode = 0600;
        set.attributes.mtimeHow = Nfs3.SET_TO_SERVER_TIME;
        List<String> forced = Forces.during(() -> assertEquals(Nfs3.OK, nfs.status(Nfs3.SETATTR, set)));
        assertForcedThenFenced(forced, server.folder.resolve("s.txt"), fenced);
        assertEquals(2, Files.size(server.folder.resolve("s.txt")));
    }

    @Test
    void anUncheckedCreateThatTruncatesAFileThereForcesIt() throws Exception {
        byte[] f = nfs.create(root, "u.txt");
        nfs.write(f, 0, "hello".getBytes(StandardCharsets.UTF_8), Nfs3.FILE_SYNC);
        Xdr3.CreateArgs again = NfsClient.create(root, "u.txt", Nfs3.UNCHECKED);
        again.attributes.size = 0L;
        List<String> forced = Forces.during(() -> assertEquals(Nfs3.OK, nfs.status(Nfs3.CREATE, again)));
        assertEquals(0, Files.size(server.folder.resolve("u.txt")));
        assertTrue(forced.contains(server.folder.resolve("u.txt").toString()), "the truncation is not forced: " + forced);
    }

    @Test
    void aSetattrOfASymbolicLinkForcesItsFolder() throws Exception {
        Xdr3.SymlinkArgs sl = new Xdr3.SymlinkArgs();
        sl.dir = root;
        sl.name = "link".getBytes(StandardCharsets.UTF_8);
        sl.attributes = Xdr3.Sattr.none();
        sl.target = "elsewhere".getBytes(StandardCharsets.UTF_8);
        assertEquals(Nfs3.OK, nfs.status(Nfs3.SYMLINK, sl));
        byte[] link = nfs.lookup(root, "link");
        Path fenced = Files.createFile(server.dir.resolve("fenced.marker"));
        server.volume.onFence = () -> forceMarker(fenced);
        Xdr3.SetattrArgs set = new Xdr3.SetattrArgs();
        set.fh = link;
        set.attributes = Xdr3.Sattr.none();
        // the owner it has: anyone may name it, and it is set on the link itself
        set.attributes.uid = (Integer) Files.getAttribute(server.folder.resolve("link"), "unix:uid",
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        List<String> forced = Forces.during(() -> assertEquals(Nfs3.OK, nfs.status(Nfs3.SETATTR, set)));
        assertForcedThenFenced(forced, server.folder, fenced);
    }

    private static void forceMarker(Path marker) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(marker,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(false);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code changed} forced, then the fence (a force of {@code fenced}) once, after it. */
    private static void assertForcedThenFenced(List<String> forced, Path changed, Path fenced) {
        int change = forced.indexOf(changed.toString());
        int fence = forced.indexOf(fenced.toString());
        assertTrue(change >= 0, "no force of " + changed + " in " + forced);
        assertTrue(fence >= 0, "no fence in " + forced);
        assertTrue(change < fence, "fenced before " + changed + " was forced: " + forced);
        assertEquals(1, forced.stream().filter(fenced.toString()::equals).count(), "one fence: " + forced);
    }

    /** The forces of the call: one on a staged name (the new inode), then one on the export's folder. */
    private void assertNewThenFolder(List<String> forced) {
        String staging = server.root.resolve(FileIds.META).resolve(Namespace.STAGING).toString();
        String folder = server.folder.toString();
        int inode = -1;
        int name = -1;
        for (int i = 0; i < forced.size(); i++) {
            if (inode < 0 && forced.get(i).startsWith(staging + "/")) {
                inode = i;
            }
            if (forced.get(i).equals(folder)) {
                name = i;
            }
        }
        assertTrue(inode >= 0, "no force of the new inode (a path under " + staging + ") in " + forced);
        assertTrue(name >= 0, "no force of the folder " + folder + " in " + forced);
        assertTrue(inode < name, "the folder was forced before the new inode: " + forced);
        assertEquals(1, forced.stream().filter(p -> p.startsWith(staging + "/")).count(),
                "one force of the new inode: " + forced);
    }
}
