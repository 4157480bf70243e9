package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrAble;

/**
 * NFSv3 and MOUNT v3 calls over {@link RpcClient}, for tests: each returns the reply's status and the
 * stream positioned after it, so a test reads exactly the fields it checks.
 */
public final class NfsClient implements AutoCloseable {
    public static final int OK = Nfs3.OK;
    public static final int STALE = Nfs3.ERR_STALE;
    public static final int JUKEBOX = Nfs3.ERR_JUKEBOX;
    public static final int UNSTABLE = Nfs3.UNSTABLE;
    public static final int FILE_SYNC = Nfs3.FILE_SYNC;

    final RpcClient rpc;

    /** A reply: its nfsstat3 and the rest of the results. */
    record Result(int status, Xdr rest) {
        /** Skips a post_op_attr; @return the fattr3's size if it was there, else -1 */
        long skipPostOp() throws IOException {
            if (!rest.xdrDecodeBoolean()) {
                return -1;
            }
            return fattr(rest).size;
        }

        void skipWcc() throws IOException {
            if (rest.xdrDecodeBoolean()) {
                rest.xdrDecodeLong();
                rest.xdrDecodeLong();
                rest.xdrDecodeLong();
            }
            skipPostOp();
        }
    }

    /** The fields of a fattr3 the tests look at. */
    public record Fattr(int type, int mode, long size, long fsid, long fileid, int ctimeSeconds, int ctimeNanos) {
    }

    static Fattr fattr(Xdr x) throws IOException {
        int type = x.xdrDecodeInt();
        int mode = x.xdrDecodeInt();
        x.xdrDecodeInt(); // nlink
        x.xdrDecodeInt(); // uid
        x.xdrDecodeInt(); // gid
        long size = x.xdrDecodeLong();
        x.xdrDecodeLong(); // used
        x.xdrDecodeInt();
        x.xdrDecodeInt(); // rdev
        long fsid = x.xdrDecodeLong();
        long fileid = x.xdrDecodeLong();
        x.xdrDecodeLong(); // atime
        x.xdrDecodeLong(); // mtime
        int cs = x.xdrDecodeInt();
        int cn = x.xdrDecodeInt();
        return new Fattr(type, mode, size, fsid, fileid, cs, cn);
    }

    public NfsClient(String host, int port) throws IOException {
        rpc = new RpcClient(host, port);
    }

    /** @param timeoutMs how long a reply may take */
    public NfsClient(String host, int port, int timeoutMs) throws IOException {
        rpc = new RpcClient(host, port, timeoutMs);
    }

    Result nfs(int procedure, XdrAble args) throws IOException {
        return nfs(RpcClient.nextXid(), procedure, args);
    }

    Result nfs(int xid, int procedure, XdrAble args) throws IOException {
        Xdr x = rpc.call(xid, Nfs3.PROGRAM, Nfs3.VERSION, procedure, args);
        return new Result(x.xdrDecodeInt(), x);
    }

    public byte[] mount(String path) throws IOException {
        Xdr3.MountArgs a = new Xdr3.MountArgs();
        a.path = path.getBytes(StandardCharsets.UTF_8);
        Xdr x = rpc.call(Nfs3.MOUNT_PROGRAM, Nfs3.MOUNT_VERSION, Nfs3.MOUNTPROC_MNT, a);
        int status = x.xdrDecodeInt();
        if (status != 0) {
            throw new IOException("MNT " + path + ": mountstat3 " + status);
        }
        return x.xdrDecodeDynamicOpaque();
    }

    static Xdr3.DirOpArgs dirop(byte[] dir, String name) {
        Xdr3.DirOpArgs a = new Xdr3.DirOpArgs();
        a.dir = dir;
        a.name = name.getBytes(StandardCharsets.UTF_8);
        return a;
    }

    static Xdr3.HandleArgs handle(byte[] fh) {
        Xdr3.HandleArgs a = new Xdr3.HandleArgs();
        a.fh = fh;
        return a;
    }

    /** @return the handle of {@code name} in {@code dir}, or throws with the status */
    public byte[] lookup(byte[] dir, String name) throws IOException {
        Result r = nfs(Nfs3.LOOKUP, dirop(dir, name));
        if (r.status != Nfs3.OK) {
            throw new IOException("LOOKUP " + name + ": nfsstat3 " + r.status);
        }
        return r.rest.xdrDecodeDynamicOpaque();
    }

    /** NULL: the empty call, answered with nothing; a round trip of the client, the network and the server's RPC layer. */
    public void ping() throws IOException {
        rpc.call(Nfs3.PROGRAM, Nfs3.VERSION, Nfs3.NULL, null);
    }

    public Fattr getattr(byte[] fh) throws IOException {
        Result r = nfs(Nfs3.GETATTR, handle(fh));
        if (r.status != Nfs3.OK) {
            throw new IOException("GETATTR: nfsstat3 " + r.status);
        }
        return fattr(r.rest);
    }

    int status(int procedure, XdrAble args) throws IOException {
        return nfs(procedure, args).status;
    }

    static Xdr3.CreateArgs create(byte[] dir, String name, int mode) {
        Xdr3.CreateArgs a = new Xdr3.CreateArgs();
        a.dir = dir;
        a.name = name.getBytes(StandardCharsets.UTF_8);
        a.mode = mode;
        if (mode == Nfs3.EXCLUSIVE) {
            a.verifier = new byte[] {1, 2, 3, 4, 5, 6, 7, 8};
        } else {
            a.attributes = Xdr3.Sattr.none();
        }
        return a;
    }

    /** CREATE (UNCHECKED): @return the new file's handle */
    public byte[] create(byte[] dir, String name) throws IOException {
        Result r = nfs(Nfs3.CREATE, create(dir, name, Nfs3.UNCHECKED));
        if (r.status != Nfs3.OK) {
            throw new IOException("CREATE " + name + ": nfsstat3 " + r.status);
        }
        r.rest.xdrDecodeBoolean();
        return r.rest.xdrDecodeDynamicOpaque();
    }

    static Xdr3.WriteArgs writeArgs(byte[] fh, long offset, byte[] data, int stable) {
        Xdr3.WriteArgs a = new Xdr3.WriteArgs();
        a.fh = fh;
        a.offset = offset;
        a.count = data.length;
        a.stable = stable;
        a.data = new java.nio.ByteBuffer[] {java.nio.ByteBuffer.wrap(data)};
        return a;
    }

    /** A WRITE's outcome: how it was committed and the verifier. */
    public record Written(int status, int committed, byte[] verifier) {
    }

    public Written write(byte[] fh, long offset, byte[] data, int stable) throws IOException {
        Result r = nfs(Nfs3.WRITE, writeArgs(fh, offset, data, stable));
        if (r.status != Nfs3.OK) {
            return new Written(r.status, -1, null);
        }
        r.skipWcc();
        r.rest.xdrDecodeInt();
        int committed = r.rest.xdrDecodeInt();
        return new Written(r.status, committed, r.rest.xdrDecodeOpaque(Nfs3.VERFSIZE));
    }

    /** @return the COMMIT's verifier, or throws with the status */
    public byte[] commit(byte[] fh) throws IOException {
        Xdr3.RangeArgs a = new Xdr3.RangeArgs();
        a.fh = fh;
        Result r = nfs(Nfs3.COMMIT, a);
        if (r.status != Nfs3.OK) {
            throw new IOException("COMMIT: nfsstat3 " + r.status);
        }
        r.skipWcc();
        return r.rest.xdrDecodeOpaque(Nfs3.VERFSIZE);
    }

    public byte[] read(byte[] fh, long offset, int count) throws IOException {
        Xdr3.RangeArgs a = new Xdr3.RangeArgs();
        a.fh = fh;
        a.offset = offset;
        a.count = count;
        Result r = nfs(Nfs3.READ, a);
        if (r.status != Nfs3.OK) {
            throw new IOException("READ: nfsstat3 " + r.status);
        }
        r.skipPostOp();
        r.rest.xdrDecodeInt();
        r.rest.xdrDecodeBoolean();
        return r.rest.xdrDecodeDynamicOpaque();
    }

    static Xdr3.RenameArgs rename(byte[] fromDir, String from, byte[] toDir, String to) {
        Xdr3.RenameArgs a = new Xdr3.RenameArgs();
        a.fromDir = fromDir;
        a.fromName = from.getBytes(StandardCharsets.UTF_8);
        a.toDir = toDir;
        a.toName = to.getBytes(StandardCharsets.UTF_8);
        return a;
    }

    static Xdr3.MkdirArgs mkdir(byte[] dir, String name) {
        Xdr3.MkdirArgs a = new Xdr3.MkdirArgs();
        a.dir = dir;
        a.name = name.getBytes(StandardCharsets.UTF_8);
        a.attributes = Xdr3.Sattr.none();
        return a;
    }

    public byte[] mkdirHandle(byte[] dir, String name) throws IOException {
        Result r = nfs(Nfs3.MKDIR, mkdir(dir, name));
        if (r.status != Nfs3.OK) {
            throw new IOException("MKDIR " + name + ": nfsstat3 " + r.status);
        }
        r.rest.xdrDecodeBoolean();
        return r.rest.xdrDecodeDynamicOpaque();
    }

    /** GETATTR: @return its nfsstat3 */
    public int getattrStatus(byte[] fh) throws IOException {
        return status(Nfs3.GETATTR, handle(fh));
    }

    /** REMOVE with the given XID: @return its nfsstat3 */
    public int remove(int xid, byte[] dir, String name) throws IOException {
        return nfs(xid, Nfs3.REMOVE, dirop(dir, name)).status;
    }

    /** RENAME with the given XID: @return its nfsstat3 */
    public int rename(int xid, byte[] fromDir, String from, byte[] toDir, String to) throws IOException {
        return nfs(xid, Nfs3.RENAME, rename(fromDir, from, toDir, to)).status;
    }

    /** Sends a REMOVE and does not read its reply (a reply lost on the way). */
    public void sendRemove(int xid, byte[] dir, String name) throws IOException {
        rpc.send(xid, Nfs3.PROGRAM, Nfs3.VERSION, Nfs3.REMOVE, dirop(dir, name));
    }

    /** Sends a WRITE and does not read its reply. */
    public void sendWrite(int xid, byte[] fh, long offset, byte[] data, int stable) throws IOException {
        rpc.send(xid, Nfs3.PROGRAM, Nfs3.VERSION, Nfs3.WRITE, writeArgs(fh, offset, data, stable));
    }

    /** @return the nfsstat3 of the reply to an earlier call sent without waiting */
    public int receiveStatus(int xid) throws IOException {
        return rpc.receive(xid).xdrDecodeInt();
    }

    public void sendRename(int xid, byte[] fromDir, String from, byte[] toDir, String to) throws IOException {
        rpc.send(xid, Nfs3.PROGRAM, Nfs3.VERSION, Nfs3.RENAME, rename(fromDir, from, toDir, to));
    }

    @Override
    public void close() throws IOException {
        rpc.close();
    }
}
