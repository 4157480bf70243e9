package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.util.List;
import org.dcache.oncrpc4j.rpc.OncRpcException;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;

/**
 * NSM version 1, the status monitor of one personality: SM_STAT and SM_MON answer its state number;
 * SM_MON, SM_UNMON and SM_UNMON_ALL keep who is to be called back when a watched host's state changes;
 * SM_NOTIFY from a client host that rebooted frees that host's locks (on the exports that admit the
 * caller) and calls back who watched it; SM_SIMU_CRASH (from an unsquashed root only) drops every lock
 * and raises the state as a real loss does. A caller must be admitted by the personality's first export;
 * when this SCM does not own its volume now, the answer is stat_fail (SM_NOTIFY: no reply).
 */
final class NsmProgram implements RpcDispatchable {
    private final MountProgram.Exports exports;
    private final Locks locks;
    private final Events events;

    NsmProgram(MountProgram.Exports exports, Locks locks, Events events) {
        this.exports = exports;
        this.locks = locks;
        this.events = events;
    }

    @Override
    public void dispatchOncRpcCall(RpcCall call) throws OncRpcException, IOException {
        int proc = call.getProcedure();
        if (proc == Nlm4.SM_NULL) {
            call.reply(new Xdr3.Reply(out -> { }));
            return;
        }
        if (proc < Nlm4.SM_STAT || proc > Nlm4.SM_NOTIFY) {
            call.failProcedureUnavailable();
            return;
        }
        Xdr3.Args a = switch (proc) {
            case Nlm4.SM_STAT -> new XdrNlm.StatChange(false);
            case Nlm4.SM_MON -> new XdrNlm.Mon();
            case Nlm4.SM_UNMON -> new XdrNlm.MonId();
            case Nlm4.SM_UNMON_ALL -> new XdrNlm.MyId();
            case Nlm4.SM_NOTIFY -> new XdrNlm.StatChange(true);
            default -> null;
        };
        if (a != null) {
            try {
                call.retrieveCall(a);
            } catch (IOException | RuntimeException e) {
                call.failRpcGarbage();
                return;
            }
        }
        List<ExportState> all = exports.all();
        ExportAccess.Caller caller = all.isEmpty() ? null : all.get(0).access.caller(call);
        try {
            switch (proc) {
                case Nlm4.SM_STAT -> statRes(call, caller != null, caller == null ? 0 : locks.state());
                case Nlm4.SM_MON -> {
                    XdrNlm.Mon m = (XdrNlm.Mon) a;
                    boolean kept = caller != null && locks.monitor(new NsmState.Watch(m.id.monName, m.id.myId.name,
                            m.id.myId.program, m.id.myId.version, m.id.myId.procedure, m.priv, NfsProgram.client(call)));
                    statRes(call, kept, caller == null ? 0 : locks.state());
                }
                case Nlm4.SM_UNMON -> {
                    XdrNlm.MonId m = (XdrNlm.MonId) a;
                    int state = caller == null ? 0 : locks.unmonitor(m.monName, m.myId);
                    call.reply(new Xdr3.Reply(out -> out.xdrEncodeInt(state)));
                }
                case Nlm4.SM_UNMON_ALL -> {
                    int state = caller == null ? 0 : locks.unmonitorAll((XdrNlm.MyId) a);
                    call.reply(new Xdr3.Reply(out -> out.xdrEncodeInt(state)));
                }
                case Nlm4.SM_SIMU_CRASH -> {
                    if (caller != null && caller.uid() == 0) {
                        events.warn("SM_SIMU_CRASH from " + NfsProgram.client(call) + ": every lock of the personality goes");
                        locks.simulateCrash(NlmProgram.admitting(call, all));
                    }
                    call.reply(new Xdr3.Reply(out -> { }));
                }
                case Nlm4.SM_NOTIFY -> {
                    XdrNlm.StatChange n = (XdrNlm.StatChange) a;
                    if (caller != null) {
                        events.info("SM_NOTIFY: " + n.name + " (from " + NfsProgram.client(call) + ") is at state " + n.state
                                + ": its locks go");
                        locks.freeAll(n.name, NlmProgram.admitting(call, all));
                        locks.notifyWatchers(n.name, n.state);
                    }
                    call.reply(new Xdr3.Reply(out -> { }));
                }
                default -> call.failProcedureUnavailable();
            }
        } catch (Locks.Dropped d) {
            // no reply: see Locks.Dropped
        } catch (IOException e) {
            // not owned now, or the state on the volume cannot be written
            if (proc == Nlm4.SM_STAT || proc == Nlm4.SM_MON) {
                statRes(call, false, 0);
            } else if (proc == Nlm4.SM_UNMON || proc == Nlm4.SM_UNMON_ALL) {
                call.reply(new Xdr3.Reply(out -> out.xdrEncodeInt(0)));
            }
        }
    }

    private static void statRes(RpcCall call, boolean ok, int state) {
        call.reply(new Xdr3.Reply(out -> {
            out.xdrEncodeInt(ok ? Nlm4.STAT_SUCC : Nlm4.STAT_FAIL);
            out.xdrEncodeInt(state);
        }));
    }
}
