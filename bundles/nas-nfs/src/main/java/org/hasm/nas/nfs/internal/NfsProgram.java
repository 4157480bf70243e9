package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.dcache.oncrpc4j.rpc.OncRpcException;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrAble;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;
import org.hasm.spi.health.RequestTally;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;

/**
 * NFS version 3 (RFC 1813), all 22 procedures, on the exports of one personality. Every request
 * that names a file first proves the handle (see {@link Handles}) and that this SCM owns the
 * export's volume now; a request for a volume it does not own is answered JUKEBOX (try again later:
 * the client's next attempt reaches the SCM that serves it), and a WRITE or SETATTR whose fence fails
 * after the change reached the disk gets no reply at all, so nothing unproven is ever acknowledged.
 * Non-idempotent requests go through the volume's {@link ReplyCache}; the procedures that change a
 * folder are {@link Namespace}'s.
 */
final class NfsProgram implements RpcDispatchable {

    /** The exports of the personality, by the id their handles carry. */
    interface Exports {
        ExportState byId(long id);
    }

    /** An error reply: the status, and the empty body of the procedure's failure arm. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Failure(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** No reply at all: the client retransmits, to whichever SCM serves the volume then. */
    static final class Drop extends Exception {
        private static final long serialVersionUID = 1L;

        Drop(String message) {
            super(message, null, false, false);
        }
    }

    /** A file a handle named, with the export and the volume that prove it. */
    record Target(ExportState export, Volume volume, Path file, long id) {
        long fsid() {
            return export.volume.fsid();
        }
    }

    /** A reply body that holds a buffer lent by {@link DirectBuffers} until the reply has been sent. */
    record Lent(Xdr3.Body body, Runnable release) implements Xdr3.Body {
        @Override
        public void encode(XdrEncodingStream out) {
            body.encode(out);
        }

        @Override
        public int status() {
            return body.status();
        }
    }

    /**
     * Direct buffers of {@link Nfs3#MAX_IO} for READ replies, per personality: enough for the READs a
     * client keeps in flight, within the SCM's direct memory (a distribution's JVM has 128 MiB of it, and
     * in DEGRADED one SCM serves two personalities).
     */
    private static final int READ_BUFFERS = 8;
    /** How long a READ waits for a buffer when all are lent before it answers JUKEBOX (the client asks again). */
    static final long BUFFER_WAIT_MS = 2_000;

    // how many zero words (attributes_follow = FALSE) each procedure's failure arm holds
    private static final int[] FAIL_WORDS = {0, 0, 2, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 4, 3, 1, 1, 1, 1, 1, 2};
    private static final int FSF3_LINK = 0x1;
    private static final int FSF3_SYMLINK = 0x2;
    private static final int FSF3_HOMOGENEOUS = 0x8;
    private static final int FSF3_CANSETTIME = 0x10;

    private final Exports exports;
    private final Handles handles;
    private final LongSupplier incarnation;
    private final Events events;
    private final Namespace namespace = new Namespace(this);
    private final DirectBuffers readBuffers = new DirectBuffers(READ_BUFFERS, Nfs3.MAX_IO);

    private final RequestTally requests;

    /** @param requests where each answered procedure is counted, with its status and time */
    NfsProgram(Exports exports, Handles handles, LongSupplier incarnation, Events events, RequestTally requests) {
        this.exports = exports;
        this.handles = handles;
        this.incarnation = incarnation;
        this.events = events;
        this.requests = requests;
    }

    @Override
    public void dispatchOncRpcCall(RpcCall call) throws OncRpcException, IOException {
        long t0 = System.nanoTime();
        int proc = call.getProcedure();
        if (proc == Nfs3.NULL) {
            requests.record("NULL", "ok", System.nanoTime() - t0);
            call.reply(new Xdr3.Reply(out -> { }));
            return;
        }
        if (proc < 0 || proc > Nfs3.COMMIT) {
            call.failProcedureUnavailable();
            return;
        }
        Xdr3.Args args = args(proc);
        try {
            call.retrieveCall(args);
        } catch (IOException | RuntimeException e) {
            call.failRpcGarbage();
            return;
        }
        ExportAccess.Caller caller = null;
        ExportState export = exportOrNull(firstHandle(proc, args));
        Xdr3.Reply reply;
        try {
            if (export != null && (caller = export.access.caller(call)) == null) {
                // a client outside the export's networks, or without credentials it does not admit
                reply = new Xdr3.Reply(failure(proc, Nfs3.ERR_ACCES));
            } else if (nonIdempotent(proc, args)) {
                reply = replayable(call, proc, args, caller);
            } else {
                reply = new Xdr3.Reply(answer(proc, args, caller));
            }
        } catch (Drop e) {
            // nothing is sent: see Drop
            requests.record(Nfs3.PROCEDURES.get(proc), "dropped", System.nanoTime() - t0);
            return;
        }
        // counted before it is sent, so that a client holding its answer finds it counted
        requests.record(Nfs3.PROCEDURES.get(proc), Nfs3.statusName(reply.status()), System.nanoTime() - t0);
        reply(call, reply);
    }

    /** Sends a reply; a buffer it holds is given back once the transport has written it (or failed to). */
    private static void reply(RpcCall call, Xdr3.Reply reply) {
        if (reply.body() instanceof Lent lent) {
            call.registerSendOnceListener(new CompletionHandler<Integer, InetSocketAddress>() {
                @Override
                public void completed(Integer written, InetSocketAddress to) {
                    lent.release().run();
                }

                @Override
                public void failed(Throwable cause, InetSocketAddress to) {
                    lent.release().run();
                }
            });
        }
        call.reply(reply);
    }

    /** @return the handle a call names first (the folder of a name, or the file), which decides its export */
    private static byte[] firstHandle(int proc, Xdr3.Args a) {
        return switch (proc) {
            case Nfs3.SETATTR -> ((Xdr3.SetattrArgs) a).fh;
            case Nfs3.LOOKUP, Nfs3.REMOVE, Nfs3.RMDIR -> ((Xdr3.DirOpArgs) a).dir;
            case Nfs3.ACCESS -> ((Xdr3.AccessArgs) a).fh;
            case Nfs3.READ, Nfs3.COMMIT -> ((Xdr3.RangeArgs) a).fh;
            case Nfs3.WRITE -> ((Xdr3.WriteArgs) a).fh;
            case Nfs3.RENAME -> ((Xdr3.RenameArgs) a).fromDir;
            case Nfs3.LINK -> ((Xdr3.LinkArgs) a).fh;
            case Nfs3.READDIR, Nfs3.READDIRPLUS -> ((Xdr3.ReaddirArgs) a).dir;
            case Nfs3.CREATE, Nfs3.MKDIR, Nfs3.SYMLINK, Nfs3.MKNOD -> replyHandle(proc, a);
            default -> ((Xdr3.HandleArgs) a).fh;
        };
    }

    /** @return the export of a genuine handle, or {@code null} (the procedure answers why) */
    private ExportState exportOrNull(byte[] fh) {
        try {
            return exports.byId(handles.decode(fh).export());
        } catch (Handles.Refused r) {
            return null;
        }
    }

    private static Xdr3.Args args(int proc) {
        return switch (proc) {
            case Nfs3.SETATTR -> new Xdr3.SetattrArgs();
            case Nfs3.LOOKUP, Nfs3.REMOVE, Nfs3.RMDIR -> new Xdr3.DirOpArgs();
            case Nfs3.ACCESS -> new Xdr3.AccessArgs();
            case Nfs3.READ, Nfs3.COMMIT -> new Xdr3.RangeArgs();
            case Nfs3.WRITE -> new Xdr3.WriteArgs();
            case Nfs3.CREATE -> new Xdr3.CreateArgs();
            case Nfs3.MKDIR -> new Xdr3.MkdirArgs();
            case Nfs3.SYMLINK -> new Xdr3.SymlinkArgs();
            case Nfs3.MKNOD -> new Xdr3.MknodArgs();
            case Nfs3.RENAME -> new Xdr3.RenameArgs();
            case Nfs3.LINK -> new Xdr3.LinkArgs();
            case Nfs3.READDIR -> new Xdr3.ReaddirArgs(false);
            case Nfs3.READDIRPLUS -> new Xdr3.ReaddirArgs(true);
            default -> new Xdr3.HandleArgs();
        };
    }

    static boolean nonIdempotent(int proc, Xdr3.Args args) {
        return switch (proc) {
            case Nfs3.CREATE, Nfs3.REMOVE, Nfs3.RENAME, Nfs3.MKDIR, Nfs3.SYMLINK, Nfs3.MKNOD, Nfs3.LINK,
                    Nfs3.RMDIR -> true;
            case Nfs3.SETATTR -> ((Xdr3.SetattrArgs) args).guard != null;
            default -> false;
        };
    }

    /** The handle whose export's volume keeps the reply of a non-idempotent request. */
    private static byte[] replyHandle(int proc, Xdr3.Args a) {
        return switch (proc) {
            case Nfs3.CREATE -> ((Xdr3.CreateArgs) a).dir;
            case Nfs3.MKDIR -> ((Xdr3.MkdirArgs) a).dir;
            case Nfs3.SYMLINK -> ((Xdr3.SymlinkArgs) a).dir;
            case Nfs3.MKNOD -> ((Xdr3.MknodArgs) a).dir;
            case Nfs3.REMOVE, Nfs3.RMDIR -> ((Xdr3.DirOpArgs) a).dir;
            case Nfs3.RENAME -> ((Xdr3.RenameArgs) a).fromDir;
            case Nfs3.LINK -> ((Xdr3.LinkArgs) a).dir;
            default -> ((Xdr3.SetattrArgs) a).fh;
        };
    }

    private Xdr3.Reply replayable(RpcCall call, int proc, Xdr3.Args args, ExportAccess.Caller caller)
            throws Drop, IOException {
        ExportState export;
        try {
            export = export(replyHandle(proc, args));
        } catch (Failure f) {
            return new Xdr3.Reply(failure(proc, f.status));
        }
        try {
            export.open();
        } catch (IOException e) {
            // not owned now (JUKEBOX: the client asks again, of whoever serves the volume then), or its state unreadable
            return new Xdr3.Reply(failure(proc, export.volume.current() == null || e instanceof FencedException
                    ? Nfs3.ERR_JUKEBOX : NfsErrors.status(e)));
        }
        ReplyCache cache = export.volume.replies;
        ReplyCache.Key key = new ReplyCache.Key(client(call), call.getXid(), proc, crc(args));
        byte[] earlier = cache.lookupOrStart(key);
        if (earlier != null) {
            if (earlier.length == 0) {
                throw new Drop("the original of this retransmission is still being carried out");
            }
            return Xdr3.Reply.of(earlier);
        }
        byte[] reply;
        try {
            Xdr3.Body body;
            try {
                body = body(proc, args, caller);
            } catch (Failure f) {
                if (f.status == Nfs3.ERR_JUKEBOX) {
                    // "not now": nothing was done, so a retransmission is carried out, never answered from the cache
                    cache.abandon(key);
                    return new Xdr3.Reply(failure(proc, f.status));
                }
                body = failure(proc, f.status);
            }
            reply = bytes(new Xdr3.Reply(body));
        } catch (Drop | RuntimeException | IOException | Error e) {
            // no reply kept: a retransmission is carried out, not dropped as "still being carried out" for good
            cache.abandon(key);
            throw e;
        }
        try {
            cache.done(key, reply);
        } catch (IOException e) {
            // the request was carried out; a retransmission after a takeover may then be answered as new
            events.warn("export " + export.name + ": cannot keep the reply of " + proc + " in the duplicate request cache: "
                    + e.getMessage());
        }
        return Xdr3.Reply.of(reply);
    }

    static String client(RpcCall call) {
        var remote = call.getTransport().getRemoteSocketAddress();
        return remote == null || remote.getAddress() == null ? "?" : remote.getAddress().getHostAddress();
    }

    static int crc(XdrAble args) throws IOException {
        CRC32 c = new CRC32();
        c.update(bytes(args));
        return (int) c.getValue();
    }

    static byte[] bytes(XdrAble x) throws IOException {
        try (Xdr xdr = new Xdr(1024)) {
            xdr.beginEncoding();
            x.xdrEncode(xdr);
            xdr.endEncoding();
            return xdr.getBytes();
        } catch (OncRpcException e) {
            throw new IOException(e);
        }
    }

    private Xdr3.Body answer(int proc, Xdr3.Args args, ExportAccess.Caller caller) throws Drop {
        try {
            return body(proc, args, caller);
        } catch (Failure f) {
            return failure(proc, f.status);
        }
    }

    /** @return the procedure's successful reply body (status OK first) */
    private Xdr3.Body body(int proc, Xdr3.Args args, ExportAccess.Caller caller) throws Drop, Failure {
        Xdr3.Body ok = switch (proc) {
            case Nfs3.GETATTR -> getattr((Xdr3.HandleArgs) args);
            case Nfs3.SETATTR -> setattr((Xdr3.SetattrArgs) args, caller);
            case Nfs3.LOOKUP -> lookup((Xdr3.DirOpArgs) args, caller);
            case Nfs3.ACCESS -> access((Xdr3.AccessArgs) args, caller);
            case Nfs3.READLINK -> readlink((Xdr3.HandleArgs) args);
            case Nfs3.READ -> read((Xdr3.RangeArgs) args, caller);
            case Nfs3.WRITE -> write((Xdr3.WriteArgs) args, caller);
            case Nfs3.CREATE -> namespace.create((Xdr3.CreateArgs) args, caller);
            case Nfs3.MKDIR -> namespace.mkdir((Xdr3.MkdirArgs) args, caller);
            case Nfs3.SYMLINK -> namespace.symlink((Xdr3.SymlinkArgs) args, caller);
            case Nfs3.MKNOD -> namespace.mknod((Xdr3.MknodArgs) args, caller);
            case Nfs3.REMOVE -> namespace.remove((Xdr3.DirOpArgs) args, false, caller);
            case Nfs3.RMDIR -> namespace.remove((Xdr3.DirOpArgs) args, true, caller);
            case Nfs3.RENAME -> namespace.rename((Xdr3.RenameArgs) args, caller);
            case Nfs3.LINK -> namespace.link((Xdr3.LinkArgs) args, caller);
            case Nfs3.COMMIT -> commit((Xdr3.RangeArgs) args, caller);
            case Nfs3.READDIR, Nfs3.READDIRPLUS -> readdir((Xdr3.ReaddirArgs) args, caller);
            case Nfs3.FSSTAT -> fsstat((Xdr3.HandleArgs) args);
            case Nfs3.FSINFO -> fsinfo((Xdr3.HandleArgs) args);
            case Nfs3.PATHCONF -> pathconf((Xdr3.HandleArgs) args);
            default -> throw new Failure(Nfs3.ERR_NOTSUPP, "procedure " + proc);
        };
        Xdr3.Body reply = out -> {
            out.xdrEncodeInt(Nfs3.OK);
            ok.encode(out);
        };
        return ok instanceof Lent l ? new Lent(reply, l.release()) : reply;
    }

    private static Xdr3.Body failure(int proc, int status) {
        return new Xdr3.Body() {
            @Override
            public void encode(XdrEncodingStream out) {
                out.xdrEncodeInt(status);
                for (int i = 0; i < FAIL_WORDS[proc]; i++) {
                    out.xdrEncodeInt(0);
                }
            }

            @Override
            public int status() {
                return status;
            }
        };
    }

    // ---- handles ----

    private ExportState export(byte[] fh) throws Failure {
        Handles.Decoded d;
        try {
            d = handles.decode(fh);
        } catch (Handles.Refused r) {
            throw new Failure(r.status, r.getMessage());
        }
        ExportState e = exports.byId(d.export());
        if (e == null) {
            throw new Failure(Nfs3.ERR_STALE, "the handle's export is not served here");
        }
        return e;
    }

    Target target(byte[] fh) throws Failure {
        Handles.Decoded d;
        try {
            d = handles.decode(fh);
        } catch (Handles.Refused r) {
            throw new Failure(r.status, r.getMessage());
        }
        ExportState e = exports.byId(d.export());
        if (e == null) {
            throw new Failure(Nfs3.ERR_STALE, "the handle's export is not served here");
        }
        Volume v = e.volume.current();
        if (v == null) {
            throw new Failure(Nfs3.ERR_JUKEBOX, "volume " + e.volume.name() + " is not owned by this SCM now");
        }
        try {
            e.open();
        } catch (IOException ex) {
            throw new Failure(v.owned() && !(ex instanceof FencedException) ? NfsErrors.status(ex) : Nfs3.ERR_JUKEBOX,
                    ex.getMessage());
        }
        Path file;
        try {
            file = e.volume.ids.resolve(d.fileId(), d.inode(), e.folder, e.rootId());
        } catch (FileIds.Stale s) {
            throw new Failure(Nfs3.ERR_STALE, s.getMessage());
        }
        if (!file.startsWith(e.folder) || !e.inside(file)) {
            throw new Failure(Nfs3.ERR_STALE, "the handle leads out of export " + e.name);
        }
        return new Target(e, v, file, d.fileId());
    }

    Target writable(byte[] fh) throws Failure {
        Target t = target(fh);
        if (t.export.readOnly) {
            throw new Failure(Nfs3.ERR_ROFS, "export " + t.export.name + " is read-only");
        }
        return t;
    }

    byte[] handleOf(ExportState e, Path file, long parentId) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        long id = e.volume.ids.idOf(file, a);
        if (!file.equals(e.folder)) {
            e.volume.ids.placed(id, parentId, file);
        }
        return handles.encode(e.id, id, FileIds.inode(a));
    }

    byte[] rootHandle(ExportState e) {
        return handles.encode(e.id, e.rootId(), e.rootInode());
    }

    /**
     * @param below folder names under the export's root, as a MNT of {@code /export/a/b} names them
     * @return the handle of that folder, or {@code null} if it is not a folder of the export (a
     *     symbolic link on the way, a reserved name, a missing one)
     */
    byte[] folderHandle(ExportState e, List<String> below) throws IOException {
        e.open();
        Path folder = e.folder;
        long id = e.rootId();
        for (String name : below) {
            if (!FileIds.validName(name) || name.startsWith(FileIds.RESERVED_PREFIX)) {
                return null;
            }
            Path next = folder.resolve(name);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(next, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException ex) {
                return null;
            }
            if (!a.isDirectory()) {
                return null;
            }
            long childId = e.volume.ids.idOf(next, a);
            e.volume.ids.placed(childId, id, next);
            folder = next;
            id = childId;
        }
        return below.isEmpty() ? rootHandle(e) : handleOf(e, folder, e.volume.ids.idOf(folder.getParent(),
                Files.readAttributes(folder.getParent(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)));
    }

    /** @return the child {@code name} of a folder, once the name is a plain one of this export */
    static Path child(Target dir, byte[] raw, boolean creating) throws Failure {
        if (raw.length > Nfs3.NAME_MAX) {
            throw new Failure(Nfs3.ERR_NAMETOOLONG, "name of " + raw.length + " bytes, at most " + Nfs3.NAME_MAX);
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new Failure(Nfs3.ERR_INVAL, "name is not UTF-8");
        }
        if (!FileIds.validName(name)) {
            throw new Failure(name.equals("..") || name.equals(".") ? Nfs3.ERR_ACCES : Nfs3.ERR_INVAL,
                    "name '" + name + "' is not a plain file name");
        }
        if (name.startsWith(FileIds.RESERVED_PREFIX)) {
            throw new Failure(creating ? Nfs3.ERR_ACCES : Nfs3.ERR_NOENT, "name '" + name + "' is reserved");
        }
        Attrs d = Attrs.orNull(dir.file);
        if (d == null) {
            throw new Failure(Nfs3.ERR_STALE, "folder gone");
        }
        if (!d.directory()) {
            throw new Failure(Nfs3.ERR_NOTDIR, "not a folder");
        }
        return dir.file.resolve(name);
    }

    /**
     * Proves the volume is still this SCM's before a change is acknowledged (or, for a namespace change,
     * made). A refusal while this SCM's ownership has not ended (its lease lapsed for a moment under
     * load, the record could not be read) answers JUKEBOX: nothing is acknowledged, and the client
     * retries, on this SCM or on whichever serves the volume then, instead of waiting for a reply that
     * never comes (a TCP client that is not answered may never send again). Only a volume that is
     * definitely lost (the fence found another owner, or the ownership ended) gets no reply at all, as a
     * woken SCM answers nothing for a volume it lost.
     */
    void fence(Target t) throws Drop, Failure {
        try {
            t.volume.fence();
        } catch (FencedException e) {
            if (t.export.volume.held(t.volume)) {
                throw new Failure(Nfs3.ERR_JUKEBOX, "volume " + t.export.volume.name() + " not proven now: "
                        + e.getMessage());
            }
            events.warn("personality " + t.export.personality + ", export " + t.export.name + ": write not acknowledged: "
                    + e.getMessage());
            events.publish("FENCED", Map.of("personality", t.export.personality, "export", t.export.name,
                    "volume", t.export.volume.name(), "reason", String.valueOf(e.getMessage())));
            throw new Drop("fenced");
        }
    }

    static Failure failure(Target t, IOException e) {
        int status = status(e);
        if (status == Nfs3.ERR_IO || status == Nfs3.ERR_NOSPC || status == Nfs3.ERR_ROFS) {
            t.volume.writeFailed(e);
        }
        return new Failure(status, e.getMessage());
    }

    static int status(IOException e) {
        return NfsErrors.status(e);
    }

    // ---- procedures ----

    private Xdr3.Body getattr(Xdr3.HandleArgs a) throws Failure {
        Target t = target(a.fh);
        Attrs attrs = attrs(t);
        return out -> attrs.encode(out, t.fsid());
    }

    static Attrs attrs(Target t) throws Failure {
        try {
            return Attrs.of(t.file);
        } catch (IOException e) {
            throw new Failure(e instanceof NoSuchFileException ? Nfs3.ERR_STALE : Nfs3.ERR_IO, e.getMessage());
        }
    }

    private Xdr3.Body setattr(Xdr3.SetattrArgs a, ExportAccess.Caller caller) throws Failure, Drop {
        Target t = writable(a.fh);
        Attrs before = attrs(t);
        if (a.guard != null && (before.ctime().toInstant().getEpochSecond() != (a.guard.seconds() & 0xffffffffL)
                || before.ctime().toInstant().getNano() != a.guard.nanos())) {
            throw new Failure(Nfs3.ERR_NOT_SYNC, "ctime changed since the guard");
        }
        if (!mayChown(caller, a.attributes, before)) {
            throw new Failure(Nfs3.ERR_PERM, "only root gives a file away, and only to a group its owner is in");
        }
        mayChange(caller, a.attributes, before);
        Xdr3.Sattr wanted = a.attributes;
        if (wanted.mode != null) {
            wanted.mode = Permissions.settableMode(caller, before, wanted.mode);
        }
        try {
            apply(t.file, wanted, before);
            forceChanged(t.file, before);
        } catch (IOException e) {
            throw failure(t, e);
        }
        fence(t); // durable and still ours, as for a WRITE: only now may the client count on the change
        Attrs after = Attrs.orNull(t.file);
        return out -> Attrs.wcc(out, before, after, t.fsid());
    }

    /**
     * Makes a change of a file's attributes (and of its size) durable: a regular file or a folder through a
     * descriptor of its own, whose fsync writes the inode and the pages a truncation or an extension touched.
     * Anything else (a symbolic link, on which Java opens no descriptor; a FIFO, whose opening would block)
     * has its folder forced instead, which on a journaled file system commits the inode's change with it
     * (ext2, or ext4 without a journal, may lose it at a power cut), as has a file this SCM may not open.
     */
    static void forceChanged(Path file, Attrs attrs) throws IOException {
        if (attrs.type() == Nfs3.NF3REG || attrs.directory()) {
            Records.forceInode(file);
        } else {
            Records.forceFolder(file.getParent());
        }
    }

    /**
     * Only an unsquashed root gives a file away; anyone may name the owner and group it has, and its
     * owner may give it to a group the owner is in (chown(2)'s rules).
     */
    static boolean mayChown(ExportAccess.Caller caller, Xdr3.Sattr s, Attrs current) {
        if (caller == null || caller.root()) {
            return true;
        }
        boolean owner = caller.uid() == current.uid();
        return (s.uid == null || s.uid == current.uid())
                && (s.gid == null || s.gid == current.gid() || owner && caller.inGroup(s.gid));
    }

    /**
     * The mode bits' rules for SETATTR: the mode and explicit times are the owner's (or root's) to
     * change; the times set to the server's clock, by anyone who may write the file; the size, by
     * anyone who may write it (its owner always, as for WRITE).
     *
     * @throws Failure PERM or ACCES naming what was refused
     */
    static void mayChange(ExportAccess.Caller caller, Xdr3.Sattr s, Attrs current) throws Failure {
        boolean owner = Permissions.ownsOrRoot(caller, current);
        if (s.mode != null && !owner) {
            throw new Failure(Nfs3.ERR_PERM, "only the owner or root changes a file's mode");
        }
        if ((s.atimeHow == Nfs3.SET_TO_CLIENT_TIME || s.mtimeHow == Nfs3.SET_TO_CLIENT_TIME) && !owner) {
            throw new Failure(Nfs3.ERR_PERM, "only the owner or root sets a file's times");
        }
        if ((s.atimeHow == Nfs3.SET_TO_SERVER_TIME || s.mtimeHow == Nfs3.SET_TO_SERVER_TIME) && !owner) {
            Permissions.require(caller, current, Permissions.WRITE, "touch");
        }
        if (s.size != null) {
            if (s.size < 0) {
                throw new Failure(Nfs3.ERR_FBIG, "size " + Long.toUnsignedString(s.size) + " is beyond any file");
            }
            Permissions.requireWrite(caller, current, "truncate");
        }
    }

    /** @return whether a new file of the caller's may be made with these owner and group */
    static boolean mayGive(ExportAccess.Caller caller, Xdr3.Sattr s) {
        if (caller == null || caller.root()) {
            return true;
        }
        return (s.uid == null || s.uid == caller.uid()) && (s.gid == null || s.gid == caller.gid());
    }

    /** Gives what a caller made to the caller: the owner and group of a new file are who asked for it. */
    static void own(Path file, ExportAccess.Caller caller) throws IOException {
        if (caller != null) {
            Files.setAttribute(file, "unix:uid", caller.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(file, "unix:gid", caller.gid(), LinkOption.NOFOLLOW_LINKS);
        }
    }

    static void apply(Path file, Xdr3.Sattr s, Attrs current) throws IOException {
        if (s.size != null) {
            if (current.directory()) {
                throw new FileSystemException(file.toString(), null, "Is a directory");
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                long size = ch.size();
                if (s.size < size) {
                    ch.truncate(s.size);
                } else if (s.size > size) {
                    ch.write(ByteBuffer.allocate(1), s.size - 1);
                }
            }
        }
        if (s.mode != null && current.type() != Nfs3.NF3LNK) {
            Files.setAttribute(file, "unix:mode", s.mode & 07777, LinkOption.NOFOLLOW_LINKS);
        }
        if (s.uid != null) {
            Files.setAttribute(file, "unix:uid", s.uid, LinkOption.NOFOLLOW_LINKS);
        }
        if (s.gid != null) {
            Files.setAttribute(file, "unix:gid", s.gid, LinkOption.NOFOLLOW_LINKS);
        }
        FileTime atime = time(s.atimeHow, s.atime);
        FileTime mtime = time(s.mtimeHow, s.mtime);
        if ((atime != null || mtime != null) && current.type() != Nfs3.NF3LNK) {
            Files.getFileAttributeView(file, java.nio.file.attribute.BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).setTimes(mtime, atime, null);
        }
    }

    private static FileTime time(int how, Xdr3.Time t) {
        return switch (how) {
            case Nfs3.SET_TO_SERVER_TIME -> FileTime.from(Instant.now());
            case Nfs3.SET_TO_CLIENT_TIME -> FileTime.from(Instant.ofEpochSecond(t.seconds() & 0xffffffffL, t.nanos()));
            default -> null;
        };
    }

    private Xdr3.Body lookup(Xdr3.DirOpArgs a, ExportAccess.Caller caller) throws Failure {
        Target dir = target(a.dir);
        Path file = child(dir, a.name, false);
        Permissions.require(caller, attrs(dir), Permissions.EXEC, "lookup in a folder");
        Attrs fa = Attrs.orNull(file);
        Attrs da = Attrs.orNull(dir.file);
        if (fa == null) {
            throw new Failure(Nfs3.ERR_NOENT, "no " + file.getFileName());
        }
        byte[] fh;
        try {
            fh = handleOf(dir.export, file, dir.id);
        } catch (IOException e) {
            throw new Failure(status(e), e.getMessage());
        }
        return out -> {
            out.xdrEncodeDynamicOpaque(fh);
            Attrs.post(out, fa, dir.fsid());
            Attrs.post(out, da, dir.fsid());
        };
    }

    private Xdr3.Body access(Xdr3.AccessArgs a, ExportAccess.Caller caller) throws Failure {
        Target t = target(a.fh);
        Attrs attrs = attrs(t);
        int result = Permissions.granted(caller, attrs, a.access, t.export.readOnly);
        return out -> {
            Attrs.post(out, attrs, t.fsid());
            out.xdrEncodeInt(result);
        };
    }

    private Xdr3.Body readlink(Xdr3.HandleArgs a) throws Failure {
        Target t = target(a.fh);
        Attrs attrs = attrs(t);
        if (attrs.type() != Nfs3.NF3LNK) {
            throw new Failure(Nfs3.ERR_INVAL, "not a symbolic link");
        }
        byte[] target;
        try {
            target = Files.readSymbolicLink(t.file).toString().getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Failure(status(e), e.getMessage());
        }
        return out -> {
            Attrs.post(out, attrs, t.fsid());
            out.xdrEncodeDynamicOpaque(target);
        };
    }

    private Xdr3.Body read(Xdr3.RangeArgs a, ExportAccess.Caller caller) throws Failure {
        Target t = target(a.fh);
        Attrs attrs = attrs(t);
        if (attrs.directory()) {
            throw new Failure(Nfs3.ERR_ISDIR, "a folder");
        }
        if (attrs.type() != Nfs3.NF3REG) {
            throw new Failure(Nfs3.ERR_INVAL, "not a regular file");
        }
        Permissions.requireRead(caller, attrs, "read");
        if (a.offset < 0) {
            throw new Failure(Nfs3.ERR_INVAL, "offset " + Long.toUnsignedString(a.offset) + " is beyond any file");
        }
        int count = (int) Math.min(Math.max(0, a.count & 0xffffffffL), Nfs3.MAX_IO);
        ByteBuffer data = readBuffers.take(count, BUFFER_WAIT_MS);
        if (data == null) {
            throw new Failure(Nfs3.ERR_JUKEBOX, "every READ buffer is lent (replies being sent): asked again later");
        }
        try {
            try (FileChannel ch = FileChannel.open(t.file, StandardOpenOption.READ)) {
                long pos = a.offset;
                while (data.hasRemaining()) {
                    int n = ch.read(data, pos);
                    if (n < 0) {
                        break;
                    }
                    pos += n;
                }
            } catch (IOException e) {
                throw new Failure(status(e), e.getMessage());
            }
            if (t.volume.owned() == false) {
                throw new Failure(Nfs3.ERR_JUKEBOX, "volume lost while reading");
            }
        } catch (Failure | RuntimeException e) {
            readBuffers.give(data);
            throw e;
        }
        data.flip();
        int n = data.remaining();
        boolean eof = a.offset + n >= attrs.size();
        return new Lent(out -> {
            Attrs.post(out, attrs, t.fsid());
            out.xdrEncodeInt(n);
            out.xdrEncodeBoolean(eof);
            if (out instanceof Xdr x) {
                x.xdrEncodeShallowByteBuffer(data); // sent from the buffer itself, not copied into the reply
            } else {
                out.xdrEncodeByteBuffer(data);
            }
        }, () -> readBuffers.give(data));
    }

    private Xdr3.Body write(Xdr3.WriteArgs a, ExportAccess.Caller caller) throws Failure, Drop {
        Target t = writable(a.fh);
        Attrs before = attrs(t);
        if (before.type() != Nfs3.NF3REG) {
            throw new Failure(before.directory() ? Nfs3.ERR_ISDIR : Nfs3.ERR_INVAL, "not a regular file");
        }
        Permissions.requireWrite(caller, before, "write");
        int count = Math.min(a.count, a.length());
        if (count < 0) {
            throw new Failure(Nfs3.ERR_INVAL, "count " + a.count);
        }
        if (a.offset < 0 || a.offset + count < 0) {
            throw new Failure(Nfs3.ERR_FBIG, "offset " + Long.toUnsignedString(a.offset) + " is beyond any file");
        }
        int committed = a.stable;
        try (FileChannel ch = FileChannel.open(t.file, StandardOpenOption.WRITE)) {
            // one gathering write from the request's own buffers; the channel is this request's alone
            ByteBuffer[] data = a.first(count);
            ch.position(a.offset);
            long left = count;
            while (left > 0) {
                left -= ch.write(data);
            }
            if (committed != Nfs3.UNSTABLE) {
                ch.force(committed == Nfs3.FILE_SYNC);
            }
        } catch (IOException e) {
            throw failure(t, e);
        }
        if (committed != Nfs3.UNSTABLE) {
            fence(t); // durable and still ours: only now may the client forget the data
        }
        byte[] verifier = WriteVerifier.of(t.volume.epoch(), incarnation.getAsLong());
        Attrs after = Attrs.orNull(t.file);
        return out -> {
            Attrs.wcc(out, before, after, t.fsid());
            out.xdrEncodeInt(count);
            out.xdrEncodeInt(committed);
            out.xdrEncodeOpaque(verifier, Nfs3.VERFSIZE);
        };
    }

    private Xdr3.Body commit(Xdr3.RangeArgs a, ExportAccess.Caller caller) throws Failure, Drop {
        Target t = target(a.fh);
        Attrs before = attrs(t);
        if (before.type() == Nfs3.NF3REG && !t.export.readOnly) {
            Permissions.requireWrite(caller, before, "commit");
            // a new descriptor's fsync writes every dirty page of the file, whoever wrote it
            try (FileChannel ch = FileChannel.open(t.file, StandardOpenOption.WRITE)) {
                ch.force(true);
            } catch (IOException e) {
                throw failure(t, e);
            }
            fence(t);
        }
        byte[] verifier = WriteVerifier.of(t.volume.epoch(), incarnation.getAsLong());
        Attrs after = Attrs.orNull(t.file);
        return out -> {
            Attrs.wcc(out, before, after, t.fsid());
            out.xdrEncodeOpaque(verifier, Nfs3.VERFSIZE);
        };
    }

    private Xdr3.Body readdir(Xdr3.ReaddirArgs a, ExportAccess.Caller caller) throws Failure {
        Target dir = target(a.dir);
        Attrs da = attrs(dir);
        if (!da.directory()) {
            throw new Failure(Nfs3.ERR_NOTDIR, "not a folder");
        }
        Permissions.require(caller, da, Permissions.READ, "list a folder");
        // the handles and attributes of READDIRPLUS are a LOOKUP of each entry: they need search permission
        boolean plus = a.plus && Permissions.allows(caller, da, Permissions.EXEC);
        List<Path> children;
        try (Stream<Path> s = Files.list(dir.file)) {
            children = s.filter(p -> !p.getFileName().toString().startsWith(FileIds.RESERVED_PREFIX)).sorted().toList();
        } catch (IOException e) {
            throw new Failure(status(e), e.getMessage());
        }
        // a cookie is the position after an entry in name order; one past the end (the folder shrank
        // between two pages) ends the listing instead of failing it
        long start = a.cookie < 0 || a.cookie > children.size() ? children.size() : a.cookie;
        // the reply must fit what the client offered: count the bytes as they will be encoded
        int budget = Math.max(a.plus ? a.maxCount : a.dirCount, 512) - 128;
        int dirBudget = Math.max(a.dirCount, 512);
        record Entry(long inode, byte[] name, long cookie, Attrs attrs, byte[] fh) {
        }
        List<Entry> entries = new ArrayList<>();
        int used = 0;
        int dirUsed = 0;
        int i = (int) start;
        for (; i < children.size(); i++) {
            Path c = children.get(i);
            Attrs ca = Attrs.orNull(c);
            if (ca == null) {
                continue; // removed meanwhile
            }
            byte[] name = c.getFileName().toString().getBytes(StandardCharsets.UTF_8);
            int nameBytes = 4 + (name.length + 3) / 4 * 4;
            int size = 4 + 8 + nameBytes + 8;
            byte[] fh = null;
            if (plus) {
                try {
                    fh = handleOf(dir.export, c, dir.id);
                } catch (IOException e) {
                    fh = null;
                }
                size += 4 + 84 + 4 + (fh == null ? 0 : 4 + fh.length);
            }
            if (used + size > budget || dirUsed + 8 + nameBytes + 8 > dirBudget) {
                break;
            }
            used += size;
            dirUsed += 8 + nameBytes + 8;
            entries.add(new Entry(ca.inode(), name, i + 1, ca, fh));
        }
        if (entries.isEmpty() && i < children.size()) {
            throw new Failure(Nfs3.ERR_TOOSMALL, "not even one entry fits");
        }
        boolean eof = i >= children.size();
        long fsid = dir.fsid();
        return out -> {
            Attrs.post(out, da, fsid);
            out.xdrEncodeOpaque(new byte[Nfs3.VERFSIZE], Nfs3.VERFSIZE);
            for (Entry e : entries) {
                out.xdrEncodeBoolean(true);
                out.xdrEncodeLong(e.inode);
                out.xdrEncodeDynamicOpaque(e.name);
                out.xdrEncodeLong(e.cookie);
                if (a.plus) {
                    Attrs.post(out, plus ? e.attrs : null, fsid);
                    out.xdrEncodeBoolean(e.fh != null);
                    if (e.fh != null) {
                        out.xdrEncodeDynamicOpaque(e.fh);
                    }
                }
            }
            out.xdrEncodeBoolean(false);
            out.xdrEncodeBoolean(eof);
        };
    }

    private Xdr3.Body fsstat(Xdr3.HandleArgs a) throws Failure {
        Target t = target(a.fh);
        Attrs attrs = attrs(t);
        long total;
        long free;
        long avail;
        try {
            FileStore store = Files.getFileStore(t.file);
            total = store.getTotalSpace();
            free = store.getUnallocatedSpace();
            avail = store.getUsableSpace();
        } catch (IOException e) {
            throw new Failure(status(e), e.getMessage());
        }
        return out -> {
            Attrs.post(out, attrs, t.fsid());
            out.xdrEncodeLong(total);
            out.xdrEncodeLong(free);
            out.xdrEncodeLong(avail);
            // Java cannot see the inode counts: say what the space would hold in 4 KiB files
            out.xdrEncodeLong(total / 4096);
            out.xdrEncodeLong(free / 4096);
            out.xdrEncodeLong(avail / 4096);
            out.xdrEncodeInt(0); // invarsec: the figures may change at any time
        };
    }

    private Xdr3.Body fsinfo(Xdr3.HandleArgs a) throws Failure {
        Target t = target(a.fh);
        Attrs attrs = attrs(t);
        return out -> {
            Attrs.post(out, attrs, t.fsid());
            out.xdrEncodeInt(Nfs3.MAX_IO); // rtmax
            out.xdrEncodeInt(Nfs3.MAX_IO); // rtpref
            out.xdrEncodeInt(4096); // rtmult
            out.xdrEncodeInt(Nfs3.MAX_IO); // wtmax
            out.xdrEncodeInt(Nfs3.MAX_IO); // wtpref
            out.xdrEncodeInt(4096); // wtmult
            out.xdrEncodeInt(64 * 1024); // dtpref
            out.xdrEncodeLong(Long.MAX_VALUE); // maxfilesize
            out.xdrEncodeInt(0); // time_delta: 1 ns
            out.xdrEncodeInt(1);
            out.xdrEncodeInt(FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME);
        };
    }

    private Xdr3.Body pathconf(Xdr3.HandleArgs a) throws Failure {
        Target t = target(a.fh);
        Attrs attrs = attrs(t);
        return out -> {
            Attrs.post(out, attrs, t.fsid());
            out.xdrEncodeInt(65_000); // linkmax
            out.xdrEncodeInt(Nfs3.NAME_MAX);
            out.xdrEncodeBoolean(true); // no_trunc: a longer name is refused, never cut
            out.xdrEncodeBoolean(true); // chown_restricted
            out.xdrEncodeBoolean(false); // case_insensitive
            out.xdrEncodeBoolean(true); // case_preserving
        };
    }
}
