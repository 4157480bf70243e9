package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.rpc.OncRpcException;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;

/**
 * NLM version 4 on the exports of one personality: NULL, TEST, LOCK, CANCEL, UNLOCK, GRANTED, their
 * asynchronous _MSG forms (answered by a _RES call back to the client), the _RES procedures, SHARE,
 * UNSHARE, NM_LOCK and FREE_ALL. A handle is proven exactly as NFS proves it ({@link NfsProgram#target}):
 * forged or of another export is NLM4_STALE_FH; a client the export's rules refuse is NLM4_FAILED; a
 * volume this SCM does not own now is NLM4_DENIED_GRACE_PERIOD (the client asks again, of whoever serves
 * it then), and so is a change whose fence is refused while this SCM's ownership has not ended (its lease
 * lapsed for a moment); a change whose fence finds the volume lost gets no reply, and so does a reclaim that
 * cannot be recorded yet (see {@link Locks}). The locks themselves are {@link Locks}'.
 */
final class NlmProgram implements RpcDispatchable {
    private final NfsProgram nfs;
    private final MountProgram.Exports exports;
    private final Locks locks;
    private final Events events;

    /** An answer other than the procedure's own: an nlm4_stats. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int stat;

        Refused(int stat, String message) {
            super(message, null, false, false);
            this.stat = stat;
        }
    }

    NlmProgram(NfsProgram nfs, MountProgram.Exports exports, Locks locks, Events events) {
        this.nfs = nfs;
        this.exports = exports;
        this.locks = locks;
        this.events = events;
    }

    @Override
    public void dispatchOncRpcCall(RpcCall call) throws OncRpcException, IOException {
        int proc = call.getProcedure();
        try {
            switch (proc) {
                case Nlm4.NULL -> call.reply(new Xdr3.Reply(out -> { }));
                case Nlm4.TEST, Nlm4.TEST_MSG -> {
                    XdrNlm.TestArgs a = args(call, new XdrNlm.TestArgs());
                    if (a != null) {
                        answer(call, proc == Nlm4.TEST_MSG, Nlm4.TEST_RES, test(call, a));
                    }
                }
                case Nlm4.LOCK, Nlm4.LOCK_MSG, Nlm4.NM_LOCK -> {
                    XdrNlm.LockArgs a = args(call, new XdrNlm.LockArgs());
                    if (a != null) {
                        answer(call, proc == Nlm4.LOCK_MSG, Nlm4.LOCK_RES,
                                new XdrNlm.Res(a.cookie, lock(call, a, proc != Nlm4.NM_LOCK)));
                    }
                }
                case Nlm4.CANCEL, Nlm4.CANCEL_MSG -> {
                    XdrNlm.CancelArgs a = args(call, new XdrNlm.CancelArgs());
                    if (a != null) {
                        int stat;
                        try {
                            stat = locks.cancel(place(call, a.lock.fh, false), a);
                        } catch (Refused r) {
                            stat = r.stat;
                        } catch (Locks.NotNow n) {
                            stat = Nlm4.DENIED_GRACE_PERIOD;
                        }
                        answer(call, proc == Nlm4.CANCEL_MSG, Nlm4.CANCEL_RES, new XdrNlm.Res(a.cookie, stat));
                    }
                }
                case Nlm4.UNLOCK, Nlm4.UNLOCK_MSG -> {
                    XdrNlm.UnlockArgs a = args(call, new XdrNlm.UnlockArgs());
                    if (a != null) {
                        int stat;
                        try {
                            stat = locks.unlock(place(call, a.lock.fh, false), a.lock);
                        } catch (Refused r) {
                            stat = r.stat;
                        } catch (Locks.NotNow n) {
                            stat = Nlm4.DENIED_GRACE_PERIOD;
                        }
                        answer(call, proc == Nlm4.UNLOCK_MSG, Nlm4.UNLOCK_RES, new XdrNlm.Res(a.cookie, stat));
                    }
                }
                case Nlm4.GRANTED, Nlm4.GRANTED_MSG -> {
                    // a client's procedure: this server waits for no lock of anyone's
                    XdrNlm.TestArgs a = args(call, new XdrNlm.TestArgs());
                    if (a != null) {
                        answer(call, proc == Nlm4.GRANTED_MSG, Nlm4.GRANTED_RES, new XdrNlm.Res(a.cookie, Nlm4.DENIED));
                    }
                }
                case Nlm4.TEST_RES -> {
                    if (args(call, new XdrNlm.TestRes()) != null) {
                        call.reply(new Xdr3.Reply(out -> { }));
                    }
                }
                case Nlm4.LOCK_RES, Nlm4.CANCEL_RES, Nlm4.UNLOCK_RES, Nlm4.GRANTED_RES -> {
                    XdrNlm.Res r = args(call, new XdrNlm.Res());
                    if (r != null) {
                        if (proc == Nlm4.GRANTED_RES && r.stat == Nlm4.GRANTED_OK) {
                            locks.confirmed(r.cookie);
                        }
                        call.reply(new Xdr3.Reply(out -> { }));
                    }
                }
                case Nlm4.SHARE, Nlm4.UNSHARE -> {
                    XdrNlm.ShareArgs a = args(call, new XdrNlm.ShareArgs());
                    if (a != null) {
                        XdrNlm.ShareRes r = new XdrNlm.ShareRes();
                        r.cookie = a.cookie;
                        try {
                            Locks.Place p = place(call, a.fh, false);
                            r.stat = proc == Nlm4.SHARE ? locks.share(p, a) : locks.unshare(p, a);
                        } catch (Refused x) {
                            r.stat = x.stat;
                        } catch (Locks.NotNow n) {
                            r.stat = Nlm4.DENIED_GRACE_PERIOD;
                        }
                        call.reply(new Xdr3.Reply(r::encode));
                    }
                }
                case Nlm4.FREE_ALL -> {
                    XdrNlm.NotifyArgs a = args(call, new XdrNlm.NotifyArgs());
                    if (a != null) {
                        locks.freeAll(a.name, admitting(call, exports.all()));
                        call.reply(new Xdr3.Reply(out -> { }));
                    }
                }
                default -> call.failProcedureUnavailable();
            }
        } catch (Locks.Dropped d) {
            // no reply: the client asks again, of whichever SCM serves the volume then
        } catch (IOException e) {
            // the volume's lock state cannot be read or written (or the volume went meanwhile): nothing is
            // granted; no reply, so the client asks again, as after a JUKEBOX of NFS
            events.warn("NLM procedure " + proc + " from " + NfsProgram.client(call) + " not answered: " + e.getMessage());
        }
    }

    private static <T extends Xdr3.Args> T args(RpcCall call, T a) throws IOException {
        try {
            call.retrieveCall(a);
            return a;
        } catch (IOException | RuntimeException e) {
            call.failRpcGarbage();
            return null;
        }
    }

    /** Replies, or for a _MSG form replies nothing but calls the client back with the result. */
    private void answer(RpcCall call, boolean message, int resProc, Xdr3.Args result) {
        if (!message) {
            call.reply(new Xdr3.Reply(result::encode));
            return;
        }
        call.reply(new Xdr3.Reply(out -> { }));
        locks.callback("NLM procedure " + resProc, NfsProgram.client(call), Nlm4.PROGRAM, Nlm4.VERSION, resProc, result);
    }

    private XdrNlm.TestRes test(RpcCall call, XdrNlm.TestArgs a) throws IOException {
        try {
            Locks.Place p = place(call, a.lock.fh, false);
            Object r = locks.test(p, a.lock.owner(), a.exclusive, a.lock.offset, LockTable.end(a.lock.offset, a.lock.length));
            if (r instanceof Integer stat) {
                return new XdrNlm.TestRes(a.cookie, stat, null);
            }
            return r == null ? new XdrNlm.TestRes(a.cookie, Nlm4.GRANTED_OK, null)
                    : new XdrNlm.TestRes(a.cookie, Nlm4.DENIED, (LockTable.Lock) r);
        } catch (Refused x) {
            return new XdrNlm.TestRes(a.cookie, x.stat, null);
        }
    }

    private int lock(RpcCall call, XdrNlm.LockArgs a, boolean monitored) throws IOException, Locks.Dropped {
        try {
            Locks.Place p = place(call, a.lock.fh, a.exclusive);
            return locks.lock(p, a, monitored, NfsProgram.client(call), server(call));
        } catch (Refused x) {
            return x.stat;
        } catch (Locks.NotNow n) {
            return Nlm4.DENIED_GRACE_PERIOD;
        }
    }

    /** Proves a handle as NFS does, and the caller by the export's rules. */
    private Locks.Place place(RpcCall call, byte[] fh, boolean writing) throws Refused {
        NfsProgram.Target t;
        try {
            t = nfs.target(fh);
        } catch (NfsProgram.Failure f) {
            throw new Refused(switch (f.status) {
                case Nfs3.ERR_JUKEBOX -> Nlm4.DENIED_GRACE_PERIOD;
                case Nfs3.ERR_STALE, Nfs3.ERR_BADHANDLE -> Nlm4.STALE_FH;
                default -> Nlm4.FAILED;
            }, f.getMessage());
        }
        if (t.export().access.caller(call) == null) {
            throw new Refused(Nlm4.FAILED, "export " + t.export().name + " refuses this client");
        }
        if (writing && t.export().readOnly) {
            throw new Refused(Nlm4.ROFS, "export " + t.export().name + " is read-only");
        }
        return new Locks.Place(t.export().volume, t.volume(), t.id());
    }

    /** @return the volumes of the exports whose rules admit the caller */
    static List<VolumeState> admitting(RpcCall call, List<ExportState> all) {
        List<VolumeState> out = new ArrayList<>();
        for (ExportState e : all) {
            if (e.access.caller(call) != null && !out.contains(e.volume)) {
                out.add(e.volume);
            }
        }
        return out;
    }

    /** @return the address the client called: the server's name as that client knows it */
    static String server(RpcCall call) {
        var local = call.getTransport().getLocalSocketAddress();
        return local == null || local.getAddress() == null ? "?" : local.getAddress().getHostAddress();
    }
}
