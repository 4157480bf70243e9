package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.dcache.oncrpc4j.rpc.OncRpcException;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrAble;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.memory.ByteBufferArray;

/**
 * The arguments of NFSv3 and MOUNT v3 (RFC 1813), written against oncrpc4j's {@link XdrAble} by
 * hand because no XDR generator resolves for this build. Each type decodes what a client sends and
 * encodes it back byte for byte (the duplicate request cache and the test client rely on that).
 * Variable-length fields are bounded before anything is allocated for them beyond the record.
 */
final class Xdr3 {
    private Xdr3() {
    }

    /** A call whose arguments do not decode: answered GARBAGE_ARGS. */
    static final class Malformed extends OncRpcException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /** Longest opaque this server reads for a name or a symlink target. */
    static final int MAX_PATH_BYTES = 4096;

    /**
     * A variable-length opaque of at most {@code max} bytes. The length is the client's word: it is
     * checked before anything is allocated for it (a GETATTR whose handle claimed 2 GiB took the SCM's
     * heap, and with it the SCM, before this check came first).
     */
    static byte[] opaque(XdrDecodingStream in, int max, String what) throws IOException {
        int length = in.xdrDecodeInt();
        if (length < 0 || length > max) {
            throw new Malformed(what + " of " + Integer.toUnsignedString(length) + " bytes, at most " + max);
        }
        return in.xdrDecodeOpaque(length);
    }

    /** nfs_fh3: the handle as the client sent it; judged by {@link Handles}. */
    static byte[] handle(XdrDecodingStream in) throws IOException {
        return opaque(in, Nfs3.FHSIZE, "file handle");
    }

    /** nfstime3. */
    record Time(int seconds, int nanos) {
        static Time decode(XdrDecodingStream in) throws IOException {
            return new Time(in.xdrDecodeInt(), in.xdrDecodeInt());
        }

        void encode(XdrEncodingStream out) {
            out.xdrEncodeInt(seconds);
            out.xdrEncodeInt(nanos);
        }
    }

    /** sattr3: what a client asks to change; {@code null} fields stay as they are. */
    static final class Sattr {
        Integer mode;
        Integer uid;
        Integer gid;
        Long size;
        int atimeHow;
        Time atime;
        int mtimeHow;
        Time mtime;

        static Sattr decode(XdrDecodingStream in) throws IOException {
            Sattr s = new Sattr();
            s.mode = in.xdrDecodeBoolean() ? in.xdrDecodeInt() : null;
            s.uid = in.xdrDecodeBoolean() ? in.xdrDecodeInt() : null;
            s.gid = in.xdrDecodeBoolean() ? in.xdrDecodeInt() : null;
            s.size = in.xdrDecodeBoolean() ? in.xdrDecodeLong() : null;
            s.atimeHow = in.xdrDecodeInt();
            s.atime = s.atimeHow == Nfs3.SET_TO_CLIENT_TIME ? Time.decode(in) : null;
            s.mtimeHow = in.xdrDecodeInt();
            s.mtime = s.mtimeHow == Nfs3.SET_TO_CLIENT_TIME ? Time.decode(in) : null;
            if (s.atimeHow < 0 || s.atimeHow > 2 || s.mtimeHow < 0 || s.mtimeHow > 2) {
                throw new Malformed("time_how out of range");
            }
            return s;
        }

        void encode(XdrEncodingStream out) {
            optional(out, mode);
            optional(out, uid);
            optional(out, gid);
            out.xdrEncodeBoolean(size != null);
            if (size != null) {
                out.xdrEncodeLong(size);
            }
            out.xdrEncodeInt(atimeHow);
            if (atime != null) {
                atime.encode(out);
            }
            out.xdrEncodeInt(mtimeHow);
            if (mtime != null) {
                mtime.encode(out);
            }
        }

        private static void optional(XdrEncodingStream out, Integer v) {
            out.xdrEncodeBoolean(v != null);
            if (v != null) {
                out.xdrEncodeInt(v);
            }
        }

        static Sattr none() {
            return new Sattr();
        }
    }

    /** Base of every argument type: the whole call, decoded in one go. */
    abstract static class Args implements XdrAble {
        @Override
        public final void xdrDecode(XdrDecodingStream in) throws OncRpcException, IOException {
            decode(in);
        }

        @Override
        public final void xdrEncode(XdrEncodingStream out) throws OncRpcException, IOException {
            encode(out);
        }

        abstract void decode(XdrDecodingStream in) throws IOException;

        abstract void encode(XdrEncodingStream out);
    }

    /** A handle alone: GETATTR, READLINK, FSSTAT, FSINFO, PATHCONF. */
    static final class HandleArgs extends Args {
        byte[] fh;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            fh = handle(in);
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(fh);
        }
    }

    /** diropargs3: LOOKUP, REMOVE, RMDIR. */
    static final class DirOpArgs extends Args {
        byte[] dir;
        byte[] name;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            dir = handle(in);
            name = opaque(in, MAX_PATH_BYTES, "name");
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(dir);
            out.xdrEncodeDynamicOpaque(name);
        }
    }

    static final class SetattrArgs extends Args {
        byte[] fh;
        Sattr attributes;
        Time guard;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            fh = handle(in);
            attributes = Sattr.decode(in);
            guard = in.xdrDecodeBoolean() ? Time.decode(in) : null;
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(fh);
            attributes.encode(out);
            out.xdrEncodeBoolean(guard != null);
            if (guard != null) {
                guard.encode(out);
            }
        }
    }

    static final class AccessArgs extends Args {
        byte[] fh;
        int access;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            fh = handle(in);
            access = in.xdrDecodeInt();
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(fh);
            out.xdrEncodeInt(access);
        }
    }

    /** READ and COMMIT: a handle, an offset and a count. */
    static final class RangeArgs extends Args {
        byte[] fh;
        long offset;
        int count;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            fh = handle(in);
            offset = in.xdrDecodeLong();
            count = in.xdrDecodeInt();
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(fh);
            out.xdrEncodeLong(offset);
            out.xdrEncodeInt(count);
        }
    }

    static final class WriteArgs extends Args {
        byte[] fh;
        long offset;
        int count;
        int stable;
        /**
         * The data as it lies in the request's own buffers, one view per piece the transport read it
         * in, not copied: valid while the request is carried out, which is all a WRITE needs it for.
         * (Flattening 1 MiB read in pieces into one new heap buffer cost a copy and a humongous
         * allocation per WRITE, on top of the copy the file channel makes of a heap buffer.)
         */
        ByteBuffer[] data;

        /** @return the number of data bytes the request carries */
        int length() {
            int n = 0;
            for (ByteBuffer b : data) {
                n += b.remaining();
            }
            return n;
        }

        /** @return views of the first {@code count} data bytes, to write with one gathering write */
        ByteBuffer[] first(int count) {
            java.util.List<ByteBuffer> out = new java.util.ArrayList<>(data.length);
            int left = count;
            for (ByteBuffer b : data) {
                if (left == 0) {
                    break;
                }
                ByteBuffer v = b.duplicate();
                v.limit(v.position() + Math.min(left, v.remaining()));
                left -= v.remaining();
                out.add(v);
            }
            return out.toArray(new ByteBuffer[0]);
        }

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            fh = handle(in);
            offset = in.xdrDecodeLong();
            count = in.xdrDecodeInt();
            stable = in.xdrDecodeInt();
            if (stable < Nfs3.UNSTABLE || stable > Nfs3.FILE_SYNC) {
                throw new Malformed("stable_how " + stable);
            }
            if (in instanceof Xdr x) {
                data = views(x);
            } else {
                data = new ByteBuffer[] {in.xdrDecodeByteBuffer()};
            }
            if (length() > Nfs3.MAX_IO) {
                throw new Malformed("write data of " + length() + " bytes, at most " + Nfs3.MAX_IO);
            }
        }

        /** The opaque data as views of the record's buffers, checked against what the record holds. */
        private static ByteBuffer[] views(Xdr x) throws IOException {
            int length = x.xdrDecodeInt();
            Buffer record = x.asBuffer();
            if (length < 0 || length > Nfs3.MAX_IO || length > record.remaining()) {
                throw new Malformed("write data of " + Integer.toUnsignedString(length) + " bytes, at most "
                        + Math.min(Nfs3.MAX_IO, record.remaining()) + " here");
            }
            int start = record.position();
            ByteBuffer[] views;
            if (length == 0) {
                views = new ByteBuffer[0];
            } else {
                ByteBufferArray pieces = record.toByteBufferArray(start, start + length);
                views = new ByteBuffer[pieces.size()];
                for (int i = 0; i < views.length; i++) {
                    views[i] = pieces.getArray()[i].duplicate();
                }
                pieces.restore();
                pieces.recycle();
            }
            // the padding to a multiple of four bytes; a record that ends without it still reads
            record.position(Math.min(record.limit(), start + ((length + 3) & ~3)));
            return views;
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(fh);
            out.xdrEncodeLong(offset);
            out.xdrEncodeInt(count);
            out.xdrEncodeInt(stable);
            ByteBuffer all = ByteBuffer.allocate(length());
            for (ByteBuffer b : data) {
                all.put(b.duplicate());
            }
            out.xdrEncodeByteBuffer(all.flip());
        }
    }

    static final class CreateArgs extends Args {
        byte[] dir;
        byte[] name;
        int mode;
        Sattr attributes;
        byte[] verifier;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            dir = handle(in);
            name = opaque(in, MAX_PATH_BYTES, "name");
            mode = in.xdrDecodeInt();
            switch (mode) {
                case Nfs3.UNCHECKED, Nfs3.GUARDED -> attributes = Sattr.decode(in);
                case Nfs3.EXCLUSIVE -> verifier = in.xdrDecodeOpaque(Nfs3.VERFSIZE);
                default -> throw new Malformed("createmode3 " + mode);
            }
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(dir);
            out.xdrEncodeDynamicOpaque(name);
            out.xdrEncodeInt(mode);
            if (mode == Nfs3.EXCLUSIVE) {
                out.xdrEncodeOpaque(verifier, Nfs3.VERFSIZE);
            } else {
                attributes.encode(out);
            }
        }
    }

    static final class MkdirArgs extends Args {
        byte[] dir;
        byte[] name;
        Sattr attributes;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            dir = handle(in);
            name = opaque(in, MAX_PATH_BYTES, "name");
            attributes = Sattr.decode(in);
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(dir);
            out.xdrEncodeDynamicOpaque(name);
            attributes.encode(out);
        }
    }

    static final class SymlinkArgs extends Args {
        byte[] dir;
        byte[] name;
        Sattr attributes;
        byte[] target;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            dir = handle(in);
            name = opaque(in, MAX_PATH_BYTES, "name");
            attributes = Sattr.decode(in);
            target = opaque(in, MAX_PATH_BYTES, "symlink target");
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(dir);
            out.xdrEncodeDynamicOpaque(name);
            attributes.encode(out);
            out.xdrEncodeDynamicOpaque(target);
        }
    }

    static final class MknodArgs extends Args {
        byte[] dir;
        byte[] name;
        int type;
        Sattr attributes;
        int major;
        int minor;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            dir = handle(in);
            name = opaque(in, MAX_PATH_BYTES, "name");
            type = in.xdrDecodeInt();
            switch (type) {
                case Nfs3.NF3CHR, Nfs3.NF3BLK -> {
                    attributes = Sattr.decode(in);
                    major = in.xdrDecodeInt();
                    minor = in.xdrDecodeInt();
                }
                case Nfs3.NF3SOCK, Nfs3.NF3FIFO -> attributes = Sattr.decode(in);
                default -> attributes = null; // NF3REG, NF3DIR, NF3LNK: nothing more; answered BADTYPE
            }
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(dir);
            out.xdrEncodeDynamicOpaque(name);
            out.xdrEncodeInt(type);
            if (attributes != null) {
                attributes.encode(out);
            }
            if (type == Nfs3.NF3CHR || type == Nfs3.NF3BLK) {
                out.xdrEncodeInt(major);
                out.xdrEncodeInt(minor);
            }
        }
    }

    static final class RenameArgs extends Args {
        byte[] fromDir;
        byte[] fromName;
        byte[] toDir;
        byte[] toName;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            fromDir = handle(in);
            fromName = opaque(in, MAX_PATH_BYTES, "name");
            toDir = handle(in);
            toName = opaque(in, MAX_PATH_BYTES, "name");
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(fromDir);
            out.xdrEncodeDynamicOpaque(fromName);
            out.xdrEncodeDynamicOpaque(toDir);
            out.xdrEncodeDynamicOpaque(toName);
        }
    }

    static final class LinkArgs extends Args {
        byte[] fh;
        byte[] dir;
        byte[] name;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            fh = handle(in);
            dir = handle(in);
            name = opaque(in, MAX_PATH_BYTES, "name");
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(fh);
            out.xdrEncodeDynamicOpaque(dir);
            out.xdrEncodeDynamicOpaque(name);
        }
    }

    /** READDIR (maxCount unused) and READDIRPLUS. */
    static final class ReaddirArgs extends Args {
        final boolean plus;
        byte[] dir;
        long cookie;
        byte[] cookieVerifier;
        int dirCount;
        int maxCount;

        ReaddirArgs(boolean plus) {
            this.plus = plus;
        }

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            dir = handle(in);
            cookie = in.xdrDecodeLong();
            cookieVerifier = in.xdrDecodeOpaque(Nfs3.VERFSIZE);
            dirCount = in.xdrDecodeInt();
            maxCount = plus ? in.xdrDecodeInt() : dirCount;
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(dir);
            out.xdrEncodeLong(cookie);
            out.xdrEncodeOpaque(cookieVerifier, Nfs3.VERFSIZE);
            out.xdrEncodeInt(dirCount);
            if (plus) {
                out.xdrEncodeInt(maxCount);
            }
        }
    }

    /** dirpath: MNT and UMNT. */
    static final class MountArgs extends Args {
        byte[] path;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            path = opaque(in, Nfs3.MNTPATHLEN, "mount path");
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(path);
        }
    }

    /** mapping: the portmapper's GETPORT. */
    static final class MappingArgs extends Args {
        int program;
        int version;
        int protocol;
        int port;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            program = in.xdrDecodeInt();
            version = in.xdrDecodeInt();
            protocol = in.xdrDecodeInt();
            port = in.xdrDecodeInt();
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeInt(program);
            out.xdrEncodeInt(version);
            out.xdrEncodeInt(protocol);
            out.xdrEncodeInt(port);
        }
    }

    /** A reply body written by a function: results are encoded once, where they are made. */
    @FunctionalInterface
    interface Body {
        void encode(XdrEncodingStream out);

        /** @return the reply's status, its first word: OK unless the body is a failure arm */
        default int status() {
            return Nfs3.OK;
        }
    }

    /** Wraps a {@link Body} or already encoded bytes (a reply replayed from the duplicate request cache). */
    static final class Reply implements XdrAble {
        private final Body body;

        Reply(Body body) {
            this.body = body;
        }

        static Reply of(byte[] encoded) {
            int status = encoded.length < 4 ? Nfs3.OK : java.nio.ByteBuffer.wrap(encoded).getInt();
            // an XDR body is a whole number of 4-byte units; the opaque's length word is left out
            return new Reply(new Body() {
                @Override
                public void encode(XdrEncodingStream out) {
                    out.xdrEncodeOpaque(encoded, encoded.length);
                }

                @Override
                public int status() {
                    return status;
                }
            });
        }

        /** @return the status the reply carries */
        int status() {
            return body.status();
        }

        Body body() {
            return body;
        }

        @Override
        public void xdrDecode(XdrDecodingStream in) {
            throw new UnsupportedOperationException("a reply is only sent");
        }

        @Override
        public void xdrEncode(XdrEncodingStream out) {
            body.encode(out);
        }
    }
}
