package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * A file's attributes as NFSv3 reports them (fattr3), read from the file system without following a
 * symbolic link. The file id is the inode, the same on both SCMs of a pair because they share the
 * storage; the file system id is the volume's ({@link #fsid}), not the device's, so it stays the
 * same after a takeover too.
 */
record Attrs(int type, int mode, int nlink, int uid, int gid, long size, long rdev, long inode,
        FileTime atime, FileTime mtime, FileTime ctime) {

    private static final int S_IFMT = 0170000;
    /**
     * The attributes named one by one: {@code unix:*} also names the owner and group, which the JDK
     * looks up by reading {@code /etc/passwd} and {@code /etc/group} on every call (ten times per file
     * in a CREATE, GETATTR, REMOVE loop: most of the server's system calls).
     */
    private static final String NAMES = "unix:mode,nlink,uid,gid,size,rdev,ino,lastAccessTime,lastModifiedTime,ctime";

    static Attrs of(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, NAMES, LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        return new Attrs(type(mode), mode & 07777, (Integer) a.get("nlink"), (Integer) a.get("uid"),
                (Integer) a.get("gid"), (Long) a.get("size"), (Long) a.get("rdev"), (Long) a.get("ino"),
                (FileTime) a.get("lastAccessTime"), (FileTime) a.get("lastModifiedTime"), (FileTime) a.get("ctime"));
    }

    static Attrs orNull(Path file) {
        try {
            return of(file);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static int type(int mode) {
        return switch (mode & S_IFMT) {
            case 0040000 -> Nfs3.NF3DIR;
            case 0120000 -> Nfs3.NF3LNK;
            case 0060000 -> Nfs3.NF3BLK;
            case 0020000 -> Nfs3.NF3CHR;
            case 0140000 -> Nfs3.NF3SOCK;
            case 0010000 -> Nfs3.NF3FIFO;
            default -> Nfs3.NF3REG;
        };
    }

    boolean directory() {
        return type == Nfs3.NF3DIR;
    }

    /** fattr3. */
    void encode(XdrEncodingStream out, long fsid) {
        out.xdrEncodeInt(type);
        out.xdrEncodeInt(mode);
        out.xdrEncodeInt(nlink);
        out.xdrEncodeInt(uid);
        out.xdrEncodeInt(gid);
        out.xdrEncodeLong(size);
        out.xdrEncodeLong((size + 511) / 512 * 512);
        out.xdrEncodeInt((int) (rdev >>> 8) & 0xfff); // major
        out.xdrEncodeInt((int) (rdev & 0xff) | (int) ((rdev >>> 12) & 0xfff00)); // minor
        out.xdrEncodeLong(fsid);
        out.xdrEncodeLong(inode);
        time(out, atime);
        time(out, mtime);
        time(out, ctime);
    }

    /** wcc_attr: what a client compares with its cache. */
    void encodeWcc(XdrEncodingStream out) {
        out.xdrEncodeLong(size);
        time(out, mtime);
        time(out, ctime);
    }

    static void time(XdrEncodingStream out, FileTime t) {
        Instant i = t.toInstant();
        out.xdrEncodeInt((int) i.getEpochSecond());
        out.xdrEncodeInt(i.getNano());
    }

    /** post_op_attr. */
    static void post(XdrEncodingStream out, Attrs a, long fsid) {
        out.xdrEncodeBoolean(a != null);
        if (a != null) {
            a.encode(out, fsid);
        }
    }

    /** wcc_data: the attributes before (pre_op_attr) and after (post_op_attr). */
    static void wcc(XdrEncodingStream out, Attrs before, Attrs after, long fsid) {
        out.xdrEncodeBoolean(before != null);
        if (before != null) {
            before.encodeWcc(out);
        }
        post(out, after, fsid);
    }
}
