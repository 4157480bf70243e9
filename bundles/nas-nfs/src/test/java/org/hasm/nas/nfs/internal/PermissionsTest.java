package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The mode bits against the caller's AUTH_SYS identity, procedure by procedure, each refused to one
 * caller and granted to another: the owner (uid 1000, group 1000), a member of group 1000 by a
 * supplementary gid (uid 1001, primary group 1001), and another user (uid 1002). The files are made
 * on the volume as root and given their owners and modes there, as an administrator would.
 */
class PermissionsTest {
    private static final int OWNER = 1000;
    private static final int MEMBER = 1001;
    private static final int OTHER = 1002;
    private static final int GROUP = 1000;

    private TestServer server;
    private NfsClient nfs;
    private byte[] root;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer(Files.createTempDirectory("hasm-nfs-perm"), false, true,
                Map.of("nfs.root.squash.data", "false"));
        nfs = server.client();
        root = nfs.mount("/data");
    }

    @AfterEach
    void stop() throws Exception {
        nfs.close();
        server.close();
    }

    private Path file(String name, int uid, int gid, int mode, String content) throws IOException {
        Path p = server.folder.resolve(name);
        Files.writeString(p, content);
        return own(p, uid, gid, mode);
    }

    private Path folder(String name, int uid, int gid, int mode) throws IOException {
        Path p = server.folder.resolve(name);
        Files.createDirectories(p);
        return own(p, uid, gid, mode);
    }

    private static Path own(Path p, int uid, int gid, int mode) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
        return p;
    }

    private NfsClient as(int uid) {
        if (uid == MEMBER) {
            nfs.rpc.as(MEMBER, MEMBER, MEMBER, GROUP);
        } else {
            nfs.rpc.as(uid, uid);
        }
        return nfs;
    }

    private byte[] lookupAsRoot(byte[] dir, String name) throws IOException {
        nfs.rpc.as(0, 0);
        return nfs.lookup(dir, name);
    }

    private static Xdr3.RangeArgs range(byte[] fh, int count) {
        Xdr3.RangeArgs a = new Xdr3.RangeArgs();
        a.fh = fh;
        a.count = count;
        return a;
    }

    @Test
    void readNeedsReadPermissionOrExecuteAndASupplementaryGroupCounts() throws Exception {
        file("g.txt", OWNER, GROUP, 0640, "group may read");
        file("run.sh", OWNER, GROUP, 0711, "#!/bin/sh\n");
        byte[] g = lookupAsRoot(root, "g.txt");
        byte[] run = lookupAsRoot(root, "run.sh");
        assertEquals(Nfs3.ERR_ACCES, as(OTHER).status(Nfs3.READ, range(g, 100)), "others have no bits on g.txt");
        assertEquals("group may read", new String(as(MEMBER).read(g, 0, 100), StandardCharsets.UTF_8),
                "a member of the group by a supplementary gid");
        assertEquals(Nfs3.OK, as(OTHER).status(Nfs3.READ, range(run, 100)), "execute alone lets a client read a program");
    }

    @Test
    void writeNeedsWritePermissionExceptForTheOwner() throws Exception {
        Path g = file("g.txt", OWNER, GROUP, 0640, "before");
        Path ro = file("ro.txt", OWNER, GROUP, 0444, "before");
        byte[] gh = lookupAsRoot(root, "g.txt");
        byte[] roh = lookupAsRoot(root, "ro.txt");
        byte[] data = "after!".getBytes(StandardCharsets.UTF_8);
        assertEquals(Nfs3.ERR_ACCES, as(MEMBER).write(gh, 0, data, Nfs3.FILE_SYNC).status(), "the group may only read");
        assertEquals(Nfs3.ERR_ACCES, as(OTHER).write(gh, 0, data, Nfs3.FILE_SYNC).status());
        assertEquals("before", Files.readString(g));
        assertEquals(Nfs3.OK, as(OWNER).write(gh, 0, data, Nfs3.FILE_SYNC).status());
        assertEquals(Nfs3.OK, as(OWNER).write(roh, 0, data, Nfs3.UNSTABLE).status(),
                "the owner writes its own file even read-only, as with kernel nfsd");
        assertEquals(Nfs3.ERR_ACCES, as(OTHER).status(Nfs3.COMMIT, range(roh, 0)), "COMMIT is a write");
        assertEquals(Nfs3.OK, as(OWNER).status(Nfs3.COMMIT, range(roh, 0)));
        assertEquals("after!", Files.readString(ro));
    }

    @Test
    void rootPassesUnlessSquashed() throws Exception {
        Path locked = file("locked.txt", OWNER, GROUP, 0000, "locked");
        byte[] fh = lookupAsRoot(root, "locked.txt");
        nfs.rpc.as(0, 0);
        assertEquals("locked", new String(nfs.read(fh, 0, 100), StandardCharsets.UTF_8), "an unsquashed root reads it");
        assertEquals(Nfs3.OK, nfs.write(fh, 0, "LOCKED".getBytes(StandardCharsets.UTF_8), Nfs3.FILE_SYNC).status());
        assertEquals("LOCKED", Files.readString(locked));
        try (TestServer squashing = new TestServer(Files.createTempDirectory("hasm-nfs-perm-squash"), false, true,
                Map.of()); NfsClient c = squashing.client()) {
            Path f = squashing.folder.resolve("root.txt");
            Files.writeString(f, "root's");
            own(f, 0, 0, 0644);
            byte[] r = c.mount("/data");
            byte[] h = c.lookup(r, "root.txt");
            assertEquals("root's", new String(c.read(h, 0, 100), StandardCharsets.UTF_8), "nobody may read it");
            assertEquals(Nfs3.ERR_ACCES, c.write(h, 0, "mine".getBytes(StandardCharsets.UTF_8), Nfs3.FILE_SYNC).status(),
                    "a squashed root is nobody, and nobody may not write root's file");
        }
    }

    @Test
    void changingAFolderNeedsWriteAndSearchOnIt() throws Exception {
        folder("d", OWNER, GROUP, 0755);
        file("d/victim.txt", OWNER, GROUP, 0666, "x");
        file("d/old.txt", OWNER, GROUP, 0666, "x");
        folder("d/sub", OWNER, GROUP, 0755);
        file("target.txt", OTHER, OTHER, 0644, "t");
        byte[] d = lookupAsRoot(root, "d");
        byte[] target = lookupAsRoot(root, "target.txt");
        Path dir = server.folder.resolve("d");

        for (int uid : new int[] {OTHER, MEMBER}) {
            NfsClient c = as(uid);
            assertEquals(Nfs3.ERR_ACCES, c.status(Nfs3.CREATE, NfsClient.create(d, "new.txt", Nfs3.UNCHECKED)), "uid " + uid);
            assertEquals(Nfs3.ERR_ACCES, c.status(Nfs3.MKDIR, NfsClient.mkdir(d, "new-dir")));
            assertEquals(Nfs3.ERR_ACCES, c.status(Nfs3.SYMLINK, symlink(d, "new-link")));
            assertEquals(Nfs3.ERR_ACCES, c.status(Nfs3.MKNOD, fifo(d, "new-fifo")));
            assertEquals(Nfs3.ERR_ACCES, c.status(Nfs3.LINK, link(target, d, "new-hard")));
            assertEquals(Nfs3.ERR_ACCES, c.status(Nfs3.REMOVE, NfsClient.dirop(d, "victim.txt")),
                    "a file anyone may write is still not anyone's to remove");
            assertEquals(Nfs3.ERR_ACCES, c.status(Nfs3.RMDIR, NfsClient.dirop(d, "sub")));
            assertEquals(Nfs3.ERR_ACCES, c.status(Nfs3.RENAME, NfsClient.rename(d, "old.txt", d, "new-name.txt")));
            assertEquals(Nfs3.ERR_ACCES, c.status(Nfs3.RENAME, NfsClient.rename(root, "target.txt", d, "moved.txt")),
                    "into a folder it may not write");
        }
        assertTrue(Files.exists(dir.resolve("victim.txt")) && Files.exists(dir.resolve("sub"))
                && Files.exists(dir.resolve("old.txt")) && Files.exists(server.folder.resolve("target.txt")));
        try (var left = Files.list(dir)) {
            assertEquals(3, left.count(), "nothing was made in d");
        }

        NfsClient owner = as(OWNER);
        assertEquals(Nfs3.OK, owner.status(Nfs3.CREATE, NfsClient.create(d, "new.txt", Nfs3.UNCHECKED)));
        assertEquals(Nfs3.OK, owner.status(Nfs3.MKDIR, NfsClient.mkdir(d, "new-dir")));
        assertEquals(Nfs3.OK, owner.status(Nfs3.SYMLINK, symlink(d, "new-link")));
        assertEquals(Nfs3.ERR_NOTSUPP, owner.status(Nfs3.MKNOD, fifo(d, "new-fifo")), "special files are not supported");
        assertFalse(Files.exists(dir.resolve("new-fifo"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(Nfs3.OK, owner.status(Nfs3.LINK, link(target, d, "new-hard")));
        assertEquals(Nfs3.OK, owner.status(Nfs3.REMOVE, NfsClient.dirop(d, "victim.txt")));
        assertEquals(Nfs3.OK, owner.status(Nfs3.RMDIR, NfsClient.dirop(d, "sub")));
        assertEquals(Nfs3.OK, owner.status(Nfs3.RENAME, NfsClient.rename(d, "old.txt", d, "new-name.txt")));
        assertEquals(OWNER, (Integer) Files.getAttribute(dir.resolve("new.txt"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void inAStickyFolderOnlyTheEntrysOwnerTheFoldersOwnerOrRootRemoveIt() throws Exception {
        folder("tmp", OWNER, GROUP, 01777);
        file("tmp/members.txt", MEMBER, MEMBER, 0666, "x");
        file("tmp/other.txt", MEMBER, MEMBER, 0666, "x");
        byte[] tmp = lookupAsRoot(root, "tmp");
        assertEquals(Nfs3.ERR_ACCES, as(OTHER).status(Nfs3.REMOVE, NfsClient.dirop(tmp, "members.txt")));
        assertEquals(Nfs3.ERR_ACCES, as(OTHER).status(Nfs3.RENAME, NfsClient.rename(tmp, "members.txt", tmp, "mine.txt")));
        assertEquals(Nfs3.OK, as(OTHER).status(Nfs3.CREATE, NfsClient.create(tmp, "others-own.txt", Nfs3.UNCHECKED)),
                "anyone may create in it");
        assertEquals(Nfs3.OK, as(MEMBER).status(Nfs3.REMOVE, NfsClient.dirop(tmp, "members.txt")), "the entry's owner");
        assertEquals(Nfs3.OK, as(OWNER).status(Nfs3.REMOVE, NfsClient.dirop(tmp, "other.txt")), "the folder's owner");
    }

    @Test
    void lookupNeedsSearchAndReaddirNeedsRead() throws Exception {
        folder("private", OWNER, GROUP, 0700);
        file("private/secret.txt", OWNER, GROUP, 0644, "s");
        folder("dropbox", OWNER, GROUP, 0711);
        file("dropbox/known.txt", OWNER, GROUP, 0644, "k");
        folder("listable", OWNER, GROUP, 0744);
        file("listable/seen.txt", OWNER, GROUP, 0644, "l");
        byte[] priv = lookupAsRoot(root, "private");
        byte[] dropbox = lookupAsRoot(root, "dropbox");
        byte[] listable = lookupAsRoot(root, "listable");

        assertEquals(Nfs3.ERR_ACCES, as(OTHER).status(Nfs3.LOOKUP, NfsClient.dirop(priv, "secret.txt")));
        assertEquals(Nfs3.OK, as(OWNER).status(Nfs3.LOOKUP, NfsClient.dirop(priv, "secret.txt")));
        assertEquals(Nfs3.OK, as(OTHER).status(Nfs3.LOOKUP, NfsClient.dirop(dropbox, "known.txt")), "search without read");
        assertEquals(Nfs3.ERR_ACCES, as(OTHER).status(Nfs3.READDIR, readdir(dropbox, false)), "no read: no listing");
        assertEquals(Nfs3.ERR_ACCES, as(OTHER).status(Nfs3.READDIRPLUS, readdir(dropbox, true)));
        assertEquals(Nfs3.OK, as(OTHER).status(Nfs3.READDIR, readdir(listable, false)), "read without search");
        assertEquals(Nfs3.ERR_ACCES, as(OTHER).status(Nfs3.LOOKUP, NfsClient.dirop(listable, "seen.txt")));

        // READDIRPLUS without search: the names, but no handle and no attributes of the entries
        NfsClient.Result r = as(OTHER).nfs(Nfs3.READDIRPLUS, readdir(listable, true));
        assertEquals(Nfs3.OK, r.status());
        r.skipPostOp();
        r.rest().xdrDecodeOpaque(8);
        assertTrue(r.rest().xdrDecodeBoolean());
        r.rest().xdrDecodeLong();
        assertEquals("seen.txt", new String(r.rest().xdrDecodeDynamicOpaque(), StandardCharsets.UTF_8));
        r.rest().xdrDecodeLong();
        assertFalse(r.rest().xdrDecodeBoolean(), "no attributes");
        assertFalse(r.rest().xdrDecodeBoolean(), "no handle");
    }

    @Test
    void setattrModeAndTimesAreTheOwnersSizeNeedsWrite() throws Exception {
        Path f = file("f.txt", OWNER, GROUP, 0664, "twelve bytes");
        byte[] fh = lookupAsRoot(root, "f.txt");

        Xdr3.SetattrArgs chmod = setattr(fh);
        chmod.attributes.mode = 0600;
        assertEquals(Nfs3.ERR_PERM, as(MEMBER).status(Nfs3.SETATTR, chmod), "the group may write it, not chmod it");
        assertEquals(Nfs3.OK, as(OWNER).status(Nfs3.SETATTR, chmod));
        assertEquals(0600, (Integer) Files.getAttribute(f, "unix:mode") & 07777);
        own(f, OWNER, GROUP, 0664);

        Xdr3.SetattrArgs stamp = setattr(fh);
        stamp.attributes.mtimeHow = Nfs3.SET_TO_CLIENT_TIME;
        stamp.attributes.mtime = new Xdr3.Time(1_000_000, 0);
        assertEquals(Nfs3.ERR_PERM, as(MEMBER).status(Nfs3.SETATTR, stamp), "only the owner sets explicit times");
        assertEquals(Nfs3.OK, as(OWNER).status(Nfs3.SETATTR, stamp));
        assertEquals(1_000_000L, Files.getLastModifiedTime(f).toMillis() / 1000);

        Xdr3.SetattrArgs touch = setattr(fh);
        touch.attributes.mtimeHow = Nfs3.SET_TO_SERVER_TIME;
        assertEquals(Nfs3.ERR_ACCES, as(OTHER).status(Nfs3.SETATTR, touch), "now: who may write it");
        assertEquals(Nfs3.OK, as(MEMBER).status(Nfs3.SETATTR, touch));

        Xdr3.SetattrArgs truncate = setattr(fh);
        truncate.attributes.size = 3L;
        assertEquals(Nfs3.ERR_ACCES, as(OTHER).status(Nfs3.SETATTR, truncate));
        assertEquals(12, Files.size(f));
        assertEquals(Nfs3.OK, as(MEMBER).status(Nfs3.SETATTR, truncate));
        assertEquals(3, Files.size(f));

        Xdr3.SetattrArgs chgrp = setattr(fh);
        chgrp.attributes.gid = MEMBER;
        assertEquals(Nfs3.ERR_PERM, as(OWNER).status(Nfs3.SETATTR, chgrp), "the owner is not in group 1001");
        nfs.rpc.as(OWNER, GROUP, GROUP, MEMBER);
        assertEquals(Nfs3.OK, nfs.status(Nfs3.SETATTR, chgrp), "to a group the owner is in");
        assertEquals(MEMBER, (Integer) Files.getAttribute(f, "unix:gid"));
    }

    @Test
    void accessAnswersTheCallersRealRights() throws Exception {
        file("f.txt", OWNER, GROUP, 0640, "x");
        folder("d", OWNER, GROUP, 0750);
        byte[] f = lookupAsRoot(root, "f.txt");
        byte[] d = lookupAsRoot(root, "d");
        int all = Nfs3.ACCESS_READ | Nfs3.ACCESS_LOOKUP | Nfs3.ACCESS_MODIFY | Nfs3.ACCESS_EXTEND | Nfs3.ACCESS_DELETE
                | Nfs3.ACCESS_EXECUTE;
        assertEquals(Nfs3.ACCESS_READ | Nfs3.ACCESS_MODIFY | Nfs3.ACCESS_EXTEND, access(as(OWNER), f, all));
        assertEquals(Nfs3.ACCESS_READ, access(as(MEMBER), f, all));
        assertEquals(0, access(as(OTHER), f, all));
        assertEquals(Nfs3.ACCESS_READ | Nfs3.ACCESS_LOOKUP | Nfs3.ACCESS_MODIFY | Nfs3.ACCESS_EXTEND
                | Nfs3.ACCESS_DELETE, access(as(OWNER), d, all));
        assertEquals(Nfs3.ACCESS_READ | Nfs3.ACCESS_LOOKUP, access(as(MEMBER), d, all));
        assertEquals(0, access(as(OTHER), d, all));
        assertEquals(Nfs3.ACCESS_READ, access(as(OWNER), f, Nfs3.ACCESS_READ), "only what was asked for");
    }

    private static int access(NfsClient c, byte[] fh, int asked) throws IOException {
        Xdr3.AccessArgs a = new Xdr3.AccessArgs();
        a.fh = fh;
        a.access = asked;
        NfsClient.Result r = c.nfs(Nfs3.ACCESS, a);
        assertEquals(Nfs3.OK, r.status());
        r.skipPostOp();
        return r.rest().xdrDecodeInt();
    }

    private static Xdr3.SetattrArgs setattr(byte[] fh) {
        Xdr3.SetattrArgs a = new Xdr3.SetattrArgs();
        a.fh = fh;
        a.attributes = Xdr3.Sattr.none();
        return a;
    }

    private static Xdr3.SymlinkArgs symlink(byte[] dir, String name) {
        Xdr3.SymlinkArgs a = new Xdr3.SymlinkArgs();
        a.dir = dir;
        a.name = name.getBytes(StandardCharsets.UTF_8);
        a.attributes = Xdr3.Sattr.none();
        a.target = "somewhere".getBytes(StandardCharsets.UTF_8);
        return a;
    }

    private static Xdr3.MknodArgs fifo(byte[] dir, String name) {
        Xdr3.MknodArgs a = new Xdr3.MknodArgs();
        a.dir = dir;
        a.name = name.getBytes(StandardCharsets.UTF_8);
        a.type = Nfs3.NF3FIFO;
        a.attributes = Xdr3.Sattr.none();
        return a;
    }

    private static Xdr3.LinkArgs link(byte[] fh, byte[] dir, String name) {
        Xdr3.LinkArgs a = new Xdr3.LinkArgs();
        a.fh = fh;
        a.dir = dir;
        a.name = name.getBytes(StandardCharsets.UTF_8);
        return a;
    }

    private static Xdr3.ReaddirArgs readdir(byte[] dir, boolean plus) {
        Xdr3.ReaddirArgs a = new Xdr3.ReaddirArgs(plus);
        a.dir = dir;
        a.cookieVerifier = new byte[8];
        a.dirCount = 4096;
        a.maxCount = 8192;
        return a;
    }
}
