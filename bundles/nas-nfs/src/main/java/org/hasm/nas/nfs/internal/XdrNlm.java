package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * The arguments of NLM version 4 and NSM version 1, by hand against oncrpc4j like {@link Xdr3}:
 * each decodes what a client sends and encodes it back byte for byte; every variable-length field
 * is bounded before anything is allocated for it. Strings are kept as ISO-8859-1 so that any byte a
 * client sends in a name comes back unchanged.
 */
final class XdrNlm {
    private XdrNlm() {
    }

    static String string(XdrDecodingStream in, int max, String what) throws IOException {
        return new String(Xdr3.opaque(in, max, what), StandardCharsets.ISO_8859_1);
    }

    static void string(XdrEncodingStream out, String s) {
        out.xdrEncodeDynamicOpaque(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    static byte[] netobj(XdrDecodingStream in, String what) throws IOException {
        return Xdr3.opaque(in, Nlm4.MAXNETOBJ, what);
    }

    /** nlm4_lock: who (caller_name, svid, oh), which file (fh), which bytes (64-bit offset and length, 0 = to the end). */
    static final class Lock {
        String callerName = "";
        byte[] fh = new byte[0];
        byte[] oh = new byte[0];
        int svid;
        long offset;
        long length;

        static Lock decode(XdrDecodingStream in) throws IOException {
            Lock l = new Lock();
            l.callerName = string(in, Nlm4.MAXSTRLEN, "caller_name");
            l.fh = netobj(in, "file handle");
            l.oh = netobj(in, "owner handle");
            l.svid = in.xdrDecodeInt();
            l.offset = in.xdrDecodeLong();
            l.length = in.xdrDecodeLong();
            return l;
        }

        void encode(XdrEncodingStream out) {
            string(out, callerName);
            out.xdrEncodeDynamicOpaque(fh);
            out.xdrEncodeDynamicOpaque(oh);
            out.xdrEncodeInt(svid);
            out.xdrEncodeLong(offset);
            out.xdrEncodeLong(length);
        }

        LockTable.Owner owner() {
            return new LockTable.Owner(callerName, svid, oh);
        }
    }

    /** nlm4_testargs (TEST, TEST_MSG, and GRANTED, GRANTED_MSG, which carry the same). */
    static final class TestArgs extends Xdr3.Args {
        byte[] cookie = new byte[0];
        boolean exclusive;
        Lock lock = new Lock();

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            cookie = netobj(in, "cookie");
            exclusive = in.xdrDecodeBoolean();
            lock = Lock.decode(in);
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(cookie);
            out.xdrEncodeBoolean(exclusive);
            lock.encode(out);
        }
    }

    /** nlm4_lockargs (LOCK, LOCK_MSG, NM_LOCK). */
    static final class LockArgs extends Xdr3.Args {
        byte[] cookie = new byte[0];
        boolean block;
        boolean exclusive;
        Lock lock = new Lock();
        boolean reclaim;
        int state;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            cookie = netobj(in, "cookie");
            block = in.xdrDecodeBoolean();
            exclusive = in.xdrDecodeBoolean();
            lock = Lock.decode(in);
            reclaim = in.xdrDecodeBoolean();
            state = in.xdrDecodeInt();
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(cookie);
            out.xdrEncodeBoolean(block);
            out.xdrEncodeBoolean(exclusive);
            lock.encode(out);
            out.xdrEncodeBoolean(reclaim);
            out.xdrEncodeInt(state);
        }
    }

    /** nlm4_cancargs (CANCEL, CANCEL_MSG). */
    static final class CancelArgs extends Xdr3.Args {
        byte[] cookie = new byte[0];
        boolean block;
        boolean exclusive;
        Lock lock = new Lock();

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            cookie = netobj(in, "cookie");
            block = in.xdrDecodeBoolean();
            exclusive = in.xdrDecodeBoolean();
            lock = Lock.decode(in);
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(cookie);
            out.xdrEncodeBoolean(block);
            out.xdrEncodeBoolean(exclusive);
            lock.encode(out);
        }
    }

    /** nlm4_unlockargs (UNLOCK, UNLOCK_MSG). */
    static final class UnlockArgs extends Xdr3.Args {
        byte[] cookie = new byte[0];
        Lock lock = new Lock();

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            cookie = netobj(in, "cookie");
            lock = Lock.decode(in);
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(cookie);
            lock.encode(out);
        }
    }

    /** nlm4_shareargs (SHARE, UNSHARE). */
    static final class ShareArgs extends Xdr3.Args {
        byte[] cookie = new byte[0];
        String callerName = "";
        byte[] fh = new byte[0];
        byte[] oh = new byte[0];
        int mode;
        int access;
        boolean reclaim;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            cookie = netobj(in, "cookie");
            callerName = string(in, Nlm4.MAXSTRLEN, "caller_name");
            fh = netobj(in, "file handle");
            oh = netobj(in, "owner handle");
            mode = in.xdrDecodeInt();
            access = in.xdrDecodeInt();
            if (mode < Nlm4.FSM_DN || mode > Nlm4.FSM_DRW || access < Nlm4.FSA_NONE || access > Nlm4.FSA_RW) {
                throw new Xdr3.Malformed("share mode " + mode + " or access " + access + " out of range");
            }
            reclaim = in.xdrDecodeBoolean();
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(cookie);
            string(out, callerName);
            out.xdrEncodeDynamicOpaque(fh);
            out.xdrEncodeDynamicOpaque(oh);
            out.xdrEncodeInt(mode);
            out.xdrEncodeInt(access);
            out.xdrEncodeBoolean(reclaim);
        }
    }

    /** nlm4_notify (FREE_ALL): a client host that rebooted, and its new state. */
    static final class NotifyArgs extends Xdr3.Args {
        String name = "";
        int state;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            name = string(in, Nlm4.MAXNAMELEN, "name");
            state = in.xdrDecodeInt();
        }

        @Override
        void encode(XdrEncodingStream out) {
            string(out, name);
            out.xdrEncodeInt(state);
        }
    }

    /** nlm4_res (the _RES procedures' arguments, and what GRANTED answers). */
    static final class Res extends Xdr3.Args {
        byte[] cookie = new byte[0];
        int stat;

        Res() {
        }

        Res(byte[] cookie, int stat) {
            this.cookie = cookie;
            this.stat = stat;
        }

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            cookie = netobj(in, "cookie");
            stat = in.xdrDecodeInt();
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(cookie);
            out.xdrEncodeInt(stat);
        }
    }

    /** nlm4_testres (TEST's result, and TEST_RES's argument): DENIED carries the holder. */
    static final class TestRes extends Xdr3.Args {
        byte[] cookie = new byte[0];
        int stat;
        LockTable.Lock holder;

        TestRes() {
        }

        TestRes(byte[] cookie, int stat, LockTable.Lock holder) {
            this.cookie = cookie;
            this.stat = stat;
            this.holder = holder;
        }

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            cookie = netobj(in, "cookie");
            stat = in.xdrDecodeInt();
            if (stat == Nlm4.DENIED) {
                boolean exclusive = in.xdrDecodeBoolean();
                int svid = in.xdrDecodeInt();
                byte[] oh = netobj(in, "owner handle");
                long offset = in.xdrDecodeLong();
                long length = in.xdrDecodeLong();
                holder = new LockTable.Lock(new LockTable.Owner("", svid, oh), exclusive, offset,
                        LockTable.end(offset, length));
            }
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(cookie);
            out.xdrEncodeInt(stat);
            if (stat == Nlm4.DENIED) {
                out.xdrEncodeBoolean(holder.exclusive());
                out.xdrEncodeInt(holder.owner().svid());
                out.xdrEncodeDynamicOpaque(holder.owner().oh());
                out.xdrEncodeLong(holder.start());
                out.xdrEncodeLong(holder.length());
            }
        }
    }

    /** nlm4_shareres. */
    static final class ShareRes extends Xdr3.Args {
        byte[] cookie = new byte[0];
        int stat;
        int sequence;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            cookie = netobj(in, "cookie");
            stat = in.xdrDecodeInt();
            sequence = in.xdrDecodeInt();
        }

        @Override
        void encode(XdrEncodingStream out) {
            out.xdrEncodeDynamicOpaque(cookie);
            out.xdrEncodeInt(stat);
            out.xdrEncodeInt(sequence);
        }
    }

    /** NSM my_id: whom to call back (name, program, version, procedure). */
    static final class MyId extends Xdr3.Args {
        String name = "";
        int program;
        int version;
        int procedure;

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            name = string(in, Nlm4.SM_MAXSTRLEN, "my_name");
            program = in.xdrDecodeInt();
            version = in.xdrDecodeInt();
            procedure = in.xdrDecodeInt();
        }

        @Override
        void encode(XdrEncodingStream out) {
            string(out, name);
            out.xdrEncodeInt(program);
            out.xdrEncodeInt(version);
            out.xdrEncodeInt(procedure);
        }
    }

    /** NSM mon_id: the host to watch and whom to tell. */
    static final class MonId extends Xdr3.Args {
        String monName = "";
        MyId myId = new MyId();

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            monName = string(in, Nlm4.SM_MAXSTRLEN, "mon_name");
            myId.decode(in);
        }

        @Override
        void encode(XdrEncodingStream out) {
            string(out, monName);
            myId.encode(out);
        }
    }

    /** NSM mon: a mon_id and 16 private bytes handed back in the callback. */
    static final class Mon extends Xdr3.Args {
        MonId id = new MonId();
        byte[] priv = new byte[Nlm4.SM_PRIV];

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            id.decode(in);
            priv = in.xdrDecodeOpaque(Nlm4.SM_PRIV);
        }

        @Override
        void encode(XdrEncodingStream out) {
            id.encode(out);
            out.xdrEncodeOpaque(priv, Nlm4.SM_PRIV);
        }
    }

    /** NSM sm_name (SM_STAT) and stat_chge (SM_NOTIFY: a name and its new state); SM_STAT sends no state. */
    static final class StatChange extends Xdr3.Args {
        final boolean withState;
        String name = "";
        int state;

        StatChange(boolean withState) {
            this.withState = withState;
        }

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            name = string(in, Nlm4.SM_MAXSTRLEN, "mon_name");
            if (withState) {
                state = in.xdrDecodeInt();
            }
        }

        @Override
        void encode(XdrEncodingStream out) {
            string(out, name);
            if (withState) {
                out.xdrEncodeInt(state);
            }
        }
    }

    /** NSM status (the callback SM_MON asked for): the host, its new state, the caller's private bytes. */
    static final class Status extends Xdr3.Args {
        String name = "";
        int state;
        byte[] priv = new byte[Nlm4.SM_PRIV];

        @Override
        void decode(XdrDecodingStream in) throws IOException {
            name = string(in, Nlm4.SM_MAXSTRLEN, "mon_name");
            state = in.xdrDecodeInt();
            priv = in.xdrDecodeOpaque(Nlm4.SM_PRIV);
        }

        @Override
        void encode(XdrEncodingStream out) {
            string(out, name);
            out.xdrEncodeInt(state);
            out.xdrEncodeOpaque(priv, Nlm4.SM_PRIV);
        }
    }
}
