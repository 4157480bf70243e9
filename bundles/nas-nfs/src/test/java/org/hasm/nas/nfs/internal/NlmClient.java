package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.dcache.oncrpc4j.xdr.Xdr;

/**
 * NLM version 4 and NSM version 1 calls over {@link RpcClient}, for tests: one client host (its
 * caller_name) and one process (svid) of it; each call returns the nlm4_stats the server answered.
 */
public final class NlmClient implements AutoCloseable {
    public static final int GRANTED = Nlm4.GRANTED_OK;
    public static final int DENIED = Nlm4.DENIED;
    public static final int BLOCKED = Nlm4.BLOCKED;
    public static final int DENIED_GRACE_PERIOD = Nlm4.DENIED_GRACE_PERIOD;
    public static final int STALE_FH = Nlm4.STALE_FH;

    final RpcClient rpc;
    final String callerName;
    final int svid;
    final byte[] oh;
    private int cookies;

    public NlmClient(String host, int port, String callerName, int svid) throws IOException {
        this.rpc = new RpcClient(host, port).as(1000, 1000);
        this.callerName = callerName;
        this.svid = svid;
        this.oh = (callerName + "/" + svid).getBytes(StandardCharsets.UTF_8);
    }

    /** The holder a TEST answered DENIED with, or {@code null} when it answered otherwise. */
    public record Tested(int stat, boolean exclusive, int svid, long offset, long length) {
    }

    XdrNlm.Lock lock(byte[] fh, long offset, long length) {
        XdrNlm.Lock l = new XdrNlm.Lock();
        l.callerName = callerName;
        l.fh = fh;
        l.oh = oh;
        l.svid = svid;
        l.offset = offset;
        l.length = length;
        return l;
    }

    byte[] cookie() {
        return ("c" + (++cookies)).getBytes(StandardCharsets.US_ASCII);
    }

    XdrNlm.LockArgs lockArgs(byte[] fh, long offset, long length, boolean exclusive, boolean block, boolean reclaim) {
        XdrNlm.LockArgs a = new XdrNlm.LockArgs();
        a.cookie = cookie();
        a.block = block;
        a.exclusive = exclusive;
        a.lock = lock(fh, offset, length);
        a.reclaim = reclaim;
        a.state = 1;
        return a;
    }

    public int lock(byte[] fh, long offset, long length, boolean exclusive) throws IOException {
        return lock(fh, offset, length, exclusive, false, false);
    }

    public int lock(byte[] fh, long offset, long length, boolean exclusive, boolean block, boolean reclaim)
            throws IOException {
        return res(rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.LOCK, lockArgs(fh, offset, length, exclusive, block, reclaim)));
    }

    /** Sends a LOCK without waiting for its reply. @return its XID, for {@link #receiveStat} */
    public int sendLock(byte[] fh, long offset, long length, boolean exclusive) throws IOException {
        int xid = RpcClient.nextXid();
        rpc.send(xid, Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.LOCK, lockArgs(fh, offset, length, exclusive, false, false));
        return xid;
    }

    /** @return the nlm4_stats of the reply with this XID */
    public int receiveStat(int xid) throws IOException {
        return res(rpc.receive(xid));
    }

    public int nmLock(byte[] fh, long offset, long length, boolean exclusive) throws IOException {
        return res(rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.NM_LOCK, lockArgs(fh, offset, length, exclusive, false, false)));
    }

    public Tested test(byte[] fh, long offset, long length, boolean exclusive) throws IOException {
        XdrNlm.TestArgs a = new XdrNlm.TestArgs();
        a.cookie = cookie();
        a.exclusive = exclusive;
        a.lock = lock(fh, offset, length);
        XdrNlm.TestRes r = new XdrNlm.TestRes();
        r.decode(rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.TEST, a));
        if (r.holder == null) {
            return new Tested(r.stat, false, 0, 0, 0);
        }
        return new Tested(r.stat, r.holder.exclusive(), r.holder.owner().svid(), r.holder.start(), r.holder.length());
    }

    public int unlock(byte[] fh, long offset, long length) throws IOException {
        XdrNlm.UnlockArgs a = new XdrNlm.UnlockArgs();
        a.cookie = cookie();
        a.lock = lock(fh, offset, length);
        return res(rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.UNLOCK, a));
    }

    public int cancel(byte[] fh, long offset, long length, boolean exclusive) throws IOException {
        XdrNlm.CancelArgs a = new XdrNlm.CancelArgs();
        a.cookie = cookie();
        a.block = true;
        a.exclusive = exclusive;
        a.lock = lock(fh, offset, length);
        return res(rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.CANCEL, a));
    }

    public int share(byte[] fh, int mode, int access, boolean unshare) throws IOException {
        XdrNlm.ShareArgs a = new XdrNlm.ShareArgs();
        a.cookie = cookie();
        a.callerName = callerName;
        a.fh = fh;
        a.oh = oh;
        a.mode = mode;
        a.access = access;
        XdrNlm.ShareRes r = new XdrNlm.ShareRes();
        r.decode(rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, unshare ? Nlm4.UNSHARE : Nlm4.SHARE, a));
        return r.stat;
    }

    public void freeAll(int state) throws IOException {
        XdrNlm.NotifyArgs a = new XdrNlm.NotifyArgs();
        a.name = callerName;
        a.state = state;
        rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.FREE_ALL, a);
    }

    /** @return the server's NSM state number (SM_STAT), or -1 for stat_fail */
    public int smStat() throws IOException {
        XdrNlm.StatChange a = new XdrNlm.StatChange(false);
        a.name = callerName;
        Xdr x = rpc.call(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION, Nlm4.SM_STAT, a);
        int res = x.xdrDecodeInt();
        int state = x.xdrDecodeInt();
        return res == Nlm4.STAT_SUCC ? state : -1;
    }

    /** SM_MON: asks to be called back at {@code program/version/procedure} when {@code monName} changes. @return the state, -1 for stat_fail */
    public int smMon(String monName, int program, int version, int procedure) throws IOException {
        XdrNlm.Mon m = new XdrNlm.Mon();
        m.id.monName = monName;
        m.id.myId.name = callerName;
        m.id.myId.program = program;
        m.id.myId.version = version;
        m.id.myId.procedure = procedure;
        m.priv = "private-16-bytes".getBytes(StandardCharsets.US_ASCII);
        Xdr x = rpc.call(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION, Nlm4.SM_MON, m);
        int res = x.xdrDecodeInt();
        int state = x.xdrDecodeInt();
        return res == Nlm4.STAT_SUCC ? state : -1;
    }

    /** SM_NOTIFY: this client host rebooted and is now at {@code state}. */
    public void smNotify(int state) throws IOException {
        XdrNlm.StatChange a = new XdrNlm.StatChange(true);
        a.name = callerName;
        a.state = state;
        rpc.call(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION, Nlm4.SM_NOTIFY, a);
    }

    private static int res(Xdr x) throws IOException {
        XdrNlm.Res r = new XdrNlm.Res();
        r.decode(x);
        return r.stat;
    }

    @Override
    public void close() throws IOException {
        rpc.close();
    }
}
